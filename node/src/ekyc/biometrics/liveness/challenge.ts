/**
 * Active liveness challenge. The node issues a random sequence of actions (head turns of at least
 * 30 degrees, a blink, a smile) with a random prompt time for each, a single-use nonce and an
 * expiry; the client films the customer doing them and returns timestamped frames; the node checks
 * that the frames show exactly those actions in that order, each after its prompt, within the time
 * window, from a camera (plausible timing, continuous motion), of one person throughout, and not
 * frames it has seen in an earlier session.
 *
 * Directions are the customer's own: TURN_LEFT = the customer turns to their left, which in an
 * unmirrored camera frame moves the face towards the image's right (positive yaw in the port).
 * Clients must send unmirrored frames.
 */
import { randomBytes, randomInt } from "node:crypto";
import { ChallengeError, FaceError } from "../errors.ts";
import type { FaceModel, FrameAnalysis, FramePlan } from "../face-model.ts";
import { loadFaceImage, DEFAULT_MIN_FACE_SIZE, type FaceImageInput } from "../face-reader.ts";
import { cosineSimilarity } from "../geometry.ts";
import { pixelHash, type RgbImage } from "../image.ts";
import { loadThresholds, type BiometricThresholds, type LivenessThresholds } from "../matching.ts";
import { discontinuousMotion, implausibleTiming } from "./frame-checks.ts";
import { FrameMemory, type FrameRecall } from "./frame-memory.ts";
import { headYaw, yawChange } from "./head-yaw.ts";
import { mouthSmile } from "./mouth-motion.ts";

export type ChallengeStep = "TURN_LEFT" | "TURN_RIGHT" | "BLINK" | "SMILE";
const STEPS: readonly ChallengeStep[] = ["TURN_LEFT", "TURN_RIGHT", "BLINK", "SMILE"];
const isTurn = (s: ChallengeStep): boolean => s === "TURN_LEFT" || s === "TURN_RIGHT";

export interface Challenge {
  readonly nonce: string;
  readonly steps: readonly ChallengeStep[];
  /** When the client prompts each step: milliseconds after the first frame's capture time. */
  readonly promptsAtMs: readonly number[];
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
  /** Prompt timing and frame memory size (default: the committed thresholds). */
  thresholds?: LivenessThresholds;
  clock?: () => number;
}

/**
 * Issues challenges and consumes them once, and remembers the frames of past sessions
 * (`frames`). In memory: a node restart invalidates outstanding challenges, which only makes
 * customers retry, and forgets past frames.
 */
export class ChallengeIssuer {
  readonly #pending = new Map<string, Challenge>();
  readonly #consumed = new Map<string, number>(); // nonce -> expiresAt, to tell REUSED from UNKNOWN
  readonly #ttlMs: number;
  readonly #length: number;
  readonly #max: number;
  readonly #timing: LivenessThresholds["timing"];
  readonly #clock: () => number;
  /** Frames of earlier sessions, against a recording re-used for a new challenge. */
  readonly frames: FrameMemory;

  constructor(options: ChallengeIssuerOptions = {}) {
    const thresholds = options.thresholds ?? loadThresholds().liveness;
    this.#ttlMs = options.ttlMs ?? 30_000;
    this.#length = Math.max(2, Math.min(6, options.length ?? 3));
    this.#max = options.maxOutstanding ?? 10_000;
    this.#timing = thresholds.timing;
    this.#clock = options.clock ?? Date.now;
    this.frames = new FrameMemory(thresholds.memory.sessions);
  }

  /**
   * A random sequence with no action twice in a row, at least one head turn and at least one of
   * blink and smile; each step prompted at a random time (a recording made for another challenge
   * shows other actions at other times).
   */
  create(): Challenge {
    this.#evict();
    let steps: ChallengeStep[];
    do {
      steps = [];
      while (steps.length < this.#length) {
        const s = STEPS[randomInt(STEPS.length)]!;
        if (steps.at(-1) !== s) steps.push(s);
      }
    } while (!steps.some(isTurn) || steps.every(isTurn));
    const between = ([lo, hi]: readonly [number, number]): number => randomInt(lo, hi + 1);
    const promptsAtMs: number[] = [between(this.#timing.promptFirstMs)];
    while (promptsAtMs.length < steps.length) promptsAtMs.push(promptsAtMs.at(-1)! + between(this.#timing.promptGapMs));
    const issuedAt = this.#clock();
    const challenge: Challenge = Object.freeze({
      nonce: randomBytes(16).toString("base64url"),
      steps: Object.freeze(steps),
      promptsAtMs: Object.freeze(promptsAtMs),
      issuedAt,
      expiresAt: issuedAt + this.#ttlMs,
    });
    this.#pending.set(challenge.nonce, challenge);
    while (this.#pending.size > this.#max) this.#pending.delete(this.#pending.keys().next().value!);
    return challenge;
  }
  /**
   * Takes in a challenge that another instance of this node issued (the onboarding session carries
   * it through the shared store), so that `consume` here accepts it once. A nonce already consumed
   * here stays consumed: adopting cannot re-open a used challenge.
   */
  adopt(challenge: Challenge): void {
    this.#evict();
    if (this.#pending.has(challenge.nonce) || this.#consumed.has(challenge.nonce)) return;
    this.#pending.set(challenge.nonce, Object.freeze({ ...challenge }));
    while (this.#pending.size > this.#max) this.#pending.delete(this.#pending.keys().next().value!);
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
  "NEUTRAL" | "TURNED_LEFT" | "TURNED_RIGHT" | "EYES_CLOSED" | "SMILING" | "UNCLEAR" | "NO_FACE" | "MULTIPLE_FACES";

export interface FrameEvidence {
  readonly timestampMs: number;
  readonly state: FrameState;
  readonly yaw: number | null;
  /** the more open eye's reading (eyesReading) */
  readonly eyesOpen: number | null;
  /** smile score against the first frame (mouth-motion.ts); null where the mouth's corners could not be followed */
  readonly smile: number | null;
  /** only on the frames the plan scored (the frontal one) */
  readonly passiveLiveness: number | null;
  /** only on the one frame whose identity was checked (a NEUTRAL frame picked at random) */
  readonly similarityToFirst: number | null;
  readonly pixelSha256: string | null;
}

export type ActiveLivenessFailure =
  | "FIRST_FRAME_NOT_NEUTRAL"
  | "FRAME_WITHOUT_FACE"
  | "FRAME_MULTIPLE_FACES"
  | "ACTIONS_MISMATCH"
  | "ACTION_OUT_OF_TIME"
  | "IMPLAUSIBLE_TIMING"
  | "DISCONTINUOUS_MOTION"
  | "DIFFERENT_PERSON_IN_FRAMES"
  | "DUPLICATE_FRAMES"
  | "FRAMES_SEEN_BEFORE";

export interface ActiveLivenessResult {
  readonly passed: boolean;
  readonly failures: readonly ActiveLivenessFailure[];
  readonly expected: readonly ChallengeStep[];
  /** actions seen, in order (runs of the same non-neutral state collapsed) */
  readonly observed: readonly ChallengeStep[];
  readonly frames: readonly FrameEvidence[];
  /** lowest similarity of a checked frame to the first frame */
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
 * Checks the frames against an already-consumed challenge. Malformed frame lists throw
 * (ChallengeError); what the frames show is returned as evidence with `passed` and the failures.
 * The frames are decoded here and analysed in one model call (frame-analysis.ts): every frame gets
 * the cheap models, only the first an embedding and passive liveness; one NEUTRAL frame picked at
 * random gets an embedding afterwards (identityCheck).
 * `memory` (the issuer's) refuses frames seen in an earlier session and then remembers these;
 * `recall`, when given, does so instead, in a memory the node's instances share.
 */
export async function verifyChallenge(
  model: FaceModel,
  challenge: Challenge,
  frames: readonly ChallengeFrame[],
  thresholds: BiometricThresholds,
  options: { now?: number; minFaceSize?: number; memory?: FrameMemory; recall?: FrameRecall } = {},
): Promise<ActiveLivenessResult> {
  const now = options.now ?? Date.now();
  checkFrameTiming(challenge, frames, now);
  const t = thresholds.liveness;
  const failures = new Set<ActiveLivenessFailure>();

  // Decode everything first; a frame that is not an image counts as a frame without a face.
  const loaded = await Promise.all(frames.map((f) => loadOwned(f.image)));
  const decoded = loaded.flatMap((l) => (l === null ? [] : [l]));
  // The embedding (the most expensive model) runs on the first frame here, and on one more frame
  // once the states are known (identityCheck below); passive liveness on the first frame only.
  const plan: FramePlan = {
    minFaceSize: options.minFaceSize ?? DEFAULT_MIN_FACE_SIZE,
    embed: [0],
    passive: [0],
  };
  // Indices in `plan` are over all frames: undecodable frames are analysed as 1x1 blanks (no face).
  const blank = (): RgbImage => ({ width: 1, height: 1, data: new Uint8Array(3) });
  const analyses = decoded.length
    ? await model.analyseFrames(
        loaded.map((l) => l?.image ?? blank()),
        plan,
      )
    : loaded.map((): FrameAnalysis => ({ face: "NOT_FOUND" }));

  const first = analyses[0]?.face === "ONE" ? analyses[0] : null;
  const eyeBaseline = first ? eyesReading(first.eyes) : 0;
  const evidence: FrameEvidence[] = [];
  const seenPixels = new Set<string>();
  for (const [i, a] of analyses.entries()) {
    const pixelSha256 = loaded[i]?.pixelSha256 ?? null;
    if (pixelSha256 !== null && seenPixels.has(pixelSha256)) failures.add("DUPLICATE_FRAMES");
    if (pixelSha256 !== null) seenPixels.add(pixelSha256);
    const timestampMs = frames[i]!.timestampMs;
    if (a.face !== "ONE") {
      failures.add(a.face === "MULTIPLE" ? "FRAME_MULTIPLE_FACES" : "FRAME_WITHOUT_FACE");
      if (i === 0) failures.add("FIRST_FRAME_NOT_NEUTRAL");
      evidence.push({
        timestampMs,
        state: a.face === "MULTIPLE" ? "MULTIPLE_FACES" : "NO_FACE",
        yaw: null,
        eyesOpen: null,
        smile: null,
        passiveLiveness: null,
        similarityToFirst: null,
        pixelSha256,
      });
      continue;
    }
    const yaw = headYaw(a.pose, a.landmarks);
    const dYaw = first ? yawChange(first, a) : 0;
    // null: the mouth's corners could not be followed from the first frame (mouth-motion.ts)
    const smile = first?.mouth && a.mouth ? mouthSmile(first.mouth, a.mouth) : null;
    const state = frameState(dYaw, a.eyes, eyeBaseline, smile, t);
    if (i === 0 && state !== "NEUTRAL") failures.add("FIRST_FRAME_NOT_NEUTRAL");
    evidence.push({
      timestampMs,
      state,
      yaw,
      eyesOpen: eyesReading(a.eyes),
      smile,
      passiveLiveness: a.passive,
      similarityToFirst: null,
      pixelSha256,
    });
  }

  const identity = await identityCheck(model, first?.embedding ?? null, evidence, analyses, loaded);
  // the review threshold: no impostor pair of the eval set reaches it (max 0.239)
  if (identity !== null && identity.similarity < thresholds.match.review) failures.add("DIFFERENT_PERSON_IN_FRAMES");
  if (identity !== null)
    evidence[identity.frame] = { ...evidence[identity.frame]!, similarityToFirst: identity.similarity };

  const runs = observedActionRuns(evidence.map((e) => e.state));
  const observed = runs.map((r) => r.step);
  if (observed.length !== challenge.steps.length || observed.some((s, i) => s !== challenge.steps[i]))
    failures.add("ACTIONS_MISMATCH");
  else if (!actionsOnTime(runs, challenge, evidence, t.timing.maxReactionMs)) failures.add("ACTION_OUT_OF_TIME");
  if (
    implausibleTiming(
      evidence.map((e) => e.timestampMs),
      now,
      t.timing,
    )
  )
    failures.add("IMPLAUSIBLE_TIMING");
  const motion = analyses.map((a, i) => ({
    timestampMs: evidence[i]!.timestampMs,
    box: a.face === "ONE" ? a.box : null,
    yaw: a.face === "ONE" ? headYaw(a.pose, a.landmarks) : null,
  }));
  if (discontinuousMotion(motion, t.motion)) failures.add("DISCONTINUOUS_MOTION");
  // The descriptors stay out of the evidence: they are biometric data, kept only sealed in the memory.
  const descriptors = analyses.flatMap((a) => (a.face === "ONE" ? [a.faceDescriptor] : []));
  if (options.recall) {
    // Shared by the node's instances: one atomic step in the store, keyed by the challenge.
    const seen = await options.recall.recall(challenge.nonce, descriptors, t.memory.sameFrameDistance);
    if (seen.length) failures.add("FRAMES_SEEN_BEFORE");
  } else if (options.memory) {
    if (options.memory.seenBefore(descriptors, t.memory.sameFrameDistance).length) failures.add("FRAMES_SEEN_BEFORE");
    options.memory.remember(descriptors);
  }
  return {
    passed: failures.size === 0,
    failures: [...failures],
    expected: challenge.steps,
    observed,
    frames: evidence,
    minSimilarityToFirst: identity?.similarity ?? null,
    frontalEmbedding: first?.embedding ?? null,
    frontalPixelSha256: first ? (loaded[0]?.pixelSha256 ?? null) : null,
    frontalBytesSha256: first ? (loaded[0]?.bytesSha256 ?? null) : null,
  };
}

/**
 * The person of the first frame, compared with one NEUTRAL frame after it picked at random (a turned
 * or smiling face matches its own frontal frame less well; the action frames between are bound to
 * the neutral ones by the motion check). Picked once the states are known, so the one extra
 * embedding is never spent on an action frame, and the sender cannot know which frame it will be.
 * Null when the first frame has no face or no later frame is NEUTRAL.
 */
async function identityCheck(
  model: FaceModel,
  firstEmbedding: Float32Array | null,
  evidence: readonly FrameEvidence[],
  analyses: readonly FrameAnalysis[],
  loaded: readonly ({ image: RgbImage } | null)[],
): Promise<{ frame: number; similarity: number } | null> {
  const neutral = evidence.flatMap((e, i) => (i > 0 && e.state === "NEUTRAL" ? [i] : []));
  if (firstEmbedding === null || neutral.length === 0) return null;
  const frame = neutral[randomInt(neutral.length)]!;
  const a = analyses[frame]!;
  const image = loaded[frame]?.image;
  if (a.face !== "ONE" || image === undefined) return null;
  return { frame, similarity: cosineSimilarity(firstEmbedding, await model.embed(image, a.landmarks)) };
}

/** Decoded pixels this call owns, or null for bytes that are not an image. */
async function loadOwned(
  input: FaceImageInput,
): Promise<{ image: RgbImage; pixelSha256: string; bytesSha256: string | null } | null> {
  try {
    const { image, bytesSha256 } = await loadFaceImage(input);
    const owned = input instanceof Uint8Array ? image : { ...image, data: image.data.slice() };
    return {
      image: { width: owned.width, height: owned.height, data: owned.data },
      pixelSha256: pixelHash(image),
      bytesSha256,
    };
  } catch (error) {
    if (error instanceof FaceError && (error.code === "FACE_IMAGE_INVALID" || error.code === "FACE_IMAGE_TOO_LARGE"))
      return null;
    throw error;
  }
}

/**
 * The eyes' reading for the challenge: the more open eye's. fr_eye reads each eye from its own
 * 24 x 24 crop, and side light, a reflection on glasses or a strand of hair makes it read one open
 * eye as closed while the other reads open (development split, 2026-12-07: under a side light of
 * 20-45 %, 3 of 150 synthetic first frames had one eye under 0.4, up to 6 with camera noise; the
 * untouched photos none; never both eyes). A blink closes both eyes, so it needs both read closed
 * (as it always did), and the eyes count as open when either reads open. Until 2026-12-07 "open"
 * needed both eyes open and the first frame's baseline was the less open eye: one misread eye in
 * the first frame failed the session (FIRST_FRAME_NOT_NEUTRAL) or blocked its smile.
 */
export function eyesReading(eyes: { readonly leftOpen: number; readonly rightOpen: number }): number {
  return Math.max(eyes.leftOpen, eyes.rightOpen);
}

/**
 * One frame's state: a turn wins over closed eyes, closed eyes over a smile; eyes and mouth count
 * only on a face near frontal (models misread them on turned faces); NEUTRAL only well inside every band.
 * Eyes are judged against the person's own first frame (`baseline`, its eyesReading):
 * fr_eye reads open eyes anywhere from 0.4 to 1 with the light and the shape of the eyes, so
 * "open" is as open as at the start (or above the absolute band), and a blink must fall below
 * the absolute closed band and to half the start; eyes that start below eyeBaselineAbove are never open.
 * A smile needs eyes that are not closed, not open eyes: the cheeks of a real smile narrow them.
 * `dYaw` is the turn from the first frame (head-yaw.ts `yawChange`).
 */
export function frameState(
  dYaw: number,
  eyes: { readonly leftOpen: number; readonly rightOpen: number },
  baseline: number,
  smile: number | null,
  t: LivenessThresholds,
): FrameState {
  if (dYaw >= t.turnYawDegrees) return "TURNED_LEFT";
  if (dYaw <= -t.turnYawDegrees) return "TURNED_RIGHT";
  if (Math.abs(dYaw) >= t.turnYawDegrees / 2) return "UNCLEAR";
  const reading = eyesReading(eyes);
  if (reading < Math.min(t.eyeClosedBelow, t.eyeClosedRelative * baseline)) return "EYES_CLOSED";
  const eyesOpen = baseline >= t.eyeBaselineAbove && reading >= Math.min(t.eyeOpenAbove, t.eyeOpenRelative * baseline);
  // a real smile narrows the eyes (the cheeks rise): a smiling frame needs eyes that are not
  // closed, not eyes as open as in the first frame
  // a mouth that could not be followed (covered, out of the frame) is neither smiling nor neutral
  if (smile === null) return "UNCLEAR";
  if (smile >= t.smileAbove) return baseline >= t.eyeBaselineAbove ? "SMILING" : "UNCLEAR";
  if (eyesOpen && smile < t.smileAbove / 2) return "NEUTRAL";
  return "UNCLEAR";
}

/** Each action starts after its prompt and within the reaction time of it (times from the first frame). */
function actionsOnTime(
  runs: readonly { step: ChallengeStep; frame: number }[],
  challenge: Challenge,
  evidence: readonly FrameEvidence[],
  maxReactionMs: number,
): boolean {
  const t0 = evidence[0]!.timestampMs;
  return runs.every((r, i) => {
    const at = evidence[r.frame]!.timestampMs - t0;
    const prompt = challenge.promptsAtMs[i];
    return prompt !== undefined && at >= prompt && at <= prompt + maxReactionMs;
  });
}

/**
 * Actions from the per-frame states: each run of one action state counts once; an action must be
 * separated from the next by a return to NEUTRAL (so a blink followed by a turn is two actions, and
 * a turn held over several frames is one). UNCLEAR frames neither start nor end an action.
 */
export function observedActions(states: readonly FrameState[]): ChallengeStep[] {
  return observedActionRuns(states).map((r) => r.step);
}

/** The actions and the frame where each starts. */
export function observedActionRuns(states: readonly FrameState[]): Array<{ step: ChallengeStep; frame: number }> {
  const toStep: Partial<Record<FrameState, ChallengeStep>> = {
    TURNED_LEFT: "TURN_LEFT",
    TURNED_RIGHT: "TURN_RIGHT",
    EYES_CLOSED: "BLINK",
    SMILING: "SMILE",
  };
  const actions: Array<{ step: ChallengeStep; frame: number }> = [];
  let current: ChallengeStep | null = null;
  states.forEach((s, frame) => {
    if (s === "NEUTRAL") {
      current = null;
      return;
    }
    const step = toStep[s];
    if (!step) return;
    if (step !== current) {
      actions.push({ step, frame });
      current = step;
    }
  });
  return actions;
}
