/**
 * Presentation / replay signals between the reference portrait and the selfie: the selfie must not
 * be the portrait itself. Identical encoded bytes or decoded pixels are certain replays; an embedding
 * nearly identical to the portrait's (above `nearIdenticalSimilarity`, far above any two distinct
 * photos of one person) means the same photo re-encoded, resized or re-captured very cleanly.
 * A photo of the portrait taken with a phone usually scores lower than that: the active challenge
 * (a still photo cannot turn or blink) is what stops it, not this check.
 */
import { cosineSimilarity } from "../geometry.ts";

export type ReplaySignal = "IDENTICAL_BYTES" | "IDENTICAL_PIXELS" | "NEAR_IDENTICAL_EMBEDDING";

export interface ReplayEvidence {
  readonly signals: readonly ReplaySignal[];
  readonly similarity: number;
}

export function replaySignals(
  portrait: { bytesSha256: string | null; pixelSha256: string; embedding: Float32Array },
  selfie: { bytesSha256: string | null; pixelSha256: string; embedding: Float32Array },
  nearIdenticalSimilarity: number,
): ReplayEvidence {
  const signals: ReplaySignal[] = [];
  if (portrait.bytesSha256 !== null && portrait.bytesSha256 === selfie.bytesSha256) signals.push("IDENTICAL_BYTES");
  if (portrait.pixelSha256 === selfie.pixelSha256) signals.push("IDENTICAL_PIXELS");
  const similarity = cosineSimilarity(portrait.embedding, selfie.embedding);
  if (similarity >= nearIdenticalSimilarity) signals.push("NEAR_IDENTICAL_EMBEDDING");
  return { signals, similarity };
}
