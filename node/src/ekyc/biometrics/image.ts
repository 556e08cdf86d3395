/**
 * Decoding untrusted image bytes into RGB pixels, with hard limits so hostile input cannot exhaust
 * memory: a byte cap, a pixel cap enforced by sharp before decoding, and a downscale of anything with
 * a long side above `maxSide` (the detector sees 320x240 and the embedder 112x112, so more pixels only
 * cost memory). Also the few pixel operations the adapters share (crop-resize through an affine map).
 */
import { createHash } from "node:crypto";
import sharp, { type Metadata } from "sharp";
import { FaceError } from "./errors.ts";

/** 8-bit RGB pixels, row-major, interleaved (length = width * height * 3). */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

export interface DecodeLimits {
  /** Largest accepted encoded size in bytes. */
  maxBytes: number;
  /** Largest accepted decoded size in pixels (checked from the header, before decoding). */
  maxPixels: number;
  /** Images with a longer side are downscaled to this. */
  maxSide: number;
}

export const DEFAULT_DECODE_LIMITS: DecodeLimits = { maxBytes: 15 * 1024 * 1024, maxPixels: 40_000_000, maxSide: 1600 };

/** A decoded image plus the SHA-256 of its encoded bytes (for replay checks and evidence hashes). */
export interface DecodedImage extends RgbImage {
  readonly sha256: string;
}

export async function decodeImage(
  bytes: Uint8Array,
  limits: DecodeLimits = DEFAULT_DECODE_LIMITS,
): Promise<DecodedImage> {
  if (!(bytes instanceof Uint8Array) || bytes.length === 0) throw new FaceError("FACE_IMAGE_INVALID", "image is empty");
  if (bytes.length > limits.maxBytes) {
    throw new FaceError("FACE_IMAGE_TOO_LARGE", `image is ${bytes.length} bytes, limit ${limits.maxBytes}`, {
      details: { bytes: bytes.length, maxBytes: limits.maxBytes },
    });
  }
  let meta: Metadata;
  try {
    meta = await sharp(bytes, { limitInputPixels: false }).metadata(); // header only: the pixel limit is checked below
  } catch (cause) {
    throw new FaceError("FACE_IMAGE_INVALID", "image could not be decoded", { cause });
  }
  const w = meta.width ?? 0;
  const h = meta.height ?? 0;
  if (w <= 0 || h <= 0) throw new FaceError("FACE_IMAGE_INVALID", "image has no dimensions");
  if (w * h > limits.maxPixels) {
    throw new FaceError("FACE_IMAGE_TOO_LARGE", `image is ${w}x${h} pixels, limit ${limits.maxPixels}`, {
      details: { width: w, height: h, maxPixels: limits.maxPixels },
    });
  }
  try {
    const { data, info } = await sharp(bytes, { limitInputPixels: limits.maxPixels, failOn: "error" })
      .rotate() // honour EXIF orientation: phones store selfies sideways
      .resize({ width: limits.maxSide, height: limits.maxSide, fit: "inside", withoutEnlargement: true })
      .removeAlpha()
      .toColourspace("srgb")
      .raw()
      .toBuffer({ resolveWithObject: true });
    const rgb = toRgb(
      new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      info.width,
      info.height,
      info.channels,
    );
    return { ...rgb, sha256: sha256Hex(bytes) };
  } catch (cause) {
    throw new FaceError("FACE_IMAGE_INVALID", "image could not be decoded", { cause });
  }
}

function toRgb(data: Uint8Array, width: number, height: number, channels: number): RgbImage {
  if (channels === 3) return { width, height, data };
  const out = new Uint8Array(width * height * 3);
  for (let i = 0, n = width * height; i < n; i++) {
    const v = data[i * channels]!;
    out[i * 3] = v;
    out[i * 3 + 1] = channels >= 3 ? data[i * channels + 1]! : v;
    out[i * 3 + 2] = channels >= 3 ? data[i * channels + 2]! : v;
  }
  return { width, height, data: out };
}

export function sha256Hex(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** SHA-256 of the decoded pixels: equal for the same picture re-encoded losslessly. */
export function pixelHash(image: RgbImage): string {
  return createHash("sha256").update(`${image.width}x${image.height}:`).update(image.data).digest("hex");
}

/**
 * 2x3 affine map [a, b, c, d, e, f]: x' = a x + b y + c, y' = d x + e y + f.
 */
export type Affine = readonly [number, number, number, number, number, number];

export function invertAffine(m: Affine): Affine {
  const [a, b, c, d, e, f] = m;
  const det = a * e - b * d;
  if (Math.abs(det) < 1e-12) throw new RangeError("affine map is singular");
  const ia = e / det,
    ib = -b / det,
    id = -d / det,
    ie = a / det;
  return [ia, ib, -(ia * c + ib * f), id, ie, -(id * c + ie * f)];
}

/**
 * Output image whose pixel (x, y) samples the source at `dstToSrc(x, y)`, bilinear, with up to 4x4
 * supersampling when the map shrinks (so a large face reduced to 24 px does not alias), outside
 * pixels filled with `fill`.
 */
export function warpImage(src: RgbImage, dstToSrc: Affine, outW: number, outH: number, fill = 0): RgbImage {
  const [a, b, c, d, e, f] = dstToSrc;
  const scale = Math.max(Math.hypot(a, d), Math.hypot(b, e));
  const ss = Math.min(4, Math.max(1, Math.ceil(scale - 0.01)));
  const out = new Uint8Array(outW * outH * 3);
  const { width: W, height: H, data } = src;
  const inv = 1 / (ss * ss);
  const stride = W * 3;
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      let r = 0,
        g = 0,
        bl = 0;
      for (let sy = 0; sy < ss; sy++) {
        const py = y + (sy + 0.5) / ss - 0.5;
        for (let sx = 0; sx < ss; sx++) {
          const px = x + (sx + 0.5) / ss - 0.5;
          const u = a * px + b * py + c;
          const v = d * px + e * py + f;
          const x0 = Math.floor(u),
            y0 = Math.floor(v);
          const fx = u - x0,
            fy = v - y0;
          const w00 = (1 - fx) * (1 - fy),
            w10 = fx * (1 - fy),
            w01 = (1 - fx) * fy,
            w11 = fx * fy;
          if (x0 < -1 || y0 < -1 || x0 >= W || y0 >= H) {
            // wholly outside (the padding around a letterboxed image)
            r += fill;
            g += fill;
            bl += fill;
          } else if (x0 >= 0 && y0 >= 0 && x0 + 1 < W && y0 + 1 < H) {
            // in bounds (almost every pixel): read the four neighbours directly
            const o00 = y0 * stride + x0 * 3,
              o01 = o00 + stride;
            r += data[o00]! * w00 + data[o00 + 3]! * w10 + data[o01]! * w01 + data[o01 + 3]! * w11;
            g += data[o00 + 1]! * w00 + data[o00 + 4]! * w10 + data[o01 + 1]! * w01 + data[o01 + 4]! * w11;
            bl += data[o00 + 2]! * w00 + data[o00 + 5]! * w10 + data[o01 + 2]! * w01 + data[o01 + 5]! * w11;
          } else {
            const in00 = x0 >= 0 && y0 >= 0 && x0 < W && y0 < H,
              in10 = x0 + 1 >= 0 && y0 >= 0 && x0 + 1 < W && y0 < H;
            const in01 = x0 >= 0 && y0 + 1 >= 0 && x0 < W && y0 + 1 < H,
              in11 = x0 + 1 >= 0 && y0 + 1 >= 0 && x0 + 1 < W && y0 + 1 < H;
            const o00 = y0 * stride + x0 * 3,
              o01 = o00 + stride;
            r +=
              (in00 ? data[o00]! : fill) * w00 +
              (in10 ? data[o00 + 3]! : fill) * w10 +
              (in01 ? data[o01]! : fill) * w01 +
              (in11 ? data[o01 + 3]! : fill) * w11;
            g +=
              (in00 ? data[o00 + 1]! : fill) * w00 +
              (in10 ? data[o00 + 4]! : fill) * w10 +
              (in01 ? data[o01 + 1]! : fill) * w01 +
              (in11 ? data[o01 + 4]! : fill) * w11;
            bl +=
              (in00 ? data[o00 + 2]! : fill) * w00 +
              (in10 ? data[o00 + 5]! : fill) * w10 +
              (in01 ? data[o01 + 2]! : fill) * w01 +
              (in11 ? data[o01 + 5]! : fill) * w11;
          }
        }
      }
      const o = (y * outW + x) * 3;
      out[o] = Math.round(r * inv);
      out[o + 1] = Math.round(g * inv);
      out[o + 2] = Math.round(bl * inv);
    }
  }
  return { width: outW, height: outH, data: out };
}

/** Crop the axis-aligned rectangle (x, y, w, h) of `src` and resize it to outW x outH. */
export function cropResize(
  src: RgbImage,
  x: number,
  y: number,
  w: number,
  h: number,
  outW: number,
  outH: number,
  fill = 0,
): RgbImage {
  return warpImage(src, [w / outW, 0, x + (w / outW - 1) / 2, 0, h / outH, y + (h / outH - 1) / 2], outW, outH, fill);
}
