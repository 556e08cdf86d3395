/**
 * The manual review queue (issue 7): cases the decision engine sent to REVIEW, with their record
 * held encrypted in the vault (IN_REVIEW, not queued for anchoring). A reviewer claims a case, then
 * approves it (the record is released to the anchoring outbox) or rejects it (the record is
 * crypto-shredded). Each transition and its record change are one atomic, audited write.
 */
import { randomBytes } from "node:crypto";
import { KycnetError } from "@kycnet/sdk/errors";
import {
  openReviewCase,
  type EvidenceRef,
  type ReviewCase,
  type ReviewResolution,
  type ReviewStatus,
} from "./review-case.ts";
import type { DecisionResult } from "../../ekyc/decision/types.ts";
import type { AuditLog } from "../../vault/audit-log.ts";
import type { RecordStore, StoredValue } from "../../vault/store/record-store.ts";
import type { Vault } from "../../vault/vault.ts";

/** A case as the queue stores it: the decision module's case plus where its record and session are. */
export interface QueuedCase extends ReviewCase {
  readonly recordId: string;
  readonly sessionId: string;
  /** Four-eyes: the first approval of a high-risk case; a second, different reviewer must approve too. */
  readonly firstApproval?: ReviewResolution;
}

export class CaseNotFoundError extends KycnetError {
  constructor(caseId: string) {
    super("CASE_NOT_FOUND", `no review case ${caseId}`, { details: { caseId } });
  }
}

export class CaseStateConflictError extends KycnetError {
  constructor(caseId: string, status: ReviewStatus, wanted: string) {
    super("CASE_STATE_CONFLICT", `review case ${caseId} is ${status}: cannot ${wanted}`, {
      details: { caseId, status, wanted },
    });
  }
}

const caseKey = (caseId: string) => `review/case/${caseId}`;
const CASE_ID = /^case_[0-9]{13}_[0-9a-f]{8}$/;
const MAX_COMMENT = 2000;

export interface OpenCaseInput {
  readonly recordId: string;
  readonly sessionId: string;
  readonly decision: DecisionResult;
  readonly evidence: readonly EvidenceRef[];
  readonly actor: string;
}

/** Which cases to list: all or one status, `limit` per page, after `cursor`. */
export interface CaseFilter {
  status?: ReviewStatus;
  /** Only cases whose decision carries this reason code. */
  reason?: string;
  /** Only cases created at or before this ISO time (the queue is in arrival order: the scan stops there). */
  olderThan?: string;
  limit: number;
  cursor?: string;
}

/** A page of cases in arrival order. */
export interface QueuedCasePage {
  readonly cases: QueuedCase[];
  /** Set when the page is full: pass it back as `cursor` for the next one. */
  readonly nextCursor?: string;
}

/**
 * The review queue's cases and their transitions. Each transition and its record change (held,
 * released, shredded) is one atomic, audited write; failures are CASE_NOT_FOUND,
 * CASE_STATE_CONFLICT, INVALID_ARGUMENT (comment), or the vault's RECORD_* errors.
 */
export interface ReviewQueueStore {
  /** Opens a case for a REVIEW decision whose record the vault holds (status IN_REVIEW). */
  open(input: OpenCaseInput): Promise<QueuedCase>;
  /** Throws CASE_NOT_FOUND for an unknown or malformed id. */
  getCase(caseId: string): Promise<QueuedCase>;
  /** Cases in arrival order, `limit` clamped to 1..100; an unknown cursor starts from the beginning. */
  list(filter: CaseFilter): Promise<QueuedCasePage>;
  /** OPEN → CLAIMED by `reviewer` (idempotent for the same reviewer); else CASE_STATE_CONFLICT. */
  claim(caseId: string, reviewer: string): Promise<QueuedCase>;
  /** Approves a case claimed by `reviewer`: its record goes to the anchoring outbox. */
  approve(caseId: string, reviewer: string, comment: string): Promise<QueuedCase>;
  /** Rejects a case claimed by `reviewer`: its record is destroyed. */
  reject(caseId: string, reviewer: string, comment: string): Promise<QueuedCase>;
}

interface ReviewQueueDeps {
  store: RecordStore;
  vault: Vault;
  audit: AuditLog;
  clock?: () => Date;
  /**
   * Four-eyes: the reason codes that make a case high-risk. Such a case needs two approvals by two
   * different reviewers: the first puts it back in the queue (OPEN, with `firstApproval`), the second
   * releases it. A rejection by either ends it. Empty or absent: one approval suffices.
   */
  fourEyesReasons?: readonly string[];
}

/** True when the case's decision carries a reason the four-eyes rule names. */
export function needsFourEyes(c: ReviewCase, fourEyesReasons: readonly string[]): boolean {
  return c.decision.reasons.some((r) => fourEyesReasons.includes(r.code));
}

export function createReviewQueue(deps: ReviewQueueDeps): ReviewQueueStore {
  const { store, vault, audit, clock = () => new Date(), fourEyesReasons = [] } = deps;
  const getCase = (caseId: string) => findCase(store, caseId);

  /** The first of two approvals: the case goes back to the queue for a second, different reviewer. */
  async function approveFirst(c: QueuedCase, reviewer: string, comment: string): Promise<QueuedCase> {
    const firstApproval: ReviewResolution = { outcome: "APPROVED", reviewer, comment, at: clock().toISOString() };
    const { claimedBy: _released, ...rest } = c;
    const reopened: QueuedCase = { ...rest, status: "OPEN", firstApproval };
    await audit.commit(async () => {
      const now = await getCase(c.caseId);
      if (now.status !== "CLAIMED" || now.claimedBy !== reviewer || now.firstApproval !== undefined)
        throw new CaseStateConflictError(c.caseId, now.status, "approve");
      return [putCase(reopened)];
    }, [{ actor: reviewer, action: "review.first-approval", target: c.caseId, details: { recordId: c.recordId } }]);
    return reopened;
  }

  /**
   * CLAIMED → APPROVED (record released for anchoring) or REJECTED (record shredded). The claim is
   * checked again under the write lock, so a concurrent transition cannot slip in between.
   */
  async function resolve(
    caseId: string,
    reviewer: string,
    comment: string,
    outcome: "APPROVED" | "REJECTED",
  ): Promise<QueuedCase> {
    const verb = outcome === "APPROVED" ? "approve" : "reject";
    const text = checkComment(comment);
    const c = await getCase(caseId);
    if (c.status !== "CLAIMED" || c.claimedBy !== reviewer) {
      throw new CaseStateConflictError(caseId, c.status, `${verb} (claim it first)`);
    }
    if (outcome === "APPROVED" && needsFourEyes(c, fourEyesReasons)) {
      if (c.firstApproval === undefined) return approveFirst(c, reviewer, text);
      if (c.firstApproval.reviewer === reviewer)
        throw new CaseStateConflictError(caseId, c.status, "approve (a second, different reviewer must approve)");
    }
    const resolution = { outcome, reviewer, comment: text, at: clock().toISOString() };
    const resolved: QueuedCase = { ...c, status: outcome, resolution };
    const also = {
      ops: async () => {
        const now = await getCase(caseId);
        if (now.status !== "CLAIMED" || now.claimedBy !== reviewer) {
          throw new CaseStateConflictError(caseId, now.status, verb);
        }
        return [putCase(resolved)];
      },
      events: [
        {
          actor: reviewer,
          action: `review.${outcome === "APPROVED" ? "approved" : "rejected"}`,
          target: caseId,
          details: { recordId: c.recordId },
        },
      ],
    };
    if (outcome === "APPROVED") await vault.releaseForAnchoring(c.recordId, reviewer, also);
    else await vault.shredRecord(c.recordId, { actor: reviewer, reason: "review-rejected" }, also);
    return resolved;
  }

  return {
    async open(input) {
      // Time-ordered ids keep the queue in arrival order without a second index.
      const caseId = `case_${String(clock().getTime()).padStart(13, "0")}_${randomBytes(4).toString("hex")}`;
      const created: QueuedCase = {
        ...openReviewCase({
          caseId,
          createdAt: clock().toISOString(),
          decision: input.decision,
          evidence: input.evidence,
        }),
        recordId: input.recordId,
        sessionId: input.sessionId,
      };
      await audit.commit(
        [putCase(created)],
        [
          {
            actor: input.actor,
            action: "review.opened",
            target: caseId,
            details: { recordId: input.recordId, reasons: input.decision.reasons.map((r) => r.code).join(",") },
          },
        ],
      );
      return created;
    },

    getCase,
    list: (filter) => listCases(store, filter),

    async claim(caseId, reviewer) {
      let claimed: QueuedCase | undefined;
      await audit.commit(async () => {
        const c = await getCase(caseId);
        if (c.status === "CLAIMED" && c.claimedBy === reviewer) {
          claimed = c;
          return [];
        }
        if (c.status !== "OPEN") throw new CaseStateConflictError(caseId, c.status, "claim");
        if (c.firstApproval?.reviewer === reviewer)
          throw new CaseStateConflictError(caseId, c.status, "claim (you gave the first approval; four eyes)");
        claimed = { ...c, status: "CLAIMED", claimedBy: reviewer };
        return [putCase(claimed)];
      }, [{ actor: reviewer, action: "review.claimed", target: caseId }]);
      return claimed!;
    },

    approve: (caseId, reviewer, comment) => resolve(caseId, reviewer, comment, "APPROVED"),
    reject: (caseId, reviewer, comment) => resolve(caseId, reviewer, comment, "REJECTED"),
  };
}

async function findCase(store: RecordStore, caseId: string): Promise<QueuedCase> {
  const found = CASE_ID.test(caseId)
    ? ((await store.get(caseKey(caseId))) as unknown as QueuedCase | undefined)
    : undefined;
  if (found === undefined) throw new CaseNotFoundError(caseId);
  return found;
}

const putCase = (c: QueuedCase) => ({
  type: "put" as const,
  key: caseKey(c.caseId),
  value: c as unknown as StoredValue,
});

function checkComment(comment: string): string {
  const trimmed = comment.normalize("NFC").trim();
  if (trimmed.length === 0 || trimmed.length > MAX_COMMENT)
    throw new KycnetError("INVALID_ARGUMENT", `comment: must be 1-${MAX_COMMENT} characters`, {
      details: { field: "comment" },
    });
  return trimmed;
}

async function listCases(store: RecordStore, filter: CaseFilter): Promise<QueuedCasePage> {
  const limit = Math.min(Math.max(1, filter.limit), 100);
  const cases: QueuedCase[] = [];
  let last: string | undefined;
  const after = filter.cursor !== undefined && CASE_ID.test(filter.cursor) ? caseKey(filter.cursor) : undefined;
  for await (const [key, value] of store.range({ prefix: "review/case/", ...(after === undefined ? {} : { after }) })) {
    last = key;
    const c = value as unknown as QueuedCase;
    if (filter.olderThan !== undefined && c.createdAt > filter.olderThan) break;
    if (matches(c, filter)) cases.push(c);
    if (cases.length === limit) break;
  }
  const more = cases.length === limit && last !== undefined;
  // (`last` is the key of the last case kept when the page is full: the next page starts after it.)
  return { cases, ...(more ? { nextCursor: last!.slice("review/case/".length) } : {}) };
}

function matches(c: QueuedCase, filter: CaseFilter): boolean {
  if (filter.status !== undefined && c.status !== filter.status) return false;
  return filter.reason === undefined || c.decision.reasons.some((r) => r.code === filter.reason);
}
