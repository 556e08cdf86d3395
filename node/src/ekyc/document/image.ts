/**
 * Bounded image intake: rejects oversize input by bytes and by pixel count before decoding
 * (sharp `limitInputPixels` reads only the header to decide), honours EXIF orientation and
 * produces a greyscale working copy capped on its long side.
 */
import sharp, { type Metadata, type OutputInfo } from "sharp";
import { ImageTooLargeError, ImageTooSmallError, InvalidImageError } from "./errors.ts";

export interface ImageLimits {
  /** Max encoded size in bytes (default 15 MB). */
  maxBytes: number;
  /** Max decoded pixels, width × height (default 40 M). */
  maxPixels: number;
  /** Long side of the working copy (default 1600 px). */
  workingLongSide: number;
}

export const DEFAULT_IMAGE_LIMITS: ImageLimits = {
  maxBytes: 15 * 1024 * 1024,
  maxPixels: 40_000_000,
  workingLongSide: 1600,
};

export interface LoadedImage {
  /** 8-bit greyscale, row-major. */
  gray: Uint8Array;
  width: number;
  height: number;
  /** Properties of the original, for tamper analysis. */
  original: {
    format: string;
    width: number;
    height: number;
    bytes: number;
    density: number | null;
    jpegQuality: number | null;
  };
  /** The original encoded bytes (EXIF/XMP analysis reads them). */
  encoded: Uint8Array;
}

/**
 * The smallest image that can still hold a legible MRZ: two rows of characters about 8 px high
 * with their spacing (short side), a 30-character TD1 row of 5 px wide characters (long side).
 * Anything larger is read: a small image is a scored signal (tamper.ts), not a refusal.
 */
export const MIN_SHORT_SIDE = 48,
  MIN_LONG_SIDE = 150;

export async function loadImage(
  side: string,
  input: Uint8Array,
  limits: ImageLimits = DEFAULT_IMAGE_LIMITS,
): Promise<LoadedImage> {
  if (!(input instanceof Uint8Array) || input.length === 0) throw new InvalidImageError(side, "empty input");
  if (input.length > limits.maxBytes) throw new ImageTooLargeError(side, "bytes", input.length, limits.maxBytes);
  const format = sniffFormat(input);
  if (format === null) throw new InvalidImageError(side, "not a supported image (JPEG, PNG, WebP, TIFF)");
  let meta: Metadata;
  try {
    // Header only for these raster formats: the pixel count is checked before anything is decoded.
    meta = await sharp(input, { limitInputPixels: false }).metadata();
  } catch (cause) {
    throw new InvalidImageError(side, `unreadable ${format} header`, { cause });
  }
  const width = meta.width ?? 0,
    height = meta.height ?? 0;
  if (width * height > limits.maxPixels) throw new ImageTooLargeError(side, "pixels", width * height, limits.maxPixels);
  if (Math.min(width, height) < MIN_SHORT_SIDE || Math.max(width, height) < MIN_LONG_SIDE)
    throw new ImageTooSmallError(side, width, height, { shortSide: MIN_SHORT_SIDE, longSide: MIN_LONG_SIDE });
  let decoded: { data: Buffer; info: OutputInfo };
  try {
    decoded = await sharp(input, { limitInputPixels: limits.maxPixels, failOn: "truncated" })
      .rotate()
      .resize({
        width: limits.workingLongSide,
        height: limits.workingLongSide,
        fit: "inside",
        withoutEnlargement: true,
      })
      .grayscale()
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch (cause) {
    throw new InvalidImageError(side, "image data is truncated or corrupt", { cause });
  }
  return {
    gray: new Uint8Array(decoded.data.buffer, decoded.data.byteOffset, decoded.data.length),
    width: decoded.info.width,
    height: decoded.info.height,
    original: {
      format: meta.format ?? "unknown",
      width,
      height,
      bytes: input.length,
      density: meta.density ?? null,
      jpegQuality: meta.format === "jpeg" ? estimateJpegQuality(input) : null,
    },
    encoded: input,
  };
}

/** Raster formats we accept, by magic bytes (never SVG or other formats sharp would render). */
function sniffFormat(b: Uint8Array): "JPEG" | "PNG" | "WebP" | "TIFF" | null {
  const at = (i: number) => b[i] ?? -1;
  if (at(0) === 0xff && at(1) === 0xd8 && at(2) === 0xff) return "JPEG";
  if (at(0) === 0x89 && at(1) === 0x50 && at(2) === 0x4e && at(3) === 0x47) return "PNG";
  if (
    at(0) === 0x52 &&
    at(1) === 0x49 &&
    at(2) === 0x46 &&
    at(3) === 0x46 &&
    at(8) === 0x57 &&
    at(9) === 0x45 &&
    at(10) === 0x42 &&
    at(11) === 0x50
  )
    return "WebP";
  if (
    (at(0) === 0x49 && at(1) === 0x49 && at(2) === 0x2a && at(3) === 0) ||
    (at(0) === 0x4d && at(1) === 0x4d && at(2) === 0 && at(3) === 0x2a)
  )
    return "TIFF";
  return null;
}

/** Standard JPEG luminance quantisation table (Annex K), zig-zag order is irrelevant for sums. */
const STD_LUMA = [
  16, 11, 10, 16, 24, 40, 51, 61, 12, 12, 14, 19, 26, 58, 60, 55, 14, 13, 16, 24, 40, 57, 69, 56, 14, 17, 22, 29, 51,
  87, 80, 62, 18, 22, 37, 56, 68, 109, 103, 77, 24, 35, 55, 64, 81, 104, 113, 92, 49, 64, 78, 87, 103, 121, 120, 101,
  72, 92, 95, 98, 112, 100, 103, 99,
];

/**
 * Estimates the IJG quality (1–100) a JPEG was last saved with from its first (luminance)
 * quantisation table, by inverting the IJG scaling of the standard table. Bounded scan of markers.
 */
export function estimateJpegQuality(bytes: Uint8Array): number | null {
  let i = 2;
  while (i + 4 < bytes.length && i < 1_000_000) {
    if (bytes[i] !== 0xff) return null;
    const marker = bytes[i + 1] as number;
    const length = ((bytes[i + 2] as number) << 8) | (bytes[i + 3] as number);
    if (marker === 0xdb && i + 4 + 65 <= bytes.length) {
      const precision = (bytes[i + 4] as number) >> 4;
      if (precision !== 0) return null;
      let sum = 0,
        std = 0;
      for (let k = 0; k < 64; k++) {
        sum += bytes[i + 5 + k] as number;
        std += STD_LUMA[k] as number;
      }
      const scale = (sum * 100) / std; // IJG: scale = q < 50 ? 5000/q : 200 - 2q
      const quality = scale <= 100 ? (200 - scale) / 2 : 5000 / scale;
      return Math.max(1, Math.min(100, Math.round(quality)));
    }
    if (marker === 0xda) return null;
    i += 2 + length;
  }
  return null;
}
