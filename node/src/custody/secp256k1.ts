/**
 * Turns a raw secp256k1 ECDSA signature (r || s, as PKCS#11 `CKM_ECDSA` returns it) into an
 * Ethereum signature: s normalised to the lower half of the group order (EIP-2; OpenZeppelin's
 * `ECDSA.recover` rejects high s) and the recovery bit. Used by every adapter so they agree bit for bit.
 *
 * Finding the recovery bit by trial recovery (ethers' `recoverAddress` with v = 27, then 28) costs
 * 1.5 variable-base point multiplications per signature on average and capped transaction signing
 * near 200/s. Instead this verifies the signature once, R = (e/s)·G + (r/s)·Q, with Q's
 * multiplication table precomputed once per key: R.x must equal r (else the HSM signed with another
 * key and we fail here, not on chain) and the parity of R.y *is* the recovery bit.
 */
import { invert } from "@noble/curves/abstract/modular";
import { secp256k1 } from "@noble/curves/secp256k1";
import { computeAddress, hexlify, toBeHex } from "ethers";
import { InvalidArgumentError } from "@kycnet/sdk/errors";
import type { DigestSignature } from "./key-manager.ts";
import { SignatureUnrecoverableError } from "./errors.ts";

const Point = secp256k1.ProjectivePoint;
type Point = InstanceType<typeof Point>;

/** Order of the secp256k1 group. */
export const SECP256K1_N = secp256k1.CURVE.n;
const HALF_N = SECP256K1_N >> 1n;

/** Throws INVALID_ARGUMENT unless `digest` is exactly 32 bytes. */
export function assertDigest(digest: Uint8Array): void {
  if (!(digest instanceof Uint8Array) || digest.length !== 32) {
    throw new InvalidArgumentError("digest", "must be exactly 32 bytes");
  }
}

/** One signing key's public side: its address, and a precomputed point table for fast checks. */
export class Secp256k1PublicKey {
  readonly address: string;
  readonly #q: Point;

  /** `point`: the SEC1 public point (65 bytes uncompressed, or 33 compressed). */
  constructor(point: Uint8Array) {
    this.address = computeAddress(hexlify(point));
    this.#q = secp256k1.utils.precompute(8, Point.fromHex(point));
  }

  /** Normalises a raw 64-byte r || s signature over `digest` and derives v; throws unless it verifies. */
  toEthereumSignature(digest: Uint8Array, rawSignature: Uint8Array): DigestSignature {
    if (rawSignature.length !== 64) throw new SignatureUnrecoverableError();
    const r = BigInt(hexlify(rawSignature.subarray(0, 32)));
    let s = BigInt(hexlify(rawSignature.subarray(32, 64)));
    if (r === 0n || r >= SECP256K1_N || s === 0n || s >= SECP256K1_N) throw new SignatureUnrecoverableError();
    if (s > HALF_N) s = SECP256K1_N - s; // (r, n - s) is the same signature with R negated
    const e = BigInt(hexlify(digest)) % SECP256K1_N;
    const w = invert(s, SECP256K1_N);
    // multiply() rather than multiplyUnsafe(): the latter gave wrong points with precomputed tables
    // in @noble/curves 1.9.0, and multiply() is what the table speeds up.
    const u1 = (e * w) % SECP256K1_N; // 0 only for a digest ≡ 0 mod n; multiply() refuses 0, and 0·G adds nothing
    const u2R = this.#q.multiply((r * w) % SECP256K1_N);
    const R = u1 === 0n ? u2R : Point.BASE.multiply(u1).add(u2R);
    if (R.equals(Point.ZERO)) throw new SignatureUnrecoverableError();
    const { x, y } = R.toAffine();
    // x >= n (r = x - n) cannot be expressed with v in {27, 28}; it has probability ~2^-128.
    if (x !== r) throw new SignatureUnrecoverableError();
    const yParity = Number(y & 1n) as 0 | 1;
    const v = (27 + yParity) as 27 | 28;
    const rHex = toBeHex(r, 32);
    const sHex = toBeHex(s, 32);
    return { r: rHex, s: sHex, v, yParity, serialized: `${rHex}${sHex.slice(2)}${v.toString(16)}` };
  }
}
