/**
 * Active liveness challenge. The node issues a random sequence of actions with a single-use nonce
 * and an expiry; the client films the customer doing them and returns timestamped frames; the node
 * checks that the frames show exactly those actions in that order (head pose and eye state models),
 * within the time window, and that every frame shows the same person.
 *
 * Directions are the customer's own: TURN_LEFT = the customer turns to their left, which in an
 * unmirrored camera frame moves the face towards the image's right (positive yaw in the port).
 * Clients must send unmirrored frames.
 */
import { randomBytes, randomInt } from "node:crypto";
import { ChallengeError, FaceError } from "../errors.ts";
import type { FaceModel } from "../face-model.ts";
import { readFace, type FaceImageInput } from "../face-reader.ts";
import { cosineSimilarity } from "../geometry.ts";
import type { BiometricThresholds } from "../matching.ts";

export type ChallengeStep = "TURN_LEFT" | "TURN_RIGHT" | "BLINK";
const STEPS: readonly ChallengeStep[] = ["TURN_LEFT", "TURN_RIGHT", "BLINK"];

export interface Challenge {
  readonly nonce: string;
  readonly steps: readonly ChallengeStep[];
  /** epoch milliseconds */
  readonly issuedAt: number;
  readonly expiresAt: number;
}

export interface ChallengeIssuerOptions {
  /** Lifetime of a challenge (default 30 s). */
  ttlMs?: number;
  /** Number of actions (default 3). */
  length?: number;
  /** Outstanding challenges kept; the oldest are dropped beyond it (bounded memory). Default 10,000. */
  maxOutstanding?: number;
  clock?: () => number;
}

/**
 * Issues challenges and consumes them once. In memory: a node restart invalidates outstanding
 * challenges, which only makes customers retry.
 */
export class ChallengeIssuer {
  readonly #pending = new Map<string, Challenge>();
  readonly #consumed = new Map<string, number>(); // nonce -> expiresAt, to tell REUSED from UNKNOWN
  readonly #ttlMs: number;
  readonly #length: number;
  readonly #max: number;
  readonly #clock: () => number;

  constructor(options: ChallengeIssuerOptions = {}) {
    this.#ttlMs = options.ttlMs ?? 30_000;
    this.#length = Math.max(1, Math.min(6, options.length ?? 3));
    this.#max = options.maxOutstanding ?? 10_000;
    this.#clock = options.clock ?? Date.now;
  }

  /** A random sequence with no action twice in a row and at least one head turn. */
  create(): Challenge {
    this.#evict();
    let steps: ChallengeStep[];
    do {
      steps = [];
      while (steps.length < this.#length) {
        const s = STEPS[randomInt(STEPS.length)]!;
        if (steps.at(-1) !== s) steps.push(s);
      }
    } while (!steps.some((s) => s !== "BLINK"));
    const issuedAt = this.#clock();
    const challenge: Challenge = Object.freeze({
      nonce: randomBytes(16).toString("base64url"),
      steps: Object.freeze(steps),
      issuedAt,
      expiresAt: issuedAt + this.#ttlMs,
    });
    this.#pending.set(challenge.nonce, challenge);
    while (this.#pending.size > this.#max) this.#pending.delete(this.#pending.keys().next().value!);
    return challenge;
  }

  /** Takes the challenge out (single use): CHALLENGE_UNKNOWN, CHALLENGE_REUSED or CHALLENGE_EXPIRED otherwise. */
  consume(nonce: string): Challenge {
    if (typeof nonce !== "string" || nonce.length === 0 || nonce.length > 64) {
      throw new ChallengeError("CHALLENGE_UNKNOWN", "challenge nonce is malformed");
    }
    const challenge = this.#pending.get(nonce);
    if (!challenge) {
      if (this.#consumed.has(nonce)) throw new ChallengeError("CHALLENGE_REUSED", "challenge was already used");
      throw new ChallengeError("CHALLENGE_UNKNOWN", "challenge was not issued by this node");
    }
    this.#pending.delete(nonce);
    this.#consumed.set(nonce, challenge.expiresAt);
    while (this.#consumed.size > this.#max) this.#consumed.delete(this.#consumed.keys().next().value!);
    if (this.#clock() > challenge.expiresAt) {
      throw new ChallengeError("CHALLENGE_EXPIRED", "challenge expired", {
        details: { expiresAt: challenge.expiresAt },
      });
    }
    return challenge;
  }

  #evict(): void {
    const now = this.#clock();
    for (const [n, c] of this.#pending) if (c.expiresAt < now) this.#pending.delete(n);
    // consumed nonces are remembered a further ttl after expiry (a replay after that is UNKNOWN, still refused)
    for (const [n, exp] of this.#consumed) if (exp + this.#ttlMs < now) this.#consumed.delete(n);
  }
}

export interface ChallengeFrame {
  readonly image: FaceImageInput;
  /** capture time, epoch milliseconds */
  readonly timestampMs: number;
}

export type FrameState =
  "NEUTRAL" | "TURNED_LEFT" | "TURNED_RIGHT" | "EYES_CLOSED" | "UNCLEAR" | "NO_FACE" | "MULTIPLE_FACES";

export interface FrameEvidence {
  readonly timestampMs: number;
  readonly state: FrameState;
  readonly yaw: number | null;
  readonly eyesOpen: number | null;
  readonly passiveLiveness: number | null;
  readonly similarityToFirst: number | null;
  readonly pixelSha256: string | null;
}

export type ActiveLivenessFailure =
  | "FIRST_FRAME_NOT_NEUTRAL"
  | "FRAME_WITHOUT_FACE"
  | "FRAME_MULTIPLE_FACES"
  | "ACTIONS_MISMATCH"
  | "DIFFERENT_PERSON_IN_FRAMES"
  | "DUPLICATE_FRAMES";

export interface ActiveLivenessResult {
  readonly passed: boolean;
  readonly failures: readonly ActiveLivenessFailure[];
  readonly expected: readonly ChallengeStep[];
  /** actions seen, in order (runs of the same non-neutral state collapsed) */
  readonly observed: readonly ChallengeStep[];
  readonly frames: readonly FrameEvidence[];
  /** lowest similarity of any frame to the first frame */
  readonly minSimilarityToFirst: number | null;
  /** embedding of the first (frontal) frame, for the match against the portrait */
  readonly frontalEmbedding: Float32Array | null;
  readonly frontalPixelSha256: string | null;
  readonly frontalBytesSha256: string | null;
}

export const MAX_FRAMES = 24;

/** Validates the frame list against the challenge's time window: typed errors for malformed or late input. */
export function checkFrameTiming(challenge: Challenge, frames: readonly ChallengeFrame[], now: number): void {
  if (!Array.isArray(frames) || frames.length < 2 || frames.length > MAX_FRAMES) {
    throw new ChallengeError(
      "CHALLENGE_FRAMES_INVALID",
      `expected 2-${MAX_FRAMES} frames, got ${Array.isArray(frames) ? frames.length : "none"}`,
    );
  }
  if (now > challenge.expiresAt) throw new ChallengeError("CHALLENGE_EXPIRED", "challenge answered after it expired");
  let previous = -Infinity;
  // Array.isArray above narrowed `frames` to any[]; the declared type keeps the checks below type-checked.
  const checked: readonly (ChallengeFrame | undefined)[] = frames;
  checked.forEach((f, i) => {
    const t = f?.timestampMs;
    if (typeof t !== "number" || !Number.isFinite(t))
      throw new ChallengeError("CHALLENGE_FRAMES_INVALID", `frame ${i} has no timestamp`);
    if (t <= previous)
      throw new ChallengeError("CHALLENGE_FRAMES_INVALID", `frame ${i} is out of order`, { details: { frame: i } });
    if (t < challenge.issuedAt || t > challenge.expiresAt) {
      throw new ChallengeError("CHALLENGE_FRAMES_INVALID", `frame ${i} was taken outside the challenge window`, {
        details: { frame: i },
      });
    }
    previous = t;
  });
}

/**
 * Checks the frames against an already-consumed challenge. Timing problems throw (ChallengeError);
 * what the frames show is returned as evidence with `passed` and the failures.
 */
export async function verifyChallenge(
  model: FaceModel,
  challenge: Challenge,
  frames: readonly ChallengeFrame[],
  thresholds: BiometricThresholds,
  options: { now?: number; minFaceSize?: number } = {},
): Promise<ActiveLivenessResult> {
  checkFrameTiming(challenge, frames, options.now ?? Date.now());
  const t = thresholds.liveness;
  const failures = new Set<ActiveLivenessFailure>();
  const evidence: FrameEvidence[] = [];
  let first: { embedding: Float32Array; yaw: number; pixelSha256: string; bytesSha256: string | null } | null = null;
  const seenPixels = new Set<string>();
  let minSim: number | null = null;

  for (const [i, frame] of frames.entries()) {
    let reading;
    try {
      reading = await readFace(model, frame.image, { minFaceSize: options.minFaceSize });
    } catch (error) {
      if (
        !(error instanceof FaceError) ||
        error.code === "FACE_MODEL_CLOSED" ||
        error.code === "FACE_MODEL_UNAVAILABLE"
      )
        throw error;
      const state: FrameState = error.code === "FACE_MULTIPLE" ? "MULTIPLE_FACES" : "NO_FACE";
      failures.add(state === "MULTIPLE_FACES" ? "FRAME_MULTIPLE_FACES" : "FRAME_WITHOUT_FACE");
      evidence.push({
        timestampMs: frame.timestampMs,
        state,
        yaw: null,
        eyesOpen: null,
        passiveLiveness: null,
        similarityToFirst: null,
        pixelSha256: null,
      });
      if (i === 0) failures.add("FIRST_FRAME_NOT_NEUTRAL");
      continue;
    }
    if (seenPixels.has(reading.pixelSha256)) failures.add("DUPLICATE_FRAMES");
    seenPixels.add(reading.pixelSha256);
    const pose = await model.headPose(reading.image, reading.box);
    const eyes = await model.eyeState(reading.image, reading.landmarks);
    const passive = await model.liveness(reading.image, reading.box);
    const eyesOpen = Math.min(eyes.leftOpen, eyes.rightOpen);
    if (!first)
      first = {
        embedding: reading.embedding,
        yaw: pose.yaw,
        pixelSha256: reading.pixelSha256,
        bytesSha256: reading.bytesSha256,
      };
    const dYaw = pose.yaw - first.yaw;
    let state: FrameState;
    if (dYaw >= t.turnYawDegrees) state = "TURNED_LEFT";
    else if (dYaw <= -t.turnYawDegrees) state = "TURNED_RIGHT";
    else if (Math.max(eyes.leftOpen, eyes.rightOpen) < t.eyeClosedBelow) state = "EYES_CLOSED";
    else if (eyesOpen > t.eyeOpenAbove && Math.abs(dYaw) < t.turnYawDegrees / 2) state = "NEUTRAL";
    else state = "UNCLEAR";
    if (i === 0 && state !== "NEUTRAL") failures.add("FIRST_FRAME_NOT_NEUTRAL");
    const sim = cosineSimilarity(first.embedding, reading.embedding);
    minSim = minSim === null ? sim : Math.min(minSim, sim);
    if (sim < thresholds.match.accept) failures.add("DIFFERENT_PERSON_IN_FRAMES");
    evidence.push({
      timestampMs: frame.timestampMs,
      state,
      yaw: pose.yaw,
      eyesOpen,
      passiveLiveness: passive,
      similarityToFirst: sim,
      pixelSha256: reading.pixelSha256,
    });
  }

  const observed = observedActions(evidence.map((e) => e.state));
  if (observed.length !== challenge.steps.length || observed.some((s, i) => s !== challenge.steps[i]))
    failures.add("ACTIONS_MISMATCH");
  return {
    passed: failures.size === 0,
    failures: [...failures],
    expected: challenge.steps,
    observed,
    frames: evidence,
    minSimilarityToFirst: minSim,
    frontalEmbedding: first?.embedding ?? null,
    frontalPixelSha256: first?.pixelSha256 ?? null,
    frontalBytesSha256: first?.bytesSha256 ?? null,
  };
}

/**
 * Actions from the per-frame states: each run of one action state counts once; an action must be
 * separated from the next by a return to NEUTRAL (so a blink followed by a turn is two actions, and
 * a turn held over several frames is one). UNCLEAR frames neither start nor end an action.
 */
export function observedActions(states: readonly FrameState[]): ChallengeStep[] {
  const toStep: Partial<Record<FrameState, ChallengeStep>> = {
    TURNED_LEFT: "TURN_LEFT",
    TURNED_RIGHT: "TURN_RIGHT",
    EYES_CLOSED: "BLINK",
  };
  const actions: ChallengeStep[] = [];
  let current: ChallengeStep | null = null;
  for (const s of states) {
    if (s === "NEUTRAL") {
      current = null;
      continue;
    }
    const step = toStep[s];
    if (!step) continue;
    if (step !== current) {
      actions.push(step);
      current = step;
    }
  }
  return actions;
}
