/** JPEG 2000 encoding for test portraits: OpenJPEG (WebAssembly) codestream wrapped in JP2 boxes. */
import { createRequire } from "node:module";

interface OpenJpegEncoder {
  getDecodedBuffer(info: {
    width: number;
    height: number;
    bitsPerSample: number;
    componentCount: number;
    isSigned: boolean;
    isUsingColorTransform: boolean;
  }): Uint8Array;
  getEncodedBuffer(): Uint8Array;
  setQuality(lossless: boolean, quality: number): void;
  encode(): void;
  delete(): void;
}
interface OpenJpegModule {
  J2KEncoder: new () => OpenJpegEncoder;
}

let module: Promise<OpenJpegModule> | null = null;

/** RGB pixels → JP2 file (signature, file type, header with ihdr and sRGB colr, codestream). */
export async function encodeJp2(rgb: Uint8Array, width: number, height: number): Promise<Uint8Array> {
  const factory = createRequire(import.meta.url)("@cornerstonejs/codec-openjpeg/wasmjs") as (
    m: object,
  ) => Promise<OpenJpegModule>;
  module ??= factory({ print: () => undefined, printErr: () => undefined });
  const encoder = new (await module).J2KEncoder();
  try {
    encoder
      .getDecodedBuffer({
        width,
        height,
        bitsPerSample: 8,
        componentCount: 3,
        isSigned: false,
        isUsingColorTransform: true,
      })
      .set(rgb);
    encoder.setQuality(false, 0);
    encoder.encode();
    const codestream = Buffer.from(encoder.getEncodedBuffer());
    const ihdr = Buffer.alloc(14);
    ihdr.writeUInt32BE(height, 0);
    ihdr.writeUInt32BE(width, 4);
    ihdr.writeUInt16BE(3, 8);
    ihdr.writeUInt8(7, 10); // 8 bits, unsigned
    ihdr.writeUInt8(7, 11); // compression type: JPEG 2000
    const colr = Buffer.from([1, 0, 0, 0, 0, 0, 16]); // enumerated colour space: sRGB
    const jp2h = Buffer.concat([box("ihdr", ihdr), box("colr", colr)]);
    return new Uint8Array(
      Buffer.concat([
        box("jP  ", Buffer.from([0x0d, 0x0a, 0x87, 0x0a])),
        box("ftyp", Buffer.concat([Buffer.from("jp2 "), Buffer.alloc(4), Buffer.from("jp2 ")])),
        box("jp2h", jp2h),
        box("jp2c", codestream),
      ]),
    );
  } finally {
    encoder.delete();
  }
}

function box(type: string, content: Buffer): Buffer {
  const header = Buffer.alloc(8);
  header.writeUInt32BE(8 + content.length, 0);
  header.write(type, 4, "latin1");
  return Buffer.concat([header, content]);
}
