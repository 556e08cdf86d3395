/**
 * A frame's face as the replay memory compares it (frame-memory.ts): the low spatial frequencies of
 * the face ALIGNED on its landmarks, relative to the face's mean brightness.
 *
 * - Aligned: the crop is placed by the eyes' and the mouth's midpoints (their axis gives the roll,
 *   their distance the scale), so re-timing, re-cropping, rescaling or turning a recording in the
 *   image plane does not move it. The eye-to-mouth distance barely shrinks when the head turns, unlike
 *   the distance between the eyes.
 * - Low frequencies: the 2-D DCT of the aligned grey crop, the coefficients with u + v <= 7 but the
 *   mean (35 numbers). A JPEG re-encoding, a rescale and sensor noise change the fine detail and
 *   leave these nearly as they were; another capture of a live person changes them: the light across
 *   the face (its direction and fall-off are the first coefficients), the head's pose and expression.
 * - Relative: divided by the crop's mean, so a camera's gain (auto-exposure) does not move it.
 *
 * Compared by Euclidean distance (`descriptorDistance`).
 */
import type { FaceLandmarks } from "../face-model.ts";
import { warpImage, type RgbImage } from "../image.ts";

/** Side of the aligned crop the DCT is taken over. */
const SIDE = 32;
/** Coefficients kept: u + v <= MAX_ORDER, without (0, 0). */
const MAX_ORDER = 7;
/** The crop's side in eye-to-mouth distances, centred between the eyes and the mouth. */
const CROP_SPAN = 2.2;

/** (u, v) of the kept coefficients, lowest order first (the early-abandoning distance looks at these first). */
const KEPT: ReadonlyArray<readonly [number, number]> = (() => {
  const out: Array<[number, number]> = [];
  for (let order = 1; order <= MAX_ORDER; order++) for (let u = 0; u <= order; u++) out.push([u, order - u]);
  return out;
})();

export const DESCRIPTOR_LENGTH = KEPT.length;

/** cos((2x + 1) u pi / 2N) for x, u < SIDE */
const COS: Float64Array = (() => {
  const t = new Float64Array(SIDE * SIDE);
  for (let u = 0; u < SIDE; u++)
    for (let x = 0; x < SIDE; x++) t[u * SIDE + x] = Math.cos(((2 * x + 1) * u * Math.PI) / (2 * SIDE));
  return t;
})();

export function frameDescriptor(image: RgbImage, landmarks: FaceLandmarks): Float32Array {
  const [eyeL, eyeR, , mouthL, mouthR] = landmarks.points5;
  if (!eyeL || !eyeR || !mouthL || !mouthR) throw new RangeError("five landmarks expected");
  const eye = { x: (eyeL.x + eyeR.x) / 2, y: (eyeL.y + eyeR.y) / 2 };
  const mouth = { x: (mouthL.x + mouthR.x) / 2, y: (mouthL.y + mouthR.y) / 2 };
  // the face's "down" axis and its length; the crop's x axis is perpendicular to it
  const dx = mouth.x - eye.x,
    dy = mouth.y - eye.y;
  const span = Math.max(1, Math.hypot(dx, dy));
  const k = (span * CROP_SPAN) / SIDE; // source pixels per crop pixel
  const down = { x: (dx / span) * k, y: (dy / span) * k };
  const right = { x: -down.y, y: down.x };
  const centre = { x: (eye.x + mouth.x) / 2, y: (eye.y + mouth.y) / 2 };
  const h = SIDE / 2 - 0.5;
  const crop = warpImage(
    image,
    [right.x, down.x, centre.x - h * (right.x + down.x), right.y, down.y, centre.y - h * (right.y + down.y)],
    SIDE,
    SIDE,
    127,
  );
  const grey = new Float64Array(SIDE * SIDE);
  let mean = 0;
  for (let i = 0; i < grey.length; i++) {
    const o = i * 3;
    grey[i] = 0.299 * crop.data[o]! + 0.587 * crop.data[o + 1]! + 0.114 * crop.data[o + 2]!;
    mean += grey[i]!;
  }
  mean = Math.max(1, mean / grey.length);
  // separable DCT: rows first (only the u <= MAX_ORDER columns are needed), then columns
  const rows = new Float64Array(SIDE * (MAX_ORDER + 1));
  for (let y = 0; y < SIDE; y++)
    for (let u = 0; u <= MAX_ORDER; u++) {
      let s = 0;
      for (let x = 0; x < SIDE; x++) s += grey[y * SIDE + x]! * COS[u * SIDE + x]!;
      rows[y * (MAX_ORDER + 1) + u] = s;
    }
  const out = new Float32Array(KEPT.length);
  KEPT.forEach(([u, v], i) => {
    let s = 0;
    for (let y = 0; y < SIDE; y++) s += rows[y * (MAX_ORDER + 1) + u]! * COS[v * SIDE + y]!;
    // orthonormal scaling, relative to the mean: a uniform gain leaves the result unchanged
    const cu = u === 0 ? Math.SQRT1_2 : 1,
      cv = v === 0 ? Math.SQRT1_2 : 1;
    out[i] = ((2 / SIDE) * cu * cv * s) / mean;
  });
  return out;
}

/** Euclidean distance, or Infinity as soon as it exceeds `limit` (the memory's early abandon). */
export function descriptorDistance(a: ArrayLike<number>, b: ArrayLike<number>, limit = Infinity): number {
  if (a.length !== b.length) return Infinity;
  const bound = limit * limit;
  let s = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    s += d * d;
    if (s > bound) return Infinity;
  }
  return Math.sqrt(s);
}
