/**
 * The one behaviour suite of the `KeyManager` port, run against every adapter (pkcs11.test.ts with
 * real SoftHSM2 tokens, memory.test.ts with the in-memory fake). Signatures are checked three ways:
 * by ethers, by OpenZeppelin's ECDSA on Hardhat's network, and by mining a transaction.
 */
import { expect } from "chai";
import { network } from "hardhat";
import {
  getBytes,
  hashMessage,
  hexlify,
  keccak256,
  parseEther,
  randomBytes,
  recoverAddress,
  toUtf8Bytes,
  verifyMessage,
  verifyTypedData,
  type Signer,
} from "ethers";
import { isKycnetError } from "@kycnet/sdk/errors";
import {
  consentDomain,
  consentGrantDigest,
  CONSENT_GRANT_TYPES,
  Purpose,
  signConsentGrant,
  type ConsentGrant,
  type Hex,
} from "@kycnet/sdk/protocol";
import type { KeyManager, SealedRecord } from "../../../node/src/custody/key-manager.ts";
import { SECP256K1_N } from "../../../node/src/custody/secp256k1.ts";

export interface KeyManagerFixture {
  /** Bank A's key manager, shared by the whole suite. */
  readonly bankA: KeyManager;
  /** Bank B's key manager: other keys, used as the transport peer and for cross-bank checks. */
  readonly bankB: KeyManager;
  /** A fresh, separate manager of bank A (the suite closes it). */
  openAnotherA(): Promise<KeyManager>;
}

/** Asserts that `promise` rejects with a KycnetError carrying `code`. */
import { expectCode } from "../../support/expect-code.ts";
export { expectCode };

const HALF_N = SECP256K1_N >> 1n;
const bytes = (text: string) => toUtf8Bytes(text);
const flipped = (b: Uint8Array, at = 0) => {
  const copy = new Uint8Array(b);
  copy[at] = copy[at]! ^ 0x01;
  return copy;
};

export function describeKeyManagerCompliance(
  adapter: string,
  open: () => Promise<KeyManagerFixture>,
  cleanup: () => Promise<void>,
): void {
  describe(`KeyManager compliance (${adapter})`, function () {
    let f: KeyManagerFixture;
    before(async () => {
      f = await open();
    });
    after(async () => {
      await cleanup();
    });

    describe("signDigest", () => {
      it("signs random digests with low s and a v that recovers the key's address", async () => {
        const address = await f.bankA.getAddress();
        for (let i = 0; i < 48; i++) {
          const digest = randomBytes(32);
          const sig = await f.bankA.signDigest(digest);
          expect(BigInt(sig.s) <= HALF_N, "s must be low").to.equal(true);
          expect(sig.v - 27).to.equal(sig.yParity);
          expect(getBytes(sig.serialized)).to.have.length(65);
          expect(recoverAddress(hexlify(digest), sig.serialized)).to.equal(address);
        }
      });

      it("gives each bank its own address", async () => {
        expect(await f.bankA.getAddress()).to.not.equal(await f.bankB.getAddress());
      });

      it("rejects a digest that is not exactly 32 bytes with INVALID_ARGUMENT", async () => {
        await expectCode(f.bankA.signDigest(randomBytes(31)), "INVALID_ARGUMENT");
        await expectCode(f.bankA.signDigest(randomBytes(33)), "INVALID_ARGUMENT");
      });

      it("signs for 8 concurrent callers per bank, both banks at once, every signature valid and the signer's", async () => {
        const signOnce = async (km: KeyManager) => {
          const address = await km.getAddress();
          const digests = Array.from({ length: 8 }, () => Array.from({ length: 6 }, () => randomBytes(32)));
          const results = await Promise.all(
            digests.map(async (mine) => {
              const out = [];
              for (const d of mine) out.push(await km.signDigest(d));
              return out;
            }),
          );
          results.forEach((sigs, caller) =>
            sigs.forEach((sig, i) => {
              expect(recoverAddress(hexlify(digests[caller]![i]!), sig.serialized)).to.equal(address);
            }),
          );
        };
        await Promise.all([signOnce(f.bankA), signOnce(f.bankB)]);
      });
    });

    describe("ethers signer on Hardhat's network", () => {
      let funder: Signer;
      let signer: Signer;
      let verifier: {
        recoverDigest(d: string, s: string): Promise<string>;
        recoverPersonalMessage(m: Uint8Array, s: string): Promise<string>;
      };
      let chainId: bigint;

      before(async () => {
        const { ethers } = await network.create();
        funder = ((await ethers.getSigners()) as unknown as Signer[])[0]!;
        signer = f.bankA.createSigner(ethers.provider);
        const tx = await funder!.sendTransaction({ to: await signer.getAddress(), value: parseEther("1") });
        await tx.wait();
        verifier = (await ethers.deployContract("EcdsaVerifier")) as unknown as typeof verifier;
        chainId = (await ethers.provider.getNetwork()).chainId;
      });

      it("signs a transaction that is mined from the key's address", async () => {
        const to = await funder.getAddress();
        const response = await signer.sendTransaction({ to, value: 12345n });
        const receipt = await response.wait();
        expect(receipt?.status).to.equal(1);
        expect(receipt?.from).to.equal(await f.bankA.getAddress());
        const second = await (await signer.sendTransaction({ to, value: 1n })).wait();
        expect(second?.status).to.equal(1);
      });

      it("signs EIP-191 messages that ethers and OpenZeppelin ECDSA both attribute to the key", async () => {
        const message = bytes("kycnet: bank A proves control of its account");
        const signature = await signer.signMessage(message);
        expect(verifyMessage(message, signature)).to.equal(await f.bankA.getAddress());
        expect(await verifier.recoverPersonalMessage(message, signature)).to.equal(await f.bankA.getAddress());
        expect(recoverAddress(hashMessage(message), signature)).to.equal(await f.bankA.getAddress());
      });

      it("signs EIP-712 consent grants that verify with ethers and on chain against the SDK digest", async () => {
        const domain = { chainId, verifyingContract: (await f.bankB.getAddress()) as Hex };
        const grant: ConsentGrant = {
          attestationUid: keccak256(bytes("attestation")) as Hex,
          grantee: (await f.bankB.getAddress()) as Hex,
          purpose: Purpose.ONBOARDING,
          fieldMask: 0x7,
          validUntil: 2_000_000_000n,
          nonce: 1n,
          deadline: 2_000_000_000n,
        };
        const signature = await signConsentGrant(signer, domain, grant);
        expect(verifyTypedData(consentDomain(domain), CONSENT_GRANT_TYPES, { ...grant }, signature)).to.equal(
          await f.bankA.getAddress(),
        );
        expect(await verifier.recoverDigest(consentGrantDigest(domain, grant), signature)).to.equal(
          await f.bankA.getAddress(),
        );
      });

      it("produces digest signatures OpenZeppelin ECDSA accepts (low s on chain)", async () => {
        for (let i = 0; i < 4; i++) {
          const digest = randomBytes(32);
          const sig = await f.bankA.signDigest(digest);
          expect(await verifier.recoverDigest(hexlify(digest), sig.serialized)).to.equal(await f.bankA.getAddress());
        }
      });

      it("refuses a transaction whose from is another account with INVALID_ARGUMENT", async () => {
        await expectCode(
          signer.signTransaction({
            from: await funder.getAddress(),
            to: await funder.getAddress(),
            chainId,
            nonce: 0,
            gasLimit: 21000n,
            gasPrice: 1n,
          }),
          "INVALID_ARGUMENT",
        );
      });
    });

    describe("record encryption under period keys (sealRecord / openRecord)", () => {
      const KEY = "open/2026";

      it("round-trips empty, small and 100 KiB records", async () => {
        for (const size of [0, 1, 100 * 1024]) {
          const plaintext = randomBytes(size);
          const sealed = await f.bankA.sealRecord(`rec-${size}`, plaintext, KEY);
          expect(sealed.version).to.equal(2);
          expect(sealed.keyId).to.equal(KEY);
          expect(sealed.iv).to.have.length(12);
          expect(sealed.tag).to.have.length(16);
          expect(sealed.ciphertext).to.have.length(size);
          expect(hexlify(await f.bankA.openRecord(`rec-${size}`, sealed))).to.equal(hexlify(plaintext));
        }
      });

      it("uses a fresh iv for every record", async () => {
        const a = await f.bankA.sealRecord("same", bytes("same plaintext"), KEY);
        const b = await f.bankA.sealRecord("same", bytes("same plaintext"), KEY);
        expect(hexlify(a.iv)).to.not.equal(hexlify(b.iv));
        expect(hexlify(a.ciphertext)).to.not.equal(hexlify(b.ciphertext));
      });

      it("creates a record key on first use and lists it", async () => {
        await f.bankA.sealRecord("rec-new-key", bytes("x"), "until/2031-02");
        expect(await f.bankA.listRecordKeys()).to.include.members([KEY, "until/2031-02"]);
      });

      it("refuses a malformed key id with INVALID_ARGUMENT before touching a key", async () => {
        for (const keyId of ["", "Open/2026", "../kek", "open//2026", "a".repeat(65), "open 2026"])
          await expectCode(f.bankA.sealRecord("r", bytes("x"), keyId), "INVALID_ARGUMENT");
      });

      describe("when the envelope was tampered with", () => {
        let sealed: SealedRecord;
        before(async () => {
          sealed = await f.bankA.sealRecord("rec-1", bytes("Nguyễn Văn A, 001203004567"), KEY);
        });
        for (const field of ["ciphertext", "tag", "iv"] as const) {
          it(`rejects a flipped bit in ${field} with CIPHERTEXT_REJECTED`, async () => {
            await expectCode(
              f.bankA.openRecord("rec-1", { ...sealed, [field]: flipped(sealed[field], 3) }),
              "CIPHERTEXT_REJECTED",
            );
          });
        }
        it("rejects a truncated ciphertext with CIPHERTEXT_REJECTED", async () => {
          await expectCode(
            f.bankA.openRecord("rec-1", { ...sealed, ciphertext: sealed.ciphertext.subarray(0, 5) }),
            "CIPHERTEXT_REJECTED",
          );
        });
        it("rejects a truncated tag or iv with CIPHERTEXT_MALFORMED", async () => {
          await expectCode(
            f.bankA.openRecord("rec-1", { ...sealed, tag: sealed.tag.subarray(0, 12) }),
            "CIPHERTEXT_MALFORMED",
          );
          await expectCode(
            f.bankA.openRecord("rec-1", { ...sealed, iv: sealed.iv.subarray(0, 8) }),
            "CIPHERTEXT_MALFORMED",
          );
        });
        it("rejects version 1 (wrapped data keys), an unknown version, a bad key id or a non-object with CIPHERTEXT_MALFORMED", async () => {
          await expectCode(f.bankA.openRecord("rec-1", { ...sealed, version: 1 as 2 }), "CIPHERTEXT_MALFORMED");
          await expectCode(f.bankA.openRecord("rec-1", { ...sealed, version: 3 as 2 }), "CIPHERTEXT_MALFORMED");
          await expectCode(f.bankA.openRecord("rec-1", { ...sealed, keyId: "../x" }), "CIPHERTEXT_MALFORMED");
          await expectCode(f.bankA.openRecord("rec-1", null as unknown as SealedRecord), "CIPHERTEXT_MALFORMED");
        });
        it("rejects the envelope under another record id (the id is GCM associated data)", async () => {
          await expectCode(f.bankA.openRecord("rec-2", sealed), "CIPHERTEXT_REJECTED");
        });
        it("rejects the envelope relabelled to another existing key", async () => {
          await f.bankA.sealRecord("other", bytes("x"), "open/2027");
          await expectCode(f.bankA.openRecord("rec-1", { ...sealed, keyId: "open/2027" }), "CIPHERTEXT_REJECTED");
        });
        it("still opens the untouched envelope", async () => {
          expect(new TextDecoder().decode(await f.bankA.openRecord("rec-1", sealed))).to.equal(
            "Nguyễn Văn A, 001203004567",
          );
        });
      });

      describe("destroying a record key (crypto-shredding a period)", () => {
        it("leaves everything sealed under it unreadable, keeps other keys, and is idempotent", async () => {
          const victim = await f.bankA.sealRecord("to-shred", bytes("retention over"), "until/2030-01");
          const kept = await f.bankA.sealRecord("kept", bytes("still retained"), "until/2030-02");
          await f.bankA.destroyRecordKey("until/2030-01");
          await f.bankA.destroyRecordKey("until/2030-01");
          expect(await f.bankA.listRecordKeys()).to.not.include("until/2030-01");
          await expectCode(f.bankA.openRecord("to-shred", victim), "CIPHERTEXT_REJECTED");
          for (const keyId of await f.bankA.listRecordKeys())
            await expectCode(f.bankA.openRecord("to-shred", { ...victim, keyId }), "CIPHERTEXT_REJECTED");
          expect(new TextDecoder().decode(await f.bankA.openRecord("kept", kept))).to.equal("still retained");
        });

        it("creates a fresh key under a destroyed id that cannot open the old envelopes", async () => {
          const old = await f.bankA.sealRecord("reborn", bytes("old"), "until/2030-03");
          await f.bankA.destroyRecordKey("until/2030-03");
          const fresh = await f.bankA.sealRecord("reborn", bytes("new"), "until/2030-03");
          await expectCode(f.bankA.openRecord("reborn", old), "CIPHERTEXT_REJECTED");
          expect(new TextDecoder().decode(await f.bankA.openRecord("reborn", fresh))).to.equal("new");
        });

        it("is seen by another manager of the same bank (the key is gone from the custody, not a cache)", async () => {
          const km = await f.openAnotherA();
          try {
            const sealed = await km.sealRecord("shared", bytes("x"), "until/2030-04");
            expect(hexlify(await f.bankA.openRecord("shared", sealed))).to.equal(hexlify(bytes("x")));
            await f.bankA.destroyRecordKey("until/2030-04");
            await expectCode(km.openRecord("shared", sealed), "CIPHERTEXT_REJECTED");
          } finally {
            await km.close();
          }
        });
      });

      it("refuses another bank's envelope with CIPHERTEXT_REJECTED", async () => {
        const sealed = await f.bankB.sealRecord("rec-b", bytes("bank B's record"), KEY);
        await expectCode(f.bankA.openRecord("rec-b", sealed), "CIPHERTEXT_REJECTED");
      });

      it("rejects an oversized record with PAYLOAD_TOO_LARGE and an empty record id with INVALID_ARGUMENT", async () => {
        await expectCode(f.bankA.sealRecord("big", new Uint8Array(8 * 1024 * 1024 + 1), KEY), "PAYLOAD_TOO_LARGE");
        await expectCode(f.bankA.sealRecord("", bytes("x"), KEY), "INVALID_ARGUMENT");
        await expectCode(f.bankA.sealRecord("x".repeat(2000), bytes("x"), KEY), "PAYLOAD_TOO_LARGE");
      });
    });

    describe("transport encryption (sealForPeer / openFromPeer)", () => {
      const aad = bytes("consent:0x1234");

      it("publishes a 33-byte compressed P-256 transport key", async () => {
        const key = await f.bankA.getTransportPublicKey();
        expect(key).to.have.length(33);
        expect([2, 3]).to.include(key[0]);
        expect(hexlify(key)).to.not.equal(hexlify(await f.bankB.getTransportPublicKey()));
      });

      it("seals for the peer's published key; only the peer opens it", async () => {
        const payload = randomBytes(4096);
        const sealed = await f.bankA.sealForPeer(await f.bankB.getTransportPublicKey(), payload, aad);
        expect(hexlify(await f.bankB.openFromPeer(sealed, aad))).to.equal(hexlify(payload));
        await expectCode(f.bankA.openFromPeer(sealed, aad), "CIPHERTEXT_REJECTED");
      });

      it("accepts the peer key uncompressed too, and an empty payload", async () => {
        const compressed = await f.bankB.getTransportPublicKey();
        const { ECDH } = await import("node:crypto");
        const uncompressed = ECDH.convertKey(
          Buffer.from(compressed),
          "prime256v1",
          undefined,
          undefined,
          "uncompressed",
        ) as Buffer;
        const sealed = await f.bankA.sealForPeer(uncompressed, new Uint8Array(0), aad);
        expect(await f.bankB.openFromPeer(sealed, aad)).to.have.length(0);
      });

      it("uses a fresh ephemeral key for every message", async () => {
        const peer = await f.bankB.getTransportPublicKey();
        const a = await f.bankA.sealForPeer(peer, bytes("same"), aad);
        const b = await f.bankA.sealForPeer(peer, bytes("same"), aad);
        expect(hexlify(a.subarray(1, 66))).to.not.equal(hexlify(b.subarray(1, 66)));
      });

      it("rejects other associated data, a flipped bit anywhere and a truncation", async () => {
        const sealed = await f.bankA.sealForPeer(await f.bankB.getTransportPublicKey(), bytes("record bytes"), aad);
        await expectCode(f.bankB.openFromPeer(sealed, bytes("consent:0x9999")), "CIPHERTEXT_REJECTED");
        for (const at of [70, sealed.length - 20, sealed.length - 1])
          await expectCode(f.bankB.openFromPeer(flipped(sealed, at), aad), "CIPHERTEXT_REJECTED");
        await expectCode(f.bankB.openFromPeer(sealed.subarray(0, sealed.length - 1), aad), "CIPHERTEXT_REJECTED");
        await expectCode(f.bankB.openFromPeer(sealed.subarray(0, 60), aad), "CIPHERTEXT_MALFORMED");
        await expectCode(f.bankB.openFromPeer(flipped(sealed, 0), aad), "CIPHERTEXT_MALFORMED");
        await expectCode(f.bankB.openFromPeer(flipped(sealed, 40), aad), "CIPHERTEXT_MALFORMED"); // ephemeral point off the curve
      });

      it("rejects a peer key that is not a P-256 point with INVALID_ARGUMENT", async () => {
        await expectCode(f.bankA.sealForPeer(new Uint8Array(33).fill(5), bytes("x"), aad), "INVALID_ARGUMENT"); // bad prefix
        await expectCode(
          f.bankA.sealForPeer(Uint8Array.of(4, ...randomBytes(64)), bytes("x"), aad),
          "INVALID_ARGUMENT",
        ); // off the curve
        await expectCode(f.bankA.sealForPeer(randomBytes(20), bytes("x"), aad), "INVALID_ARGUMENT");
      });

      it("rejects an oversized payload or aad with PAYLOAD_TOO_LARGE", async () => {
        const peer = await f.bankB.getTransportPublicKey();
        await expectCode(f.bankA.sealForPeer(peer, new Uint8Array(8 * 1024 * 1024 + 1), aad), "PAYLOAD_TOO_LARGE");
        await expectCode(f.bankA.sealForPeer(peer, bytes("x"), new Uint8Array(1025)), "PAYLOAD_TOO_LARGE");
      });
    });

    describe("close", () => {
      it("refuses every operation afterwards with KEY_MANAGER_CLOSED, and closing twice is fine", async () => {
        const km = await f.openAnotherA();
        expect(await km.getAddress()).to.equal(await f.bankA.getAddress());
        await km.close();
        await km.close();
        await expectCode(km.getAddress(), "KEY_MANAGER_CLOSED");
        await expectCode(km.signDigest(randomBytes(32)), "KEY_MANAGER_CLOSED");
        await expectCode(km.sealRecord("r", bytes("x"), "open/2026"), "KEY_MANAGER_CLOSED");
        await expectCode(km.listRecordKeys(), "KEY_MANAGER_CLOSED");
        await expectCode(km.destroyRecordKey("open/2026"), "KEY_MANAGER_CLOSED");
        await expectCode(
          km.sealForPeer(await f.bankB.getTransportPublicKey(), bytes("x"), bytes("a")),
          "KEY_MANAGER_CLOSED",
        );
        // The shared bank A manager is unaffected.
        expect((await f.bankA.signDigest(randomBytes(32))).serialized).to.have.length(132);
      });

      it("lets operations in flight finish and refuses queued ones with KEY_MANAGER_CLOSED", async () => {
        const km = await f.openAnotherA();
        const address = await km.getAddress();
        const outcomes = Array.from({ length: 12 }, () => {
          const digest = randomBytes(32);
          return km.signDigest(digest).then(
            (sig) => (recoverAddress(hexlify(digest), sig.serialized) === address ? "signed" : "wrong signature"),
            (error: unknown) => (isKycnetError(error) ? error.code : String(error)),
          );
        });
        await km.close();
        const results = await Promise.all(outcomes);
        for (const r of results) expect(["signed", "KEY_MANAGER_CLOSED"]).to.include(r);
        expect(results).to.include("signed");
        expect((await f.bankA.signDigest(randomBytes(32))).serialized).to.have.length(132);
      });
    });
  });
}
