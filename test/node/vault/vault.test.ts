import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { MemoryKeyManager } from "../../../node/src/custody/memory/memory-key-manager.ts";
import { openPkcs11KeyManager } from "../../../node/src/custody/pkcs11/pkcs11-key-manager.ts";
import { DEFAULT_MODULE_PATH } from "../../../node/src/custody/pkcs11/config.ts";
import { provisionToken, writeSoftHsmConf } from "../../../node/src/custody/provision.ts";
import type { KeyManager } from "../../../node/src/custody/key-manager.ts";
import { createAuditLog } from "../../../node/src/vault/audit-log.ts";
import { openLevelRecordStore } from "../../../node/src/vault/store/level/level-record-store.ts";
import type { RecordStore } from "../../../node/src/vault/store/record-store.ts";
import { createVault } from "../../../node/src/vault/vault.ts";
import { attestationUid, type Hex } from "@kycnet/sdk/protocol";
import { verifiedRecord } from "./fixtures.ts";
import { expectCode } from "../../support/expect-code.ts";

const NOW = 1_800_000_000n;
/** A made-up record and its attestation, same person for the same n. */
const records = new Map<number, ReturnType<typeof verifiedRecord>>();
const recordOf = (n: number) => {
  if (!records.has(n)) records.set(n, verifiedRecord(n));
  const { record, attestation } = records.get(n)!;
  return { record, attestation: attestation(NOW) };
};
const CONTEXT = { chainId: 31337n, registry: `0x${"11".repeat(20)}` as Hex, issuer: `0x${"22".repeat(20)}` as Hex };

for (const [name, openKeys] of [
  ["in-memory keys", async () => ({ keys: new MemoryKeyManager() as KeyManager, cleanup: async () => {} })],
  [
    "SoftHSM2 keys",
    async () => {
      const dir = mkdtempSync(join(tmpdir(), "kycnet-vault-hsm-"));
      const softhsm2Conf = writeSoftHsmConf(dir);
      await provisionToken({
        modulePath: DEFAULT_MODULE_PATH,
        tokenLabel: "vault-bank",
        soPin: "87654321",
        userPin: "12345678",
        softhsm2Conf,
      });
      const keys = await openPkcs11KeyManager({
        modulePath: DEFAULT_MODULE_PATH,
        tokenLabel: "vault-bank",
        pin: "12345678",
        softhsm2Conf,
      });
      return {
        keys: keys as KeyManager,
        cleanup: async () => {
          await keys.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  ],
] as const) {
  describe(`node/vault with LevelDB and ${name}`, function () {
    this.timeout(60_000);
    let dir: string;
    let store: RecordStore;
    let keys: KeyManager;
    let cleanup: () => Promise<void>;
    let clockNow = new Date("2027-01-01T00:00:00Z");
    const make = () => {
      const audit = createAuditLog(store, () => clockNow);
      return { audit, vault: createVault({ store, keys, audit, clock: () => clockNow, attestationContext: CONTEXT }) };
    };

    before(async () => {
      ({ keys, cleanup } = await openKeys());
    });
    after(async () => cleanup());
    beforeEach(async () => {
      dir = mkdtempSync(join(tmpdir(), "kycnet-vault-"));
      store = await openLevelRecordStore(dir);
      clockNow = new Date("2027-01-01T00:00:00Z");
    });
    afterEach(async () => {
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it("stores a record encrypted, queues its attestation and audits, in one write", async () => {
      const { vault, audit } = make();
      const { record, attestation } = verifiedRecord(1);
      const meta = await vault.storeVerifiedRecord({ record, attestation: attestation(NOW), actor: "op-1" });
      expect(meta.status).to.equal("ACTIVE");
      const raw = JSON.stringify(await store.get(`record/${meta.id}`));
      expect(raw).to.not.include(record.fields.fullName); // no personal data in the clear
      expect(raw).to.not.include(record.fields.idNumber);
      const pending: string[] = [];
      for await (const [k] of store.range({ prefix: "outbox/pending/" })) pending.push(k);
      expect(pending).to.have.length(1);
      expect((await audit.list()).map((e) => e.action)).to.deep.equal(["record.stored"]);
    });

    it("opens a record for an audited purpose and gets the same fields and salts back", async () => {
      const { vault, audit } = make();
      const { record, attestation } = verifiedRecord(2);
      const meta = await vault.storeVerifiedRecord({ record, attestation: attestation(NOW), actor: "op-1" });
      const opened = await vault.openRecord(meta.id, "reviewer-7", "manual-review");
      expect(opened.fields).to.deep.equal(record.fields);
      expect(opened.salts).to.deep.equal(record.salts);
      expect((await audit.list()).at(-1)).to.include({ actor: "reviewer-7", action: "record.opened", target: meta.id });
    });

    it("refuses an attestation whose root is not the record's commitment", async () => {
      const { vault } = make();
      const a = verifiedRecord(3);
      const b = verifiedRecord(4);
      await expectCode(
        vault.storeVerifiedRecord({ record: a.record, attestation: b.attestation(NOW), actor: "op" }),
        "RECORD_INTEGRITY",
      );
      let count = 0;
      for await (const _ of store.range({ prefix: "" })) count += 1;
      expect(count).to.equal(0); // nothing half-written
    });

    it("rejects a tampered envelope with CIPHERTEXT_REJECTED, audits the failed open and reports it", async () => {
      const failures: Array<[string, string]> = [];
      const audit = createAuditLog(store, () => clockNow);
      const vault = createVault({
        store,
        keys,
        audit,
        clock: () => clockNow,
        attestationContext: CONTEXT,
        onOpenFailure: (id, code) => failures.push([id, code]),
      });
      const { record, attestation } = verifiedRecord(5);
      const meta = await vault.storeVerifiedRecord({ record, attestation: attestation(NOW), actor: "op" });
      const stored = (await store.get(`record/${meta.id}`)) as { envelope: { ciphertext: string } };
      const bytes = Buffer.from(stored.envelope.ciphertext, "base64");
      bytes[0] = bytes[0]! ^ 1;
      await store.write([
        {
          type: "put",
          key: `record/${meta.id}`,
          value: { ...stored, envelope: { ...stored.envelope, ciphertext: bytes.toString("base64") } } as never,
        },
      ]);
      await expectCode(vault.openRecord(meta.id, "op", "test"), "CIPHERTEXT_REJECTED");
      expect((await audit.list()).at(-1)).to.deep.include({
        actor: "op",
        action: "record.open-failed",
        target: meta.id,
        outcome: "FAILED",
        details: { purpose: "test", code: "CIPHERTEXT_REJECTED" },
      });
      expect(failures).to.deep.equal([[meta.id, "CIPHERTEXT_REJECTED"]]);
      expect(await audit.verify()).to.include({ ok: true });
    });

    it("indexes the record by its attestation uid, computed from the bank's chain coordinates", async () => {
      const { vault } = make();
      const { record, attestation } = verifiedRecord(8);
      const meta = await vault.storeVerifiedRecord({ record, attestation: attestation(NOW), actor: "op" });
      expect(meta.uid).to.equal(attestationUid(CONTEXT, CONTEXT.issuer, attestation(NOW)));
      expect((await vault.findRecordByUid(meta.uid))?.id).to.equal(meta.id);
      await expectCode(
        vault.storeVerifiedRecord({ record, attestation: attestation(NOW), actor: "op" }),
        "RECORD_INTEGRITY",
      );
    });

    it("holds a record for review without queueing it, and queues it on release", async () => {
      const { vault, audit } = make();
      const { record, attestation } = verifiedRecord(9);
      const meta = await vault.storeVerifiedRecord({ record, attestation: attestation(NOW), actor: "op", hold: true });
      expect(meta.status).to.equal("IN_REVIEW");
      const pending = async () => {
        let n = 0;
        for await (const _ of store.range({ prefix: "outbox/pending/" })) n += 1;
        return n;
      };
      expect(await pending()).to.equal(0);
      expect((await vault.releaseForAnchoring(meta.id, "reviewer-1")).status).to.equal("ACTIVE");
      expect(await pending()).to.equal(1);
      await expectCode(vault.releaseForAnchoring(meta.id, "reviewer-1"), "RECORD_STATE_CONFLICT");
      expect((await audit.list()).map((e) => e.action)).to.deep.equal([
        "record.held-for-review",
        "record.released-for-anchoring",
      ]);
    });

    it("returns RECORD_NOT_FOUND for unknown or malformed ids", async () => {
      const { vault } = make();
      await expectCode(vault.openRecord("rec_" + "0".repeat(32), "op", "x"), "RECORD_NOT_FOUND");
      await expectCode(vault.getRecordMeta("../../etc/passwd"), "RECORD_NOT_FOUND");
      expect(await vault.findRecordMeta("nope")).to.equal(null);
    });

    describe("retention", () => {
      it("shreds a record 5 years after account closure, not a day before, and it cannot be opened again", async () => {
        const { vault, audit } = make();
        const { record, attestation } = verifiedRecord(6);
        const meta = await vault.storeVerifiedRecord({ record, attestation: attestation(NOW), actor: "op" });
        const closed = await vault.closeAccount(meta.id, { closedAt: new Date("2027-02-01T00:00:00Z"), actor: "op" });
        expect(closed.retention.retainUntil).to.equal("2032-02-01T00:00:00.000Z");
        expect(await vault.sweepRetention(new Date("2032-01-31T00:00:00Z"))).to.deep.equal([]);
        expect(await vault.sweepRetention(new Date("2032-02-01T00:00:00Z"))).to.deep.equal([meta.id]);
        await expectCode(vault.openRecord(meta.id, "op", "x"), "RECORD_SHREDDED");
        const stored = (await store.get(`record/${meta.id}`)) as { envelope: unknown };
        expect(stored.envelope).to.equal(null);
        expect((await audit.list()).map((e) => e.action)).to.include("record.shredded");
        expect(await audit.verify()).to.include({ ok: true });
      });
      it("re-seals at closure under the deadline month's key, rotates open accounts and destroys keys whose period is over", async () => {
        const { vault, audit } = make();
        const envelopeKey = async (id: string) =>
          ((await store.get(`record/${id}`)) as { envelope: { keyId: string } | null }).envelope?.keyId ?? null;
        const open = await vault.storeVerifiedRecord({ ...recordOf(8), actor: "op" });
        const closing = await vault.storeVerifiedRecord({ ...recordOf(9), actor: "op" });
        expect(await envelopeKey(open.id)).to.equal("open/2027");
        await vault.closeAccount(closing.id, { closedAt: new Date("2027-02-10T00:00:00Z"), actor: "op" });
        expect(await envelopeKey(closing.id)).to.equal("until/2032-02");
        expect(await keys.listRecordKeys()).to.include.members(["open/2027", "until/2032-02"]);

        expect(await vault.sweepRetention(new Date("2028-01-01T00:00:00Z"))).to.deep.equal([]);
        expect(await envelopeKey(open.id)).to.equal("open/2028");
        expect(await keys.listRecordKeys()).to.not.include("open/2027");
        expect((await vault.openRecord(open.id, "op", "x")).fields.fullName).to.equal(
          recordOf(8).record.fields.fullName,
        );

        expect(await vault.sweepRetention(new Date("2032-02-29T00:00:00Z"))).to.deep.equal([closing.id]);
        expect(await keys.listRecordKeys()).to.include("until/2032-02"); // its month is not over yet
        expect(await vault.sweepRetention(new Date("2032-03-01T00:00:00Z"))).to.deep.equal([]);
        expect(await keys.listRecordKeys()).to.not.include("until/2032-02");
        const actions = (await audit.list()).map((e) => e.action);
        expect(actions).to.include.members(["record.rekeyed", "key.destroyed"]);
        expect(await audit.verify()).to.include({ ok: true });
      });
      it("keeps large or suspicious cases 10 years", async () => {
        const { vault } = make();
        const { record, attestation } = verifiedRecord(7);
        const meta = await vault.storeVerifiedRecord({
          record,
          attestation: attestation(NOW),
          actor: "op",
          retentionClass: "LARGE_OR_SUSPICIOUS",
        });
        const closed = await vault.closeAccount(meta.id, { closedAt: new Date("2027-02-01T00:00:00Z"), actor: "op" });
        expect(closed.retention.retainUntil).to.equal("2037-02-01T00:00:00.000Z");
      });
    });
  });
}
