/**
 * Single-use active-authentication challenges: one random 8-byte challenge (ICAO's RND.IFD) per
 * session, expiring, and refused when answered twice, so a recorded answer from an earlier session
 * or attempt cannot be replayed.
 *
 * The rules are two pure functions over the issued challenge as plain data (`issueChallenge`,
 * `consumeChallenge`): the node keeps that data in the onboarding session, in the shared store, and
 * consumes it by a compare-and-set there, so that any instance serves the answer and a replayed
 * answer is consumed on one instance only (onboarding/chip-reading.ts). `ActiveAuthChallenges`
 * holds them in memory for a single process (tests, the chip benchmark). No I/O here.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { ChallengeRefusedError } from "./errors.ts";

/** A challenge as issued: plain data, so it can travel in a stored session. */
export interface IssuedChallenge {
  readonly challenge: Uint8Array;
  /** epoch milliseconds */
  readonly expiresAt: number;
  /** Set once an answer was checked against it: a second answer is a replay. */
  readonly used: boolean;
}

/** How long a challenge may be answered by default: one NFC read. */
export const DEFAULT_CHALLENGE_TTL_MS = 120_000;

const randomChallenge = (bytes: number) => new Uint8Array(randomBytes(bytes));

/** A fresh challenge, valid for `ttlMs` from `now`. */
export function issueChallenge(
  now: number,
  ttlMs = DEFAULT_CHALLENGE_TTL_MS,
  random: (bytes: number) => Uint8Array = randomChallenge,
): IssuedChallenge {
  return { challenge: random(8), expiresAt: now + ttlMs, used: false };
}

/**
 * Consumes `issued` (the session's challenge) for checking an answer: returns the challenge and the
 * entry to store in its place (used). `presented` (when the app echoes the challenge it used) must
 * equal it. Throws ChallengeRefusedError: AA_CHALLENGE_UNKNOWN (none issued, or another one
 * presented), AA_CHALLENGE_REPLAYED, AA_CHALLENGE_EXPIRED.
 */
export function consumeChallenge(
  issued: IssuedChallenge | undefined,
  sessionId: string,
  presented: Uint8Array | undefined,
  now: number,
): { readonly challenge: Uint8Array; readonly consumed: IssuedChallenge } {
  if (issued === undefined) throw new ChallengeRefusedError("AA_CHALLENGE_UNKNOWN", sessionId);
  if (issued.used) throw new ChallengeRefusedError("AA_CHALLENGE_REPLAYED", sessionId);
  if (now > issued.expiresAt) throw new ChallengeRefusedError("AA_CHALLENGE_EXPIRED", sessionId);
  if (
    presented !== undefined &&
    (presented.length !== issued.challenge.length || !timingSafeEqual(presented, issued.challenge))
  ) {
    throw new ChallengeRefusedError("AA_CHALLENGE_UNKNOWN", sessionId);
  }
  return { challenge: issued.challenge, consumed: { ...issued, used: true } };
}

export interface ChallengeOptions {
  /** How long a challenge may be answered, ms (default 2 minutes: one NFC read). */
  ttlMs?: number;
  /** Most sessions with a live challenge kept at once (the oldest are dropped). */
  maxSessions?: number;
  now?: () => number;
  random?: (bytes: number) => Uint8Array;
}

/** The challenges of one process, in memory and bounded in size (the node keeps them in its sessions instead). */
export class ActiveAuthChallenges {
  private readonly issued = new Map<string, IssuedChallenge>();
  private readonly ttlMs: number;
  private readonly maxSessions: number;
  private readonly now: () => number;
  private readonly random: (bytes: number) => Uint8Array;

  constructor(options: ChallengeOptions = {}) {
    this.ttlMs = options.ttlMs ?? DEFAULT_CHALLENGE_TTL_MS;
    this.maxSessions = options.maxSessions ?? 100_000;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? randomChallenge;
  }

  /** A fresh challenge for the session; any earlier one of the same session stops being valid. */
  issue(sessionId: string): { challenge: Uint8Array; expiresAt: Date } {
    this.sweep();
    const issued = issueChallenge(this.now(), this.ttlMs, this.random);
    this.issued.delete(sessionId);
    this.issued.set(sessionId, issued);
    while (this.issued.size > this.maxSessions) this.issued.delete(this.issued.keys().next().value!);
    return { challenge: issued.challenge, expiresAt: new Date(issued.expiresAt) };
  }

  /** Takes the session's challenge for verifying an answer, exactly once (see `consumeChallenge`). */
  consume(sessionId: string, presented?: Uint8Array): Uint8Array {
    const { challenge, consumed } = consumeChallenge(this.issued.get(sessionId), sessionId, presented, this.now());
    this.issued.set(sessionId, consumed);
    return challenge;
  }

  /** Drops entries past their expiry (used ones are kept until then so that a replay is named as such). */
  private sweep(): void {
    const now = this.now();
    // Insertion order is issue order and the TTL is fixed, so the expired entries are the oldest ones.
    for (const [id, entry] of this.issued) {
      if (now <= entry.expiresAt) break;
      this.issued.delete(id);
    }
  }
}
