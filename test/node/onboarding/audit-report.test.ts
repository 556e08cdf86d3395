/**
 * The auditor's report: counts and events of a period from a real hash-chained audit log, signed by
 * the key manager's chain key and checked with the SDK's `verifySignedDocument`; decisions audited
 * by the decorator the node wires; the route for the auditor role only.
 */
import { collectionConsent } from "@kycnet/sdk/customer";
import { expect } from "chai";
import { verifySignedDocument } from "@kycnet/sdk/auditor";
import type { Hex } from "@kycnet/sdk/protocol";
import { withDecisionAudit } from "../../../node/src/composition/decision-audit.ts";
import { MemoryKeyManager } from "../../../node/src/custody/memory/memory-key-manager.ts";
import { createAuditReports, type AuditReport } from "../../../node/src/onboarding/audit-report.ts";
import { createAuditLog, type AuditEvent } from "../../../node/src/vault/audit-log.ts";
import { createMemoryRecordStore } from "../../../node/src/vault/store/memory/memory-record-store.ts";
import { createFakeServices } from "../api/fakes.ts";
import { createHarness } from "../api/harness.ts";
import { expectCode } from "../../support/expect-code.ts";

const JAN = new Date("2027-01-01T00:00:00Z");
const FEB = new Date("2027-02-01T00:00:00Z");

async function reportFixture() {
  let now = new Date("2026-12-31T23:59:00Z");
  const audit = createAuditLog(createMemoryRecordStore(), () => now);
  const keys = new MemoryKeyManager();
  const address = (await keys.getAddress()) as Hex;
  const reports = createAuditReports({
    bank: "Bank A",
    audit,
    signer: { address, signMessage: (bytes) => keys.createSigner(null).signMessage(bytes) },
    clock: () => new Date("2027-03-01T00:00:00Z"),
  });
  const at = async (iso: string, events: AuditEvent[]) => {
    now = new Date(iso);
    for (const e of events) await audit.append(e);
  };
  await at("2026-12-31T23:59:00Z", [{ actor: "s", action: "record.stored", target: "rec_old" }]);
  await at("2027-01-05T10:00:00Z", [
    { actor: "session:1", action: "record.stored", target: "rec_1" },
    { actor: "node:onboarding", action: "decision.made", target: "ses_1", details: { outcome: "PASS", reasons: "" } },
    { actor: "node:onboarding", action: "decision.made", target: "ses_1", details: { outcome: "PASS", reasons: "" } },
    { actor: "session:2", action: "record.held-for-review", target: "rec_2" },
    {
      actor: "node:onboarding",
      action: "decision.made",
      target: "ses_2",
      details: { outcome: "REVIEW", reasons: "FACE_SIMILARITY_BORDERLINE,REGISTRY_UNAVAILABLE" },
    },
    {
      actor: "node:onboarding",
      action: "decision.made",
      target: "ses_3",
      details: { outcome: "REJECT", reasons: "=cmd|' /C calc'!A0" },
    },
    { actor: "session:2", action: "review.opened", target: "case_1", details: { recordId: "rec_2" } },
    { actor: "reviewer-1", action: "review.claimed", target: "case_1" },
    { actor: "reviewer-1", action: "review.approved", target: "case_1", details: { recordId: "rec_2" } },
    { actor: "node:outbox", action: "attestation.anchored", target: "rec_1" },
    { actor: "exchange", action: "record.opened", target: "rec_1", details: { purpose: "disclosure-under-consent" } },
    { actor: "core-1", action: "record.opened", target: "rec_1", details: { purpose: "core-banking" } },
    { actor: "ops-1", action: "attestation.revoke", target: "0xab", outcome: "REQUESTED" },
    { actor: "ops-1", action: "attestation.revoke", target: "0xab", outcome: "SUCCEEDED" },
  ]);
  await at("2027-02-01T00:00:00Z", [{ actor: "s", action: "record.stored", target: "rec_next_period" }]);
  return { reports, address, audit };
}

describe("the auditor's report", () => {
  it("counts attestations, decisions by outcome and reason, lists review actions, disclosures and reads, for [from, to)", async () => {
    const { reports, address } = await reportFixture();
    const report: AuditReport = await reports.build(JAN, FEB);
    expect(report).to.deep.include({ bank: "Bank A", signer: address, from: JAN.toISOString(), to: FEB.toISOString() });
    expect(report.attestations).to.deep.equal({ stored: 1, heldForReview: 1, anchored: 1, revoked: 1, shredded: 0 });
    expect(report.decisions).to.deep.equal({
      total: 3,
      byOutcome: { PASS: 1, REVIEW: 1, REJECT: 1 },
      byReason: { FACE_SIMILARITY_BORDERLINE: 1, REGISTRY_UNAVAILABLE: 1, "=cmd|' /C calc'!A0": 1 },
    });
    expect(report.reviewActions.map((e) => [e.action, e.actor, e.target])).to.deep.equal([
      ["review.opened", "session:2", "case_1"],
      ["review.claimed", "reviewer-1", "case_1"],
      ["review.approved", "reviewer-1", "case_1"],
    ]);
    expect(report.disclosures.map((e) => e.target)).to.deep.equal(["rec_1"]);
    expect(report.recordReads.map((e) => [e.actor, e.detail])).to.deep.equal([["core-1", "core-banking"]]);
    expect(report.auditLog).to.deep.equal({ entriesInPeriod: 14, lastSeq: 16 });
  });

  it("is signed by the node's chain key: the SDK verifies it, and refuses a changed document or another signer", async () => {
    const { reports, address } = await reportFixture();
    for (const format of ["json", "csv"] as const) {
      const signed = await reports.report({ from: JAN, to: FEB, format });
      expect(signed.signer).to.equal(address);
      expect(verifySignedDocument(signed, address)).to.deep.equal({
        valid: true,
        recoveredSigner: address,
        findings: [],
      });
      const changed = verifySignedDocument({ ...signed, document: signed.document.replace("REVIEW", "PASS") }, address);
      expect(changed.valid).to.equal(false);
      const other = verifySignedDocument(signed, `0x${"12".repeat(20)}`);
      expect(other.valid).to.equal(false);
      expect(other.findings.join()).to.include(`not by 0x${"12".repeat(20)}`);
    }
  });

  it("writes CSV a spreadsheet cannot run: cells starting with = + - @ are quoted as text", async () => {
    const { reports } = await reportFixture();
    const { document } = await reports.report({ from: JAN, to: FEB, format: "csv" });
    const lines = document.split("\r\n");
    expect(lines[0]).to.equal("section,key,value,at,seq,actor,action,target,detail");
    expect(lines).to.include("decisions.outcome,REVIEW,1");
    expect(lines).to.include("attestations,revoked,1");
    expect(document).to.include(`decisions.reason,'=cmd|' /C calc'!A0,1`);
    expect(lines.filter((l) => l.startsWith("review,"))).to.have.length(3);
  });

  it("refuses an empty, reversed or longer-than-366-days period", async () => {
    const { reports } = await reportFixture();
    await expectCode(reports.build(FEB, JAN), "INVALID_ARGUMENT");
    await expectCode(reports.build(JAN, JAN), "INVALID_ARGUMENT");
    await expectCode(reports.build(JAN, new Date("2028-06-01T00:00:00Z")), "INVALID_ARGUMENT");
  });

  it("gets every decision into the audit log with its outcome and reason codes (the decorator the node wires)", async () => {
    const audit = createAuditLog(createMemoryRecordStore());
    const fakes = createFakeServices();
    fakes.onboarding.nextOutcome = "REVIEW";
    const onboarding = withDecisionAudit(fakes.onboarding, audit);
    const { sessionId } = await onboarding.createSession(`0x${"33".repeat(20)}`);
    await onboarding.recordCollectionConsent(sessionId, collectionConsent({ version: "test-notice-1" }));
    await onboarding.uploadDocument(sessionId, "front", new Uint8Array([1]), "image/jpeg");
    await onboarding.uploadDocument(sessionId, "back", new Uint8Array([1]), "image/jpeg");
    const { challengeId } = await onboarding.createLivenessChallenge(sessionId);
    await onboarding.uploadSelfieFrames(sessionId, challengeId, []);
    const decision = await onboarding.decide(sessionId);
    const [entry] = await audit.list();
    expect(entry).to.deep.include({ action: "decision.made", target: sessionId, actor: "node:onboarding" });
    expect(entry!.details).to.deep.include({
      outcome: "REVIEW",
      reasons: "FACE_SIMILARITY_BORDERLINE",
      reviewCaseId: decision.reviewCaseId!,
    });
  });

  it("is served to the auditor role only, with bad dates refused", async () => {
    const h = await createHarness();
    try {
      await h.services.reports.audit.append({ actor: "x", action: "record.stored", target: "rec_1" });
      const url = (q: string) => `/v1/audit/report?${q}`;
      const from = new Date(Date.now() - 3_600_000).toISOString();
      const to = new Date(Date.now() + 3_600_000).toISOString();
      const ok = await h.app.inject({
        method: "GET",
        url: url(`from=${from}&to=${to}&format=csv`),
        headers: h.auth("auditor"),
      });
      expect(ok.statusCode).to.equal(200);
      const body = ok.json<{ document: string; signer: string; signature: string; sha256: string }>();
      expect(verifySignedDocument(body, h.services.reports.signer).valid).to.equal(true);
      expect(body.document).to.include("attestations,stored,1");
      for (const role of ["operator", "reviewer", "core-banking"] as const)
        expect(
          (await h.app.inject({ method: "GET", url: url(`from=${from}&to=${to}`), headers: h.auth(role) })).statusCode,
        ).to.equal(403);
      expect(
        (await h.app.inject({ method: "GET", url: url(`from=yesterday&to=${to}`), headers: h.auth("auditor") }))
          .statusCode,
      ).to.equal(400);
      expect(
        (await h.app.inject({ method: "GET", url: url(`from=${to}&to=${from}`), headers: h.auth("auditor") }))
          .statusCode,
      ).to.equal(400);
    } finally {
      await h.app.close();
    }
  });
});
