/**
 * Turns a rendered card (canonical frame) into a phone-like photo: the card laid on a background
 * with a projective transform (shift, scale, rotation, perspective), then optional blur, noise,
 * glare, low resolution and JPEG compression. Everything is driven by the caller's rng.
 */
import sharp from "sharp";
import { CARD_HEIGHT, CARD_WIDTH } from "../../node/src/ekyc/document/layout.ts";
import { homographyFrom } from "../../node/src/ekyc/document/ocr/card-edges.ts";
import type { Rng } from "./random.ts";

export interface CaptureOptions {
  /** Rotation of the card in degrees. */
  rotationDeg?: number;
  /** Max corner displacement, as a fraction of the card width, for a perspective tilt. */
  perspective?: number;
  blurSigma?: number;
  noiseSigma?: number;
  glare?: boolean;
  /** Long side of the final photo in pixels (default 1280). */
  longSide?: number;
  jpegQuality?: number;
  /** EXIF Software tag to write (e.g. an image editor, for tamper tests). */
  exifSoftware?: string;
}

type Mat3 = [number, number, number, number, number, number, number, number, number];

/** Homography mapping 4 source points to 4 destination points (the reader's solver, h33 = 1). */
function homography(src: ReadonlyArray<[number, number]>, dst: ReadonlyArray<[number, number]>): Mat3 {
  const h = homographyFrom(src, dst);
  if (h === null) throw new Error("card placement is degenerate (corners on one line)");
  return [...h, 1];
}

function invert(m: Mat3): Mat3 {
  const [a, b, c, d, e, f, g, h, i] = m;
  const A = e * i - f * h,
    B = -(d * i - f * g),
    C = d * h - e * g;
  const det = a * A + b * B + c * C;
  return [
    A / det,
    -(b * i - c * h) / det,
    (b * f - c * e) / det,
    B / det,
    (a * i - c * g) / det,
    -(a * f - c * d) / det,
    C / det,
    -(a * h - b * g) / det,
    (a * e - b * d) / det,
  ];
}

/** Warps an RGB card image onto a background canvas through `cardToPhoto` (bilinear sampling). */
function warp(
  card: Buffer,
  cw: number,
  ch: number,
  cardToPhoto: Mat3,
  width: number,
  height: number,
  background: Buffer,
): Buffer {
  const inv = invert(cardToPhoto);
  const out = Buffer.from(background);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const w = inv[6] * x + inv[7] * y + inv[8];
      const sx = (inv[0] * x + inv[1] * y + inv[2]) / w;
      const sy = (inv[3] * x + inv[4] * y + inv[5]) / w;
      if (sx < 0 || sy < 0 || sx > cw - 1 || sy > ch - 1) continue;
      const x0 = Math.floor(sx),
        y0 = Math.floor(sy);
      const fx = sx - x0,
        fy = sy - y0;
      const x1 = Math.min(x0 + 1, cw - 1),
        y1 = Math.min(y0 + 1, ch - 1);
      const o = (y * width + x) * 3;
      for (let k = 0; k < 3; k++) {
        const p00 = card[(y0 * cw + x0) * 3 + k] as number,
          p10 = card[(y0 * cw + x1) * 3 + k] as number;
        const p01 = card[(y1 * cw + x0) * 3 + k] as number,
          p11 = card[(y1 * cw + x1) * 3 + k] as number;
        out[o + k] = Math.round(p00 * (1 - fx) * (1 - fy) + p10 * fx * (1 - fy) + p01 * (1 - fx) * fy + p11 * fx * fy);
      }
    }
  }
  return out;
}

/** Photographs a canonical-frame card PNG; returns a JPEG (or PNG when jpegQuality is 0). */
export async function capture(cardPng: Buffer, rng: Rng, options: CaptureOptions = {}): Promise<Buffer> {
  const width = 1280,
    height = 860;
  const card = await sharp(cardPng).removeAlpha().raw().toBuffer();
  const scale = 1.0 + rng.next() * 0.12;
  const cx = width / 2 + rng.int(-40, 40),
    cy = height / 2 + rng.int(-30, 30);
  const angle = ((options.rotationDeg ?? 0) * Math.PI) / 180;
  const jitter = (options.perspective ?? 0) * CARD_WIDTH * scale;
  const corners: Array<[number, number]> = [
    [0, 0],
    [CARD_WIDTH, 0],
    [CARD_WIDTH, CARD_HEIGHT],
    [0, CARD_HEIGHT],
  ];
  const placed = corners.map(([x, y]): [number, number] => {
    const dx = (x - CARD_WIDTH / 2) * scale,
      dy = (y - CARD_HEIGHT / 2) * scale;
    return [
      cx + dx * Math.cos(angle) - dy * Math.sin(angle) + (rng.next() * 2 - 1) * jitter,
      cy + dx * Math.sin(angle) + dy * Math.cos(angle) + (rng.next() * 2 - 1) * jitter,
    ];
  });
  const bg = Buffer.alloc(width * height * 3);
  const base = [rng.int(60, 120), rng.int(50, 100), rng.int(40, 90)];
  for (let i = 0; i < width * height; i++) {
    const n = rng.int(-6, 6);
    for (let k = 0; k < 3; k++) bg[i * 3 + k] = (base[k] as number) + n;
  }
  let raw = warp(card, CARD_WIDTH, CARD_HEIGHT, homography(corners, placed), width, height, bg);
  if ((options.noiseSigma ?? 0) > 0) {
    const sigma = options.noiseSigma ?? 0;
    for (let i = 0; i < raw.length; i++)
      raw[i] = Math.max(0, Math.min(255, (raw[i] as number) + rng.gaussian() * sigma));
  }
  let image = sharp(raw, { raw: { width, height, channels: 3 } });
  if ((options.blurSigma ?? 0) > 0)
    image = sharp(await image.blur(options.blurSigma).raw().toBuffer(), { raw: { width, height, channels: 3 } });
  if (options.glare === true) {
    const gx = rng.int(250, 1000),
      gy = rng.int(200, 650);
    const glare = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><defs><radialGradient id="g"><stop offset="0" stop-color="#fff" stop-opacity="0.85"/><stop offset="1" stop-color="#fff" stop-opacity="0"/></radialGradient></defs><ellipse cx="${gx}" cy="${gy}" rx="190" ry="120" fill="url(#g)"/></svg>`;
    raw = await image
      .composite([{ input: Buffer.from(glare) }])
      .removeAlpha()
      .raw()
      .toBuffer();
    image = sharp(raw, { raw: { width, height, channels: 3 } });
  }
  const longSide = options.longSide ?? width;
  if (longSide !== width) image = sharp(await image.resize(longSide).png().toBuffer());
  if (options.exifSoftware !== undefined) image = image.withExif({ IFD0: { Software: options.exifSoftware } });
  return options.jpegQuality === 0
    ? image.png().toBuffer()
    : image.jpeg({ quality: options.jpegQuality ?? 92 }).toBuffer();
}
