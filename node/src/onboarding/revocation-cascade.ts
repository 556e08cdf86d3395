/**
 * The revocation cascade (issue 21): when any member revokes an attestation, this node looks the uid
 * up in its own reuse index (reuse-index.ts) and acts on every REUSE attestation it built on it, per
 * the rule set's `reuse.onSourceRevoked`: REVOKE (its own, on chain, with the same reason), REVIEW (a
 * SOURCE_REVOKED review case: a reviewer keeps or revokes it, source-revoked-cases.ts) or ALERT (an
 * audited alert for an operator). It follows `Revoked` events by polling logs every block period
 * (the same reasoning as the membership watcher: works on every JSON-RPC chain, never misses a range),
 * and keeps its cursor in the vault so a restart resumes where it stopped. An action that fails (chain
 * down, own attestation still waiting in the outbox) is kept in the vault (`cascade/pending/`) with the
 * cursor and tried again at every poll, also after a restart; an entry is marked handled in the same
 * audited write as its outcome, so nothing is done twice.
 */
import { Interface, type Provider } from "ethers";
import { AttestationRegistryAbi } from "@kycnet/sdk/chain";
import { isKycnetError } from "@kycnet/sdk/errors";
import type { Hex, RevocationReasonName } from "@kycnet/sdk/protocol";
import type { ReusePolicy } from "../ekyc/decision/rule-set.ts";
import type { AuditLog } from "../vault/audit-log.ts";
import type { RecordStore, StoredValue } from "../vault/store/record-store.ts";
import type { AttestationAdmin, LedgerReads } from "./ports.ts";
import { handledOp, reusesOf, type CascadeHandling, type ReuseIndexEntry } from "./reuse-index.ts";
import { revocationReasonName } from "./source-revocation.ts";
import { createChainPoller } from "../ledger/chain-poller.ts";

const registryInterface = new Interface(AttestationRegistryAbi);
const REVOKED_TOPIC = registryInterface.getEvent("Revoked")!.topicHash;
const CURSOR_KEY = "cascade/cursor";
const PENDING_PREFIX = "cascade/pending/";
/** Largest block range asked for in one getLogs call (providers cap it). */
const MAX_RANGE = 5_000;
const ACTOR = "system:revocation-cascade";
const AUDIT_ACTIONS: Readonly<Record<CascadeHandling["action"], string>> = {
  REVOKED: "reuse.cascade-revoked",
  REVIEW_OPENED: "reuse.source-revoked-review",
  ALERTED: "reuse.source-revoked-alert",
};

export interface RevocationCascadeOptions {
  readonly provider: Pick<Provider, "getBlockNumber" | "getLogs">;
  /** The AttestationRegistry address. */
  readonly registry: Hex;
  readonly store: RecordStore;
  readonly audit: AuditLog;
  readonly ledger: AttestationAdmin & Pick<LedgerReads, "attestationStatus">;
  readonly policy: ReusePolicy["onSourceRevoked"];
  /** Opens the SOURCE_REVOKED case of a REVIEW action and returns its id (required by a REVIEW policy). */
  readonly openCase?: (entry: ReuseIndexEntry, reason: RevocationReasonName) => Promise<string>;
  /** The chain's block period: a revocation is acted on within one (default 1,000 ms). */
  readonly intervalMs?: number;
  readonly onAction?: (action: CascadeAction) => void;
  readonly onError?: (error: unknown) => void;
}

export interface CascadeAction extends CascadeHandling {
  readonly sourceUid: Hex;
  readonly ownUid: Hex;
}

export interface RevocationCascade {
  /** Resumes from the stored cursor (or the current block on a first start) and polls every interval. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** One poll now; returns how many actions it took. */
  poll(): Promise<number>;
}

interface PendingWork {
  readonly entry: ReuseIndexEntry;
  readonly reason: RevocationReasonName;
}

export function createRevocationCascade(options: RevocationCascadeOptions): RevocationCascade {
  const intervalMs = options.intervalMs ?? 1_000;

  /** Work that failed earlier and waits in the vault for another try. */
  async function pendingWork(): Promise<PendingWork[]> {
    const out: PendingWork[] = [];
    for await (const [, value] of options.store.range({ prefix: PENDING_PREFIX })) {
      const v = value as unknown as { entry: ReuseIndexEntry; reason: RevocationReasonName };
      out.push({ entry: v.entry, reason: v.reason });
    }
    return out;
  }

  async function readCursor(latest: number): Promise<number> {
    const stored = await options.store.get(CURSOR_KEY);
    if (typeof stored === "number") return stored;
    await options.store.write([{ type: "put", key: CURSOR_KEY, value: latest }]);
    return latest;
  }

  /** The work a batch of `Revoked` logs asks for, per policy. */
  async function workOf(logs: readonly { topics: readonly string[]; data: string }[]): Promise<PendingWork[]> {
    const work: PendingWork[] = [];
    for (const log of logs) {
      const parsed = registryInterface.parseLog(log);
      if (parsed === null) continue;
      const reason = revocationReasonName(Number(parsed.args.getValue("reason")));
      if (reason === "UNKNOWN" || options.policy[reason] === undefined) continue;
      for (const entry of await reusesOf(options.store, parsed.args.getValue("uid") as Hex))
        if (entry.handled === undefined) work.push({ entry, reason });
    }
    return work;
  }

  /** Acts on one entry; false when it must be tried again later. */
  async function act({ entry, reason }: PendingWork): Promise<boolean> {
    const action = options.policy[reason];
    if (action === undefined) return true;
    let handled: CascadeHandling;
    if (action === "ALERT") {
      handled = { action: "ALERTED", sourceReason: reason, at: new Date().toISOString() };
    } else if (action === "REVIEW") {
      if (options.openCase === undefined) throw new Error("a REVIEW policy needs openCase");
      // Opened before the entry is marked handled: a crash between the two opens a second case at
      // the next poll, never none (the reviewer closes the twin).
      const caseId = await options.openCase(entry, reason);
      handled = { action: "REVIEW_OPENED", sourceReason: reason, at: new Date().toISOString(), caseId };
    } else {
      const status = await options.ledger.attestationStatus(entry.ownUid);
      // Not anchored yet: the outbox will anchor it, then it can be revoked (next poll).
      if (status.status === "PENDING") return false;
      const txHash =
        status.status === "REVOKED" ? undefined : (await options.ledger.revoke(entry.ownUid, reason)).txHash;
      handled = {
        action: "REVOKED",
        sourceReason: reason,
        at: new Date().toISOString(),
        ...(txHash === undefined ? {} : { txHash }),
      };
    }
    await options.audit.commit(
      [handledOp(entry, handled)],
      [
        {
          actor: ACTOR,
          action: AUDIT_ACTIONS[handled.action],
          target: entry.recordId,
          details: {
            sourceUid: entry.sourceUid,
            uid: entry.ownUid,
            sourceReason: reason,
            ...(handled.caseId === undefined ? {} : { caseId: handled.caseId }),
          },
        },
      ],
    );
    options.onAction?.({ ...handled, sourceUid: entry.sourceUid, ownUid: entry.ownUid });
    return true;
  }

  async function pollOnce(): Promise<number> {
    const latest = await options.provider.getBlockNumber();
    let cursor = await readCursor(latest);
    const earlier = await pendingWork();
    const work: PendingWork[] = [...earlier];
    while (cursor < latest) {
      const toBlock = Math.min(latest, cursor + MAX_RANGE);
      const logs = await options.provider.getLogs({
        address: options.registry,
        fromBlock: cursor + 1,
        toBlock,
        topics: [REVOKED_TOPIC],
      });
      work.push(...(await workOf(logs)));
      cursor = toBlock;
    }
    let done = 0;
    const again = new Map<string, PendingWork>();
    for (const item of work) {
      try {
        if (await act(item)) done++;
        else again.set(item.entry.ownUid, item);
      } catch (error) {
        // Not found = not anchored yet; anything else is reported. Both wait for the next poll.
        if (!isKycnetError(error, "ATTESTATION_NOT_FOUND")) options.onError?.(error);
        again.set(item.entry.ownUid, item);
      }
    }
    // The cursor moves in one write with the work still to do: a crash before it re-reads the range.
    await options.store.write([
      ...earlier.map((w) => ({ type: "del" as const, key: `${PENDING_PREFIX}${w.entry.ownUid}` })),
      ...[...again.values()].map((w) => ({
        type: "put" as const,
        key: `${PENDING_PREFIX}${w.entry.ownUid}`,
        value: { entry: { ...w.entry }, reason: w.reason } as unknown as StoredValue,
      })),
      { type: "put", key: CURSOR_KEY, value: cursor },
    ]);
    return done;
  }

  return createChainPoller(pollOnce, intervalMs, options.onError);
}
