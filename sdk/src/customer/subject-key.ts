/**
 * Subject keys: the customer's own secp256k1 key named as `subject` in one attestation. A fresh key
 * for every attestation (never one per customer, never reused across banks), so two banks' records
 * of the same person carry unrelated addresses and the chain cannot link where a customer banks.
 */
import { Wallet, hexlify } from "ethers";
import { secureRandomBytes } from "../protocol/random.ts";

const SECP256K1_ORDER = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;

/** A new random subject key (32 bytes from Web Crypto's CSPRNG, in range for secp256k1). */
export function createSubjectKey(): Wallet {
  for (;;) {
    const hex = hexlify(secureRandomBytes(32));
    const k = BigInt(hex);
    // Out of range with probability ~2^-128; drawing again keeps the key uniform.
    if (k !== 0n && k < SECP256K1_ORDER) return new Wallet(hex);
  }
}
