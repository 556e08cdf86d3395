/**
 * `verifySelfie`: the one call the node (onboarding) and re-onboarding make. Given the reference
 * (the card portrait, or a stored face template at a second bank), the challenge nonce the node
 * issued and the client's timestamped frames, it returns a decision with every piece of evidence:
 * similarity and the seed-scale score, active and passive liveness, replay signals, the models that
 * decided and timings. Bad input never throws: it becomes a `reject` with coded reasons. Only
 * environment failures (model missing or closed) throw.
 */
import { ChallengeError, FaceError } from "./errors.ts";
import type { FaceModel, FaceModelInfo } from "./face-model.ts";
import { readFace, type FaceImageInput } from "./face-reader.ts";
import { cosineSimilarity } from "./geometry.ts";
import {
  verifyChallenge,
  type ActiveLivenessResult,
  type ChallengeFrame,
  type ChallengeIssuer,
} from "./liveness/challenge.ts";
import type { FrameRecall } from "./liveness/frame-memory.ts";
import { replaySignals, type ReplayEvidence } from "./liveness/replay.ts";
import { loadThresholds, matchBand, seedScore, type BiometricThresholds, type MatchBand } from "./matching.ts";
import type { FaceTemplate } from "./template.ts";

export type SelfieDecision = "accept" | "review" | "reject";

export interface VerifySelfieInput {
  /** Reference face: the document portrait (onboarding) ... */
  readonly portrait?: FaceImageInput;
  /** ... or the template from the verified record (re-onboarding). Exactly one of the two. */
  readonly template?: FaceTemplate;
  readonly frames: readonly ChallengeFrame[];
  /** The challenge as the client echoes it; only its nonce is trusted, the steps come from the issuer. */
  readonly challenge: { readonly nonce: string };
}

export interface SelfieVerifierDeps {
  readonly model: FaceModel;
  readonly challenges: ChallengeIssuer;
  /** The frames of earlier sessions as the node's instances share them (absent: the issuer's, in this process). */
  readonly frameMemory?: FrameRecall;
  readonly thresholds?: BiometricThresholds;
  readonly clock?: () => number;
  readonly minFaceSize?: number;
}

export interface SelfieVerification {
  readonly decision: SelfieDecision;
  readonly reasons: readonly string[];
  readonly similarity: number | null;
  readonly band: MatchBand | null;
  /** similarity on the seed's 0-100 scale (>= 90 accept, 70-90 review) */
  readonly score: number | null;
  readonly liveness: {
    readonly active: Omit<ActiveLivenessResult, "frontalEmbedding"> | null;
    readonly passive: { readonly scores: readonly number[]; readonly min: number | null; readonly advisory: boolean };
  };
  readonly replay: ReplayEvidence | null;
  /** Template of the selfie's frontal frame: what the verified record stores (see template.ts). */
  readonly selfieTemplate: FaceTemplate | null;
  readonly model: FaceModelInfo;
  readonly thresholds: { readonly accept: number; readonly review: number };
  readonly timingsMs: { readonly reference: number; readonly challenge: number; readonly total: number };
}

export async function verifySelfie(input: VerifySelfieInput, deps: SelfieVerifierDeps): Promise<SelfieVerification> {
  const t0 = performance.now();
  const thresholds = deps.thresholds ?? loadThresholds();
  const model = deps.model;
  const reasons: string[] = [];
  const result = (partial: Partial<SelfieVerification>, tRef = 0, tChallenge = 0): SelfieVerification => ({
    decision: decide(reasons),
    reasons: [...reasons],
    similarity: null,
    band: null,
    score: null,
    liveness: {
      active: null,
      passive: { scores: [], min: null, advisory: thresholds.liveness.passiveReviewBelow === null },
    },
    replay: null,
    selfieTemplate: null,
    model: model.info,
    thresholds: thresholds.match,
    ...partial,
    timingsMs: { reference: tRef, challenge: tChallenge, total: performance.now() - t0 },
  });

  // 1. The challenge is consumed first, whatever follows: a nonce never gets a second try.
  let challenge;
  try {
    challenge = deps.challenges.consume(input?.challenge?.nonce);
  } catch (error) {
    if (!(error instanceof ChallengeError)) throw error;
    reasons.push(error.code);
    return result({});
  }

  // 2. The reference face.
  const tRef0 = performance.now();
  const reference = await readReference(input, model, deps.minFaceSize);
  if ("reason" in reference) {
    reasons.push(reference.reason);
    return result({}, reference.timed ? performance.now() - tRef0 : 0);
  }
  const tRef = performance.now() - tRef0;

  // 3. Active liveness on the frames (timing errors are typed: they become reasons).
  const tCh0 = performance.now();
  let active: ActiveLivenessResult;
  try {
    active = await verifyChallenge(model, challenge, input.frames, thresholds, {
      now: (deps.clock ?? Date.now)(),
      minFaceSize: deps.minFaceSize,
      ...(deps.frameMemory === undefined ? { memory: deps.challenges.frames } : { recall: deps.frameMemory }),
    });
  } catch (error) {
    if (!(error instanceof ChallengeError)) throw error;
    reasons.push(error.code);
    return result({}, tRef, performance.now() - tCh0);
  }
  const tChallenge = performance.now() - tCh0;
  for (const f of active.failures) reasons.push(`LIVENESS_${f}`);

  const passiveScores = active.frames.flatMap((f) => (f.passiveLiveness === null ? [] : [f.passiveLiveness]));
  const passiveMin = passiveScores.length ? Math.min(...passiveScores) : null;
  const passiveThreshold = thresholds.liveness.passiveReviewBelow;
  if (passiveThreshold !== null && passiveMin !== null && passiveMin < passiveThreshold)
    reasons.push("PASSIVE_LIVENESS_LOW");

  const { frontalEmbedding, ...activeEvidence } = active;
  let similarity: number | null = null;
  let replay: ReplayEvidence | null = null;
  if (frontalEmbedding) {
    similarity = cosineSimilarity(reference.embedding, frontalEmbedding);
    replay = replayCheck(reference, active, frontalEmbedding, thresholds);
    for (const s of replay?.signals ?? []) reasons.push(`REPLAY_${s}`);
  }
  const band = similarity === null ? null : matchBand(similarity, thresholds.match);
  if (band === "review") reasons.push("MATCH_REVIEW");
  if (band === "reject") reasons.push("MATCH_REJECT");
  if (band === null && !reasons.length) reasons.push("NO_FRONTAL_FRAME");

  return result(
    {
      similarity,
      band,
      score: similarity === null ? null : seedScore(similarity, thresholds.match),
      liveness: {
        active: activeEvidence,
        passive: { scores: passiveScores, min: passiveMin, advisory: passiveThreshold === null },
      },
      replay,
      selfieTemplate: frontalEmbedding ? { modelId: model.info.id, embedding: frontalEmbedding } : null,
    },
    tRef,
    tChallenge,
  );
}

/** The reference face's embedding, and the portrait's hashes when it came from an image (for replay checks). */
interface Reference {
  readonly embedding: Float32Array;
  readonly bytesSha256: string | null;
  readonly pixelSha256: string | null;
}

/**
 * The reference face, or the reason it cannot be used; `timed` says whether reading it cost
 * model time (the portrait path). Only environment failures throw.
 */
async function readReference(
  input: VerifySelfieInput,
  model: FaceModel,
  minFaceSize: number | undefined,
): Promise<Reference | { reason: string; timed: boolean }> {
  const references = Number(input.portrait !== undefined) + Number(input.template !== undefined);
  if (references !== 1) return { reason: "REFERENCE_INVALID", timed: false };
  if (input.template) {
    if (input.template.modelId !== model.info.id || input.template.embedding.length !== model.info.embeddingSize) {
      return { reason: "TEMPLATE_MODEL_MISMATCH", timed: false };
    }
    return { embedding: input.template.embedding, bytesSha256: null, pixelSha256: null };
  }
  try {
    const r = await readFace(model, input.portrait!, { minFaceSize });
    return { embedding: r.embedding, bytesSha256: r.bytesSha256, pixelSha256: r.pixelSha256 };
  } catch (error) {
    if (!isInputError(error)) throw error;
    return { reason: `PORTRAIT_${error.code}`, timed: true };
  }
}

/** Replay signals of the frontal frame against a portrait reference (none for a template: no pixels to compare). */
function replayCheck(
  reference: Reference,
  active: ActiveLivenessResult,
  frontalEmbedding: Float32Array,
  thresholds: BiometricThresholds,
): ReplayEvidence | null {
  if (reference.pixelSha256 === null) return null;
  const replay = replaySignals(
    { bytesSha256: reference.bytesSha256, pixelSha256: reference.pixelSha256, embedding: reference.embedding },
    {
      bytesSha256: active.frontalBytesSha256,
      pixelSha256: active.frontalPixelSha256 ?? "",
      embedding: frontalEmbedding,
    },
    thresholds.replay.nearIdenticalSimilarity,
  );
  const frameHashes = new Set(active.frames.map((f) => f.pixelSha256));
  const signals = new Set(replay.signals);
  if (frameHashes.has(reference.pixelSha256)) signals.add("IDENTICAL_PIXELS");
  return { ...replay, signals: [...signals] };
}

const REVIEW_REASONS = new Set(["MATCH_REVIEW", "PASSIVE_LIVENESS_LOW"]);

function decide(reasons: readonly string[]): SelfieDecision {
  if (reasons.length === 0) return "accept";
  return reasons.every((r) => REVIEW_REASONS.has(r)) ? "review" : "reject";
}

function isInputError(error: unknown): error is FaceError {
  return error instanceof FaceError && error.code !== "FACE_MODEL_CLOSED" && error.code !== "FACE_MODEL_UNAVAILABLE";
}
