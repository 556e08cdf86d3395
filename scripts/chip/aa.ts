/**
 * The chip's side of active authentication, for tests: sign the terminal's challenge with the AA
 * private key. RSA: ISO/IEC 9796-2 scheme 1 with partial message recovery (M1 random, M2 the challenge);
 * ECDSA: plain r ‖ s over the challenge.
 */
import { constants, createHash, privateEncrypt, randomBytes, sign, type KeyObject } from "node:crypto";
import type { DigestName } from "../../node/src/ekyc/document/chip/oids.ts";

const HASH_ID: Partial<Record<DigestName, number>> = { sha224: 0x38, sha256: 0x34, sha384: 0x36, sha512: 0x35 };
const HASH_BYTES: Record<DigestName, number> = { sha1: 20, sha224: 28, sha256: 32, sha384: 48, sha512: 64 };

export function answerChallenge(
  key: KeyObject,
  challenge: Uint8Array,
  digest: DigestName = key.asymmetricKeyType === "rsa" ? "sha1" : "sha256",
): Uint8Array {
  if (key.asymmetricKeyType === "ec")
    return new Uint8Array(sign(digest, challenge, { key, dsaEncoding: "ieee-p1363" }));
  const k = (key.asymmetricKeyDetails?.modulusLength ?? 0) / 8;
  const trailer = digest === "sha1" ? [0xbc] : [HASH_ID[digest]!, 0xcc];
  const m1 = randomBytes(k - 1 - HASH_BYTES[digest] - trailer.length);
  const h = createHash(digest).update(m1).update(challenge).digest();
  const representative = Buffer.concat([Buffer.from([0x6a]), m1, h, Buffer.from(trailer)]);
  return new Uint8Array(privateEncrypt({ key, padding: constants.RSA_NO_PADDING }, representative));
}
