/**
 * The capture script of a liveness challenge for the customer's app: which instruction to show
 * when, from the challenge a bank's node issued. The node checks that each action starts after its
 * prompt and within 2 s of it (times from the first frame's capture), that turns reach 30 degrees,
 * and that frames are 30 ms to 1.5 s apart; an app that films at a steady rate (e.g. every 150-300 ms)
 * from the first prompt to a second after the last one, and shows each instruction at its time,
 * satisfies it. Frames are sent unmirrored, with their capture times (`capturedAtMs`).
 */
import { InvalidArgumentError } from "../errors.ts";

export type LivenessStep = "TURN_LEFT" | "TURN_RIGHT" | "BLINK" | "SMILE";

export interface LivenessPrompt {
  readonly step: LivenessStep;
  /** Milliseconds after the first frame's capture time. */
  readonly atMs: number;
  /** What to tell the customer (English; the app translates by `step`). */
  readonly instruction: string;
}

const INSTRUCTIONS: Record<LivenessStep, string> = {
  TURN_LEFT: "Turn your head to your left (at least 30 degrees), then back",
  TURN_RIGHT: "Turn your head to your right (at least 30 degrees), then back",
  BLINK: "Close both eyes, then open them",
  SMILE: "Smile, then relax",
};

/** The prompts of a challenge in order; INVALID_ARGUMENT for a challenge the app cannot follow. */
export function livenessPrompts(challenge: {
  readonly steps: readonly string[];
  readonly promptsAtMs: readonly number[];
}): LivenessPrompt[] {
  // typed views: Array.isArray would narrow to any[]
  const steps: readonly unknown[] = challenge.steps;
  const promptsAtMs: readonly unknown[] = challenge.promptsAtMs;
  if (!Array.isArray(steps) || !Array.isArray(promptsAtMs) || steps.length !== promptsAtMs.length)
    throw new InvalidArgumentError("challenge", "steps and promptsAtMs must be arrays of one length");
  return challenge.steps.map((step: unknown, i) => {
    if (typeof step !== "string") throw new InvalidArgumentError("challenge", "steps must be strings");
    if (!Object.hasOwn(INSTRUCTIONS, step)) throw new InvalidArgumentError("challenge", `unknown step ${String(step)}`);
    const atMs: unknown = challenge.promptsAtMs[i];
    const previous: unknown = i > 0 ? challenge.promptsAtMs[i - 1] : -1;
    if (
      typeof atMs !== "number" ||
      !Number.isInteger(atMs) ||
      atMs < 0 ||
      typeof previous !== "number" ||
      atMs <= previous
    )
      throw new InvalidArgumentError("challenge", "promptsAtMs must be increasing non-negative integers");
    return { step: step as LivenessStep, atMs, instruction: INSTRUCTIONS[step as LivenessStep] };
  });
}
