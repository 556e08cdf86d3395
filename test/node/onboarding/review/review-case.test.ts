import { expect } from "chai";
import { decide } from "../../../../node/src/ekyc/decision/engine.ts";
import { openReviewCase, type EvidenceRef } from "../../../../node/src/onboarding/review/review-case.ts";
import type { DecisionInput } from "../../../../node/src/ekyc/decision/types.ts";

const input = (registry: DecisionInput["registry"]): DecisionInput => ({
  document: {
    fields: { dateOfBirth: "1990-05-17", expiryDate: "", documentType: "CCCD" },
    disagreements: [],
    tamperSignals: [],
    chipVerified: false,
  },
  biometric: { similarityBand: "ACCEPT", livenessPassed: true, replaySuspected: false },
  registry,
  screening: { hits: [], listVersion: "v" },
  asOf: "2026-11-23",
});
const evidence: EvidenceRef[] = [{ kind: "SELFIE", vaultRef: "rec-1/selfie", sha256: `0x${"ab".repeat(32)}` }];

describe("openReviewCase", () => {
  it("opens an OPEN case holding the decision and evidence references", () => {
    const decision = decide(input({ status: "UNAVAILABLE", code: "REGISTRY_TIMEOUT" }));
    const c = openReviewCase({ caseId: "case-1", createdAt: "2026-11-23T13:00:00Z", decision, evidence });
    expect(c).to.deep.include({ caseId: "case-1", status: "OPEN", evidence });
    expect(c.decision.reasons.map((r) => r.code)).to.deep.equal(["REGISTRY_UNAVAILABLE"]);
  });
  it("refuses a decision that is not REVIEW", () => {
    const decision = decide(input({ status: "MATCH" }));
    expect(() => openReviewCase({ caseId: "c", createdAt: "2026-11-23T13:00:00Z", decision, evidence }))
      .to.throw()
      .with.property("code", "INVALID_ARGUMENT");
  });
  it("refuses bad evidence references, case ids and timestamps", () => {
    const decision = decide(input({ status: "NOT_FOUND" as const, ...{} }));
    const review = decide(input({ status: "MISMATCH", fields: ["fullName"] }));
    expect(decision.decision).to.equal("REJECT");
    const bad = [
      { caseId: "../etc", createdAt: "2026-11-23T13:00:00Z", evidence },
      { caseId: "c", createdAt: "yesterday", evidence },
      { caseId: "c", createdAt: "2026-11-23T13:00:00Z", evidence: [{ ...evidence[0]!, sha256: "0xABC" }] },
      { caseId: "c", createdAt: "2026-11-23T13:00:00Z", evidence: [{ ...evidence[0]!, kind: "DNA" as never }] },
      { caseId: "c", createdAt: "2026-11-23T13:00:00Z", evidence: [{ ...evidence[0]!, vaultRef: "" }] },
    ];
    for (const args of bad)
      expect(() => openReviewCase({ ...args, decision: review }))
        .to.throw()
        .with.property("code", "INVALID_ARGUMENT");
  });
});
