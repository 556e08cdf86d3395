/**
 * Case evidence in the vault (vault/evidence.ts): sealed beside its record under the record's period
 * key, opened only through an audited read, re-sealed with the record (account closure, key rotation)
 * and erased in the record's own shredding write.
 */
import { expect } from "chai";
import type { Hex } from "@kycnet/sdk/protocol";
import { MemoryKeyManager } from "../../../node/src/custody/memory/memory-key-manager.ts";
import { createAuditLog } from "../../../node/src/vault/audit-log.ts";
import { createEvidenceStore } from "../../../node/src/vault/evidence.ts";
import { createMemoryRecordStore } from "../../../node/src/vault/store/memory/memory-record-store.ts";
import { createVault } from "../../../node/src/vault/vault.ts";
import { expectCode } from "../../support/expect-code.ts";
import { verifiedRecord } from "./fixtures.ts";

const NOW = 1_800_000_000n;
const CONTEXT = { chainId: 31337n, registry: `0x${"11".repeat(20)}` as Hex, issuer: `0x${"22".repeat(20)}` as Hex };
const FRONT = new Uint8Array([0xff, 0xd8, 0xff, 1, 2, 3, 4]);
const SUMMARY = new TextEncoder().encode(JSON.stringify({ fields: [{ field: "fullName", value: "NGUYỄN VĂN THỬ" }] }));

describe("node/vault/evidence", () => {
  let clockNow: Date;
  const make = () => {
    clockNow = new Date("2027-01-01T00:00:00Z");
    const store = createMemoryRecordStore();
    const keys = new MemoryKeyManager();
    const audit = createAuditLog(store, () => clockNow);
    const vault = createVault({ store, keys, audit, attestationContext: CONTEXT, clock: () => clockNow });
    return { store, keys, audit, vault, evidence: createEvidenceStore({ store, keys, audit }) };
  };
  const parts = () =>
    new Map([
      ["summary", SUMMARY],
      ["front", FRONT],
    ]);
  const keyIdOf = async (store: ReturnType<typeof make>["store"], key: string) =>
    ((await store.get(key)) as { keyId: string }).keyId;

  it("seals each part under the record's key, nothing in the clear, and audits every opening", async () => {
    const { store, vault, evidence, audit } = make();
    const { record, attestation } = verifiedRecord(1);
    const meta = await vault.storeVerifiedRecord({ record, attestation: attestation(NOW), actor: "op" });
    await evidence.seal(meta.id, parts(), "onboarding:s1");
    expect(await evidence.listParts(meta.id)).to.deep.equal(["front", "summary"]);
    expect(JSON.stringify(await store.get(`evidence/${meta.id}/summary`))).to.not.include("NGUY");
    expect(await keyIdOf(store, `evidence/${meta.id}/front`)).to.equal("open/2027");
    expect(await evidence.open(meta.id, "front", "reviewer-1")).to.deep.equal(FRONT);
    const entries = (await audit.list()).map((e) => `${e.actor} ${e.action} ${e.target}`);
    expect(entries).to.include.members([
      `onboarding:s1 evidence.sealed ${meta.id}`,
      `reviewer-1 evidence.opened ${meta.id}`,
    ]);
  });

  it("seals a decision's evidence in its record's own write: one store write, record and evidence together or neither", async () => {
    const { store, vault, evidence, audit } = make();
    const { record, attestation } = verifiedRecord(7);
    // Every audited write is one `writeExclusive` (one atomic store write): count them.
    let writes = 0;
    const writeExclusive = store.writeExclusive.bind(store);
    store.writeExclusive = (lock, build) => {
      writes++;
      return writeExclusive(lock, build);
    };
    const meta = await vault.storeVerifiedRecord({
      record,
      attestation: attestation(NOW),
      actor: "onboarding:s7",
      sealedExtras: ({ id, keyId }) => evidence.sealOps(id, keyId, parts(), "onboarding:s7"),
    });
    expect(writes).to.equal(1);
    expect(await evidence.listParts(meta.id)).to.deep.equal(["front", "summary"]);
    expect(await keyIdOf(store, `evidence/${meta.id}/front`)).to.equal("open/2027");
    expect(await evidence.open(meta.id, "front", "reviewer-1")).to.deep.equal(FRONT);
    const [stored, sealed] = (await audit.list()).filter((e) => e.target === meta.id);
    expect([stored!.action, sealed!.action]).to.deep.equal(["record.stored", "evidence.sealed"]);
    expect(sealed!.seq).to.equal(stored!.seq + 1);

    // The write fails (a crash, the disk): neither the record nor any part of its evidence is there.
    const second = verifiedRecord(8);
    store.writeExclusive = async () => {
      throw new Error("disk gone");
    };
    let recordId = "";
    const failed = await vault
      .storeVerifiedRecord({
        record: second.record,
        attestation: second.attestation(NOW),
        actor: "onboarding:s8",
        sealedExtras: ({ id, keyId }) => ((recordId = id), evidence.sealOps(id, keyId, parts(), "onboarding:s8")),
      })
      .catch((e: unknown) => e);
    expect(failed).to.be.instanceOf(Error);
    store.writeExclusive = writeExclusive;
    expect(recordId).to.match(/^rec_/);
    expect(await store.get(`record/${recordId}`)).to.equal(undefined);
    expect(await evidence.listParts(recordId)).to.deep.equal([]);
  });

  it("refuses unknown parts, records that do not exist, and parts that were never kept", async () => {
    const { vault, evidence } = make();
    const { record, attestation } = verifiedRecord(2);
    const meta = await vault.storeVerifiedRecord({ record, attestation: attestation(NOW), actor: "op" });
    await expectCode(evidence.seal(meta.id, new Map([["../record", FRONT]]), "op"), "INVALID_ARGUMENT");
    await expectCode(evidence.seal(`rec_${"0".repeat(32)}`, parts(), "op"), "RECORD_NOT_FOUND");
    await expectCode(evidence.open(meta.id, "back", "op"), "EVIDENCE_NOT_FOUND");
    await expectCode(evidence.open(meta.id, "../../record", "op"), "EVIDENCE_NOT_FOUND");
  });

  it("follows its record to the deadline month's key at closure and to the new year's key at rotation", async () => {
    const { store, vault, evidence } = make();
    const a = verifiedRecord(3);
    const b = verifiedRecord(4);
    const closing = await vault.storeVerifiedRecord({ record: a.record, attestation: a.attestation(NOW), actor: "op" });
    const open = await vault.storeVerifiedRecord({ record: b.record, attestation: b.attestation(NOW), actor: "op" });
    await evidence.seal(closing.id, parts(), "op");
    await evidence.seal(open.id, parts(), "op");
    await vault.closeAccount(closing.id, { closedAt: new Date("2027-02-10T00:00:00Z"), actor: "op" });
    expect(await keyIdOf(store, `evidence/${closing.id}/front`)).to.equal("until/2032-02");
    await vault.sweepRetention(new Date("2028-01-01T00:00:00Z"));
    expect(await keyIdOf(store, `evidence/${open.id}/front`)).to.equal("open/2028");
    // Still opens after the 2027 key was destroyed: it was re-sealed first.
    expect(await evidence.open(open.id, "front", "op")).to.deep.equal(FRONT);
  });

  it("is erased in the record's shredding write (erasure request and retention sweep)", async () => {
    const { vault, evidence, audit } = make();
    const a = verifiedRecord(5);
    const b = verifiedRecord(6);
    const erased = await vault.storeVerifiedRecord({ record: a.record, attestation: a.attestation(NOW), actor: "op" });
    const expiring = await vault.storeVerifiedRecord({
      record: b.record,
      attestation: b.attestation(NOW),
      actor: "op",
    });
    await evidence.seal(erased.id, parts(), "op");
    await evidence.seal(expiring.id, parts(), "op");
    await vault.shredRecord(erased.id, { actor: "dpo", reason: "erasure-request" });
    expect(await evidence.listParts(erased.id)).to.deep.equal([]);
    await expectCode(evidence.open(erased.id, "front", "op"), "EVIDENCE_NOT_FOUND");
    await vault.closeAccount(expiring.id, { closedAt: new Date("2027-02-10T00:00:00Z"), actor: "op" });
    expect(await vault.sweepRetention(new Date("2032-02-11T00:00:00Z"))).to.deep.equal([expiring.id]);
    expect(await evidence.listParts(expiring.id)).to.deep.equal([]);
    expect(await audit.verify()).to.include({ ok: true });
  });
});
