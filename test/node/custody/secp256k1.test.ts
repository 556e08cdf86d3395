/** Low-s normalisation and recovery-bit derivation shared by every KeyManager adapter. */
import { expect } from "chai";
import { computeAddress, getBytes, hexlify, randomBytes, recoverAddress, SigningKey, toBeHex } from "ethers";
import { isKycnetError } from "@kycnet/sdk/errors";
import { SECP256K1_N, Secp256k1PublicKey } from "../../../node/src/custody/secp256k1.ts";

describe("custody/secp256k1", () => {
  const key = new SigningKey(hexlify(randomBytes(32)));
  const publicKey = new Secp256k1PublicKey(getBytes(key.publicKey));
  const raw = (r: string, s: bigint) => getBytes(r + toBeHex(s, 32).slice(2));

  it("derives the address ethers derives for the key", () => {
    expect(publicKey.address).to.equal(computeAddress(key.publicKey));
    expect(new Secp256k1PublicKey(getBytes(key.compressedPublicKey)).address).to.equal(computeAddress(key.publicKey));
  });

  it("keeps a low-s signature and finds the v ethers finds, for both parities", () => {
    const seen = new Set<number>();
    for (let i = 0; i < 32; i++) {
      const digest = randomBytes(32);
      const expected = key.sign(digest);
      const sig = publicKey.toEthereumSignature(digest, raw(expected.r, BigInt(expected.s)));
      expect(sig.serialized).to.equal(expected.serialized);
      seen.add(sig.v);
    }
    expect([...seen].sort()).to.deep.equal([27, 28]);
  });

  it("turns a high-s signature into its low-s twin, which recovers to the same address", () => {
    for (let i = 0; i < 16; i++) {
      const digest = randomBytes(32);
      const low = key.sign(digest);
      const highS = SECP256K1_N - BigInt(low.s);
      expect(highS > SECP256K1_N / 2n).to.equal(true);
      const sig = publicKey.toEthereumSignature(digest, raw(low.r, highS));
      expect(BigInt(sig.s)).to.equal(BigInt(low.s));
      expect(sig.serialized).to.equal(low.serialized);
      expect(recoverAddress(hexlify(digest), sig.serialized)).to.equal(publicKey.address);
    }
  });

  describe("when the signature is not the key's", () => {
    it("throws SIGNATURE_UNRECOVERABLE for another key's signature, a wrong digest, or bad lengths and ranges", () => {
      const digest = randomBytes(32);
      const other = new SigningKey(hexlify(randomBytes(32))).sign(digest);
      const mine = key.sign(digest);
      const cases = [
        () => publicKey.toEthereumSignature(digest, raw(other.r, BigInt(other.s))),
        () => publicKey.toEthereumSignature(randomBytes(32), raw(mine.r, BigInt(mine.s))),
        () => publicKey.toEthereumSignature(digest, raw(mine.r, BigInt(mine.s)).subarray(0, 63)),
        () => publicKey.toEthereumSignature(digest, raw(mine.r, 0n)),
        () => publicKey.toEthereumSignature(digest, raw(toBeHex(SECP256K1_N, 32), BigInt(mine.s))),
      ];
      for (const run of cases) {
        expect(run)
          .to.throw()
          .that.satisfies((e: unknown) => isKycnetError(e, "SIGNATURE_UNRECOVERABLE"));
      }
    });
  });
});
