/**
 * Active authentication (ICAO 9303 part 11 §6.1): the chip signs the node's challenge with the private
 * key whose public half is in DG15. A copy of the files without that key (a cloned chip) cannot
 * answer. RSA answers follow ISO/IEC 9796-2 digital signature scheme 1 (message recovery; the challenge
 * is the non-recoverable part M2); ECDSA answers are plain r ‖ s over the challenge, hashed as DG14's
 * ActiveAuthenticationInfo says.
 */
import { constants, createHash, publicEncrypt, type KeyObject } from "node:crypto";
import type { Dg14File } from "./dg14.ts";
import type { Dg15File } from "./dg15.ts";
import type { DigestName } from "./oids.ts";
import { ECDSA_DER, ECDSA_PLAIN, verifyWithScheme } from "./signatures.ts";

export interface ActiveAuthResult {
  valid: boolean;
  /** e.g. "ISO9796-2-S1-SHA1" or "ecdsa-plain-SHA-256". */
  algorithm: string;
  detail: string;
}

/** ISO/IEC 10118-3 hash identifiers used in the two-byte trailer (…CC). */
const TRAILER_HASHES: Readonly<Record<number, DigestName>> = {
  0x33: "sha1",
  0x38: "sha224",
  0x34: "sha256",
  0x36: "sha384",
  0x35: "sha512",
};
const HASH_LENGTH: Readonly<Record<DigestName, number>> = { sha1: 20, sha224: 28, sha256: 32, sha384: 48, sha512: 64 };

export function verifyActiveAuthentication(
  dg15: Dg15File,
  challenge: Uint8Array,
  response: Uint8Array,
  dg14?: Dg14File | null,
): ActiveAuthResult {
  if (dg15.publicKey.asymmetricKeyType === "rsa") return verifyRsa(dg15.publicKey, challenge, response);
  return verifyEcdsa(dg15.publicKey, challenge, response, dg14?.activeAuthenticationAlgorithm ?? null);
}

function verifyEcdsa(
  key: KeyObject,
  challenge: Uint8Array,
  response: Uint8Array,
  algorithmOid: string | null,
): ActiveAuthResult {
  // ICAO names the TR-03111 plain-signature OIDs; some issuers write the X9.62 ecdsa-with-SHA* ones instead.
  const named = algorithmOid === null ? undefined : (ECDSA_PLAIN[algorithmOid] ?? ECDSA_DER[algorithmOid]);
  if (algorithmOid !== null && named === undefined) {
    return {
      valid: false,
      algorithm: algorithmOid,
      detail: `ActiveAuthenticationInfo names an unsupported algorithm ${algorithmOid}`,
    };
  }
  // ICAO requires ActiveAuthenticationInfo for ECDSA; without DG14 we assume SHA-256 and say so.
  const digest = named ?? "sha256";
  const name = `ecdsa-plain-${digest.toUpperCase()}`;
  const valid =
    verifyWithScheme({ kind: "ecdsa", digest, encoding: "ieee-p1363", name }, key, challenge, response) ||
    verifyWithScheme({ kind: "ecdsa", digest, encoding: "der", name }, key, challenge, response);
  const assumed = named === undefined ? " (no ActiveAuthenticationInfo: SHA-256 assumed)" : "";
  return {
    valid,
    algorithm: name,
    detail: (valid ? "the chip's signature verifies" : "the chip's signature does not verify") + assumed,
  };
}

function verifyRsa(key: KeyObject, challenge: Uint8Array, response: Uint8Array): ActiveAuthResult {
  const jwk = key.export({ format: "jwk" });
  const modulus = Buffer.from(jwk.n ?? "", "base64url");
  const k = modulus.length;
  const fail = (detail: string, algorithm = "ISO9796-2-S1"): ActiveAuthResult => ({ valid: false, algorithm, detail });
  if (response.length !== k) return fail(`answer of ${response.length} bytes for a ${k * 8}-bit key`);
  let opened: Buffer;
  try {
    opened = publicEncrypt({ key, padding: constants.RSA_NO_PADDING }, response);
  } catch {
    return fail("answer is not a number below the modulus");
  }
  // ISO/IEC 9796-2 signs with min(s, n − s): the representative ends in nibble 0xC either as is or as n − t.
  let f: Buffer = opened;
  if ((opened[k - 1]! & 0x0f) !== 0x0c) {
    const t = BigInt(`0x${opened.toString("hex")}`),
      n = BigInt(`0x${modulus.toString("hex")}`);
    f = Buffer.from((n - t).toString(16).padStart(k * 2, "0"), "hex");
  }
  let digest: DigestName | undefined, trailer: number;
  if (f[k - 1] === 0xbc) [digest, trailer] = ["sha1", 1];
  else if (f[k - 1] === 0xcc) [digest, trailer] = [TRAILER_HASHES[f[k - 2]!], 2];
  else return fail("no ISO/IEC 9796-2 trailer");
  if (digest === undefined) return fail(`unknown hash identifier 0x${f[k - 2]!.toString(16)} in the trailer`);
  const algorithm = `ISO9796-2-S1-${digest.toUpperCase()}`;
  if (f[0] !== 0x6a && f[0] !== 0x6b) return fail("not a partial-recovery ISO/IEC 9796-2 representative", algorithm);
  let start = 1;
  if (f[0] === 0x6b) {
    while (start < k && f[start] === 0xbb) start += 1;
    if (f[start] !== 0xba) return fail("malformed ISO/IEC 9796-2 padding", algorithm);
    start += 1;
  }
  const hashEnd = k - trailer,
    hashStart = hashEnd - HASH_LENGTH[digest];
  if (hashStart <= start) return fail("representative too short for its hash", algorithm);
  const m1 = f.subarray(start, hashStart);
  const expected = createHash(digest).update(m1).update(challenge).digest();
  const valid = expected.equals(f.subarray(hashStart, hashEnd));
  return {
    valid,
    algorithm,
    detail: valid ? "the chip's signature over the challenge verifies" : "hash over M1 ‖ challenge does not match",
  };
}
