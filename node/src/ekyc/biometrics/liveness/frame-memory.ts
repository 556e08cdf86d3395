/**
 * The node's memory of the frames it has seen in earlier liveness sessions, so that a recording of
 * an earlier session (re-sent, re-encoded, cut up and re-ordered to answer a new challenge) is
 * refused: each frame's face crop has a 256-bit difference hash (frame-analysis.ts), and a frame
 * within a few bits of one remembered from an earlier session is the same frame. Bounded: the
 * oldest sessions are forgotten first. In memory: a restart forgets, which only weakens this check
 * until it refills.
 *
 * Lookup is multi-index hashing: two hashes at most 15 bits apart share at least one of their
 * sixteen 16-bit chunks, so only remembered hashes sharing a chunk are compared.
 *
 * Several instances of a node share their memory through the store instead (`FrameRecall`,
 * implemented by onboarding/adapters/stored-frame-memory.ts over this class as its cache).
 */

/**
 * A frame memory shared by several processes (the port; no I/O here). `recall` is one step, atomic
 * across them: it says which of `hashes` are within `maxDistance` bits of a frame remembered from
 * another challenge, and remembers `hashes` as `owner`'s (the challenge's nonce). Asked again for the
 * same owner (a decision retried, or taken over by another instance), it answers as the first time
 * and remembers nothing more: a check never refuses its own frames.
 */
export interface FrameRecall {
  recall(owner: string, hashes: readonly string[], maxDistance: number): Promise<number[]>;
}

export class FrameMemory {
  readonly #capacity: number;
  readonly #sessions: Array<readonly string[]> = [];
  /** "chunk position:chunk hex" -> remembered hashes (hex) with that chunk, with their count */
  readonly #index = new Map<string, Map<string, number>>();

  constructor(capacitySessions: number) {
    this.#capacity = Math.max(1, capacitySessions);
  }

  /** Indices of the frames within `maxDistance` bits (at most CHUNKS - 1) of a remembered frame. */
  seenBefore(hashes: readonly string[], maxDistance: number): number[] {
    const limit = Math.min(CHUNKS - 1, maxDistance);
    const found: number[] = [];
    hashes.forEach((hex, i) => {
      for (const key of chunkKeys(hex)) {
        for (const other of this.#index.get(key)?.keys() ?? []) {
          if (other.length === hex.length && bitDistance(hex, other) <= limit) {
            found.push(i);
            return;
          }
        }
      }
    });
    return found;
  }

  /** Remembers one session's frames (call after `seenBefore`, so a session never matches itself). */
  remember(hashes: readonly string[]): void {
    const session = [...new Set(hashes)];
    this.#sessions.push(session);
    for (const h of session) this.#update(h, +1);
    while (this.#sessions.length > this.#capacity) for (const h of this.#sessions.shift()!) this.#update(h, -1);
  }

  /** Forgets the oldest remembered session (one past its expiry, in a memory that has one). */
  forgetOldest(): void {
    for (const h of this.#sessions.shift() ?? []) this.#update(h, -1);
  }

  get sessions(): number {
    return this.#sessions.length;
  }

  #update(hex: string, delta: number): void {
    for (const key of chunkKeys(hex)) {
      const bucket = this.#index.get(key) ?? new Map<string, number>();
      const n = (bucket.get(hex) ?? 0) + delta;
      if (n > 0) bucket.set(hex, n);
      else bucket.delete(hex);
      if (bucket.size > 0) this.#index.set(key, bucket);
      else this.#index.delete(key);
    }
  }
}

/** Chunks per hash: hashes up to CHUNKS - 1 bits apart are found (pigeonhole). */
const CHUNKS = 16;

/** The chunks of a hash as index keys (position and value). */
function chunkKeys(hex: string): string[] {
  const size = Math.ceil(hex.length / CHUNKS);
  return Array.from({ length: CHUNKS }, (_, i) => `${i}:${hex.slice(i * size, (i + 1) * size)}`);
}

function bitDistance(a: string, b: string): number {
  let x = BigInt(`0x${a}`) ^ BigInt(`0x${b}`);
  let n = 0;
  for (; x > 0n; x &= x - 1n) n++;
  return n;
}
