/**
 * Wire format of a message sealed for a member's transport key (ECIES-style, ephemeral-static):
 *
 *   0x01 | ephemeral P-256 public key (65 bytes, uncompressed SEC1) | iv (12) | ciphertext | tag (16)
 *
 * message key = HKDF-SHA256(ikm = ECDH x-coordinate, salt = ephemeral point || recipient point,
 *                           info = "kycnet/transport/v1", 32 bytes)
 * AES-256-GCM associated data = "kycnet/transport/v1\0" || caller's aad (e.g. the consent id).
 *
 * Why ephemeral-static: a fresh sender key per message means compromise of any long-term key never
 * exposes messages already sent by that bank (the sender's static key is not in the derivation),
 * two messages never share a message key, and sealing needs nothing from the sender's HSM but the
 * ability to run ECDH once. Sender authenticity is not this layer's job: the record protocol runs
 * over libp2p Noise between peers that are active members on chain, and requests carry a consent id.
 *
 * The ECDH step is the adapter's (inside the HSM for PKCS#11); everything after it lives here so
 * every adapter reads and writes the same bytes.
 */
import { createCipheriv, createDecipheriv, ECDH, hkdfSync, randomBytes } from "node:crypto";
import { InvalidArgumentError } from "@kycnet/sdk/errors";
import { CiphertextMalformedError, CiphertextRejectedError, PayloadTooLargeError } from "./errors.ts";
import type { PayloadLimits } from "./key-manager.ts";

export const TRANSPORT_VERSION = 0x01;
export const P256_POINT_BYTES = 65;
const IV_BYTES = 12;
const TAG_BYTES = 16;
const HEADER_BYTES = 1 + P256_POINT_BYTES + IV_BYTES;
export const TRANSPORT_OVERHEAD = HEADER_BYTES + TAG_BYTES;
const INFO = Buffer.from("kycnet/transport/v1");
const AAD_PREFIX = Buffer.from("kycnet/transport/v1\0");

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

/** Encrypts `payload` under the key derived from `sharedSecret` and lays out the wire bytes. */
export function sealWithSharedSecret(args: {
  sharedSecret: Uint8Array;
  ephemeralPublicKey: Uint8Array;
  recipientPublicKey: Uint8Array;
  payload: Uint8Array;
  aad: Uint8Array;
}): Uint8Array {
  const key = messageKey(args.sharedSecret, args.ephemeralPublicKey, args.recipientPublicKey);
  try {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv("aes-256-gcm", key, iv);
    cipher.setAAD(fullAad(args.aad));
    const ciphertext = Buffer.concat([cipher.update(args.payload), cipher.final()]);
    return new Uint8Array(
      Buffer.concat([Buffer.of(TRANSPORT_VERSION), args.ephemeralPublicKey, iv, ciphertext, cipher.getAuthTag()]),
    );
  } finally {
    key.fill(0);
  }
}

/** Decrypts parsed parts with the key derived from `sharedSecret`; CIPHERTEXT_REJECTED if they do not authenticate. */
export function openWithSharedSecret(
  parts: SealedParts,
  sharedSecret: Uint8Array,
  recipientPublicKey: Uint8Array,
  aad: Uint8Array,
): Uint8Array {
  const key = messageKey(sharedSecret, parts.ephemeralPublicKey, recipientPublicKey);
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, parts.iv, { authTagLength: TAG_BYTES });
    decipher.setAAD(fullAad(aad));
    decipher.setAuthTag(parts.tag);
    return new Uint8Array(Buffer.concat([decipher.update(parts.ciphertext), decipher.final()]));
  } catch (cause) {
    throw new CiphertextRejectedError("sealed message", cause);
  } finally {
    key.fill(0);
  }
}

function messageKey(sharedSecret: Uint8Array, ephemeralPublicKey: Uint8Array, recipientPublicKey: Uint8Array): Buffer {
  const salt = Buffer.concat([ephemeralPublicKey, recipientPublicKey]);
  return Buffer.from(hkdfSync("sha256", sharedSecret, salt, INFO, 32));
}

function fullAad(aad: Uint8Array): Buffer {
  return Buffer.concat([AAD_PREFIX, aad]);
}
