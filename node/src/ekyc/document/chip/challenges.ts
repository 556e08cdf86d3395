/**
 * Single-use active-authentication challenges for the application layer to hold: one random 8-byte
 * challenge (ICAO's RND.IFD) per session, expiring, and refused when answered twice, so a recorded
 * answer from an earlier session or attempt cannot be replayed. In memory, no I/O; bounded in size.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { ChallengeRefusedError } from "./errors.ts";

export interface ChallengeOptions {
  /** How long a challenge may be answered, ms (default 2 minutes: one NFC read). */
  ttlMs?: number;
  /** Most sessions with a live challenge kept at once (the oldest are dropped). */
  maxSessions?: number;
  now?: () => number;
  random?: (bytes: number) => Uint8Array;
}

interface Issued {
  challenge: Uint8Array;
  expiresAt: number;
  used: boolean;
}

export class ActiveAuthChallenges {
  private readonly issued = new Map<string, Issued>();
  private readonly ttlMs: number;
  private readonly maxSessions: number;
  private readonly now: () => number;
  private readonly random: (bytes: number) => Uint8Array;

  constructor(options: ChallengeOptions = {}) {
    this.ttlMs = options.ttlMs ?? 120_000;
    this.maxSessions = options.maxSessions ?? 100_000;
    this.now = options.now ?? Date.now;
    this.random = options.random ?? ((n) => new Uint8Array(randomBytes(n)));
  }

  /** A fresh challenge for the session; any earlier one of the same session stops being valid. */
  issue(sessionId: string): { challenge: Uint8Array; expiresAt: Date } {
    this.sweep();
    const challenge = this.random(8);
    const expiresAt = this.now() + this.ttlMs;
    this.issued.delete(sessionId);
    this.issued.set(sessionId, { challenge, expiresAt, used: false });
    while (this.issued.size > this.maxSessions) this.issued.delete(this.issued.keys().next().value!);
    return { challenge, expiresAt: new Date(expiresAt) };
  }

  /**
   * Takes the session's challenge for verifying an answer, exactly once. `presented` (when the app
   * echoes the challenge it used) must equal it. Throws ChallengeRefusedError: UNKNOWN, EXPIRED, REPLAYED.
   */
  consume(sessionId: string, presented?: Uint8Array): Uint8Array {
    const entry = this.issued.get(sessionId);
    if (entry === undefined) throw new ChallengeRefusedError("AA_CHALLENGE_UNKNOWN", sessionId);
    if (entry.used) throw new ChallengeRefusedError("AA_CHALLENGE_REPLAYED", sessionId);
    if (this.now() > entry.expiresAt) throw new ChallengeRefusedError("AA_CHALLENGE_EXPIRED", sessionId);
    if (
      presented !== undefined &&
      (presented.length !== entry.challenge.length || !timingSafeEqual(presented, entry.challenge))
    ) {
      throw new ChallengeRefusedError("AA_CHALLENGE_UNKNOWN", sessionId);
    }
    entry.used = true;
    return entry.challenge;
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
