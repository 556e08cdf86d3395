/**
 * Decree 13 data-subject requests over a real vault and audit log: access lists what is held and
 * every access (staff reads and disclosures); deletion of a record the law requires keeping is
 * refused with its legal reason, and done with the vault's erasure once it may be; each request is
 * audited and listed with its 72-hour deadline.
 */
import { expect } from "chai";
import type { Hex } from "@kycnet/sdk/protocol";
import { MemoryKeyManager } from "../../../node/src/custody/memory/memory-key-manager.ts";
import { createDataSubjectRequests, DSR_DEADLINE_MS } from "../../../node/src/onboarding/data-subject-requests.ts";
import { createAuditLog } from "../../../node/src/vault/audit-log.ts";
import { createMemoryRecordStore } from "../../../node/src/vault/store/memory/memory-record-store.ts";
import { createVault } from "../../../node/src/vault/vault.ts";
import { expectCode } from "../../support/expect-code.ts";
import { verifiedRecord } from "../vault/fixtures.ts";

const CONTEXT = { chainId: 31337n, registry: `0x${"11".repeat(20)}` as Hex, issuer: `0x${"22".repeat(20)}` as Hex };

async function fixture() {
  let now = new Date("2027-01-10T08:00:00Z");
  const clock = () => now;
  const store = createMemoryRecordStore();
  const audit = createAuditLog(store, clock);
  const vault = createVault({ store, keys: new MemoryKeyManager(), audit, attestationContext: CONTEXT, clock });
  const { record, attestation } = verifiedRecord(3);
  const meta = await vault.storeVerifiedRecord({
    record,
    attestation: attestation(1_800_000_000n),
    actor: "session:1",
  });
  const requests = createDataSubjectRequests({ store, vault, audit, clock });
  return { vault, audit, meta, requests, setNow: (d: Date) => (now = d), clock };
}

describe("Decree 13 data-subject requests", () => {
  it("answers access at once: what is held and every access, by staff and by other banks", async () => {
    const { vault, meta, requests, clock } = await fixture();
    await vault.openRecord(meta.id, "core-1", "core-banking");
    await vault.openRecord(meta.id, "exchange", "disclosure-under-consent");
    const view = await requests.submit({ attestationUid: meta.uid, kind: "ACCESS" }, "app-1");
    expect(view).to.include({ status: "COMPLETED", kind: "ACCESS", attestationUid: meta.uid });
    expect(Date.parse(view.deadline) - Date.parse(view.receivedAt)).to.equal(DSR_DEADLINE_MS);
    expect(view.answeredAt).to.equal(clock().toISOString());
    expect(view.access!.recordStatus).to.equal("ACTIVE");
    expect(view.access!.fieldsHeld).to.include("fullName").and.include("faceTemplate");
    expect(view.access!.accesses.map((a) => [a.actor, a.purpose])).to.deep.equal([
      ["core-1", "core-banking"],
      ["exchange", "disclosure-under-consent"],
    ]);
    // Field names only: no value of the record is in the answer.
    expect(JSON.stringify(view)).not.to.include("Nguyễn");
  });

  it("refuses deletion of an open account's record with the AML law as its reason, and of a closed one until its retention ends; then erases it", async () => {
    const { vault, audit, meta, requests, setNow } = await fixture();
    const open = await requests.submit({ attestationUid: meta.uid, kind: "DELETION" }, "app-1");
    expect(open.status).to.equal("REFUSED");
    expect(open.refusal!.code).to.equal("ACCOUNT_OPEN");
    expect(open.refusal!.legalBasis).to.include("Anti-Money Laundering");
    expect((await vault.getRecordMeta(meta.id)).status).to.equal("ACTIVE");

    await vault.closeAccount(meta.id, { closedAt: new Date("2027-01-01T00:00:00Z"), actor: "core-1" });
    const closed = await requests.submit({ attestationUid: meta.uid, kind: "DELETION" }, "app-1");
    expect(closed.refusal).to.deep.include({ code: "RETENTION_PERIOD", retainUntil: "2032-01-01T00:00:00.000Z" });

    setNow(new Date("2032-01-02T00:00:00Z"));
    const done = await requests.submit({ attestationUid: meta.uid, kind: "DELETION" }, "app-1");
    expect(done.status).to.equal("COMPLETED");
    expect((await vault.getRecordMeta(meta.id)).status).to.equal("SHREDDED");
    await expectCode(vault.openRecord(meta.id, "x", "y"), "RECORD_SHREDDED");

    const entries = await audit.list({ limit: 1000 });
    const dsr = entries.filter((e) => e.action === "dsr.deletion");
    expect(dsr.map((e) => e.outcome)).to.deep.equal(["REJECTED", "REJECTED", "SUCCEEDED"]);
    expect(entries.find((e) => e.action === "record.shredded")?.details).to.deep.equal({
      reason: "data-subject-deletion",
    });
  });

  it("erases a record still in review (never a customer) at once", async () => {
    const { vault, requests } = await fixture();
    const { record, attestation } = verifiedRecord(4);
    const held = await vault.storeVerifiedRecord({
      record,
      attestation: attestation(1_800_000_001n),
      actor: "s",
      hold: true,
    });
    expect((await requests.submit({ attestationUid: held.uid, kind: "DELETION" }, "app-1")).status).to.equal(
      "COMPLETED",
    );
    expect((await vault.getRecordMeta(held.id)).status).to.equal("SHREDDED");
  });

  it("keeps corrections open for the operator, lists every request with its deadline, and refuses an unknown attestation", async () => {
    const { meta, requests, setNow } = await fixture();
    const correction = await requests.submit(
      { attestationUid: meta.uid, kind: "CORRECTION", fields: ["address"] },
      "app-1",
    );
    expect(correction).to.deep.include({ status: "OPEN", fields: ["address"] });
    setNow(new Date("2027-01-10T09:00:00Z")); // ids are ordered by time of receipt
    await requests.submit({ attestationUid: meta.uid, kind: "ACCESS" }, "app-1");
    expect((await requests.list({})).map((r) => r.kind)).to.deep.equal(["CORRECTION", "ACCESS"]);
    expect((await requests.list({ status: "OPEN" })).map((r) => [r.requestId, r.deadline])).to.deep.equal([
      [correction.requestId, correction.deadline],
    ]);
    await expectCode(
      requests.submit({ attestationUid: `0x${"ee".repeat(32)}`, kind: "ACCESS" }, "app-1"),
      "RECORD_NOT_FOUND",
    );
  });
});
