/**
 * Maps a card photo onto the canonical card frame (layout.ts). The QR's three finder-pattern
 * centres, whose card coordinates the layout fixes, give an exact affine transform (rotation,
 * scale, shear, shift); mild perspective is absorbed by the padding of the line boxes. Without a
 * QR the photo is taken as the card itself (trimmed and stretched), a weak fallback.
 */
import { CARD_HEIGHT, CARD_WIDTH, qrFinderCentres } from "../layout.ts";
import type { QrReading } from "../qr/decode.ts";
import { applyHomography, homographyFromEdges } from "./card-edges.ts";
import { sampleGray, type GrayImage } from "./gray.ts";

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

/** The card frame seen through a map from card to photo coordinates. */
function warp(img: GrayImage, toPhoto: (u: number, v: number) => [number, number]): GrayImage {
  const data = new Uint8Array(CARD_WIDTH * CARD_HEIGHT);
  for (let v = 0; v < CARD_HEIGHT; v++) {
    for (let u = 0; u < CARD_WIDTH; u++) {
      const [x, y] = toPhoto(u, v);
      data[v * CARD_WIDTH + u] = Math.round(sampleGray(img, x, y));
    }
  }
  return { data, width: CARD_WIDTH, height: CARD_HEIGHT };
}

export interface Rectified {
  card: GrayImage;
  anchor: "qr" | "whole-image";
  /** "homography": the QR anchor refined by the card's four edges (card-edges.ts); else affine. */
  model: "homography" | "affine";
  /** Scale of the photo relative to the card frame (photo px per card px), for resolution checks. */
  scale: number;
}

/** Rectifies using the QR finders; falls back to the bounding box of the non-background area. */
export function rectifyCard(img: GrayImage, qr: QrReading | null): Rectified {
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
          ? { card: warp(img, affineMap(a)), anchor: "qr", model: "affine", scale }
          : { card: warp(img, (u, v) => applyHomography(h, u, v)), anchor: "qr", model: "homography", scale };
      }
    }
  }
  const box = brightBoundingBox(img);
  const a: Affine = [box.width / CARD_WIDTH, 0, box.x, 0, box.height / CARD_HEIGHT, box.y];
  return { card: warp(img, affineMap(a)), anchor: "whole-image", model: "affine", scale: box.width / CARD_WIDTH };
}

/**
 * The back has no QR: its frame is guessed from the card's bright area on the darker table, then
 * refined by the card's four edges where they are clear (card-edges.ts searches around the guess).
 */
export function rectifyBack(img: GrayImage): Rectified {
  const box = brightBoundingBox(img);
  const a: Affine = [box.width / CARD_WIDTH, 0, box.x, 0, box.height / CARD_HEIGHT, box.y];
  const scale = box.width / CARD_WIDTH;
  const h = homographyFromEdges(img, affineMap(a));
  return h === null
    ? { card: warp(img, affineMap(a)), anchor: "whole-image", model: "affine", scale }
    : { card: warp(img, (u, v) => applyHomography(h, u, v)), anchor: "whole-image", model: "homography", scale };
}

/** Bounding box of rows/columns that are mostly brighter than the image mean (a card on a darker table). */
function brightBoundingBox(img: GrayImage): { x: number; y: number; width: number; height: number } {
  let sum = 0;
  for (const v of img.data) sum += v;
  const threshold = sum / img.data.length;
  const rowFrac = (y: number) => {
    let n = 0;
    for (let x = 0; x < img.width; x++) if ((img.data[y * img.width + x] as number) > threshold) n++;
    return n / img.width;
  };
  const colFrac = (x: number) => {
    let n = 0;
    for (let y = 0; y < img.height; y++) if ((img.data[y * img.width + x] as number) > threshold) n++;
    return n / img.height;
  };
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
