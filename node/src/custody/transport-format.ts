/**
 * Wire format of a message sealed for a member's transport key (ECIES-style, ephemeral-static):
 *
 *   0x02 | ephemeral P-256 public key (65 bytes, uncompressed SEC1) | iv (12) | ciphertext | tag (16)
 *
 * Z           = ECDH x-coordinate (32 bytes), held in the HSM as a sensitive, non-extractable AES key
 * context     = SHA-256("kycnet/transport/v2" || 0x00 || ephemeral point || recipient point)
 * message key = AES-256-CBC encryption of `context` under Z with a zero IV (two blocks, 32 bytes):
 *               PKCS#11 `CKM_AES_CBC_ENCRYPT_DATA`, which SoftHSM2 2.6 runs in the token (it
 *               accepts only `CKD_NULL` for `CKM_ECDH1_DERIVE` and has no HKDF or SHA-256 key
 *               derivation), so neither Z nor the message key ever exists outside the token
 * AES-256-GCM associated data = "kycnet/transport/v2\0" || caller's aad (e.g. the consent id).
 *
 * Version 1 ran HKDF-SHA256 in Node, which needed Z read out of the token; it is refused.
 *
 * Why ephemeral-static: a fresh sender key per message means compromise of any long-term key never
 * exposes messages already sent by that bank (the sender's static key is not in the derivation),
 * two messages never share a message key, and sealing needs nothing from the sender's HSM but the
 * ability to run ECDH once. Sender authenticity is not this layer's job: the record protocol runs
 * over libp2p Noise between peers that are active members on chain, and requests carry a consent id.
 *
 * The key agreement, derivation and GCM are the adapter's (inside the HSM for PKCS#11); the layout,
 * the derivation input and the checks live here so every adapter reads and writes the same bytes.
 */
import { createCipheriv, createDecipheriv, createHash, ECDH } from "node:crypto";
import { InvalidArgumentError } from "@kycnet/sdk/errors";
import { CiphertextMalformedError, CiphertextRejectedError, PayloadTooLargeError } from "./errors.ts";
import type { PayloadLimits } from "./key-manager.ts";

export const TRANSPORT_VERSION = 0x02;
export const P256_POINT_BYTES = 65;
export const TRANSPORT_IV_BYTES = 12;
export const TRANSPORT_TAG_BYTES = 16;
const IV_BYTES = TRANSPORT_IV_BYTES;
const TAG_BYTES = TRANSPORT_TAG_BYTES;
const HEADER_BYTES = 1 + P256_POINT_BYTES + IV_BYTES;
export const TRANSPORT_OVERHEAD = HEADER_BYTES + TAG_BYTES;
const CONTEXT_LABEL = Buffer.from("kycnet/transport/v2\0");
const AAD_PREFIX = Buffer.from("kycnet/transport/v2\0");
/** The IV of the CBC key derivation: fixed, the context hash is what varies. */
export const KDF_IV = Buffer.alloc(16);

/** A sealed message split into its parts (views into the input). */
export interface SealedParts {
  readonly ephemeralPublicKey: Uint8Array;
  readonly iv: Uint8Array;
  readonly ciphertext: Uint8Array;
  readonly tag: Uint8Array;
}

/** Validates a P-256 public key (compressed or uncompressed SEC1, on the curve) and returns it uncompressed. */
export function toUncompressedP256(publicKey: Uint8Array, field = "peerPublicKey"): Buffer {
  if (!(publicKey instanceof Uint8Array) || (publicKey.length !== 33 && publicKey.length !== 65)) {
    throw new InvalidArgumentError(field, "must be a 33- or 65-byte SEC1 P-256 public key");
  }
  try {
    return ECDH.convertKey(Buffer.from(publicKey), "prime256v1", undefined, undefined, "uncompressed") as Buffer;
  } catch (cause) {
    throw new InvalidArgumentError(field, "is not a point on P-256", { cause });
  }
}

/** The compressed (33-byte) form of a valid P-256 point. */
export function toCompressedP256(publicKey: Uint8Array): Uint8Array {
  return new Uint8Array(
    ECDH.convertKey(Buffer.from(publicKey), "prime256v1", undefined, undefined, "compressed") as Buffer,
  );
}

export function assertTransportInput(payload: Uint8Array, aad: Uint8Array, limits: PayloadLimits): void {
  if (!(payload instanceof Uint8Array)) throw new InvalidArgumentError("payload", "must be a Uint8Array");
  if (!(aad instanceof Uint8Array)) throw new InvalidArgumentError("aad", "must be a Uint8Array");
  if (payload.length > limits.maxTransportBytes)
    throw new PayloadTooLargeError("transport payload", payload.length, limits.maxTransportBytes);
  if (aad.length > limits.maxAadBytes) throw new PayloadTooLargeError("transport aad", aad.length, limits.maxAadBytes);
}

/** Splits and checks a sealed message; the ephemeral key is validated before it reaches any ECDH. */
export function parseSealed(sealed: Uint8Array, limits: PayloadLimits): SealedParts {
  if (!(sealed instanceof Uint8Array)) throw new CiphertextMalformedError("sealed message", "not bytes");
  if (sealed.length < TRANSPORT_OVERHEAD)
    throw new CiphertextMalformedError("sealed message", `shorter than the ${TRANSPORT_OVERHEAD}-byte minimum`);
  if (sealed.length - TRANSPORT_OVERHEAD > limits.maxTransportBytes) {
    throw new PayloadTooLargeError("sealed message", sealed.length - TRANSPORT_OVERHEAD, limits.maxTransportBytes);
  }
  if (sealed[0] !== TRANSPORT_VERSION) throw new CiphertextMalformedError("sealed message", "unknown version");
  const ephemeralPublicKey = sealed.subarray(1, 1 + P256_POINT_BYTES);
  if (ephemeralPublicKey[0] !== 0x04)
    throw new CiphertextMalformedError("sealed message", "ephemeral key is not an uncompressed point");
  try {
    toUncompressedP256(ephemeralPublicKey, "ephemeralPublicKey");
  } catch {
    throw new CiphertextMalformedError("sealed message", "ephemeral key is not a point on P-256");
  }
  return {
    ephemeralPublicKey,
    iv: sealed.subarray(1 + P256_POINT_BYTES, HEADER_BYTES),
    ciphertext: sealed.subarray(HEADER_BYTES, sealed.length - TAG_BYTES),
    tag: sealed.subarray(sealed.length - TAG_BYTES),
  };
}

/** The 32-byte derivation input of a message key: binds it to both points and this format version. */
export function messageKeyContext(ephemeralPublicKey: Uint8Array, recipientPublicKey: Uint8Array): Buffer {
  return createHash("sha256").update(CONTEXT_LABEL).update(ephemeralPublicKey).update(recipientPublicKey).digest();
}

/** The GCM associated data of a message: the format's domain prefix, then the caller's aad. */
export function transportAad(aad: Uint8Array): Buffer {
  return Buffer.concat([AAD_PREFIX, aad]);
}

/** Lays out the wire bytes of a sealed message. */
export function layoutSealed(parts: {
  ephemeralPublicKey: Uint8Array;
  iv: Uint8Array;
  ciphertext: Uint8Array;
  tag: Uint8Array;
}): Uint8Array {
  return new Uint8Array(
    Buffer.concat([Buffer.of(TRANSPORT_VERSION), parts.ephemeralPublicKey, parts.iv, parts.ciphertext, parts.tag]),
  );
}

/**
 * The message key from Z, computed in Node: what the token computes with `CKM_AES_CBC_ENCRYPT_DATA`.
 * Only the in-memory adapter uses it (its keys are in process memory anyway).
 */
export function deriveMessageKey(sharedSecret: Uint8Array, context: Buffer): Buffer {
  const cipher = createCipheriv("aes-256-cbc", sharedSecret, KDF_IV).setAutoPadding(false);
  return Buffer.concat([cipher.update(context), cipher.final()]);
}

/** AES-256-GCM in Node under a derived message key (in-memory adapter). */
export function gcmSealInNode(
  key: Buffer,
  iv: Buffer,
  payload: Uint8Array,
  aad: Uint8Array,
): { ciphertext: Buffer; tag: Buffer } {
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(transportAad(aad));
  const ciphertext = Buffer.concat([cipher.update(payload), cipher.final()]);
  return { ciphertext, tag: cipher.getAuthTag() };
}

/** Opens parsed parts in Node under a derived message key; CIPHERTEXT_REJECTED if they do not authenticate. */
export function gcmOpenInNode(key: Buffer, parts: SealedParts, aad: Uint8Array): Uint8Array {
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, parts.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(transportAad(aad));
    decipher.setAuthTag(parts.tag);
    return new Uint8Array(Buffer.concat([decipher.update(parts.ciphertext), decipher.final()]));
  } catch (cause) {
    throw new CiphertextRejectedError("sealed message", cause);
  }
}
