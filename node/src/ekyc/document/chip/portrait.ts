/**
 * The DG2 portrait as pixels: JPEG through sharp (libvips), JPEG 2000 through OpenJPEG compiled to
 * WebAssembly (@cornerstonejs/codec-openjpeg, loaded once, offline). Dimensions are read from the
 * image's own header and bounded before any full decode.
 */
import { createRequire } from "node:module";
import sharp from "sharp";
import { ChipFileError } from "./errors.ts";
import type { FacialRecordImage, PortraitMime } from "./dg2.ts";
import { DEFAULT_CHIP_LIMITS, type ChipLimits } from "./limits.ts";

const FILE = "EF.DG2 portrait";

export interface PortraitInfo {
  mime: PortraitMime;
  width: number;
  height: number;
}

export interface DecodedPortrait extends PortraitInfo {
  /** 8-bit samples, `channels` per pixel (1 grey or 3 RGB), rows top to bottom. */
  pixels: Uint8Array;
  channels: 1 | 3;
}

interface OpenJpegDecoder {
  getEncodedBuffer(length: number): Uint8Array;
  getDecodedBuffer(): Uint8Array;
  decode(): void;
  getFrameInfo(): { width: number; height: number; bitsPerSample: number; componentCount: number; isSigned: boolean };
  delete(): void;
}
interface OpenJpegModule {
  J2KDecoder: new () => OpenJpegDecoder;
}

let openJpeg: Promise<OpenJpegModule> | null = null;
function loadOpenJpeg(): Promise<OpenJpegModule> {
  const require = createRequire(import.meta.url);
  const factory = require("@cornerstonejs/codec-openjpeg/wasmjs") as (m: object) => Promise<OpenJpegModule>;
  // Emscripten prints OpenJPEG's [INFO] lines on stdout unless told otherwise.
  openJpeg ??= factory({ print: () => undefined, printErr: () => undefined });
  return openJpeg;
}

/** Width, height and type from the image header only. */
export async function portraitInfo(
  image: FacialRecordImage,
  limits: ChipLimits = DEFAULT_CHIP_LIMITS,
): Promise<PortraitInfo> {
  if (image.mime === "image/jp2") {
    const size = j2kImageSize(jp2Codestream(image.image));
    return checked(image.mime, size.width, size.height, limits);
  }
  const meta = await sharp(image.image, { limitInputPixels: limits.maxPortraitPixels })
    .metadata()
    .catch((cause: unknown) => {
      throw new ChipFileError(FILE, "JPEG header unreadable", { cause });
    });
  return checked(image.mime, meta.width ?? 0, meta.height ?? 0, limits);
}

/**
 * Image size from the codestream's SIZ marker segment (ISO/IEC 15444-1 A.5.1: SOC, then SIZ with Xsiz,
 * Ysiz, XOsiz, YOsiz). The OpenJPEG build reports sizes only after a full decode, and the size is
 * needed first, to bound that decode.
 */
export function j2kImageSize(codestream: Uint8Array): { width: number; height: number } {
  const view = Buffer.from(codestream.buffer, codestream.byteOffset, codestream.byteLength);
  if (view.length < 24 || view.readUInt16BE(0) !== 0xff4f || view.readUInt16BE(2) !== 0xff51) {
    throw new ChipFileError(FILE, "JPEG 2000 codestream without SOC and SIZ markers");
  }
  return { width: view.readUInt32BE(8) - view.readUInt32BE(16), height: view.readUInt32BE(12) - view.readUInt32BE(20) };
}

/** The portrait's pixels (for the face matcher). */
export async function decodePortrait(
  image: FacialRecordImage,
  limits: ChipLimits = DEFAULT_CHIP_LIMITS,
): Promise<DecodedPortrait> {
  if (image.mime === "image/jp2") {
    const size = j2kImageSize(jp2Codestream(image.image));
    checked(image.mime, size.width, size.height, limits);
    return withJ2kDecoder(image.image, (decoder) => {
      decoder.decode();
      const header = decoder.getFrameInfo();
      if (header.bitsPerSample !== 8 || (header.componentCount !== 1 && header.componentCount !== 3)) {
        throw new ChipFileError(
          FILE,
          `JPEG 2000 with ${header.componentCount} components of ${header.bitsPerSample} bits`,
        );
      }
      return {
        mime: image.mime,
        width: header.width,
        height: header.height,
        channels: header.componentCount,
        pixels: new Uint8Array(decoder.getDecodedBuffer()),
      };
    });
  }
  try {
    const { data, info } = await sharp(image.image, { limitInputPixels: limits.maxPortraitPixels })
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    const channels = info.channels === 1 ? 1 : 3;
    const pixels =
      info.channels === channels
        ? new Uint8Array(data)
        : new Uint8Array(await sharp(image.image).toColourspace("srgb").removeAlpha().raw().toBuffer());
    return { ...checked(image.mime, info.width, info.height, limits), channels, pixels };
  } catch (cause) {
    if (cause instanceof ChipFileError) throw cause;
    throw new ChipFileError(FILE, "JPEG undecodable", { cause });
  }
}

/** The decoded portrait as PNG (what the face pipeline takes as an image file). */
export async function portraitPng(portrait: DecodedPortrait): Promise<Buffer> {
  return sharp(portrait.pixels, {
    raw: { width: portrait.width, height: portrait.height, channels: portrait.channels },
  })
    .png()
    .toBuffer();
}

/** Longest side of the portrait sent to the national ID registry: a DG2 portrait is rarely larger. */
const REGISTRY_PORTRAIT_MAX_SIDE = 640;

/**
 * The decoded portrait as the national ID registry gets it (checks/national-id): JPEG, at most
 * 640 px a side, so a chip's largest allowed portrait (4 Mpx) still fits the query's byte bound.
 */
export async function portraitJpegForRegistry(portrait: DecodedPortrait): Promise<Buffer> {
  return sharp(portrait.pixels, {
    raw: { width: portrait.width, height: portrait.height, channels: portrait.channels },
  })
    .resize(REGISTRY_PORTRAIT_MAX_SIDE, REGISTRY_PORTRAIT_MAX_SIDE, { fit: "inside", withoutEnlargement: true })
    .jpeg({ quality: 90 })
    .toBuffer();
}

function checked(mime: PortraitMime, width: number, height: number, limits: ChipLimits): PortraitInfo {
  if (width <= 0 || height <= 0) throw new ChipFileError(FILE, "image without dimensions");
  if (width * height > limits.maxPortraitPixels)
    throw new ChipFileError(FILE, `${width}×${height} exceeds ${limits.maxPortraitPixels} pixels`);
  return { mime, width, height };
}

async function withJ2kDecoder<T>(image: Uint8Array, run: (decoder: OpenJpegDecoder) => T): Promise<T> {
  const codestream = jp2Codestream(image);
  const module = await loadOpenJpeg();
  const decoder = new module.J2KDecoder();
  try {
    decoder.getEncodedBuffer(codestream.length).set(codestream);
    return run(decoder);
  } catch (cause) {
    if (cause instanceof ChipFileError) throw cause;
    throw new ChipFileError(FILE, "JPEG 2000 undecodable", { cause });
  } finally {
    decoder.delete();
  }
}

/**
 * The JPEG 2000 codestream: the image itself when it starts with SOC/SIZ, else the contents of the
 * `jp2c` box of a JP2 file (ISO/IEC 15444-1 annex I boxes: 4-byte length, 4-byte type).
 */
export function jp2Codestream(image: Uint8Array): Uint8Array {
  if (image[0] === 0xff && image[1] === 0x4f) return image;
  const view = Buffer.from(image.buffer, image.byteOffset, image.byteLength);
  let offset = 0;
  for (let boxes = 0; boxes < 64 && offset + 8 <= view.length; boxes++) {
    let length = view.readUInt32BE(offset);
    const type = view.toString("latin1", offset + 4, offset + 8);
    let header = 8;
    if (length === 1) {
      if (offset + 16 > view.length) break;
      length = Number(view.readBigUInt64BE(offset + 8));
      header = 16;
    } else if (length === 0) length = view.length - offset;
    if (length < header || offset + length > view.length) break;
    if (type === "jp2c") return image.subarray(offset + header, offset + length);
    offset += length;
  }
  throw new ChipFileError(FILE, "JP2 file without a readable jp2c codestream box");
}
