/**
 * Face geometry with no model in it: boxes, IoU non-maximum suppression, the 68 -> 5 landmark
 * reduction, the least-squares similarity transform (Umeyama, 2-D, no reflection) onto the ArcFace
 * 112x112 template, and cosine similarity.
 */
import type { Affine } from "./image.ts";

export interface Point {
  readonly x: number;
  readonly y: number;
}

/** Box in image pixels, x1 < x2, y1 < y2. */
export interface FaceBox {
  readonly x1: number;
  readonly y1: number;
  readonly x2: number;
  readonly y2: number;
}

export interface ScoredBox extends FaceBox {
  readonly score: number;
}

export const boxWidth = (b: FaceBox): number => b.x2 - b.x1;
export const boxHeight = (b: FaceBox): number => b.y2 - b.y1;

export function iou(a: FaceBox, b: FaceBox): number {
  const ix = Math.max(0, Math.min(a.x2, b.x2) - Math.max(a.x1, b.x1));
  const iy = Math.max(0, Math.min(a.y2, b.y2) - Math.max(a.y1, b.y1));
  const inter = ix * iy;
  const union = boxWidth(a) * boxHeight(a) + boxWidth(b) * boxHeight(b) - inter;
  return union <= 0 ? 0 : inter / union;
}

/** Standard greedy NMS: highest score first, drop every later box overlapping a kept one above `iouThreshold`. */
export function nonMaximumSuppression<T extends ScoredBox>(
  boxes: readonly T[],
  iouThreshold: number,
  maxKeep = 50,
): T[] {
  const sorted = [...boxes].sort((p, q) => q.score - p.score);
  const kept: T[] = [];
  for (const box of sorted) {
    if (kept.length >= maxKeep) break;
    if (kept.every((k) => iou(k, box) <= iouThreshold)) kept.push(box);
  }
  return kept;
}

/**
 * ArcFace's canonical 5 points in the 112x112 aligned crop: eye centres (image left, image right),
 * nose tip, mouth corners (image left, image right).
 */
export const ARCFACE_TEMPLATE_112: readonly Point[] = [
  { x: 38.2946, y: 51.6963 },
  { x: 73.5318, y: 51.5014 },
  { x: 56.0252, y: 71.7366 },
  { x: 41.5493, y: 92.3655 },
  { x: 70.7299, y: 92.2041 },
];

const mean = (pts: readonly Point[], idx: readonly number[]): Point => ({
  x: idx.reduce((s, i) => s + pts[i]!.x, 0) / idx.length,
  y: idx.reduce((s, i) => s + pts[i]!.y, 0) / idx.length,
});

/** 68-point (iBUG) landmarks to the 5 alignment points: eye centres from the 4 lid points, nose tip, mouth corners. */
export function fivePointsFrom68(points: readonly Point[]): Point[] {
  if (points.length !== 68) throw new RangeError(`expected 68 landmarks, got ${points.length}`);
  return [
    mean(points, [37, 38, 40, 41]),
    mean(points, [43, 44, 46, 47]),
    points[30]!,
    mean(points, [48, 60]),
    mean(points, [54, 64]),
  ];
}

/**
 * Least-squares similarity transform (rotation, uniform scale, translation; no reflection) mapping
 * `src` onto `dst` (Umeyama 1991 specialised to 2-D, where it has a closed form): returns the affine
 * map src -> dst.
 */
export function similarityTransform(src: readonly Point[], dst: readonly Point[]): Affine {
  if (src.length !== dst.length || src.length < 2) throw new RangeError("need at least 2 matching points");
  const n = src.length;
  const all = [...Array(n).keys()];
  const ms = mean(src, all);
  const md = mean(dst, all);
  let sxx = 0; // sum |s|^2
  let dot = 0; // sum s . d
  let cross = 0; // sum s x d
  for (let i = 0; i < n; i++) {
    const sx = src[i]!.x - ms.x,
      sy = src[i]!.y - ms.y;
    const dx = dst[i]!.x - md.x,
      dy = dst[i]!.y - md.y;
    sxx += sx * sx + sy * sy;
    dot += sx * dx + sy * dy;
    cross += sx * dy - sy * dx;
  }
  if (sxx < 1e-9) throw new RangeError("source points are degenerate");
  const a = dot / sxx; // s cos(theta)
  const b = cross / sxx; // s sin(theta)
  return [a, -b, md.x - (a * ms.x - b * ms.y), b, a, md.y - (b * ms.x + a * ms.y)];
}

export function applyAffine(m: Affine, p: Point): Point {
  return { x: m[0] * p.x + m[1] * p.y + m[2], y: m[3] * p.x + m[4] * p.y + m[5] };
}

export function l2Normalize(v: Float32Array): Float32Array {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]! * v[i]!;
  const n = Math.sqrt(s);
  const out = new Float32Array(v.length);
  if (n === 0) return out;
  for (let i = 0; i < v.length; i++) out[i] = v[i]! / n;
  return out;
}

/** Cosine similarity in [-1, 1]; 0 for a zero vector. Throws when the lengths differ. */
export function cosineSimilarity(a: Float32Array, b: Float32Array): number {
  if (a.length !== b.length) throw new RangeError(`embedding lengths differ: ${a.length} vs ${b.length}`);
  let dot = 0,
    na = 0,
    nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na === 0 || nb === 0 ? 0 : dot / Math.sqrt(na * nb);
}
