import { expect } from "chai";
import type { DecisionResult } from "../../../../node/src/ekyc/decision/types.ts";

import { createReviewQueue } from "../../../../node/src/onboarding/review/review-queue.ts";
import { memoryVault, verifiedRecord } from "../../vault/fixtures.ts";
import { expectCode } from "../../../support/expect-code.ts";

const REVIEW: DecisionResult = {
  decision: "REVIEW",
  reasons: [{ code: "FACE_MATCH_BORDERLINE", outcome: "REVIEW" }],
  assuranceLevel: 1,
  method: "FULL_EKYC",
  dailyLimitVnd: "100000000",
  ruleSetVersion: "test",
  asOf: "2027-01-01",
};

describe("node/vault review queue", () => {
  const setup = async (fourEyesReasons: readonly string[] = []) => {
    const { store, audit, vault } = memoryVault();
    const queue = createReviewQueue({ store, vault, audit, fourEyesReasons });
    const { record, attestation } = verifiedRecord(1);
    const meta = await vault.storeVerifiedRecord({
      record,
      attestation: attestation(1_800_000_000n),
      actor: "node",
      hold: true,
    });
    const opened = await queue.open({
      recordId: meta.id,
      sessionId: "ses_1",
      decision: REVIEW,
      evidence: [],
      actor: "node",
    });
    const pending = async () => {
      let n = 0;
      for await (const _ of store.range({ prefix: "outbox/pending/" })) n += 1;
      return n;
    };
    return { store, audit, vault, queue, meta, opened, pending };
  };

  it("lists open cases in arrival order, with paging", async () => {
    const { queue, vault, opened } = await setup();
    const second = verifiedRecord(2);
    const meta2 = await vault.storeVerifiedRecord({
      record: second.record,
      attestation: second.attestation(1_800_000_000n),
      actor: "node",
      hold: true,
    });
    const opened2 = await queue.open({
      recordId: meta2.id,
      sessionId: "ses_2",
      decision: REVIEW,
      evidence: [],
      actor: "node",
    });
    const page1 = await queue.list({ status: "OPEN", limit: 1 });
    expect(page1.cases.map((c) => c.caseId)).to.deep.equal([opened.caseId]);
    const page2 = await queue.list({ status: "OPEN", limit: 1, cursor: page1.nextCursor! });
    expect(page2.cases.map((c) => c.caseId)).to.deep.equal([opened2.caseId]);
  });

  it("claim then approve releases the record to the anchoring outbox, audited", async () => {
    const { queue, vault, meta, opened, pending, audit } = await setup();
    expect(await pending()).to.equal(0);
    await queue.claim(opened.caseId, "rev-1");
    const approved = await queue.approve(opened.caseId, "rev-1", "portrait is older, same person");
    expect(approved.status).to.equal("APPROVED");
    expect((await vault.getRecordMeta(meta.id)).status).to.equal("ACTIVE");
    expect(await pending()).to.equal(1);
    expect((await audit.list()).map((e) => e.action)).to.include.members([
      "review.claimed",
      "review.approved",
      "record.released-for-anchoring",
    ]);
    expect(await audit.verify()).to.include({ ok: true });
  });

  it("claim then reject destroys the record", async () => {
    const { queue, vault, meta, opened, pending } = await setup();
    await queue.claim(opened.caseId, "rev-1");
    await queue.reject(opened.caseId, "rev-1", "document photo is a screen recapture");
    expect((await vault.getRecordMeta(meta.id)).status).to.equal("SHREDDED");
    expect(await pending()).to.equal(0);
  });

  describe("when the case is not claimed by the reviewer", () => {
    it("refuses approve without claim, a second claimer, and a decided case", async () => {
      const { queue, opened } = await setup();
      await expectCode(queue.approve(opened.caseId, "rev-1", "ok"), "CASE_STATE_CONFLICT");
      await queue.claim(opened.caseId, "rev-1");
      await expectCode(queue.claim(opened.caseId, "rev-2"), "CASE_STATE_CONFLICT");
      await expectCode(queue.approve(opened.caseId, "rev-2", "ok"), "CASE_STATE_CONFLICT");
      await queue.approve(opened.caseId, "rev-1", "ok");
      await expectCode(queue.reject(opened.caseId, "rev-1", "changed my mind"), "CASE_STATE_CONFLICT");
    });
  });

  it("rejects unknown case ids and empty comments with typed errors", async () => {
    const { queue, opened } = await setup();
    await expectCode(queue.claim("case_0000000000000_deadbeef", "rev"), "CASE_NOT_FOUND");
    await expectCode(queue.claim("../../x", "rev"), "CASE_NOT_FOUND");
    await queue.claim(opened.caseId, "rev");
    await expectCode(queue.approve(opened.caseId, "rev", "   "), "INVALID_ARGUMENT");
  });

  describe("four eyes (a reason in fourEyesReasons)", () => {
    it("the first approval reopens the case; only a different reviewer's approval releases the record", async () => {
      const { queue, vault, meta, opened, pending, audit } = await setup(["FACE_MATCH_BORDERLINE"]);
      await queue.claim(opened.caseId, "rev-1");
      const first = await queue.approve(opened.caseId, "rev-1", "same person");
      expect(first.status).to.equal("OPEN");
      expect(first.firstApproval).to.include({ reviewer: "rev-1", comment: "same person" });
      expect(first.claimedBy).to.equal(undefined);
      expect(await pending()).to.equal(0);
      expect((await vault.getRecordMeta(meta.id)).status).to.equal("IN_REVIEW");
      await expectCode(queue.claim(opened.caseId, "rev-1"), "CASE_STATE_CONFLICT");
      await queue.claim(opened.caseId, "rev-2");
      const second = await queue.approve(opened.caseId, "rev-2", "agreed");
      expect(second.status).to.equal("APPROVED");
      expect(await pending()).to.equal(1);
      const actions = (await audit.list()).map((e) => `${e.actor} ${e.action}`);
      expect(actions).to.include.members(["rev-1 review.first-approval", "rev-2 review.approved"]);
    });

    it("a rejection after the first approval ends the case and shreds the record", async () => {
      const { queue, vault, meta, opened } = await setup(["FACE_MATCH_BORDERLINE"]);
      await queue.claim(opened.caseId, "rev-1");
      await queue.approve(opened.caseId, "rev-1", "same person");
      await queue.claim(opened.caseId, "rev-2");
      expect((await queue.reject(opened.caseId, "rev-2", "not the same person")).status).to.equal("REJECTED");
      expect((await vault.getRecordMeta(meta.id)).status).to.equal("SHREDDED");
    });

    it("a case without such a reason is approved by one reviewer", async () => {
      const { queue, opened } = await setup(["SANCTIONS_HIT"]);
      await queue.claim(opened.caseId, "rev-1");
      expect((await queue.approve(opened.caseId, "rev-1", "fine")).status).to.equal("APPROVED");
    });
  });

  it("indexes, once, cases opened before the status and reason indexes existed", async () => {
    const { queue, store, opened } = await setup();
    const indexKeys: string[] = [];
    for await (const [key] of store.range({ prefix: "review/by-" })) indexKeys.push(key);
    await store.write([...indexKeys, "review/index-version"].map((key) => ({ type: "del" as const, key })));
    expect((await queue.list({ status: "OPEN", limit: 10 })).cases.map((c) => c.caseId)).to.deep.equal([opened.caseId]);
    expect((await queue.list({ reason: "FACE_MATCH_BORDERLINE", limit: 10 })).cases).to.have.length(1);
    expect(await store.get("review/index-version")).to.not.equal(undefined);
  });

  it("filters by reason and by age (created at or before)", async () => {
    const { queue, opened } = await setup();
    expect((await queue.list({ reason: "FACE_MATCH_BORDERLINE", limit: 10 })).cases).to.have.length(1);
    expect((await queue.list({ reason: "SANCTIONS_HIT", limit: 10 })).cases).to.have.length(0);
    expect((await queue.list({ olderThan: opened.createdAt, limit: 10 })).cases).to.have.length(1);
    const before = new Date(Date.parse(opened.createdAt) - 1).toISOString();
    expect((await queue.list({ olderThan: before, limit: 10 })).cases).to.have.length(0);
  });
});
