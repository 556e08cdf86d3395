/**
 * The smile read from the pixels: how far the mouth's corners moved from where they were in the
 * customer's first frame, tracked by image correlation instead of read off the landmark model.
 *
 * Why not the landmarks alone: fr_landmark fits its 68 points from a 64 x 64 grey view of the whole
 * face and holds them to the face's usual shape; a mouth made 30 % wider moves its corner points by
 * 2-8 % (development split), less than camera noise moves them in neutral frames. The pixels of the
 * corners themselves (the dark crease where the lips meet) move with the smile.
 * Why not a published model: no expression or dense face-landmark model is on npm as ONNX (checked
 * 2026-12-07: @vladmandic/human and @vladmandic/face-api ship TFJS graphs, @mediapipe/* TFLite or a
 * download at run time, which this node may not do), so this is our own code, measured below.
 *
 * How:
 * - Each frame's lower face is resampled into a patch in the face's own coordinates: x along the
 *   line between the eye centres (in eye distances), y along the line from the eyes' midpoint to the
 *   nose's base (iBUG 33) (in that length). Both are affine, so moving, scaling, rolling the face,
 *   turning it a little or tilting a flat photo (foreshortening in either direction) leaves a mouth
 *   that does not move where it was. The eyes and the nose do not move in a smile.
 * - The first frame's patch around each corner (iBUG 48 and 54, where the landmarks put them) is
 *   looked for in the frame's patch by zero-mean normalised cross-correlation (so exposure and white
 *   balance do not matter), to a fraction of a pixel.
 * - The score is how much wider the corners are apart plus how much higher they are, both in the
 *   first frame's mouth widths. A smile pulls the corners out and up (a real one widens the mouth
 *   by 15-35 %); how speaking or a yawn moves them is not measured here (no real video).
 * - Measured on the development split (bench:smile-separation): the synthetic smile reads 0.19-0.40
 *   where the landmark points read -0.03-0.23; neutral frames stay within +/-0.072.
 *
 * Pure functions: the patch is taken where the image is (frame-analysis.ts, on the face worker),
 * the comparison on patches only.
 */
import type { FaceLandmarks, MouthPatch } from "../face-model.ts";
import type { Point } from "../geometry.ts";
import { warpImage, type RgbImage } from "../image.ts";

/** Patch pixels per eye distance (x) and per eyes-to-nose-base length (y). */
const PX_X = 40;
const PX_Y = 28;
/** The patch spans x in [-X_SPAN, X_SPAN] eye distances, y in [Y_FROM, Y_TO] eyes-to-nose lengths. */
const X_SPAN = 1.3;
const Y_FROM = 0.5;
const Y_TO = 2.0;
export const PATCH_WIDTH = Math.round(2 * X_SPAN * PX_X);
export const PATCH_HEIGHT = Math.round((Y_TO - Y_FROM) * PX_Y);

/**
 * Half-size of the corner template (about 0.3 x 0.2 eye distances), and how far it is looked for
 * (0.25 eye distances sideways, about a quarter of the mouth's width for each corner, so a mouth up
 * to about 50 % wider is followed; 0.17 up or down), in patch pixels. A template 17 px wide was
 * tried: it blurred the corner with the cheek and one smile frame of 90 read -0.04.
 */
const TEMPLATE_HALF_X = 6;
const TEMPLATE_HALF_Y = 5;
const SEARCH_X = 10;
const SEARCH_Y = 7;

const mean = (p: readonly Point[], idx: readonly number[]): Point => ({
  x: idx.reduce((s, i) => s + p[i]!.x, 0) / idx.length,
  y: idx.reduce((s, i) => s + p[i]!.y, 0) / idx.length,
});

/**
 * The frame's mouth patch, placed by the 68 points: the eye centres (each eye's six points), the
 * nose's base (33) and the mouth corners (48, 54). Null without the 68 points or on a degenerate
 * face. (Placed by the five points instead, the nose tip for the base, it was noisier: neutral frames
 * read up to 0.087 and one smile -0.14 on the development split.)
 */
export function mouthPatch(image: RgbImage, landmarks: FaceLandmarks): MouthPatch | null {
  const p = landmarks.points68;
  if (!p || p.length !== 68) return null;
  const eyeL = mean(p, [36, 37, 38, 39, 40, 41]);
  const eyeR = mean(p, [42, 43, 44, 45, 46, 47]);
  const nose = p[33]!,
    mouthL = p[48]!,
    mouthR = p[54]!;
  const origin = { x: (eyeL.x + eyeR.x) / 2, y: (eyeL.y + eyeR.y) / 2 };
  const across = { x: eyeR.x - eyeL.x, y: eyeR.y - eyeL.y };
  const down = { x: nose.x - origin.x, y: nose.y - origin.y };
  const det = across.x * down.y - across.y * down.x;
  if (!(Math.abs(det) > 1e-6)) return null;
  // patch pixel (px, py) -> face coordinates (u, v) -> image point origin + u * across + v * down
  const ax = across.x / PX_X,
    bx = down.x / PX_Y,
    ay = across.y / PX_X,
    by = down.y / PX_Y;
  const cx = origin.x - X_SPAN * across.x + Y_FROM * down.x;
  const cy = origin.y - X_SPAN * across.y + Y_FROM * down.y;
  const rgb = warpImage(image, [ax, bx, cx, ay, by, cy], PATCH_WIDTH, PATCH_HEIGHT, 127);
  const grey = new Float32Array(PATCH_WIDTH * PATCH_HEIGHT);
  for (let i = 0; i < grey.length; i++)
    grey[i] = 0.299 * rgb.data[i * 3]! + 0.587 * rgb.data[i * 3 + 1]! + 0.114 * rgb.data[i * 3 + 2]!;
  // image point -> patch pixel: solve origin + u * across + v * down = q
  const toPatch = (q: Point): Point => {
    const dx = q.x - origin.x,
      dy = q.y - origin.y;
    const uu = (dx * down.y - dy * down.x) / det;
    const vv = (across.x * dy - across.y * dx) / det;
    return { x: (uu + X_SPAN) * PX_X, y: (vv - Y_FROM) * PX_Y };
  };
  // the length of one patch pixel down, in patch pixels across: the eyes-to-nose length against the eye distance
  const yScale = Math.abs(det) / Math.hypot(across.x, across.y) / PX_Y / (Math.hypot(across.x, across.y) / PX_X);
  return { width: PATCH_WIDTH, height: PATCH_HEIGHT, grey, left: toPatch(mouthL), right: toPatch(mouthR), yScale };
}

/** Where the first frame's neighbourhood of `at` is found in `frame`: the shift in patch pixels, or null. */
export function trackPoint(first: MouthPatch, frame: MouthPatch, at: Point): Point | null {
  const tx = Math.round(at.x),
    ty = Math.round(at.y);
  const inside = (x: number, y: number, mx: number, my: number): boolean =>
    x - mx >= 0 && y - my >= 0 && x + mx < first.width && y + my < first.height;
  if (!inside(tx, ty, TEMPLATE_HALF_X, TEMPLATE_HALF_Y)) return null;
  // the template, zero-mean and unit-norm
  const n = (2 * TEMPLATE_HALF_X + 1) * (2 * TEMPLATE_HALF_Y + 1);
  const tpl = new Float64Array(n);
  let k = 0,
    sum = 0;
  for (let y = -TEMPLATE_HALF_Y; y <= TEMPLATE_HALF_Y; y++)
    for (let x = -TEMPLATE_HALF_X; x <= TEMPLATE_HALF_X; x++)
      sum += tpl[k++] = first.grey[(ty + y) * first.width + tx + x]!;
  const tm = sum / n;
  let tn = 0;
  for (let i = 0; i < n; i++) tn += (tpl[i]! -= tm) ** 2;
  // a flat template (no corner to see, e.g. a face in shadow) cannot be tracked
  if (tn < n * 4) return null;
  tn = Math.sqrt(tn);
  const sw = 2 * SEARCH_X + 1;
  const scores = new Float64Array(sw * (2 * SEARCH_Y + 1)).fill(-2);
  let best = -2,
    bx = 0,
    by = 0;
  for (let dy = -SEARCH_Y; dy <= SEARCH_Y; dy++)
    for (let dx = -SEARCH_X; dx <= SEARCH_X; dx++) {
      const cx = tx + dx,
        cy = ty + dy;
      if (!inside(cx, cy, TEMPLATE_HALF_X, TEMPLATE_HALF_Y)) continue;
      let s = 0,
        s2 = 0,
        st = 0,
        i = 0;
      for (let y = -TEMPLATE_HALF_Y; y <= TEMPLATE_HALF_Y; y++) {
        const row = (cy + y) * frame.width + cx;
        for (let x = -TEMPLATE_HALF_X; x <= TEMPLATE_HALF_X; x++) {
          const g = frame.grey[row + x]!;
          s += g;
          s2 += g * g;
          st += g * tpl[i++]!;
        }
      }
      const variance = s2 - (s * s) / n;
      const score = variance > 1e-6 ? st / (tn * Math.sqrt(variance)) : 0;
      scores[(dy + SEARCH_Y) * sw + dx + SEARCH_X] = score;
      if (score > best) {
        best = score;
        bx = dx;
        by = dy;
      }
    }
  if (best < MIN_CORRELATION) return null;
  // a parabola through the best score and its neighbours, per axis, for the fraction of a pixel
  const at2 = (dx: number, dy: number): number =>
    Math.abs(dx) > SEARCH_X || Math.abs(dy) > SEARCH_Y ? -2 : scores[(dy + SEARCH_Y) * sw + dx + SEARCH_X]!;
  const refine = (l: number, c: number, r: number): number => {
    if (l < -1 || r < -1) return 0;
    const d = l - 2 * c + r;
    return d < 0 ? Math.max(-0.5, Math.min(0.5, (l - r) / (2 * d))) : 0;
  };
  return {
    x: bx + refine(at2(bx - 1, by), best, at2(bx + 1, by)),
    y: by + refine(at2(bx, by - 1), best, at2(bx, by + 1)),
  };
}

/** Below this correlation the corner was not found (another face, a hand over the mouth). */
const MIN_CORRELATION = 0.5;

export interface CornerMotion {
  /** how much further apart the corners are, in the first frame's mouth widths */
  readonly widening: number;
  /** how much higher the corners are on average, in the first frame's mouth widths */
  readonly lift: number;
}

/** The corners' movement from the first frame to this one; null when either corner cannot be tracked. */
export function cornerMotion(first: MouthPatch, frame: MouthPatch): CornerMotion | null {
  const width = first.right.x - first.left.x;
  if (!(width > 4)) return null;
  const l = trackPoint(first, frame, first.left);
  const r = trackPoint(first, frame, first.right);
  if (l === null || r === null) return null;
  // patch y grows downwards and is in other units than x: the first frame's scale brings it to x pixels
  return { widening: (r.x - l.x) / width, lift: ((-(l.y + r.y) / 2) * first.yScale) / width };
}

/** The smile score: widening plus lift, 0 on the first frame; null when the corners cannot be tracked. */
export function mouthSmile(first: MouthPatch, frame: MouthPatch): number | null {
  const m = cornerMotion(first, frame);
  return m === null ? null : m.widening + m.lift;
}
