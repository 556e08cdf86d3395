/**
 * Duplicate identities within one bank (issue 21): the same ID number with another face, or the same
 * face under another ID number. An in-memory index over the bank's face templates (L2-normalised
 * embeddings in one contiguous Float32Array, searched by brute force: 100,000 templates of 512
 * dimensions take tens of milliseconds, bench/duplicates.ts) and a lookup by ID number that is keyed
 * with a bank secret (HMAC-SHA-256), so the index never holds a clear number.
 *
 * Thresholds are rules data (`duplicates` in the rule set, calibrated on the eval faces: see
 * docs/duplicate-identities.md): a face at or above `sameFaceAtLeast` is the same person; a face below
 * `otherFaceBelow` under the same number is another person.
 */
import { createHmac } from "node:crypto";
import { InvalidArgumentError } from "@kycnet/sdk/errors";

export type DuplicateKind = "SAME_ID_OTHER_FACE" | "SAME_FACE_OTHER_ID";

export interface DuplicateFinding {
  readonly kind: DuplicateKind;
  /** The vault record already indexed. */
  readonly recordId: string;
  readonly similarity: number;
}

export interface DuplicateIndexOptions {
  /** The bank's secret for the ID-number lookup (at least 32 bytes). */
  readonly idKey: Uint8Array;
  readonly dimensions: number;
  /** At or above: the same face (rule set `duplicates.sameFaceAtLeast`; must be above 0). */
  readonly sameFaceAtLeast: number;
  /** Below: another face (rule set `duplicates.otherFaceBelow`); between the two nothing is said. */
  readonly otherFaceBelow: number;
}

export interface IndexedIdentity {
  readonly recordId: string;
  readonly idNumber: string;
  readonly embedding: Float32Array;
}

export class DuplicateIndex {
  readonly #options: DuplicateIndexOptions;
  #vectors: Float32Array;
  readonly #recordIds: string[] = [];
  readonly #idKeys: string[] = [];
  readonly #rowsById = new Map<string, number[]>();
  readonly #rowByRecord = new Map<string, number>();

  constructor(options: DuplicateIndexOptions) {
    if (options.idKey.length < 32) throw new InvalidArgumentError("idKey", "must be at least 32 bytes");
    if (!Number.isInteger(options.dimensions) || options.dimensions < 1 || options.dimensions > 4096)
      throw new InvalidArgumentError("dimensions", "must be an integer in [1, 4096]");
    if (!(options.sameFaceAtLeast > 0 && options.sameFaceAtLeast <= 1))
      throw new InvalidArgumentError("sameFaceAtLeast", "must be in (0, 1]");
    if (!(options.otherFaceBelow <= options.sameFaceAtLeast))
      throw new InvalidArgumentError("otherFaceBelow", "must not be above sameFaceAtLeast");
    this.#options = options;
    this.#vectors = new Float32Array(options.dimensions * 1024);
  }

  get dimensions(): number {
    return this.#options.dimensions;
  }

  /** Identities indexed (removed ones not counted). */
  get size(): number {
    return this.#rowByRecord.size;
  }

  has(recordId: string): boolean {
    return this.#rowByRecord.has(recordId);
  }

  /** The keyed lookup value of an ID number (never the number itself). */
  idKeyOf(idNumber: string): string {
    return createHmac("sha256", this.#options.idKey).update(idNumber, "utf8").digest("base64url");
  }

  /** Indexes a record; a record already indexed is replaced (its earlier row removed). */
  add(identity: IndexedIdentity): void {
    const v = this.#normalised(identity.embedding);
    this.remove(identity.recordId);
    const row = this.#recordIds.length;
    const dims = this.#options.dimensions;
    if ((row + 1) * dims > this.#vectors.length) {
      const grown = new Float32Array(this.#vectors.length * 2);
      grown.set(this.#vectors);
      this.#vectors = grown;
    }
    this.#vectors.set(v, row * dims);
    const key = this.idKeyOf(identity.idNumber);
    this.#recordIds.push(identity.recordId);
    this.#idKeys.push(key);
    this.#rowByRecord.set(identity.recordId, row);
    const rows = this.#rowsById.get(key);
    if (rows === undefined) this.#rowsById.set(key, [row]);
    else rows.push(row);
  }

  /**
   * Takes a record out (erased, shredded at the end of its retention, rejected in review). Its row is
   * zeroed and left in place: a zero vector scores 0, below any same-face threshold, and its number no
   * longer leads to it, so a removal costs O(dimensions) and never renumbers rows.
   */
  remove(recordId: string): boolean {
    const row = this.#rowByRecord.get(recordId);
    if (row === undefined) return false;
    this.#rowByRecord.delete(recordId);
    const dims = this.#options.dimensions;
    this.#vectors.fill(0, row * dims, (row + 1) * dims);
    const key = this.#idKeys[row]!;
    const rows = (this.#rowsById.get(key) ?? []).filter((r) => r !== row);
    if (rows.length === 0) this.#rowsById.delete(key);
    else this.#rowsById.set(key, rows);
    this.#idKeys[row] = "";
    return true;
  }

  /** What an onboarding of `idNumber` with this face collides with in the bank (empty: nothing). */
  check(candidate: { readonly idNumber: string; readonly embedding: Float32Array }): DuplicateFinding[] {
    const v = this.#normalised(candidate.embedding);
    const key = this.idKeyOf(candidate.idNumber);
    const dims = this.#options.dimensions;
    const vectors = this.#vectors;
    const findings: DuplicateFinding[] = [];
    for (const row of this.#rowsById.get(key) ?? []) {
      const similarity = dot(vectors, row * dims, v);
      if (similarity < this.#options.otherFaceBelow)
        findings.push({ kind: "SAME_ID_OTHER_FACE", recordId: this.#recordIds[row]!, similarity });
    }
    const threshold = this.#options.sameFaceAtLeast;
    for (let row = 0, offset = 0; row < this.#recordIds.length; row++, offset += dims) {
      const similarity = dot(vectors, offset, v);
      if (similarity >= threshold && this.#idKeys[row] !== key && this.#idKeys[row] !== "")
        findings.push({ kind: "SAME_FACE_OTHER_ID", recordId: this.#recordIds[row]!, similarity });
    }
    return findings;
  }

  #normalised(embedding: Float32Array): Float32Array {
    if (embedding.length !== this.#options.dimensions)
      throw new InvalidArgumentError("embedding", `must have ${this.#options.dimensions} dimensions`);
    let norm = 0;
    for (const x of embedding) norm += x * x;
    if (!(norm > 0) || !Number.isFinite(norm)) throw new InvalidArgumentError("embedding", "must be a non-zero vector");
    const scale = 1 / Math.sqrt(norm);
    return embedding.map((x) => x * scale);
  }
}

/**
 * Dot product of a stored row with a normalised vector (cosine similarity: both are unit length),
 * four lanes at a time: V8 keeps the four sums in registers, about 3x faster than one running sum.
 */
function dot(vectors: Float32Array, offset: number, v: Float32Array): number {
  let s0 = 0,
    s1 = 0,
    s2 = 0,
    s3 = 0;
  const n = v.length - (v.length % 4);
  let i = 0;
  for (; i < n; i += 4) {
    s0 += vectors[offset + i]! * v[i]!;
    s1 += vectors[offset + i + 1]! * v[i + 1]!;
    s2 += vectors[offset + i + 2]! * v[i + 2]!;
    s3 += vectors[offset + i + 3]! * v[i + 3]!;
  }
  for (; i < v.length; i++) s0 += vectors[offset + i]! * v[i]!;
  return s0 + s1 + s2 + s3;
}
