/**
 * Turns a raw secp256k1 ECDSA signature (r || s, as PKCS#11 `CKM_ECDSA` returns it) into an
 * Ethereum signature: s normalised to the lower half of the group order (EIP-2; OpenZeppelin's
 * `ECDSA.recover` rejects high s), and the recovery bit found by recovering the public key and
 * comparing its address with the key's. Used by every adapter so they agree bit for bit.
 */
import { Signature, computeAddress, getBytes, hexlify, recoverAddress, toBeHex } from "ethers";
import { InvalidArgumentError } from "../../../sdk/src/errors.ts";
import type { DigestSignature } from "./key-manager.ts";
import { SignatureUnrecoverableError } from "./errors.ts";

/** Order of the secp256k1 group. */
export const SECP256K1_N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
const HALF_N = SECP256K1_N >> 1n;

/** Throws INVALID_ARGUMENT unless `digest` is exactly 32 bytes. */
export function assertDigest(digest: Uint8Array): void {
  if (!(digest instanceof Uint8Array) || digest.length !== 32) {
    throw new InvalidArgumentError("digest", "must be exactly 32 bytes");
  }
}

/** Normalises a raw 64-byte r || s signature and finds v for `address`. */
export function toEthereumSignature(digest: Uint8Array, rawSignature: Uint8Array, address: string): DigestSignature {
  if (rawSignature.length !== 64) throw new SignatureUnrecoverableError();
  const r = BigInt(hexlify(rawSignature.subarray(0, 32)));
  let s = BigInt(hexlify(rawSignature.subarray(32, 64)));
  if (r === 0n || r >= SECP256K1_N || s === 0n || s >= SECP256K1_N) throw new SignatureUnrecoverableError();
  if (s > HALF_N) s = SECP256K1_N - s;
  const rHex = toBeHex(r, 32);
  const sHex = toBeHex(s, 32);
  const digestHex = hexlify(digest);
  // A valid signature recovers to the key under exactly one of the two parities. Both are checked
  // rather than assuming the second: a signature matching neither means the HSM signed with some
  // other key, and that must fail here, not as a puzzling on-chain revert.
  for (const v of [27, 28] as const) {
    const candidate = Signature.from({ r: rHex, s: sHex, v });
    if (recoverAddress(digestHex, candidate) === address) {
      return { r: rHex, s: sHex, v, yParity: v === 27 ? 0 : 1, serialized: candidate.serialized };
    }
  }
  throw new SignatureUnrecoverableError();
}

/** Ethereum address of an uncompressed (65-byte, 0x04-prefixed) or compressed secp256k1 point. */
export function addressOfPoint(point: Uint8Array): string {
  return computeAddress(hexlify(point));
}

/** Parses a 65-byte serialized signature back into its parts (for tests and callers holding bytes). */
export function parseSerialized(serialized: string): { r: bigint; s: bigint; v: number } {
  const bytes = getBytes(serialized);
  return { r: BigInt(hexlify(bytes.subarray(0, 32))), s: BigInt(hexlify(bytes.subarray(32, 64))), v: bytes[64]! };
}
