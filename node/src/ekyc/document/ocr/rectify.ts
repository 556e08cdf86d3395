/**
 * Maps a card photo onto the canonical card frame (layout.ts). The QR's three finder-pattern
 * centres, whose card coordinates the layout fixes, give an exact affine transform (rotation,
 * scale, shear, shift); mild perspective is absorbed by the padding of the line boxes. Without a
 * QR the photo is taken as the card itself (trimmed and stretched), a weak fallback.
 */
import { CARD_HEIGHT, CARD_WIDTH, qrFinderCentres, type Box } from "../layout.ts";
import type { QrReading } from "../qr/decode.ts";
import { homographyFromEdges, type Homography } from "./card-edges.ts";
import type { GrayImage } from "./gray.ts";

type Affine = [number, number, number, number, number, number];

/** Solves image = A · [card; 1] from three point pairs (Cramer's rule). */
function affineFrom(card: Array<[number, number]>, image: Array<[number, number]>): Affine | null {
  const [c0, c1, c2] = card as [[number, number], [number, number], [number, number]];
  const det = c0[0] * (c1[1] - c2[1]) - c0[1] * (c1[0] - c2[0]) + (c1[0] * c2[1] - c2[0] * c1[1]);
  if (Math.abs(det) < 1e-9) return null;
  const solve = (v: [number, number, number]): [number, number, number] => {
    const [v0, v1, v2] = v;
    const a = (v0 * (c1[1] - c2[1]) - c0[1] * (v1 - v2) + (v1 * c2[1] - v2 * c1[1])) / det;
    const b = (c0[0] * (v1 - v2) - v0 * (c1[0] - c2[0]) + (c1[0] * v2 - c2[0] * v1)) / det;
    const c =
      (c0[0] * (c1[1] * v2 - c2[1] * v1) - c0[1] * (c1[0] * v2 - c2[0] * v1) + v0 * (c1[0] * c2[1] - c2[0] * c1[1])) /
      det;
    return [a, b, c];
  };
  const [i0, i1, i2] = image as [[number, number], [number, number], [number, number]];
  const x = solve([i0[0], i1[0], i2[0]]);
  const y = solve([i0[1], i1[1], i2[1]]);
  return [x[0], x[1], x[2], y[0], y[1], y[2]];
}

const affineMap =
  (a: Affine) =>
  (u: number, v: number): [number, number] => [a[0] * u + a[1] * v + a[2], a[3] * u + a[4] * v + a[5]];

/** An affine map as a homography whose denominator is 1 (applying it computes the same numbers). */
const asHomography = (a: Affine): Homography => [a[0], a[1], a[2], a[3], a[4], a[5], 0, 0];

/**
 * The card frame seen through a homography from card to photo coordinates: the whole frame, or
 * only `regions` of it (the rest left white) when the caller reads nothing else.
 */
function warp(img: GrayImage, h: Homography, regions?: readonly Box[]): GrayImage {
  const card = { data: new Uint8Array(CARD_WIDTH * CARD_HEIGHT), width: CARD_WIDTH, height: CARD_HEIGHT };
  if (regions === undefined) warpInto(card, img, h, { x: 0, y: 0, width: CARD_WIDTH, height: CARD_HEIGHT });
  else {
    card.data.fill(255);
    for (const region of regions) warpInto(card, img, h, region);
  }
  return card;
}

/**
 * Writes `region` of the card frame seen through `h` into `card`. The map and the bilinear sampling
 * (gray.ts `sampleGray`, same arithmetic) are written out in the loop: through a closure returning
 * a point per pixel, the whole frame took ≈ 4× as long. A pixel's value depends on its own
 * coordinates only, so regions that overlap, or are warped at different times, agree.
 */
function warpInto(card: GrayImage, img: GrayImage, h: Homography, region: Box): void {
  const out = card.data;
  const u0 = Math.max(0, Math.floor(region.x)),
    v0 = Math.max(0, Math.floor(region.y));
  const u1 = Math.min(CARD_WIDTH, Math.ceil(region.x + region.width)),
    v1 = Math.min(CARD_HEIGHT, Math.ceil(region.y + region.height));
  const { data: d, width: w, height: ih } = img;
  const [h0, h1, h2, h3, h4, h5, h6, h7] = h;
  for (let v = v0; v < v1; v++) {
    for (let u = u0; u < u1; u++) {
      const q = h6 * u + h7 * v + 1;
      const x = (h0 * u + h1 * v + h2) / q,
        y = (h3 * u + h4 * v + h5) / q;
      let value = 255;
      if (!(x < 0 || y < 0 || x > w - 1 || y > ih - 1)) {
        const x0 = Math.floor(x),
          y0 = Math.floor(y);
        const x1 = Math.min(x0 + 1, w - 1),
          y1 = Math.min(y0 + 1, ih - 1);
        const fx = x - x0,
          fy = y - y0;
        value =
          (d[y0 * w + x0] as number) * (1 - fx) * (1 - fy) +
          (d[y0 * w + x1] as number) * fx * (1 - fy) +
          (d[y1 * w + x0] as number) * (1 - fx) * fy +
          (d[y1 * w + x1] as number) * fx * fy;
      }
      out[v * CARD_WIDTH + u] = Math.round(value);
    }
  }
}

export interface Rectified {
  card: GrayImage;
  anchor: "qr" | "whole-image";
  /** "homography": the QR anchor refined by the card's four edges (card-edges.ts); else affine. */
  model: "homography" | "affine";
  /** Scale of the photo relative to the card frame (photo px per card px), for resolution checks. */
  scale: number;
}

/** How a front photo maps onto the card frame, before any pixel is warped (`warpFront`). */
export interface FrontFrame {
  /** Card → photo. */
  homography: Homography;
  anchor: Rectified["anchor"];
  model: Rectified["model"];
  scale: number;
}

/** The front's frame from the QR finders, refined by the card's edges; else the bounding box of the non-background area. */
export function frontFrame(img: GrayImage, qr: QrReading | null): FrontFrame {
  if (qr !== null) {
    const c = qrFinderCentres();
    const a = affineFrom(
      [c.topLeft, c.topRight, c.bottomLeft],
      [qr.finders.topLeft, qr.finders.topRight, qr.finders.bottomLeft],
    );
    if (a !== null) {
      const scale = Math.sqrt(Math.abs(a[0] * a[4] - a[1] * a[3]));
      if (scale > 0.2 && scale < 10) {
        const h = homographyFromEdges(img, affineMap(a));
        return h === null
          ? { homography: asHomography(a), anchor: "qr", model: "affine", scale }
          : { homography: h, anchor: "qr", model: "homography", scale };
      }
    }
  }
  const box = brightBoundingBox(img);
  const a: Affine = [box.width / CARD_WIDTH, 0, box.x, 0, box.height / CARD_HEIGHT, box.y];
  return { homography: asHomography(a), anchor: "whole-image", model: "affine", scale: box.width / CARD_WIDTH };
}

/**
 * The front seen through its frame, only in `regions` (the rest white): the parts of the card its
 * readers read, so that the printed text's lines can go to Tesseract before the portrait's area is
 * warped. `onto`: a card this call already returned, to which more regions are added (the pixels
 * of an overlap get the same values again).
 */
export function warpFront(img: GrayImage, frame: FrontFrame, regions: readonly Box[], onto?: GrayImage): GrayImage {
  if (onto === undefined) return warp(img, frame.homography, regions);
  for (const region of regions) warpInto(onto, img, frame.homography, region);
  return onto;
}

/** Rectifies the whole card frame using the QR finders; falls back to the bounding box of the non-background area. */
export function rectifyCard(img: GrayImage, qr: QrReading | null): Rectified {
  const { homography, ...frame } = frontFrame(img, qr);
  return { card: warp(img, homography), ...frame };
}

/**
 * The back has no QR: its frame is guessed from the card's bright area on the darker table, then
 * refined by the card's four edges where they are clear (card-edges.ts searches around the guess).
 * `homography` is null when an edge was not clear: then only the bright area's affine guess is
 * known, which a turned card's bounding box makes wrong.
 */
export interface BackFrame {
  /** Card → photo from the bright area alone (axis-aligned). */
  affine: Homography;
  /** Card → photo refined by the card's four edges, or null when they were not all clear. */
  homography: Homography | null;
  /** Photo px per card px. */
  scale: number;
}

export function backFrame(img: GrayImage): BackFrame {
  const box = brightBoundingBox(img);
  const a: Affine = [box.width / CARD_WIDTH, 0, box.x, 0, box.height / CARD_HEIGHT, box.y];
  return { affine: asHomography(a), homography: homographyFromEdges(img, affineMap(a)), scale: box.width / CARD_WIDTH };
}

/**
 * The back's frame (`backFrame`, or the one already found for this photo). `region`: the part of the
 * card frame the caller reads (the issue date's box and its retry shifts); warping only it cost
 * ≈ 1/40 of the whole frame, which took most of the back's reading.
 */
export function rectifyBack(img: GrayImage, region?: Box, frame: BackFrame = backFrame(img)): Rectified {
  const { homography: h, affine, scale } = frame;
  const regions = region === undefined ? undefined : [region];
  return h === null
    ? { card: warp(img, affine, regions), anchor: "whole-image", model: "affine", scale }
    : { card: warp(img, h, regions), anchor: "whole-image", model: "homography", scale };
}

/** Bounding box of rows/columns that are mostly brighter than the image mean (a card on a darker table). */
function brightBoundingBox(img: GrayImage): { x: number; y: number; width: number; height: number } {
  const { data, width, height } = img;
  let sum = 0;
  for (let i = 0; i < data.length; i++) sum += data[i] as number;
  const threshold = sum / data.length;
  // Bright pixels per row and per column, counted in one pass in memory order (a column walked
  // on its own strides across the whole image).
  const rowBright = new Uint32Array(height),
    colBright = new Uint32Array(width);
  for (let y = 0; y < height; y++) {
    let n = 0;
    for (let x = 0, i = y * width; x < width; x++, i++)
      if ((data[i] as number) > threshold) {
        n++;
        colBright[x] = (colBright[x] as number) + 1;
      }
    rowBright[y] = n;
  }
  const rowFrac = (y: number) => (rowBright[y] as number) / width;
  const colFrac = (x: number) => (colBright[x] as number) / height;
  let top = 0,
    bottom = img.height - 1,
    left = 0,
    right = img.width - 1;
  while (top < bottom && rowFrac(top) < 0.4) top++;
  while (bottom > top && rowFrac(bottom) < 0.4) bottom--;
  while (left < right && colFrac(left) < 0.4) left++;
  while (right > left && colFrac(right) < 0.4) right--;
  if (right - left < img.width * 0.3 || bottom - top < img.height * 0.3)
    return { x: 0, y: 0, width: img.width, height: img.height };
  return { x: left, y: top, width: right - left + 1, height: bottom - top + 1 };
}
