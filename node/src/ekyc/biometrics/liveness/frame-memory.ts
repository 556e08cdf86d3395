/**
 * The node's memory of the frames it has seen in earlier liveness sessions, so that a recording of
 * an earlier session (re-sent, re-encoded, cut up and re-ordered to answer a new challenge) is
 * refused: each frame's face has a descriptor (frame-descriptor.ts: the low frequencies of the face
 * aligned on its landmarks), and a frame within `maxDistance` of one remembered from an earlier
 * session is the same frame. Bounded: the oldest sessions are forgotten first. In memory: a restart
 * forgets, which only weakens this check until it refills.
 *
 * Lookup is a grid index on the descriptor's first INDEXED numbers (its lowest frequencies, which
 * carry most of its spread): two descriptors within d of each other differ by at most d in each of
 * them, so only the remembered frames in the cells around a frame's own are compared (with a
 * distance that stops as soon as it exceeds the limit). bench:replay-separation measures a lookup
 * in a full memory of 5,000 sessions.
 *
 * Several instances of a node share their memory through the store instead (`FrameRecall`,
 * implemented by onboarding/adapters/stored-frame-memory.ts over this class as its cache).
 */
import { descriptorDistance } from "./frame-descriptor.ts";

/**
 * A frame memory shared by several processes (the port; no I/O here). `recall` is one step, atomic
 * across them: it says which of `descriptors` are within `maxDistance` of a frame remembered from
 * another challenge, and remembers `descriptors` as `owner`'s (the challenge's nonce). Asked again
 * for the same owner (a decision retried, or taken over by another instance), it answers as the
 * first time and remembers nothing more: a check never refuses its own frames.
 */
export interface FrameRecall {
  recall(owner: string, descriptors: readonly Float32Array[], maxDistance: number): Promise<number[]>;
}

/** Descriptor numbers the grid index is built on. */
const INDEXED = 3;
/** Side of a grid cell, in descriptor units (about the limit the thresholds set, so a lookup visits 3^INDEXED cells). */
const CELL = 0.5;

const cellOf = (d: Float32Array): number[] => Array.from({ length: INDEXED }, (_, i) => Math.floor((d[i] ?? 0) / CELL));

export class FrameMemory {
  readonly #capacity: number;
  readonly #sessions: Array<readonly Float32Array[]> = [];
  /** cell key -> the remembered descriptors in it */
  readonly #cells = new Map<string, Set<Float32Array>>();

  constructor(capacitySessions: number) {
    this.#capacity = Math.max(1, capacitySessions);
  }

  /** Indices of the frames within `maxDistance` of a remembered frame. */
  seenBefore(descriptors: readonly Float32Array[], maxDistance: number): number[] {
    const reach = Math.ceil(maxDistance / CELL);
    const found: number[] = [];
    descriptors.forEach((d, i) => {
      if (this.#near(cellOf(d), reach, (other) => descriptorDistance(d, other, maxDistance) <= maxDistance))
        found.push(i);
    });
    return found;
  }

  /** Remembers one session's frames (call after `seenBefore`, so a session never matches itself). */
  remember(descriptors: readonly Float32Array[]): void {
    const session = descriptors.map((d) => Float32Array.from(d));
    this.#sessions.push(session);
    for (const d of session) {
      const key = cellOf(d).join();
      const cell = this.#cells.get(key) ?? new Set<Float32Array>();
      cell.add(d);
      this.#cells.set(key, cell);
    }
    while (this.#sessions.length > this.#capacity) this.forgetOldest();
  }

  /** Forgets the oldest remembered session (one past its expiry, in a memory that has one). */
  forgetOldest(): void {
    for (const d of this.#sessions.shift() ?? []) {
      const key = cellOf(d).join();
      const cell = this.#cells.get(key);
      cell?.delete(d);
      if (cell?.size === 0) this.#cells.delete(key);
    }
  }

  get sessions(): number {
    return this.#sessions.length;
  }

  /** Whether `match` holds for a remembered descriptor in a cell within `reach` cells of `centre` in every indexed number. */
  #near(centre: readonly number[], reach: number, match: (other: Float32Array) => boolean): boolean {
    const offset = new Array<number>(INDEXED).fill(-reach);
    for (;;) {
      const cell = this.#cells.get(centre.map((c, i) => c + offset[i]!).join());
      if (cell) for (const other of cell) if (match(other)) return true;
      // the next offset, like an odometer
      let i = 0;
      while (i < INDEXED && offset[i] === reach) offset[i++] = -reach;
      if (i === INDEXED) return false;
      offset[i]! += 1;
    }
  }
}
