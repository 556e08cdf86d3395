/**
 * The anchoring outbox: attestations of stored records wait here until they are on chain.
 *
 * Crash safety (kill -9 at any point): a record and its outbox entry are written in one atomic
 * write (vault.ts). The worker first *moves* a batch from `pending` to `inflight` atomically, then
 * sends it, then, in one atomic write, marks every record anchored and deletes the in-flight
 * batch. After a restart, in-flight batches are sent again first, with exactly the same records in
 * the same order, so the batch root is the same and the contract refuses the duplicate
 * (`BatchAlreadyAnchored`), which the worker takes as "it landed before the crash". Nothing is
 * lost, nothing is anchored twice.
 */
import { randomBytes } from "node:crypto";
import { attestationUid, buildBatch, type Hex } from "@kycnet/sdk/protocol";
import { ContractRevertError, isRevert } from "../ledger/errors.ts";
import type { LedgerClient } from "../ledger/ledger-client.ts";
import type { AuditLog } from "./audit-log.ts";
import { attestationFromJson } from "./codec.ts";
import { FAILED, INFLIGHT, PENDING, type InflightBatch, type PendingEntry } from "./outbox-queue.ts";
import type { RecordStore, StoredValue, WriteOp } from "./store/record-store.ts";
import type { Vault } from "./vault.ts";

export interface AnchoringWorkerOptions {
  readonly store: RecordStore;
  readonly audit: AuditLog;
  readonly vault: Vault;
  readonly ledger: LedgerClient;
  /** Most records in one transaction (the contract accepts up to 1024). */
  readonly maxBatch?: number;
  /** Send a partial batch once its oldest record waited this long. */
  readonly maxDelayMs?: number;
  readonly pollMs?: number;
  readonly clock?: () => Date;
  readonly onBatch?: (event: { count: number; batchRoot: Hex; txHash: Hex | null; lagSeconds: number }) => void;
  readonly onError?: (error: unknown) => void;
}

export interface FlushResult { anchored: number; failed: number; batches: number }

export function createAnchoringWorker(options: AnchoringWorkerOptions) {
  const { store, audit, vault, ledger } = options;
  const maxBatch = options.maxBatch ?? 256;
  const maxDelayMs = options.maxDelayMs ?? 2_000;
  const clock = options.clock ?? (() => new Date());
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<FlushResult> | undefined;
  let backoffMs = 0;

  async function collect<T>(prefix: string, limit?: number): Promise<Array<[string, T]>> {
    const out: Array<[string, T]> = [];
    for await (const [key, value] of store.range({ prefix, ...(limit === undefined ? {} : { limit }) })) out.push([key, value as unknown as T]);
    return out;
  }

  async function send(batchKey: string, batch: InflightBatch): Promise<{ anchored: number; failed: number }> {
    const data = batch.entries.map((e) => attestationFromJson(e.attestation as unknown as StoredValue));
    let batchRoot: Hex;
    let txHash: Hex | null;
    let proofs;
    let uids: readonly Hex[];
    try {
      const result = await ledger.anchorBatch(data);
      ({ batchRoot, txHash, proofs, uids } = result);
    } catch (error) {
      if (isRevert(error, "BatchAlreadyAnchored")) {
        // Sent before a crash and mined: rebuild the same proofs locally.
        const issuer = await ledger.account();
        const context = { chainId: await ledger.chainId(), registry: ledger.addresses.attestations };
        uids = data.map((d) => attestationUid(context, issuer, d));
        const tree = buildBatch(uids);
        batchRoot = tree.root;
        txHash = null;
        proofs = data.map((d, i) => ({ issuer, data: d, batchRoot, proof: tree.proofOf(i) }));
      } else if (error instanceof ContractRevertError) {
        // The chain will never accept this batch as it is (e.g. this bank is no longer a member):
        // park every entry for an operator, with the reason, instead of retrying forever.
        await audit.commit(
          [{ type: "del", key: batchKey }, ...batch.entries.map((e): WriteOp => ({ type: "put", key: `${FAILED}${e.recordId}`, value: { ...e, reason: error.revert } as unknown as StoredValue }))],
          batch.entries.map((e) => ({ actor: "node:outbox", action: "attestation.anchor-failed", target: e.recordId, outcome: "FAILED" as const, details: { revert: error.revert } })),
        );
        return { anchored: 0, failed: batch.entries.length };
      } else {
        throw error;
      }
    }
    await audit.commit(async () => {
      const ops: WriteOp[] = [{ type: "del", key: batchKey }];
      for (const [i, entry] of batch.entries.entries()) {
        ops.push(...(await vault.anchoredOps(entry.recordId, { uid: uids[i]!, txHash, proof: proofs[i]! })));
      }
      return ops;
    }, batch.entries.map((e, i) => ({
      actor: "node:outbox", action: "attestation.anchored", target: e.recordId, details: { uid: uids[i]!, batchRoot, txHash },
    })));
    const oldest = Math.min(...batch.entries.map((e) => Date.parse(e.queuedAt)));
    options.onBatch?.({ count: batch.entries.length, batchRoot, txHash, lagSeconds: (clock().getTime() - oldest) / 1000 });
    return { anchored: batch.entries.length, failed: 0 };
  }

  /** Anchors everything due now: in-flight batches first, then pending ones. */
  async function flushOnce(force: boolean): Promise<FlushResult> {
    const result: FlushResult = { anchored: 0, failed: 0, batches: 0 };
    for (const [key, batch] of await collect<InflightBatch>(INFLIGHT)) {
      const r = await send(key, batch);
      result.anchored += r.anchored; result.failed += r.failed; result.batches += 1;
    }
    for (;;) {
      const pending = await collect<PendingEntry>(PENDING, maxBatch);
      if (pending.length === 0) break;
      const oldest = Date.parse(pending[0]![1].queuedAt);
      if (!force && pending.length < maxBatch && clock().getTime() - oldest < maxDelayMs) break;
      const batch: InflightBatch = { batchId: randomBytes(8).toString("hex"), createdAt: clock().toISOString(), entries: pending.map(([, e]) => e) };
      const batchKey = `${INFLIGHT}${batch.createdAt}/${batch.batchId}`;
      await store.write([...pending.map(([key]): WriteOp => ({ type: "del", key })), { type: "put", key: batchKey, value: batch as unknown as StoredValue }]);
      const r = await send(batchKey, batch);
      result.anchored += r.anchored; result.failed += r.failed; result.batches += 1;
    }
    return result;
  }

  /**
   * Anchors everything queued before the call. Passes never overlap: a pass already running may
   * have read the queue before the caller's records arrived, so wait for it, then run a new one.
   * `force` sends a partial batch without waiting for maxDelayMs.
   */
  async function flush(force = true): Promise<FlushResult> {
    while (running !== undefined) await running.catch(() => undefined);
    const pass = flushOnce(force).finally(() => { running = undefined; });
    running = pass;
    return pass;
  }

  let stopped = true;
  function schedule(ms: number) {
    // A pass that was running when stop() was called must not schedule the next one.
    if (stopped) return;
    timer = setTimeout(() => {
      flush(false).then(
        () => { backoffMs = 0; schedule(options.pollMs ?? 500); },
        (error: unknown) => {
          options.onError?.(error);
          backoffMs = Math.min(30_000, Math.max(1_000, backoffMs * 2));
          schedule(backoffMs);
        },
      );
    }, ms);
    timer.unref?.();
  }

  return {
    flush,
    async depth(): Promise<{ pending: number; inflight: number; failed: number }> {
      return { pending: (await collect(PENDING)).length, inflight: (await collect(INFLIGHT)).length, failed: (await collect(FAILED)).length };
    },
    start() {
      if (!stopped) return;
      stopped = false;
      schedule(0);
    },
    async stop() {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
      await running?.catch(() => undefined);
    },
  };
}

export type AnchoringWorker = ReturnType<typeof createAnchoringWorker>;
