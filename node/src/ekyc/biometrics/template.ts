/**
 * Face templates: the embedding a bank keeps in the verified record (encrypted in its vault) and
 * re-matches at re-onboarding. Canonical bytes (what the record's `faceTemplate` leaf commits to, as
 * `0x` + SHA-256 hex, docs/protocol.md):
 *
 *   "KYCFACE1"  8 bytes ASCII magic + format version
 *   u16 BE      length of the model id in bytes, then the model id (UTF-8)
 *   u16 BE      number of dimensions n, then n float32 little-endian (the L2-normalised embedding)
 *
 * No other field, no padding: the same template always gives the same bytes and hash.
 */
import { createHash } from "node:crypto";
import { FaceError } from "./errors.ts";
import type { FaceModel } from "./face-model.ts";
import { readFace, type FaceImageInput, type ReadFaceOptions } from "./face-reader.ts";
import { cosineSimilarity } from "./geometry.ts";
import { matchBand, seedScore, type MatchBand, type MatchThresholds } from "./matching.ts";

export interface FaceTemplate {
  readonly modelId: string;
  readonly embedding: Float32Array;
}

const MAGIC = Buffer.from("KYCFACE1", "ascii");
const MAX_DIMS = 4096;

export async function templateOf(
  model: FaceModel,
  image: FaceImageInput,
  options?: ReadFaceOptions,
): Promise<FaceTemplate> {
  const reading = await readFace(model, image, options);
  return { modelId: model.info.id, embedding: reading.embedding };
}

export function encodeTemplate(t: FaceTemplate): Uint8Array {
  const id = Buffer.from(t.modelId, "utf8");
  if (id.length === 0 || id.length > 255)
    throw new FaceError("FACE_TEMPLATE_INVALID", "template model id must be 1-255 bytes");
  if (t.embedding.length === 0 || t.embedding.length > MAX_DIMS)
    throw new FaceError("FACE_TEMPLATE_INVALID", "template embedding size out of range");
  const out = Buffer.alloc(MAGIC.length + 2 + id.length + 2 + 4 * t.embedding.length);
  let o = MAGIC.copy(out, 0);
  o = out.writeUInt16BE(id.length, o);
  o += id.copy(out, o);
  o = out.writeUInt16BE(t.embedding.length, o);
  for (const v of t.embedding) {
    if (!Number.isFinite(v)) throw new FaceError("FACE_TEMPLATE_INVALID", "template embedding has a non-finite value");
    o = out.writeFloatLE(v, o);
  }
  return new Uint8Array(out);
}

export function decodeTemplate(bytes: Uint8Array): FaceTemplate {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const bad = (why: string) => new FaceError("FACE_TEMPLATE_INVALID", `face template bytes: ${why}`);
  if (b.length < MAGIC.length + 4 || !b.subarray(0, MAGIC.length).equals(MAGIC)) throw bad("wrong magic or too short");
  let o = MAGIC.length;
  const idLen = b.readUInt16BE(o);
  o += 2;
  if (idLen === 0 || o + idLen + 2 > b.length) throw bad("model id length out of range");
  const modelId = b.subarray(o, o + idLen).toString("utf8");
  o += idLen;
  const n = b.readUInt16BE(o);
  o += 2;
  if (n === 0 || n > MAX_DIMS || b.length !== o + 4 * n) throw bad("embedding length does not match");
  const embedding = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    const v = b.readFloatLE(o + 4 * i);
    if (!Number.isFinite(v)) throw bad("non-finite value");
    embedding[i] = v;
  }
  return { modelId, embedding };
}

/** `0x` + lower-case SHA-256 hex of the canonical bytes: the record's `faceTemplate` field value. */
export function templateHash(t: FaceTemplate): string {
  return "0x" + createHash("sha256").update(encodeTemplate(t)).digest("hex");
}

export interface TemplateMatch {
  readonly similarity: number;
  readonly band: MatchBand;
  readonly score: number;
}

/**
 * Matches a stored template (e.g. from another bank's record) against a fresh selfie. Templates of
 * another embedding model are not comparable: FACE_TEMPLATE_INVALID.
 */
export async function matchTemplate(
  model: FaceModel,
  template: FaceTemplate,
  selfie: FaceImageInput,
  thresholds: MatchThresholds,
  options?: ReadFaceOptions,
): Promise<TemplateMatch> {
  if (template.modelId !== model.info.id || template.embedding.length !== model.info.embeddingSize) {
    throw new FaceError(
      "FACE_TEMPLATE_INVALID",
      `template is from model ${template.modelId}, this node runs ${model.info.id}`,
      {
        details: { templateModel: template.modelId, model: model.info.id },
      },
    );
  }
  const reading = await readFace(model, selfie, options);
  const similarity = cosineSimilarity(template.embedding, reading.embedding);
  return { similarity, band: matchBand(similarity, thresholds), score: seedScore(similarity, thresholds) };
}
