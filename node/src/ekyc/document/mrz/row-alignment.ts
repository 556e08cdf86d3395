/**
 * Puts a row box that the card's layout placed (mrz/layout-rows.ts) on the row's actual ink. The
 * back's frame is a guess from its bright area when its edges are unclear (ocr/rectify.ts): a card
 * turned by a few degrees leaves the row's ends tens of pixels off. Along the box, in segments, the
 * band across the row where the ink is densest is found; a line through those centres gives the
 * row's offset and slope. A row whose centres do not lie on a line, or that has no ink, is not
 * there: null, and the caller searches the photo with the detector instead of recognising a crop of
 * something else.
 */
import { sampleGray, type GrayImage } from "../ocr/gray.ts";
import type { TextBox } from "../ocr/text-boxes.ts";

/** Segments along the row in which the ink's band is found. */
const SEGMENTS = 8;
/** How far the band's centre may be from the box's centre line, in row thicknesses. */
const REACH = 0.6;
/** Half the band's height, in row thicknesses: the characters are ≈ 0.7 of the detector's box. */
const INK_HALF = 0.35;
/** Most distance of a segment's centre from the fitted line, in row thicknesses. */
const MAX_RESIDUAL = 0.12;
/** Fewest segments holding ink; the least ink contrast (grey levels) a segment must show. */
const MIN_SEGMENTS = 6,
  MIN_CONTRAST = 12;

/** The offset across the row (box coordinates) of the densest ink band in [from, to) along it, or null. */
function inkCentre(image: GrayImage, box: TextBox, from: number, to: number): number | null {
  const t = box.thickness,
    step = Math.max(1, t / 20);
  const vx = -box.uy,
    vy = box.ux;
  const span = (REACH + INK_HALF) * t;
  const offsets: number[] = [],
    ink: number[] = [];
  for (let v = -span; v <= span; v += step) {
    let sum = 0,
      n = 0;
    for (let u = from; u < to; u += step, n++)
      sum += 255 - sampleGray(image, box.cx + u * box.ux + v * vx, box.cy + u * box.uy + v * vy);
    offsets.push(v);
    ink.push(sum / Math.max(1, n));
  }
  // A band of the characters' height: the window of INK_HALF each side with the most ink.
  const half = Math.max(1, Math.round((INK_HALF * t) / step));
  let best = -Infinity,
    worst = Infinity,
    at = 0;
  for (let k = half; k < ink.length - half; k++) {
    let sum = 0;
    for (let j = k - half; j <= k + half; j++) sum += ink[j] as number;
    const mean = sum / (2 * half + 1);
    if (mean > best) {
      best = mean;
      at = offsets[k] as number;
    }
    worst = Math.min(worst, mean);
  }
  return best - worst >= MIN_CONTRAST ? at : null;
}

/** Least-squares line `across = a + b · along` through the points, with its largest residual. */
function fit(points: ReadonlyArray<readonly [number, number]>): { a: number; b: number; residual: number } {
  const n = points.length;
  const mu = points.reduce((s, [u]) => s + u, 0) / n,
    mv = points.reduce((s, [, v]) => s + v, 0) / n;
  let uu = 0,
    uv = 0;
  for (const [u, v] of points) {
    uu += (u - mu) ** 2;
    uv += (u - mu) * (v - mv);
  }
  const b = uu > 0 ? uv / uu : 0,
    a = mv - b * mu;
  return { a, b, residual: Math.max(...points.map(([u, v]) => Math.abs(v - (a + b * u)))) };
}

/** The box moved across by `a` at its centre and turned by the slope `b`. */
function moved(box: TextBox, a: number, b: number): TextBox {
  const norm = Math.hypot(1, b);
  return {
    ...box,
    cx: box.cx - a * box.uy,
    cy: box.cy + a * box.ux,
    ux: (box.ux - b * box.uy) / norm,
    uy: (box.uy + b * box.ux) / norm,
  };
}

/** Ink centres of segments `first`..`last` (of SEGMENTS) of the box, as (along, across) points. */
function centres(image: GrayImage, box: TextBox, first: number, last: number): Array<[number, number]> {
  const points: Array<[number, number]> = [];
  const length = box.length / SEGMENTS;
  for (let s = first; s <= last; s++) {
    const from = -box.length / 2 + s * length;
    const across = inkCentre(image, box, from, from + length);
    if (across !== null) points.push([from + length / 2, across]);
  }
  return points;
}

/**
 * The box on its row's ink: first fitted on the middle half of the row (where a turned card's row is
 * still near its guess), then on the whole row; null when the row's ink is not found on a line.
 */
export function alignRow(image: GrayImage, box: TextBox): TextBox | null {
  const middle = centres(image, box, SEGMENTS / 4, (3 * SEGMENTS) / 4 - 1);
  if (middle.length < SEGMENTS / 2) return null;
  const rough = fit(middle);
  const placed = moved(box, rough.a, rough.b);
  const all = centres(image, placed, 0, SEGMENTS - 1);
  if (all.length < MIN_SEGMENTS) return null;
  const fine = fit(all);
  if (fine.residual > MAX_RESIDUAL * box.thickness) return null;
  return moved(placed, fine.a, fine.b);
}
