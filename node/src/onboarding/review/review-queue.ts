/**
 * The manual review queue (issue 7): cases the decision engine sent to REVIEW, with their record
 * held encrypted in the vault (IN_REVIEW, not queued for anchoring). A reviewer claims a case, then
 * approves it (the record is released to the anchoring outbox) or rejects it (the record is
 * crypto-shredded). Each transition and its record change are one atomic, audited write.
 */
import { randomBytes } from "node:crypto";
import { KycnetError } from "@kycnet/sdk/errors";
import { RevocationReason, type RevocationReasonName } from "@kycnet/sdk/protocol";
import {
  openReviewCase,
  type CaseKind,
  type EvidenceRef,
  type ReviewCase,
  type ReviewResolution,
  type ReviewStatus,
} from "./review-case.ts";
import type { DecisionResult } from "../../ekyc/decision/types.ts";
import type { AuditEvent, AuditLog } from "../../vault/audit-log.ts";
import type { RecordStore, StoredValue, WriteOp } from "../../vault/store/record-store.ts";
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
  /**
   * Default ONBOARDING (the record is held IN_REVIEW; so is DUPLICATE's); RESCREEN and SOURCE_REVOKED
   * for a standing customer's ACTIVE record.
   */
  readonly kind?: CaseKind;
}

/** Which cases to list: all or one status, `limit` per page, after `cursor`. */
export interface CaseFilter {
  status?: ReviewStatus;
  /** Only cases whose decision carries this reason code. */
  reason?: string;
  /** Only cases of this kind (a case stored before kinds existed is ONBOARDING). */
  kind?: CaseKind;
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
  /** Opens a case for a REVIEW decision whose record the vault holds (IN_REVIEW; ACTIVE for RESCREEN and SOURCE_REVOKED). */
  open(input: OpenCaseInput): Promise<QueuedCase>;
  /**
   * What opening the case writes (its ops and audit event), for the atomic write of its record
   * itself (an onboarding decision: record and case kept together or not at all).
   */
  opening(input: OpenCaseInput): {
    readonly opened: QueuedCase;
    readonly ops: WriteOp[];
    readonly events: AuditEvent[];
  };
  /** Throws CASE_NOT_FOUND for an unknown or malformed id. */
  getCase(caseId: string): Promise<QueuedCase>;
  /** Cases in arrival order, `limit` clamped to 1..100; an unknown cursor starts from the beginning. */
  list(filter: CaseFilter): Promise<QueuedCasePage>;
  /** OPEN → CLAIMED by `reviewer` (idempotent for the same reviewer); else CASE_STATE_CONFLICT. */
  claim(caseId: string, reviewer: string): Promise<QueuedCase>;
  /** Approves a case claimed by `reviewer`: its record goes to the anchoring outbox (RESCREEN, SOURCE_REVOKED: unchanged, kept). */
  approve(caseId: string, reviewer: string, comment: string): Promise<QueuedCase>;
  /**
   * Rejects a case claimed by `reviewer`: its record is destroyed (RESCREEN: unchanged, the hit
   * confirmed; SOURCE_REVOKED: this bank's attestation is revoked on chain first, with the source's reason).
   */
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
  /**
   * Revokes this bank's attestation of a record on chain (source-revoked-cases.ts): what rejecting a
   * SOURCE_REVOKED case does. Absent: such a rejection is refused (CASE_STATE_CONFLICT) and nothing changes.
   */
  revokeOwn?: (recordId: string, reason: RevocationReasonName) => Promise<{ uid: string; txHash: string | null }>;
}

/** The source's revocation reason a SOURCE_REVOKED case carries (FRAUD_SUSPECTED if it is unreadable). */
export function sourceReasonOf(c: ReviewCase): RevocationReasonName {
  const reason = c.decision.reasons.find((r) => r.code === "SOURCE_ATTESTATION_REVOKED")?.detail?.sourceReason;
  return typeof reason === "string" && Object.hasOwn(RevocationReason, reason)
    ? (reason as RevocationReasonName)
    : "FRAUD_SUSPECTED";
}

/** True when the case's decision carries a reason the four-eyes rule names. */
export function needsFourEyes(c: ReviewCase, fourEyesReasons: readonly string[]): boolean {
  return c.decision.reasons.some((r) => fourEyesReasons.includes(r.code));
}

/** A new case and what opening it writes (the case, its index entries, its audit event). */
function openingOf(input: OpenCaseInput, clock: () => Date): ReturnType<ReviewQueueStore["opening"]> {
  // Time-ordered ids keep the queue in arrival order without a second index.
  const caseId = `case_${String(clock().getTime()).padStart(13, "0")}_${randomBytes(4).toString("hex")}`;
  const opened: QueuedCase = {
    ...openReviewCase({
      caseId,
      createdAt: clock().toISOString(),
      decision: input.decision,
      evidence: input.evidence,
      ...(input.kind === undefined ? {} : { kind: input.kind }),
    }),
    recordId: input.recordId,
    sessionId: input.sessionId,
  };
  const event: AuditEvent = {
    actor: input.actor,
    action: "review.opened",
    target: caseId,
    details: {
      recordId: input.recordId,
      kind: opened.kind ?? "ONBOARDING",
      reasons: input.decision.reasons.map((r) => r.code).join(","),
    },
  };
  return { opened, ops: [...putCase(opened), ...reasonIndexOps(opened)], events: [event] };
}

export function createReviewQueue(deps: ReviewQueueDeps): ReviewQueueStore {
  const { store, vault, audit, clock = () => new Date(), fourEyesReasons = [] } = deps;
  const getCase = (caseId: string) => findCase(store, caseId);
  const opening = (input: OpenCaseInput) => openingOf(input, clock);

  async function revokeFor(c: QueuedCase, caseId: string): Promise<{ uid: string; txHash: string | null }> {
    if (deps.revokeOwn === undefined)
      throw new CaseStateConflictError(caseId, c.status, "reject (this node cannot revoke attestations)");
    return deps.revokeOwn(c.recordId, sourceReasonOf(c));
  }

  /** The first of two approvals: the case goes back to the queue for a second, different reviewer. */
  async function approveFirst(c: QueuedCase, reviewer: string, comment: string): Promise<QueuedCase> {
    const firstApproval: ReviewResolution = { outcome: "APPROVED", reviewer, comment, at: clock().toISOString() };
    const { claimedBy: _released, ...rest } = c;
    const reopened: QueuedCase = { ...rest, status: "OPEN", firstApproval };
    await audit.commit(async () => {
      const now = await getCase(c.caseId);
      if (now.status !== "CLAIMED" || now.claimedBy !== reviewer || now.firstApproval !== undefined)
        throw new CaseStateConflictError(c.caseId, now.status, "approve");
      return putCase(reopened, now);
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
    // Rejecting a SOURCE_REVOKED case revokes our attestation first: the case closes only once it is done.
    const revocation = c.kind === "SOURCE_REVOKED" && outcome === "REJECTED" ? await revokeFor(c, caseId) : undefined;
    const resolution = { outcome, reviewer, comment: text, at: clock().toISOString() };
    const resolved: QueuedCase = { ...c, status: outcome, resolution };
    const also = {
      ops: async () => {
        const now = await getCase(caseId);
        if (now.status !== "CLAIMED" || now.claimedBy !== reviewer) {
          throw new CaseStateConflictError(caseId, now.status, verb);
        }
        return putCase(resolved, now);
      },
      events: [
        {
          actor: reviewer,
          action: `review.${outcome === "APPROVED" ? "approved" : "rejected"}`,
          target: caseId,
          details: {
            recordId: c.recordId,
            ...(revocation === undefined
              ? {}
              : { revokedUid: revocation.uid, reason: sourceReasonOf(c), txHash: revocation.txHash ?? "" }),
          },
        },
      ],
    };
    // A standing customer's record is anchored already: the outcome is the case's alone (and the chain's).
    if (c.kind === "RESCREEN" || c.kind === "SOURCE_REVOKED") await audit.commit(also.ops, also.events);
    else if (outcome === "APPROVED") await vault.releaseForAnchoring(c.recordId, reviewer, also);
    else await vault.shredRecord(c.recordId, { actor: reviewer, reason: "review-rejected" }, also);
    return resolved;
  }

  return {
    async open(input) {
      const { opened, ops, events } = opening(input);
      await audit.commit(ops, events);
      return opened;
    },

    opening,

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
        return putCase(claimed, c);
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

/**
 * The case, and its entry in the status index (`review/by-status/<status>/<caseId>`), moved from the
 * previous status in the same write. The indexes keep the queue's filters fast on a long queue: a
 * filter reads only the index of its status or reason, never every case.
 */
function putCase(c: QueuedCase, previous?: QueuedCase): WriteOp[] {
  return [
    { type: "put", key: caseKey(c.caseId), value: c as unknown as StoredValue },
    ...(previous !== undefined && previous.status !== c.status
      ? [{ type: "del" as const, key: statusKey(previous.status, c.caseId) }]
      : []),
    { type: "put", key: statusKey(c.status, c.caseId), value: c.caseId },
  ];
}

/** A case's reasons never change: one reason index entry per code, written when it opens. */
function reasonIndexOps(c: QueuedCase): WriteOp[] {
  const codes = [...new Set(c.decision.reasons.map((r) => r.code))];
  return codes.map((code) => ({ type: "put" as const, key: reasonKey(code, c.caseId), value: c.caseId }));
}

const statusKey = (status: ReviewStatus, caseId: string) => `review/by-status/${status}/${caseId}`;
const reasonKey = (code: string, caseId: string) => `review/by-reason/${code}/${caseId}`;
/** Set once the indexes cover every case (cases opened before the indexes existed are indexed once). */
const INDEX_MARKER = "review/index-version";

async function ensureIndexed(store: RecordStore): Promise<void> {
  if ((await store.get(INDEX_MARKER)) !== undefined) return;
  let ops: WriteOp[] = [];
  for await (const [, value] of store.range({ prefix: "review/case/" })) {
    const c = value as unknown as QueuedCase;
    ops.push({ type: "put", key: statusKey(c.status, c.caseId), value: c.caseId }, ...reasonIndexOps(c));
    if (ops.length >= 1000) {
      await store.write(ops);
      ops = [];
    }
  }
  await store.write([...ops, { type: "put", key: INDEX_MARKER, value: 1 }]);
}

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
  const indexed = filter.reason !== undefined || filter.status !== undefined;
  if (indexed) await ensureIndexed(store);
  // The reason index is the narrower one when both are given; the case itself is checked either way
  // (an index entry never decides alone).
  const prefix =
    filter.reason !== undefined
      ? `review/by-reason/${filter.reason}/`
      : filter.status !== undefined
        ? `review/by-status/${filter.status}/`
        : "review/case/";
  const olderThanMs = filter.olderThan === undefined ? undefined : Date.parse(filter.olderThan);
  const cases: QueuedCase[] = [];
  let last: string | undefined;
  const after = filter.cursor !== undefined && CASE_ID.test(filter.cursor) ? prefix + filter.cursor : undefined;
  for await (const [key, value] of store.range({ prefix, ...(after === undefined ? {} : { after }) })) {
    const caseId = key.slice(prefix.length);
    // Case ids start with their opening time, before createdAt was taken: past the age limit, stop.
    if (olderThanMs !== undefined && Number(caseId.slice(5, 18)) > olderThanMs) break;
    last = caseId;
    const c = indexed ? await findCase(store, caseId) : (value as unknown as QueuedCase);
    if (matches(c, filter)) cases.push(c);
    if (cases.length === limit) break;
  }
  const more = cases.length === limit && last !== undefined;
  return { cases, ...(more ? { nextCursor: last } : {}) };
}

function matches(c: QueuedCase, filter: CaseFilter): boolean {
  if (filter.status !== undefined && c.status !== filter.status) return false;
  if (filter.olderThan !== undefined && c.createdAt > filter.olderThan) return false;
  if (filter.kind !== undefined && (c.kind ?? "ONBOARDING") !== filter.kind) return false;
  return filter.reason === undefined || c.decision.reasons.some((r) => r.code === filter.reason);
}
