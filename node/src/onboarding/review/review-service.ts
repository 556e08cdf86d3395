/** The API's view of the review queue: the API never sees record ids or evidence. */
import { reasonsShown } from "../../ekyc/decision/reasons.ts";
import type { ReviewCase, ReviewQueue } from "../ports.ts";
import type { Vault } from "../../vault/vault.ts";
import type { QueuedCase, ReviewQueueStore } from "./review-queue.ts";

/** The API's view of a queued case (no record id, no evidence). */
export const caseView =
  (vault: Vault) =>
  async (c: QueuedCase): Promise<ReviewCase> => ({
    caseId: c.caseId,
    kind: c.kind ?? "ONBOARDING",
    sessionId: c.sessionId,
    status: c.status,
    createdAt: c.createdAt,
    reasons: reasonsShown(c.decision.reasons),
    ...(c.claimedBy === undefined ? {} : { reviewer: c.claimedBy }),
    ...(c.resolution === undefined ? {} : { reviewer: c.resolution.reviewer, decidedAt: c.resolution.at }),
    ...(c.status === "APPROVED" ? { attestationUid: (await vault.getRecordMeta(c.recordId)).uid } : {}),
  });

export function createReviewService(queue: ReviewQueueStore, vault: Vault): ReviewQueue {
  const view = caseView(vault);
  return {
    async list(filter) {
      const page = await queue.list(filter);
      return {
        cases: await Promise.all(page.cases.map(view)),
        ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }),
      };
    },
    claim: async (caseId, reviewer) => view(await queue.claim(caseId, reviewer)),
    approve: async (caseId, reviewer, comment) => view(await queue.approve(caseId, reviewer, comment)),
    reject: async (caseId, reviewer, comment) => view(await queue.reject(caseId, reviewer, comment)),
  };
}
