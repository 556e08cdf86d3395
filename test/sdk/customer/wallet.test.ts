import { expect } from "chai";
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Wallet, decryptKeystoreJson, hexlify, randomBytes } from "ethers";
import {
  createCustomerWallet,
  createSubjectKey,
  loadCustomerWallet,
  parseCustomerWallet,
  saveCustomerWallet,
} from "@kycnet/sdk/customer/node";
import { isKycnetError } from "@kycnet/sdk/errors";
import type { Hex } from "@kycnet/sdk/protocol";
import { codeOf } from "../../support/expect-code.ts";

/** A serialized wallet as these tests edit it: entries holding Web3 Secret Storage keystores. */
interface WalletFile extends Record<string, unknown> {
  entries: Array<
    {
      attestationUid: string;
      keystore: { address?: string; Crypto: { kdf: string; kdfparams: Record<string, unknown> } };
    } & Record<string, unknown>
  >;
}

// Low scrypt cost so the suite stays fast; production keeps the default 2^17.
const FAST = { scryptN: 1 << 10 };
const uid = (): Hex => hexlify(randomBytes(32)) as Hex;
const issuer = (): Hex => Wallet.createRandom().address as Hex;

describe("sdk/customer wallet", () => {
  describe("createSubjectKey", () => {
    it("makes a different key every time", () => {
      const keys = new Set(Array.from({ length: 20 }, () => createSubjectKey().address));
      expect(keys.size).to.equal(20);
    });
  });

  describe("round trip", () => {
    it("serialises, parses and unlocks each key with the passphrase", async () => {
      const wallet = createCustomerWallet();
      const [k1, k2] = [createSubjectKey(), createSubjectKey()];
      const [u1, u2] = [uid(), uid()];
      await wallet.add({ attestationUid: u1, issuer: issuer(), subjectKey: k1 }, "correct horse", FAST);
      await wallet.add({ attestationUid: u2, issuer: issuer(), subjectKey: k2 }, "correct horse", FAST);
      const reopened = parseCustomerWallet(wallet.serialize());
      expect(reopened.list().map((r) => r.attestationUid)).to.deep.equal([u1, u2]);
      expect(reopened.find(u2)!.subject).to.equal(k2.address.toLowerCase());
      expect((await reopened.unlock(u1, "correct horse")).privateKey).to.equal(k1.privateKey);
      expect((await reopened.unlock(u2, "correct horse")).privateKey).to.equal(k2.privateKey);
    });

    it("stores each key as a standard keystore v3 that ethers opens on its own", async () => {
      const wallet = createCustomerWallet();
      const key = createSubjectKey();
      const u = uid();
      await wallet.add({ attestationUid: u, issuer: issuer(), subjectKey: key }, "pass", FAST);
      const entry = (
        JSON.parse(wallet.serialize()) as { entries: Array<{ keystore: { version: number; Crypto: { kdf: string } } }> }
      ).entries[0]!;
      expect(entry.keystore.version).to.equal(3);
      expect(entry.keystore.Crypto.kdf).to.equal("scrypt");
      expect((await decryptKeystoreJson(JSON.stringify(entry.keystore), "pass")).privateKey).to.equal(key.privateKey);
    });

    it("saves to disk with owner-only permissions and loads it back", async () => {
      const dir = await mkdtemp(join(tmpdir(), "kycnet-wallet-"));
      try {
        const wallet = createCustomerWallet();
        const key = createSubjectKey();
        const u = uid();
        await wallet.add({ attestationUid: u, issuer: issuer(), subjectKey: key }, "pass", FAST);
        const file = join(dir, "wallet.json");
        await saveCustomerWallet(file, wallet);
        expect((await stat(file)).mode & 0o777).to.equal(0o600);
        expect((await (await loadCustomerWallet(file)).unlock(u, "pass")).address).to.equal(key.address);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it("uses the default scrypt cost (2^17) unless told otherwise", async function () {
      this.timeout(60_000);
      const wallet = createCustomerWallet();
      await wallet.add({ attestationUid: uid(), issuer: issuer(), subjectKey: createSubjectKey() }, "pass");
      const entry = (
        JSON.parse(wallet.serialize()) as { entries: Array<{ keystore: { Crypto: { kdfparams: { n: number } } } }> }
      ).entries[0]!;
      expect(entry.keystore.Crypto.kdfparams.n).to.equal(1 << 17);
    });
  });

  describe("errors", () => {
    it("WALLET_WRONG_PASSPHRASE when unlocking with another passphrase", async () => {
      const wallet = createCustomerWallet();
      const u = uid();
      await wallet.add({ attestationUid: u, issuer: issuer(), subjectKey: createSubjectKey() }, "right", FAST);
      expect(await codeOf(parseCustomerWallet(wallet.serialize()).unlock(u, "wrong"))).to.equal(
        "WALLET_WRONG_PASSPHRASE",
      );
    });

    it("WALLET_WRONG_PASSPHRASE when adding a key under another passphrase than the wallet's", async () => {
      const wallet = createCustomerWallet();
      await wallet.add({ attestationUid: uid(), issuer: issuer(), subjectKey: createSubjectKey() }, "right", FAST);
      expect(
        await codeOf(
          wallet.add({ attestationUid: uid(), issuer: issuer(), subjectKey: createSubjectKey() }, "other", FAST),
        ),
      ).to.equal("WALLET_WRONG_PASSPHRASE");
      expect(wallet.list()).to.have.length(1);
    });

    it("WALLET_ENTRY_NOT_FOUND and WALLET_ENTRY_EXISTS", async () => {
      const wallet = createCustomerWallet();
      const u = uid();
      await wallet.add({ attestationUid: u, issuer: issuer(), subjectKey: createSubjectKey() }, "p", FAST);
      expect(await codeOf(wallet.unlock(uid(), "p"))).to.equal("WALLET_ENTRY_NOT_FOUND");
      expect(
        await codeOf(wallet.add({ attestationUid: u, issuer: issuer(), subjectKey: createSubjectKey() }, "p", FAST)),
      ).to.equal("WALLET_ENTRY_EXISTS");
    });

    it("INVALID_ARGUMENT when a subject key is reused for a second attestation", async () => {
      const wallet = createCustomerWallet();
      const key = createSubjectKey();
      await wallet.add({ attestationUid: uid(), issuer: issuer(), subjectKey: key }, "p", FAST);
      expect(
        await codeOf(wallet.add({ attestationUid: uid(), issuer: issuer(), subjectKey: key }, "p", FAST)),
      ).to.equal("INVALID_ARGUMENT");
    });

    it("INVALID_ARGUMENT for an empty passphrase, a bad uid or a scrypt N that is not a power of two", async () => {
      const wallet = createCustomerWallet();
      expect(
        await codeOf(wallet.add({ attestationUid: uid(), issuer: issuer(), subjectKey: createSubjectKey() }, "", FAST)),
      ).to.equal("INVALID_ARGUMENT");
      expect(
        await codeOf(
          wallet.add({ attestationUid: "0x12", issuer: issuer(), subjectKey: createSubjectKey() }, "p", FAST),
        ),
      ).to.equal("INVALID_ARGUMENT");
      expect(
        await codeOf(
          wallet.add({ attestationUid: uid(), issuer: issuer(), subjectKey: createSubjectKey() }, "p", {
            scryptN: 1000,
          }),
        ),
      ).to.equal("INVALID_ARGUMENT");
    });

    describe("WALLET_MALFORMED for a hostile or damaged file", () => {
      let good: Record<string, unknown>;
      let u: Hex;
      before(async () => {
        const wallet = createCustomerWallet();
        u = uid();
        await wallet.add({ attestationUid: u, issuer: issuer(), subjectKey: createSubjectKey() }, "p", FAST);
        good = JSON.parse(wallet.serialize()) as Record<string, unknown>;
      });
      const mutate = (edit: (doc: WalletFile) => void): string => {
        const doc = structuredClone(good) as WalletFile;
        edit(doc);
        return JSON.stringify(doc);
      };
      const cases: Array<[string, () => string]> = [
        ["not JSON", () => "{ nope"],
        [
          "another format",
          () =>
            mutate((d) => {
              d.format = "other";
            }),
        ],
        [
          "an unknown version",
          () =>
            mutate((d) => {
              d.version = 2;
            }),
        ],
        [
          "entries not a list",
          () =>
            mutate((d) => {
              (d as Record<string, unknown>).entries = {};
            }),
        ],
        [
          "a bad uid",
          () =>
            mutate((d) => {
              d.entries[0]!.attestationUid = "0xzz";
            }),
        ],
        [
          "a duplicate entry",
          () =>
            mutate((d) => {
              d.entries.push(d.entries[0]!);
            }),
        ],
        [
          "a pbkdf2 keystore",
          () =>
            mutate((d) => {
              d.entries[0]!.keystore.Crypto.kdf = "pbkdf2";
            }),
        ],
        [
          "scrypt N of 2^30 (memory bomb)",
          () =>
            mutate((d) => {
              d.entries[0]!.keystore.Crypto.kdfparams.n = 2 ** 30;
            }),
        ],
        [
          "scrypt p of 1000 (CPU bomb)",
          () =>
            mutate((d) => {
              d.entries[0]!.keystore.Crypto.kdfparams.p = 1000;
            }),
        ],
        [
          "a keystore address that is not the subject",
          () =>
            mutate((d) => {
              d.entries[0]!.keystore.address = Wallet.createRandom().address.slice(2);
            }),
        ],
        ["more than 4 MiB", () => " ".repeat(4 * 1024 * 1024 + 1)],
      ];
      for (const [what, text] of cases) {
        it(`refuses ${what}`, () => {
          let code: string | undefined;
          try {
            parseCustomerWallet(text());
          } catch (error) {
            code = isKycnetError(error) ? error.code : "untyped";
          }
          expect(code).to.equal("WALLET_MALFORMED");
        });
      }

      it("refuses, at unlock, a key whose decrypted address is not the entry's subject", async () => {
        const other = createCustomerWallet();
        const u2 = uid();
        await other.add({ attestationUid: u2, issuer: issuer(), subjectKey: createSubjectKey() }, "p", FAST);
        const foreignKeystore = (JSON.parse(other.serialize()) as WalletFile).entries[0]!.keystore;
        delete foreignKeystore.address; // hide the mismatch from the parser
        const text = mutate((d) => {
          d.entries[0]!.keystore = foreignKeystore;
        });
        expect(await codeOf(parseCustomerWallet(text).unlock(u, "p"))).to.equal("WALLET_MALFORMED");
      });

      it("refuses a file on disk that is too large", async () => {
        const dir = await mkdtemp(join(tmpdir(), "kycnet-wallet-"));
        try {
          const file = join(dir, "big.json");
          await writeFile(file, Buffer.alloc(4 * 1024 * 1024 + 1, 32));
          expect(await codeOf(loadCustomerWallet(file))).to.equal("WALLET_MALFORMED");
          expect((await readFile(file)).length).to.be.greaterThan(0);
        } finally {
          await rm(dir, { recursive: true, force: true });
        }
      });
    });
  });
});
