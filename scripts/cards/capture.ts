/**
 * Turns a rendered document (a card in its canonical frame, or a passport data page) into a
 * phone-like photo: the document laid on a background
 * with a projective transform (shift, scale, rotation, perspective or a tilt in depth), then
 * optional occlusion by a finger, glare, blur (gaussian, motion, defocus), moiré, low light,
 * noise, low resolution and JPEG compression (the phone effects are in phone.ts). Everything is
 * driven by the caller's rng; options left out draw nothing from it.
 */
import sharp from "sharp";
import { CARD_HEIGHT as ID1_HEIGHT, CARD_WIDTH as ID1_WIDTH } from "../../node/src/ekyc/document/layout.ts";
import { homographyFrom } from "../../node/src/ekyc/document/ocr/card-edges.ts";
import {
  applyLowLight,
  applyMoire,
  defocusKernel,
  fingerSvg,
  glareSpotsSvg,
  motionKernel,
  tiltedCorners,
  type Kernel,
  type Point,
} from "./phone.ts";
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
  /** The card turned in depth about its horizontal (x) or vertical (y) axis, in degrees (phone.ts). */
  tilt?: { degrees: number; axis: "x" | "y" };
  /** Camera shake: a line blur `length` px long at `degrees`. */
  motionBlur?: { length: number; degrees: number };
  /** Out of focus: a disc blur of this radius in px. */
  defocusRadius?: number;
  /** Small specular highlights on the card. */
  glareSpots?: number;
  /** Underexposed and brightened back: `exposure` 0–1 of normal, sensor noise in grey levels. */
  lowLight?: { exposure: number; noise: number };
  /** Two beating gratings of `period` px; `strength` is the darkest dip (0–1). */
  moire?: { period: number; degrees: number; strength: number };
  /** A fingertip over this edge of the card. */
  finger?: "top" | "right" | "bottom" | "left";
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

/** The photo of an ID-1 card in its canonical frame; other documents scale it per axis (see `capture`). */
const CARD_PHOTO = { width: 1280, height: 860 } as const;

/**
 * Photographs a rendered document PNG (a card in its canonical frame, or a passport data page);
 * returns a JPEG (or PNG when jpegQuality is 0). The photo, the placement's jitter and the glare
 * scale with the document against an ID-1 card, so a card's photo is exactly what it always was
 * (same size, same rng draws) and a larger page gets the same margins around it.
 */
export async function capture(documentPng: Buffer, rng: Rng, options: CaptureOptions = {}): Promise<Buffer> {
  const { data: card, info } = await sharp(documentPng).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  const [docWidth, docHeight] = [info.width, info.height];
  const fx = docWidth / ID1_WIDTH,
    fy = docHeight / ID1_HEIGHT;
  const width = Math.round(CARD_PHOTO.width * fx),
    height = Math.round(CARD_PHOTO.height * fy);
  // A card tilted in depth grows on its near side: a little smaller, so that it stays in the frame.
  const scale = (1.0 + rng.next() * 0.12) * (options.tilt === undefined ? 1 : 0.9);
  const cx = width / 2 + rng.int(-40, 40) * fx,
    cy = height / 2 + rng.int(-30, 30) * fy;
  const angle = ((options.rotationDeg ?? 0) * Math.PI) / 180;
  const jitter = (options.perspective ?? 0) * docWidth * scale;
  const corners: Point[] = [
    [0, 0],
    [docWidth, 0],
    [docWidth, docHeight],
    [0, docHeight],
  ];
  // Corners relative to the card's centre: flat, or turned in depth and seen from 2.2 card widths.
  const centred: Point[] =
    options.tilt === undefined
      ? corners.map(([x, y]): Point => [(x - docWidth / 2) * scale, (y - docHeight / 2) * scale])
      : tiltedCorners(
          docWidth * scale,
          docHeight * scale,
          options.tilt.degrees,
          options.tilt.axis,
          2.2 * docWidth * scale,
        );
  const placed = centred.map(([dx, dy]): Point => {
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
  let raw = warp(card, docWidth, docHeight, homography(corners, placed), width, height, bg);
  const canvas = { width, height };
  const overlay = async (svg: string): Promise<Buffer> =>
    sharp(raw, { raw: { width, height, channels: 3 } })
      .composite([{ input: Buffer.from(svg) }])
      .removeAlpha()
      .raw()
      .toBuffer();
  const convolve = async (kernel: Kernel): Promise<Buffer> =>
    sharp(raw, { raw: { width, height, channels: 3 } })
      .convolve(kernel)
      .raw()
      .toBuffer();
  if (options.finger !== undefined) {
    const edges = { top: [0, 1], right: [1, 2], bottom: [2, 3], left: [3, 0] } as const;
    const [i, j] = edges[options.finger];
    const a = placed[i] as Point,
      b = placed[j] as Point;
    // Inward: the edge's normal pointing at the card's centre.
    const mx = (a[0] + b[0]) / 2,
      my = (a[1] + b[1]) / 2;
    const centre = placed.reduce((sum, p) => [sum[0] + p[0] / 4, sum[1] + p[1] / 4], [0, 0]);
    const norm = Math.hypot(centre[0] - mx, centre[1] - my);
    raw = await overlay(fingerSvg(rng, canvas, a, b, [(centre[0] - mx) / norm, (centre[1] - my) / norm]));
  }
  if ((options.glareSpots ?? 0) > 0) {
    const xs = placed.map((p) => p[0]),
      ys = placed.map((p) => p[1]);
    const x0 = Math.min(...xs),
      y0 = Math.min(...ys);
    raw = await overlay(
      glareSpotsSvg(rng, canvas, [x0, y0, Math.max(...xs) - x0, Math.max(...ys) - y0], options.glareSpots ?? 0),
    );
  }
  if (options.motionBlur !== undefined)
    raw = await convolve(motionKernel(options.motionBlur.length, options.motionBlur.degrees));
  if ((options.defocusRadius ?? 0) > 0) raw = await convolve(defocusKernel(options.defocusRadius ?? 0));
  if (options.moire !== undefined)
    applyMoire(raw, width, height, options.moire.period, options.moire.degrees, options.moire.strength);
  if (options.lowLight !== undefined) applyLowLight(raw, rng, options.lowLight.exposure, options.lowLight.noise);
  if ((options.noiseSigma ?? 0) > 0) {
    const sigma = options.noiseSigma ?? 0;
    for (let i = 0; i < raw.length; i++)
      raw[i] = Math.max(0, Math.min(255, (raw[i] as number) + rng.gaussian() * sigma));
  }
  let image = sharp(raw, { raw: { width, height, channels: 3 } });
  if ((options.blurSigma ?? 0) > 0)
    image = sharp(await image.blur(options.blurSigma).raw().toBuffer(), { raw: { width, height, channels: 3 } });
  if (options.glare === true) {
    const gx = Math.round(rng.int(250, 1000) * fx),
      gy = Math.round(rng.int(200, 650) * fy);
    const glare = `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}"><defs><radialGradient id="g"><stop offset="0" stop-color="#fff" stop-opacity="0.85"/><stop offset="1" stop-color="#fff" stop-opacity="0"/></radialGradient></defs><ellipse cx="${gx}" cy="${gy}" rx="${Math.round(190 * fx)}" ry="${Math.round(120 * fy)}" fill="url(#g)"/></svg>`;
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
