/**
 * Three-band face matching: accept / review (a human looks) / reject, on the cosine similarity of
 * two L2-normalised embeddings, with thresholds from thresholds.json (calibrated, see calibration.ts).
 * Also maps similarity to the seed's percentage scale (>= 90 pass, 70-90 review, < 70 reject) so
 * operators see the score they know: the calibrated thresholds become exactly 90 and 70.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export type MatchBand = "accept" | "review" | "reject";

export interface MatchThresholds {
  readonly accept: number;
  readonly review: number;
}

export interface BiometricThresholds {
  readonly modelId: string;
  readonly match: MatchThresholds;
  readonly liveness: LivenessThresholds;
  readonly replay: { readonly nearIdenticalSimilarity: number };
}

/** The active challenge's rules; thresholds.json's provenance says where each value comes from. */
export interface LivenessThresholds {
  readonly turnYawDegrees: number;
  /** Eyes closed below this (fr_eye's open probability, the more open eye), and below eyeClosedRelative x the first frame's. */
  readonly eyeClosedBelow: number;
  readonly eyeClosedRelative: number;
  /** Eyes open above this or above eyeOpenRelative x the first frame's reading (the person's own open eyes). */
  readonly eyeOpenAbove: number;
  readonly eyeOpenRelative: number;
  /** The first frame's eyes must read at least this open: a blink cannot be seen from eyes that look half-closed. */
  readonly eyeBaselineAbove: number;
  /** Smile score (liveness/mouth-motion.ts: the corners' widening + lift in mouth widths) above which a frame shows a smile. */
  readonly smileAbove: number;
  /** Passive liveness below this sends the case to review; null: advisory only. */
  readonly passiveReviewBelow: number | null;
  readonly timing: {
    readonly minFrameGapMs: number;
    readonly maxFrameGapMs: number;
    readonly maxFutureSkewMs: number;
    /** Range of the first prompt's offset after the first frame, and of the gap between prompts. */
    readonly promptFirstMs: readonly [number, number];
    readonly promptGapMs: readonly [number, number];
    readonly maxReactionMs: number;
  };
  readonly motion: {
    readonly maxYawDegreesPerSecond: number;
    /** Largest move of the face box's centre between consecutive frames, in box widths. */
    readonly maxBoxShiftPerFrame: number;
    /** Largest size ratio of the face box between consecutive frames. */
    readonly maxBoxScalePerFrame: number;
  };
  readonly memory: {
    /** Frame descriptors (liveness/frame-descriptor.ts) at most this far apart are the same frame. */
    readonly sameFrameDistance: number;
    /** Sessions whose frame hashes are remembered. */
    readonly sessions: number;
  };
}

const THRESHOLDS_FILE = path.join(path.dirname(fileURLToPath(import.meta.url)), "thresholds.json");

/** The committed, calibrated thresholds. */
export function loadThresholds(): BiometricThresholds {
  return JSON.parse(readFileSync(THRESHOLDS_FILE, "utf8")) as BiometricThresholds;
}

export function matchBand(similarity: number, t: MatchThresholds): MatchBand {
  if (!Number.isFinite(similarity)) return "reject";
  if (similarity >= t.accept) return "accept";
  if (similarity >= t.review) return "review";
  return "reject";
}

/** Piecewise-linear map of similarity to the seed's 0-100 scale: review -> 70, accept -> 90, 1 -> 100, <= 0 -> 0. */
export function seedScore(similarity: number, t: MatchThresholds): number {
  const s = Math.max(0, Math.min(1, Number.isFinite(similarity) ? similarity : 0));
  let score: number;
  if (s >= t.accept) score = 90 + (10 * (s - t.accept)) / (1 - t.accept);
  else if (s >= t.review) score = 70 + (20 * (s - t.review)) / (t.accept - t.review);
  else score = (70 * s) / t.review;
  return Math.round(score * 10) / 10;
}
