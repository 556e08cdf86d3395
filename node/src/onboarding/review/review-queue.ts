/**
 * The manual review queue (issue 7): cases the decision engine sent to REVIEW, with their record
 * held encrypted in the vault (IN_REVIEW, not queued for anchoring). A reviewer claims a case, then
 * approves it (the record is released to the anchoring outbox) or rejects it (the record is
 * crypto-shredded). Each transition and its record change are one atomic, audited write.
 */
import { randomBytes } from "node:crypto";
import { KycnetError } from "@kycnet/sdk/errors";
import { openReviewCase, type EvidenceRef, type ReviewCase, type ReviewStatus } from "./review-case.ts";
import type { DecisionResult } from "../../ekyc/decision/types.ts";
import type { AuditLog } from "../../vault/audit-log.ts";
import type { RecordStore, StoredValue } from "../../vault/store/record-store.ts";
import type { Vault } from "../../vault/vault.ts";

/** A case as the queue stores it: the decision module's case plus where its record and session are. */
export interface QueuedCase extends ReviewCase {
  readonly recordId: string;
  readonly sessionId: string;
}

export class CaseNotFoundError extends KycnetError {
  constructor(caseId: string) {
    super("CASE_NOT_FOUND", `no review case ${caseId}`, { details: { caseId } });
  }
}

export class CaseStateConflictError extends KycnetError {
  constructor(caseId: string, status: ReviewStatus, wanted: string) {
    super("CASE_STATE_CONFLICT", `review case ${caseId} is ${status}: cannot ${wanted}`, { details: { caseId, status, wanted } });
  }
}

const caseKey = (caseId: string) => `review/case/${caseId}`;
const CASE_ID = /^case_[0-9]{13}_[0-9a-f]{8}$/;
const MAX_COMMENT = 2000;

export function createReviewQueue({ store, vault, audit, clock = () => new Date() }: { store: RecordStore; vault: Vault; audit: AuditLog; clock?: () => Date }) {
  async function getCase(caseId: string): Promise<QueuedCase> {
    const found = CASE_ID.test(caseId) ? ((await store.get(caseKey(caseId))) as unknown as QueuedCase | undefined) : undefined;
    if (found === undefined) throw new CaseNotFoundError(caseId);
    return found;
  }

  const put = (c: QueuedCase) => ({ type: "put" as const, key: caseKey(c.caseId), value: c as unknown as StoredValue });

  function checkComment(comment: string): string {
    const trimmed = comment.normalize("NFC").trim();
    if (trimmed.length === 0 || trimmed.length > MAX_COMMENT) throw new KycnetError("INVALID_ARGUMENT", `comment: must be 1-${MAX_COMMENT} characters`, { details: { field: "comment" } });
    return trimmed;
  }

  return {
    /** Opens a case for a REVIEW decision whose record the vault holds (status IN_REVIEW). */
    async open(input: { recordId: string; sessionId: string; decision: DecisionResult; evidence: readonly EvidenceRef[]; actor: string }): Promise<QueuedCase> {
      // Time-ordered ids keep the queue in arrival order without a second index.
      const caseId = `case_${String(clock().getTime()).padStart(13, "0")}_${randomBytes(4).toString("hex")}`;
      const created: QueuedCase = {
        ...openReviewCase({ caseId, createdAt: clock().toISOString(), decision: input.decision, evidence: input.evidence }),
        recordId: input.recordId, sessionId: input.sessionId,
      };
      await audit.commit([put(created)], [{ actor: input.actor, action: "review.opened", target: caseId, details: { recordId: input.recordId, reasons: input.decision.reasons.map((r) => r.code).join(",") } }]);
      return created;
    },

    getCase,

    async list(filter: { status?: ReviewStatus; limit: number; cursor?: string }): Promise<{ cases: QueuedCase[]; nextCursor?: string }> {
      const limit = Math.min(Math.max(1, filter.limit), 100);
      const cases: QueuedCase[] = [];
      let last: string | undefined;
      const after = filter.cursor !== undefined && CASE_ID.test(filter.cursor) ? caseKey(filter.cursor) : undefined;
      for await (const [key, value] of store.range({ prefix: "review/case/", ...(after === undefined ? {} : { after }) })) {
        last = key;
        const c = value as unknown as QueuedCase;
        if (filter.status === undefined || c.status === filter.status) cases.push(c);
        if (cases.length === limit) break;
      }
      const more = cases.length === limit && last !== undefined;
      return { cases, ...(more ? { nextCursor: last!.slice("review/case/".length) } : {}) };
    },

    async claim(caseId: string, reviewer: string): Promise<QueuedCase> {
      let claimed: QueuedCase | undefined;
      await audit.commit(async () => {
        const c = await getCase(caseId);
        if (c.status === "CLAIMED" && c.claimedBy === reviewer) {
          claimed = c;
          return [];
        }
        if (c.status !== "OPEN") throw new CaseStateConflictError(caseId, c.status, "claim");
        claimed = { ...c, status: "CLAIMED", claimedBy: reviewer };
        return [put(claimed)];
      }, [{ actor: reviewer, action: "review.claimed", target: caseId }]);
      return claimed!;
    },

    /** Approves a case claimed by `reviewer`: its record goes to the anchoring outbox. */
    async approve(caseId: string, reviewer: string, comment: string): Promise<QueuedCase> {
      const text = checkComment(comment);
      const c = await getCase(caseId);
      if (c.status !== "CLAIMED" || c.claimedBy !== reviewer) throw new CaseStateConflictError(caseId, c.status, "approve (claim it first)");
      const approved: QueuedCase = { ...c, status: "APPROVED", resolution: { outcome: "APPROVED", reviewer, comment: text, at: clock().toISOString() } };
      await vault.releaseForAnchoring(c.recordId, reviewer, {
        ops: async () => {
          const now = await getCase(caseId);
          if (now.status !== "CLAIMED" || now.claimedBy !== reviewer) throw new CaseStateConflictError(caseId, now.status, "approve");
          return [put(approved)];
        },
        events: [{ actor: reviewer, action: "review.approved", target: caseId, details: { recordId: c.recordId } }],
      });
      return approved;
    },

    /** Rejects a case claimed by `reviewer`: its record is destroyed. */
    async reject(caseId: string, reviewer: string, comment: string): Promise<QueuedCase> {
      const text = checkComment(comment);
      const c = await getCase(caseId);
      if (c.status !== "CLAIMED" || c.claimedBy !== reviewer) throw new CaseStateConflictError(caseId, c.status, "reject (claim it first)");
      const rejected: QueuedCase = { ...c, status: "REJECTED", resolution: { outcome: "REJECTED", reviewer, comment: text, at: clock().toISOString() } };
      await vault.shredRecord(c.recordId, { actor: reviewer, reason: "review-rejected" }, {
        ops: async () => {
          const now = await getCase(caseId);
          if (now.status !== "CLAIMED" || now.claimedBy !== reviewer) throw new CaseStateConflictError(caseId, now.status, "reject");
          return [put(rejected)];
        },
        events: [{ actor: reviewer, action: "review.rejected", target: caseId, details: { recordId: c.recordId } }],
      });
      return rejected;
    },
  };
}

export type ReviewQueueStore = ReturnType<typeof createReviewQueue>;
