/**
 * Checks that a frame sequence is what a camera filming one person produces, against replayed or
 * injected sequences: capture times plausible for a camera (monotonic, not faster than a camera,
 * dense enough to see every movement, not from the future), and motion continuous (the face box
 * and the head's yaw move no faster than a head can). Pure functions on per-frame readings.
 */
import type { FaceBox } from "../geometry.ts";
import type { LivenessThresholds } from "../matching.ts";

/** Frames closer than a camera can take them, or further apart than the check can follow, or from the future. */
export function implausibleTiming(
  timestamps: readonly number[],
  now: number,
  timing: LivenessThresholds["timing"],
): boolean {
  for (let i = 1; i < timestamps.length; i++) {
    const gap = timestamps[i]! - timestamps[i - 1]!;
    if (gap < timing.minFrameGapMs || gap > timing.maxFrameGapMs) return true;
  }
  return timestamps.some((t) => t > now + timing.maxFutureSkewMs);
}

export interface MotionSample {
  readonly timestampMs: number;
  readonly box: FaceBox | null;
  readonly yaw: number | null;
}

/** A cut between consecutive frames with a face: a jump of the face box, of its size, or of the yaw. */
export function discontinuousMotion(samples: readonly MotionSample[], motion: LivenessThresholds["motion"]): boolean {
  for (let i = 1; i < samples.length; i++) {
    const a = samples[i - 1]!,
      b = samples[i]!;
    if (a.box === null || b.box === null || a.yaw === null || b.yaw === null) continue;
    const wa = a.box.x2 - a.box.x1,
      wb = b.box.x2 - b.box.x1;
    const shift = Math.hypot(
      (b.box.x1 + b.box.x2 - a.box.x1 - a.box.x2) / 2,
      (b.box.y1 + b.box.y2 - a.box.y1 - a.box.y2) / 2,
    );
    if (shift > motion.maxBoxShiftPerFrame * Math.max(wa, wb)) return true;
    if (Math.max(wa, wb) / Math.max(1e-9, Math.min(wa, wb)) > motion.maxBoxScalePerFrame) return true;
    const seconds = (b.timestampMs - a.timestampMs) / 1000;
    if (Math.abs(b.yaw - a.yaw) > motion.maxYawDegreesPerSecond * seconds) return true;
  }
  return false;
}
