/**
 * EF.DG2 (ICAO 9303 part 10 §4.7.2): the encoded face as a biometric information template group
 * (0x7F61) of templates (0x7F60), each with a biometric header template (0xA1) and an ISO/IEC 19794-5
 * facial record (0x5F2E, or 0x7F2E when the data are constructed). Exposes each portrait's image
 * bytes and what the record declares about it; portrait.ts decodes the image.
 */
import type * as asn1js from "asn1js";
import { childrenOf, contentOf, decodeDer, expectOuterTag, findChild, getChild, hasTag, tagOf, uintOf } from "./der.ts";
import { ChipFileError } from "./errors.ts";
import { DATA_GROUP_TAGS } from "./lds.ts";
import { DEFAULT_CHIP_LIMITS, type ChipLimits } from "./limits.ts";

const FILE = "EF.DG2";

export type PortraitMime = "image/jpeg" | "image/jp2";

export interface FacialRecordImage {
  /** From the image's magic bytes (the record's data type byte says 0 JPEG, 1 JPEG 2000). */
  mime: PortraitMime;
  /** The record's image data type byte as written. */
  dataType: number;
  declaredWidth: number;
  declaredHeight: number;
  /** ISO/IEC 19794-5 gender code: 0 unspecified, 1 male, 2 female, 0xFF unknown. */
  gender: number;
  /** Face image type: 0 basic, 1 full frontal, 2 token frontal. */
  faceImageType: number;
  image: Uint8Array;
}

export interface BiometricHeader {
  /** 0x87 format owner and 0x88 format type (0x0101 / 0x0008 for ISO/IEC 19794-5), hexadecimal. */
  formatOwner: string | null;
  formatType: string | null;
}

export class Dg2File {
  private constructor(
    readonly images: readonly FacialRecordImage[],
    readonly headers: readonly BiometricHeader[],
  ) {}

  static parse(bytes: Uint8Array, limits: ChipLimits = DEFAULT_CHIP_LIMITS): Dg2File {
    const outer = expectOuterTag(
      FILE,
      decodeDer(FILE, bytes, { maxBytes: limits.maxPortraitBytes, maxDepth: limits.maxDepth }),
      DATA_GROUP_TAGS[2],
    );
    const group = getChild(FILE, outer, 0x7f61);
    const declaredCount = uintOf(contentOf(FILE, getChild(FILE, group, 0x02)));
    const templates = childrenOf(group).filter((c) => hasTag(c, 0x7f60));
    if (templates.length === 0 || templates.length !== declaredCount) {
      throw new ChipFileError(FILE, `${templates.length} biometric templates, the group declares ${declaredCount}`);
    }
    const images: FacialRecordImage[] = [];
    const headers: BiometricHeader[] = [];
    for (const template of templates) {
      headers.push(headerOf(biometricHeaderOf(template)));
      const block = findChild(template, 0x5f2e) ?? findChild(template, 0x7f2e);
      if (block === null) throw new ChipFileError(FILE, "biometric template without a data block (0x5F2E)");
      images.push(...parseFacialRecord(blockBytes(block)));
    }
    return new Dg2File(images, headers);
  }

  /** The first portrait (the one the holder is compared against). */
  get portrait(): FacialRecordImage {
    return this.images[0]!;
  }
}

/**
 * The biometric header template: 0xA1 in ICAO 9303, but ISO/IEC 7816-11 allows the next context tags
 * (0xA2 …) and some issuers use them; the first context-class constructed element is taken.
 */
function biometricHeaderOf(template: asn1js.AsnType): asn1js.AsnType {
  const header = childrenOf(template).find((c) => tagOf(c).tagClass === "context" && tagOf(c).constructed);
  if (header === undefined) throw new ChipFileError(FILE, "biometric template without a header template (0xA1)");
  return header;
}

function headerOf(bht: asn1js.AsnType): BiometricHeader {
  const hexOf = (tag: number): string | null => {
    const el = findChild(bht, tag);
    return el === null ? null : Buffer.from(contentOf(FILE, el)).toString("hex");
  };
  return { formatOwner: hexOf(0x87), formatType: hexOf(0x88) };
}

function blockBytes(block: asn1js.AsnType): Uint8Array {
  const children = childrenOf(block);
  if (children.length === 0) return contentOf(FILE, block);
  return Buffer.concat(children.map((c) => contentOf(FILE, c)));
}

/** ISO/IEC 19794-5:2005 facial record: a 14-byte header, then per image a 20-byte information block,
 *  feature points (8 bytes each), a 12-byte image information block and the image data. */
export function parseFacialRecord(record: Uint8Array): FacialRecordImage[] {
  const view = Buffer.from(record.buffer, record.byteOffset, record.byteLength);
  if (view.length < 14 || view.toString("latin1", 0, 4) !== "FAC\0")
    throw new ChipFileError(FILE, "facial record does not start with FAC");
  const recordLength = view.readUInt32BE(8);
  // Some chips pad the data object after the record: fewer declared bytes are accepted, more are not.
  if (recordLength > view.length || recordLength < 14) {
    throw new ChipFileError(FILE, `facial record declares ${recordLength} bytes, holds ${view.length}`);
  }
  const count = view.readUInt16BE(12);
  if (count === 0) throw new ChipFileError(FILE, "facial record without an image");
  const images: FacialRecordImage[] = [];
  let offset = 14;
  for (let i = 0; i < count; i++) {
    if (offset + 20 > recordLength)
      throw new ChipFileError(FILE, "facial information block past the end of the record");
    const blockLength = view.readUInt32BE(offset);
    const end = offset + blockLength;
    const featurePoints = view.readUInt16BE(offset + 4);
    const gender = view.readUInt8(offset + 6);
    const info = offset + 20 + 8 * featurePoints;
    if (blockLength < 32 || end > recordLength || info + 12 > end) {
      throw new ChipFileError(FILE, `facial image block of ${blockLength} bytes does not fit the record`);
    }
    const faceImageType = view.readUInt8(info);
    const dataType = view.readUInt8(info + 1);
    const image = new Uint8Array(view.subarray(info + 12, end));
    const mime = imageMime(dataType, image);
    images.push({
      mime,
      dataType,
      declaredWidth: view.readUInt16BE(info + 2),
      declaredHeight: view.readUInt16BE(info + 4),
      gender,
      faceImageType,
      image,
    });
    offset = end;
  }
  return images;
}

const JPEG_MAGIC = [0xff, 0xd8, 0xff];
const JP2_MAGIC = [0x00, 0x00, 0x00, 0x0c, 0x6a, 0x50, 0x20, 0x20];
const J2K_MAGIC = [0xff, 0x4f, 0xff, 0x51];
const startsWith = (bytes: Uint8Array, magic: readonly number[]): boolean => magic.every((b, i) => bytes[i] === b);

/**
 * The image type from its own magic bytes: issuers have been seen to mislabel the data type byte
 * (0 JPEG, 1 JPEG 2000), and the bytes are what gets decoded. Anything else is refused.
 */
function imageMime(dataType: number, image: Uint8Array): PortraitMime {
  if (startsWith(image, JPEG_MAGIC)) return "image/jpeg";
  if (startsWith(image, JP2_MAGIC) || startsWith(image, J2K_MAGIC)) return "image/jp2";
  throw new ChipFileError(FILE, `image (data type ${dataType}) is neither JPEG nor JPEG 2000`);
}
