/** What every ReviewQueue must do: the claim → approve/reject life cycle and its coded errors. */
import { expect } from "chai";
import { isKycnetError } from "@kycnet/sdk/errors";
import type { ReviewQueue } from "../../../../node/src/onboarding/ports.ts";

export interface ReviewQueueFixture {
  readonly queue: ReviewQueue;
  /** Puts a new OPEN case in the queue (through the pipeline, for a real queue) and returns its id. */
  openCase(): Promise<string>;
  close?(): Promise<void>;
}

async function code(promise: Promise<unknown>): Promise<string | undefined> {
  const e = await promise.then(() => null, (error: unknown) => error);
  return isKycnetError(e) ? e.code : undefined;
}

export function reviewQueueContract(name: string, makeFixture: () => Promise<ReviewQueueFixture>): void {
  describe(`ReviewQueue contract: ${name}`, () => {
    let f: ReviewQueueFixture;
    beforeEach(async () => {
      f = await makeFixture();
    });
    afterEach(async () => f.close?.());

    it("lists an opened case as OPEN, and filters by status", async () => {
      const id = await f.openCase();
      const open = await f.queue.list({ status: "OPEN", limit: 100 });
      expect(open.cases.map((c) => c.caseId)).to.include(id);
      const claimed = await f.queue.list({ status: "CLAIMED", limit: 100 });
      expect(claimed.cases.map((c) => c.caseId)).not.to.include(id);
    });

    it("pages with limit and nextCursor without repeating a case", async () => {
      for (let i = 0; i < 3; i++) await f.openCase();
      const seen: string[] = [];
      let cursor: string | undefined;
      do {
        const page = await f.queue.list({ limit: 2, ...(cursor ? { cursor } : {}) });
        expect(page.cases.length).to.be.at.most(2);
        seen.push(...page.cases.map((c) => c.caseId));
        cursor = page.nextCursor;
      } while (cursor !== undefined);
      expect(new Set(seen).size).to.equal(seen.length);
      expect(seen.length).to.be.at.least(3);
    });

    it("lets the claiming reviewer approve; the case then carries the reviewer and a decision time", async () => {
      const id = await f.openCase();
      expect((await f.queue.claim(id, "rev-1")).status).to.equal("CLAIMED");
      const approved = await f.queue.approve(id, "rev-1", "ok");
      expect(approved).to.deep.include({ caseId: id, status: "APPROVED", reviewer: "rev-1" });
      expect(Date.parse(approved.decidedAt!)).to.be.a("number").and.not.NaN;
    });

    it("lets the claiming reviewer reject", async () => {
      const id = await f.openCase();
      await f.queue.claim(id, "rev-1");
      expect((await f.queue.reject(id, "rev-1", "no")).status).to.equal("REJECTED");
    });

    it("throws CASE_STATE_CONFLICT for a second claim, a decision by another reviewer, or an unclaimed decision", async () => {
      const id = await f.openCase();
      expect(await code(f.queue.approve(id, "rev-1", "x"))).to.equal("CASE_STATE_CONFLICT");
      await f.queue.claim(id, "rev-1");
      expect(await code(f.queue.claim(id, "rev-2"))).to.equal("CASE_STATE_CONFLICT");
      expect(await code(f.queue.approve(id, "rev-2", "x"))).to.equal("CASE_STATE_CONFLICT");
      await f.queue.reject(id, "rev-1", "x");
      expect(await code(f.queue.approve(id, "rev-1", "x"))).to.equal("CASE_STATE_CONFLICT");
    });

    it("throws CASE_NOT_FOUND for an unknown case", async () => {
      expect(await code(f.queue.claim("nosuchcase", "rev-1"))).to.equal("CASE_NOT_FOUND");
      expect(await code(f.queue.approve("nosuchcase", "rev-1", "x"))).to.equal("CASE_NOT_FOUND");
    });
  });
}
