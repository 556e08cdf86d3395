/**
 * Smile from mouth geometry on the 68 landmarks (or the 5 points when that is all a model gives):
 * a smile widens the mouth relative to the eyes and lifts its corners above the lips' midline.
 * Both are measured in eye distances, so moving, scaling or tilting the face (a photo held closer
 * or turned) does not change them; the score is the change from the customer's own first frame.
 */
import type { FaceLandmarks } from "../face-model.ts";
import type { Point } from "../geometry.ts";

export interface MouthGeometry {
  /** mouth-corner distance / eye-centre distance */
  readonly width: number;
  /** height of the corners above the lips' centre line, in eye distances (0 without 68 points) */
  readonly lift: number;
}

const dist = (a: Point, b: Point): number => Math.hypot(a.x - b.x, a.y - b.y);
const mid = (a: Point, b: Point): Point => ({ x: (a.x + b.x) / 2, y: (a.y + b.y) / 2 });

export function mouthGeometry(landmarks: FaceLandmarks): MouthGeometry {
  const p = landmarks.points68;
  if (p && p.length === 68) {
    const eyes = dist(mid(p[36]!, p[39]!), mid(p[42]!, p[45]!));
    const lips = (p[51]!.y + p[57]!.y) / 2;
    const corners = (p[48]!.y + p[54]!.y) / 2;
    return { width: dist(p[48]!, p[54]!) / eyes, lift: (lips - corners) / eyes };
  }
  const [le, re, , ml, mr] = landmarks.points5;
  return { width: dist(ml!, mr!) / dist(le!, re!), lift: 0 };
}

/** How much more this frame smiles than the first: relative widening plus corner lift. */
export function smileScore(first: MouthGeometry, frame: MouthGeometry): number {
  return frame.width / first.width - 1 + (frame.lift - first.lift);
}
