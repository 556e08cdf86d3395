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

/**
 * The head's turn from `first` to `frame`, in degrees (positive towards the image's right): the
 * larger of the two readings' changes (fr_pose's yaw and the landmarks' nose-between-jaw yaw), where
 * headYaw averages them. Why: the landmark model (64 x 64 input, trained on faces near frontal)
 * saturates near a profile and can even move back, so a head that starts 20-30 degrees off and
 * turns 45 further reads a 45-55 degree change on fr_pose and -10..+10 on the landmarks, and their
 * mean under-read the turn the customer made (development split, 2026-12-07: 10 of 90 synthetic
 * genuine sessions). What keeps it safe: no flat medium moves either reading far. On the
 * development split's synthesised attacks (print, perspective print, screen, static warps, 480
 * turn frames each), fr_pose changed at most 14 degrees and the landmarks at most 18, against a
 * 30-degree turn.
 */
export function yawChange(
  first: { readonly pose: HeadPose; readonly landmarks: FaceLandmarks },
  frame: { readonly pose: HeadPose; readonly landmarks: FaceLandmarks },
): number {
  const byPose = frame.pose.yaw - first.pose.yaw;
  const a = landmarkYaw(first.landmarks),
    b = landmarkYaw(frame.landmarks);
  if (a === null || b === null) return byPose;
  const byLandmarks = b - a;
  return Math.abs(byPose) >= Math.abs(byLandmarks) ? byPose : byLandmarks;
}
