/**
 * Shape rules of a `SealedRecord`, shared by every adapter: the associated data that binds a
 * ciphertext to its record id, and the checks an envelope read back from storage must pass before
 * any byte of it reaches a key (hostile input never gets past here with the wrong sizes).
 */
import { InvalidArgumentError } from "@kycnet/sdk/errors";
import { CiphertextMalformedError, PayloadTooLargeError } from "./errors.ts";
import type { PayloadLimits, SealedRecord } from "./key-manager.ts";

export const GCM_IV_BYTES = 12;
export const GCM_TAG_BYTES = 16;
const RECORD_AAD_PREFIX = new TextEncoder().encode("kycnet/record/v1\0");

/**
 * A record key id: lower-case segments separated by "/", 64 characters at most. It becomes part of
 * an HSM object label, so nothing else gets through.
 */
export const RECORD_KEY_ID_PATTERN = /^[a-z0-9]+(?:[/-][a-z0-9]+)*$/;

export function assertRecordKeyId(keyId: string): void {
  if (typeof keyId !== "string" || keyId.length > 64 || !RECORD_KEY_ID_PATTERN.test(keyId))
    throw new InvalidArgumentError("keyId", "must be lower-case segments separated by / or -, at most 64 characters");
}

/** GCM associated data for a record: a fixed domain prefix, then the record id's UTF-8 bytes. */
export function recordAad(recordId: string, limits: PayloadLimits): Uint8Array {
  if (typeof recordId !== "string" || recordId.length === 0)
    throw new InvalidArgumentError("recordId", "must be a non-empty string");
  const id = new TextEncoder().encode(recordId);
  if (id.length > limits.maxAadBytes) throw new PayloadTooLargeError("recordId", id.length, limits.maxAadBytes);
  const aad = new Uint8Array(RECORD_AAD_PREFIX.length + id.length);
  aad.set(RECORD_AAD_PREFIX, 0);
  aad.set(id, RECORD_AAD_PREFIX.length);
  return aad;
}

/** Throws unless `plaintext` is bytes within the record size limit. */
export function assertRecordPlaintext(plaintext: Uint8Array, limits: PayloadLimits): void {
  if (!(plaintext instanceof Uint8Array)) throw new InvalidArgumentError("plaintext", "must be a Uint8Array");
  if (plaintext.length > limits.maxRecordBytes)
    throw new PayloadTooLargeError("record plaintext", plaintext.length, limits.maxRecordBytes);
}

/** Checks an envelope's structure; throws CIPHERTEXT_MALFORMED naming the first bad field. */
export function assertEnvelope(envelope: SealedRecord, limits: PayloadLimits): void {
  const what = "sealed record";
  if (envelope === null || typeof envelope !== "object") throw new CiphertextMalformedError(what, "not an object");
  if (envelope.version !== 2) throw new CiphertextMalformedError(what, "unknown version");
  if (typeof envelope.keyId !== "string" || envelope.keyId.length > 64 || !RECORD_KEY_ID_PATTERN.test(envelope.keyId))
    throw new CiphertextMalformedError(what, "missing or malformed keyId");
  bytesOfLength(envelope.iv, GCM_IV_BYTES, "iv");
  bytesOfLength(envelope.tag, GCM_TAG_BYTES, "tag");
  if (!(envelope.ciphertext instanceof Uint8Array)) throw new CiphertextMalformedError(what, "ciphertext is not bytes");
  if (envelope.ciphertext.length > limits.maxRecordBytes)
    throw new PayloadTooLargeError("record ciphertext", envelope.ciphertext.length, limits.maxRecordBytes);
}

function bytesOfLength(value: unknown, length: number, field: string): void {
  if (!(value instanceof Uint8Array))
    throw new CiphertextMalformedError("sealed record", `${field} is missing or not bytes`);
  if (value.length !== length)
    throw new CiphertextMalformedError("sealed record", `${field} must be ${length} bytes, got ${value.length}`);
}
