/**
 * The cascade's REVIEW action as a review case (issue 21 item 2), over a real in-memory vault, review
 * queue and audit log: a SOURCE_REVOKED case on the bank's own ACTIVE record; approving keeps the
 * attestation, rejecting revokes it with the source's reason before the case closes; both audited.
 */
import { expect } from "chai";
import type { Hex, RevocationReasonName } from "@kycnet/sdk/protocol";
import { isKycnetError } from "@kycnet/sdk/errors";
import { createReviewQueue } from "../../../node/src/onboarding/review/review-queue.ts";
import { openSourceRevokedCase } from "../../../node/src/onboarding/source-revoked-cases.ts";
import { memoryVault, verifiedRecord } from "../vault/fixtures.ts";

const SOURCE = `0x${"5a".repeat(32)}` as Hex;

describe("SOURCE_REVOKED review cases", () => {
  async function setup(withRevoker = true) {
    const { store, audit, vault } = memoryVault();
    const revoked: Array<{ recordId: string; reason: RevocationReasonName }> = [];
    const review = createReviewQueue({
      store,
      vault,
      audit,
      ...(withRevoker
        ? {
            revokeOwn: async (recordId: string, reason: RevocationReasonName) => {
              revoked.push({ recordId, reason });
              return { uid: (await vault.getRecordMeta(recordId)).uid, txHash: `0x${"ab".repeat(32)}` };
            },
          }
        : {}),
    });
    const { record, attestation } = verifiedRecord(1);
    const meta = await vault.storeVerifiedRecord({ record, attestation: attestation(1_800_000_000n), actor: "node" });
    const entry = { sourceUid: SOURCE, ownUid: meta.uid, recordId: meta.id };
    const caseId = await openSourceRevokedCase({ review, vault }, entry, "DATA_CORRECTED");
    return { audit, vault, review, meta, caseId, revoked };
  }

  it("opens a SOURCE_REVOKED case naming the source and its reason, the record staying ACTIVE", async () => {
    const { review, vault, meta, caseId } = await setup();
    const c = await review.getCase(caseId);
    expect(c).to.include({ kind: "SOURCE_REVOKED", status: "OPEN", recordId: meta.id });
    expect(c.decision.reasons).to.deep.equal([
      {
        code: "SOURCE_ATTESTATION_REVOKED",
        outcome: "REVIEW",
        detail: { sourceUid: SOURCE, sourceReason: "DATA_CORRECTED" },
      },
    ]);
    expect((await vault.getRecordMeta(meta.id)).status).to.equal("ACTIVE");
    const page = await review.list({ kind: "SOURCE_REVOKED", limit: 10 });
    expect(page.cases.map((x) => x.caseId)).to.deep.equal([caseId]);
    expect((await review.list({ kind: "DUPLICATE", limit: 10 })).cases).to.deep.equal([]);
  });

  it("keep (approve): nothing is revoked and the record stays as it is", async () => {
    const { review, vault, meta, caseId, revoked, audit } = await setup();
    await review.claim(caseId, "rev1");
    expect(await review.approve(caseId, "rev1", "source corrected a typo; our reading stands")).to.include({
      status: "APPROVED",
    });
    expect(revoked).to.deep.equal([]);
    expect((await vault.getRecordMeta(meta.id)).status).to.equal("ACTIVE");
    const events = await audit.list({ limit: 100 });
    expect(events.find((e) => e.action === "review.approved")?.details).to.deep.equal({ recordId: meta.id });
  });

  it("revoke (reject): our attestation is revoked with the source's reason, then the case closes, audited", async () => {
    const { review, vault, meta, caseId, revoked, audit } = await setup();
    await review.claim(caseId, "rev1");
    expect(await review.reject(caseId, "rev1", "the corrected field changes who this is")).to.include({
      status: "REJECTED",
    });
    expect(revoked).to.deep.equal([{ recordId: meta.id, reason: "DATA_CORRECTED" }]);
    // The record itself is not destroyed: it is the evidence of what was attested and revoked.
    expect((await vault.getRecordMeta(meta.id)).status).to.equal("ACTIVE");
    const rejected = (await audit.list({ limit: 100 })).find((e) => e.action === "review.rejected");
    expect(rejected?.details).to.deep.equal({
      recordId: meta.id,
      revokedUid: meta.uid,
      reason: "DATA_CORRECTED",
      txHash: `0x${"ab".repeat(32)}`,
    });
  });

  it("a node that cannot revoke refuses the rejection and changes nothing", async () => {
    const { review, caseId } = await setup(false);
    await review.claim(caseId, "rev1");
    const error = await review.reject(caseId, "rev1", "revoke it").catch((e: unknown) => e);
    expect(isKycnetError(error, "CASE_STATE_CONFLICT"), String(error)).to.equal(true);
    expect((await review.getCase(caseId)).status).to.equal("CLAIMED");
  });
});
