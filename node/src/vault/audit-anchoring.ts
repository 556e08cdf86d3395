/**
 * The audit head on chain (docs/audit-trail.md). Every anchoring batch carries the head of the
 * audit log as it was when the batch was claimed (outbox.ts); this module remembers the last head
 * anchored and, when no batch went out for `intervalMs` while the log grew, anchors the head alone
 * (`anchorAudit`), so the entries not yet protected by an anchor are at most about one interval old
 * even on a bank that onboards nobody. The log stops growing from these anchors themselves: an
 * audit-only anchor writes no audit entry, only the `audit-anchor/last` note below.
 *
 * That note is a local memo of when to anchor next, never evidence: `kycnet vault verify-audit` and
 * the start-up check read the anchors from the chain.
 */
import type { Hex } from "@kycnet/sdk/protocol";
import type { AuditHeadToAnchor, LedgerClient } from "../ledger/ledger-client.ts";
import type { AuditLog } from "./audit-log.ts";
import type { RecordStore, StoredValue, WriteOp } from "./store/record-store.ts";

const LAST_KEY = "audit-anchor/last";

/** The default for `anchoring.auditAnchorIntervalMs`: 15 minutes. */
export const DEFAULT_AUDIT_ANCHOR_INTERVAL_MS = 15 * 60_000;

export interface LastAuditAnchor extends AuditHeadToAnchor {
  /** Null when a batch was found mined after a crash (its transaction hash was not kept). */
  readonly txHash: Hex | null;
  readonly at: string;
}

/** The ops that note `anchor` as the last head anchored; written with the batch's settlement. */
export function lastAnchorOps(anchor: LastAuditAnchor): WriteOp[] {
  return [{ type: "put", key: LAST_KEY, value: anchor as unknown as StoredValue }];
}

async function readLast(store: RecordStore): Promise<LastAuditAnchor | null> {
  const value = (await store.get(LAST_KEY)) as Partial<LastAuditAnchor> | undefined;
  if (value === undefined || typeof value.count !== "number" || typeof value.at !== "string") return null;
  return value as LastAuditAnchor;
}

/** The head to carry in a batch claimed now: null for an empty log (the contract then emits nothing). */
export async function headToAnchor(audit: AuditLog): Promise<AuditHeadToAnchor | null> {
  const head = await audit.head();
  return head.seq === 0 ? null : { count: head.seq, hash: head.hash };
}

export interface AuditAnchoringOptions {
  readonly store: RecordStore;
  readonly audit: AuditLog;
  readonly ledger: LedgerClient;
  /** Anchor the head alone when the log grew and nothing was anchored for this long. */
  readonly intervalMs?: number;
  /** Writes the memo (the leader's fenced write with several instances); default: a plain write. */
  readonly write?: (ops: readonly WriteOp[]) => Promise<void>;
  readonly clock?: () => Date;
  readonly onAnchor?: (event: { count: number; txHash: Hex }) => void;
}

export interface AuditAnchoring {
  /** Anchors the head alone when due; returns what it anchored, or null when nothing was due. */
  anchorIfDue(): Promise<AuditHeadToAnchor | null>;
}

export function createAuditAnchoring(options: AuditAnchoringOptions): AuditAnchoring {
  const { store, audit, ledger } = options;
  const intervalMs = options.intervalMs ?? DEFAULT_AUDIT_ANCHOR_INTERVAL_MS;
  const clock = options.clock ?? (() => new Date());
  const write = options.write ?? ((ops: readonly WriteOp[]) => store.write(ops));
  // With no anchor noted yet (a new vault, or one from before audit heads), the interval starts
  // when this process does: a restart does not send a transaction at once.
  const startedAt = clock().getTime();

  return {
    async anchorIfDue() {
      const last = await readLast(store);
      const since = last === null ? startedAt : Date.parse(last.at);
      if (clock().getTime() - since < intervalMs) return null;
      const head = await headToAnchor(audit);
      if (head === null || head.count <= (last?.count ?? 0)) return null;
      const tx = await ledger.anchorAuditHead(head);
      await write(lastAnchorOps({ ...head, txHash: tx.txHash, at: clock().toISOString() }));
      options.onAnchor?.({ count: head.count, txHash: tx.txHash });
      return head;
    },
  };
}
