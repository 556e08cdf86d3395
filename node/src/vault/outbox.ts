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
import { attestationUid, buildBatch, type AttestationData, type Hex } from "@kycnet/sdk/protocol";
import { ContractRevertError, isRevert } from "../ledger/errors.ts";
import type { AnchoredBatch, LedgerClient } from "../ledger/ledger-client.ts";
import type { AuditLog } from "./audit-log.ts";
import { createAuditAnchoring, headToAnchor, lastAnchorOps } from "./audit-anchoring.ts";
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
  /**
   * Writes the claim of a batch (pending entries moved to in flight). Several instances of one
   * bank pass the leader's fenced write (ha/leadership.ts), so only the current leader claims and
   * no record goes into two batches; default: a plain store write (one process).
   */
  readonly claimWrite?: (ops: readonly WriteOp[]) => Promise<void>;
  readonly clock?: () => Date;
  /**
   * How far the chain's clock may lag this node's (default 0: no wait). A batch is sent only once
   * the node's clock is this far past the second after its latest `issuedAt` (`waitForChainClock`).
   */
  readonly chainClockSkewMs?: number;
  /** Anchor the audit head alone after this long without an anchor, if the log grew (audit-anchoring.ts). */
  readonly auditAnchorIntervalMs?: number;
  readonly onBatch?: (event: { count: number; batchRoot: Hex; txHash: Hex | null; lagSeconds: number }) => void;
  readonly onError?: (error: unknown) => void;
}

export interface FlushResult {
  anchored: number;
  failed: number;
  batches: number;
}

/**
 * Anchors the outbox's queued attestations in batches, in the background once started. Failures
 * of a pass (ledger unreachable, store errors) never escape the background loop: they go to
 * `onError` and the pass is retried with backoff. A batch the contract refuses for good is parked
 * under `outbox/failed/` with the revert reason, not retried.
 */
export interface AnchoringWorker {
  /**
   * Anchors everything queued before the call (`force`, the default, sends a partial batch at once).
   * Passes never overlap. Rejects with the ledger or store error that stopped the pass; what was
   * anchored before it stays anchored and the rest is retried by the next pass.
   */
  flush(force?: boolean): Promise<FlushResult>;
  /** How many records wait, are in flight, or are parked. */
  depth(): Promise<{ pending: number; inflight: number; failed: number }>;
  /**
   * The records still waiting to be anchored (pending or in flight; `depth` counts batches in flight,
   * this counts their records) and when the oldest of them was queued (null when none waits).
   * Parked records are not waiting: `depth().failed` counts them.
   */
  waiting(): Promise<{ records: number; oldestQueuedAt: Date | null }>;
  /** Starts polling; idempotent. */
  start(): void;
  /** Stops polling and waits for a running pass to end; never rejects. */
  stop(): Promise<void>;
}

type BatchOutcome = { anchored: number; failed: number };

export function createAnchoringWorker(options: AnchoringWorkerOptions): AnchoringWorker {
  const { store } = options;
  const maxBatch = options.maxBatch ?? 256;
  const maxDelayMs = options.maxDelayMs ?? 2_000;
  const clock = options.clock ?? (() => new Date());
  const claimWrite = options.claimWrite ?? ((ops: readonly WriteOp[]) => store.write(ops));
  let running: Promise<FlushResult> | undefined;
  const auditAnchoring = createAuditAnchoring({
    store,
    audit: options.audit,
    ledger: options.ledger,
    write: claimWrite,
    clock,
    ...(options.auditAnchorIntervalMs === undefined ? {} : { intervalMs: options.auditAnchorIntervalMs }),
  });

  async function collect<T>(prefix: string, limit?: number): Promise<Array<[string, T]>> {
    const out: Array<[string, T]> = [];
    for await (const [key, value] of store.range({ prefix, ...(limit === undefined ? {} : { limit }) }))
      out.push([key, value as unknown as T]);
    return out;
  }

  /** Anchors everything due now: in-flight batches first, then pending ones. */
  async function flushOnce(force: boolean): Promise<FlushResult> {
    const result: FlushResult = { anchored: 0, failed: 0, batches: 0 };
    const add = (r: BatchOutcome) => {
      result.anchored += r.anchored;
      result.failed += r.failed;
      result.batches += 1;
    };
    for (const [key, batch] of await collect<InflightBatch>(INFLIGHT)) add(await sendBatch(options, clock, key, batch));
    for (;;) {
      const pending = await collect<PendingEntry>(PENDING, maxBatch);
      if (pending.length === 0) break;
      const oldest = Date.parse(pending[0]![1].queuedAt);
      if (!force && pending.length < maxBatch && clock().getTime() - oldest < maxDelayMs) break;
      const batch: InflightBatch = {
        batchId: randomBytes(8).toString("hex"),
        createdAt: clock().toISOString(),
        entries: pending.map(([, e]) => e),
        // Kept with the claim, so a resend after a crash carries the same head.
        auditHead: await headToAnchor(options.audit),
      };
      const batchKey = `${INFLIGHT}${batch.createdAt}/${batch.batchId}`;
      await claimWrite([
        ...pending.map(([key]): WriteOp => ({ type: "del", key })),
        { type: "put", key: batchKey, value: batch as unknown as StoredValue },
      ]);
      add(await sendBatch(options, clock, batchKey, batch));
    }
    // Only when no batch went out: a batch already carried the head.
    if (result.batches === 0) await auditAnchoring.anchorIfDue();
    return result;
  }

  // Passes never overlap: a pass already running may have read the queue before the caller's
  // records arrived, so wait for it, then run a new one.
  async function flush(force = true): Promise<FlushResult> {
    while (running !== undefined) await running.catch(() => undefined);
    const pass = flushOnce(force).finally(() => {
      running = undefined;
    });
    running = pass;
    return pass;
  }

  const poller = createPoller(() => flush(false), options.pollMs ?? 500, options.onError);

  return {
    flush,
    async depth() {
      return {
        pending: (await collect(PENDING)).length,
        inflight: (await collect(INFLIGHT)).length,
        failed: (await collect(FAILED)).length,
      };
    },
    async waiting() {
      const queued = [
        ...(await collect<InflightBatch>(INFLIGHT)).flatMap(([, batch]) => batch.entries),
        ...(await collect<PendingEntry>(PENDING)).map(([, entry]) => entry),
      ].map((entry) => Date.parse(entry.queuedAt));
      const oldest = queued.reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY);
      return { records: queued.length, oldestQueuedAt: queued.length === 0 ? null : new Date(oldest) };
    },
    start() {
      poller.start();
    },
    async stop() {
      poller.stop();
      await running?.catch(() => undefined);
    },
  };
}

/**
 * Runs `pass` every `pollMs` once started, never two at once; after a failure (reported to
 * `onError`) it backs off from 1 s, doubling up to 30 s, until a pass succeeds.
 */
function createPoller(pass: () => Promise<unknown>, pollMs: number, onError?: (error: unknown) => void) {
  let timer: NodeJS.Timeout | undefined;
  let backoffMs = 0;
  let stopped = true;
  function schedule(ms: number) {
    // A pass that was running when stop() was called must not schedule the next one.
    if (stopped) return;
    timer = setTimeout(() => {
      pass().then(
        () => {
          backoffMs = 0;
          schedule(pollMs);
        },
        (error: unknown) => {
          onError?.(error);
          backoffMs = Math.min(30_000, Math.max(1_000, backoffMs * 2));
          schedule(backoffMs);
        },
      );
    }, ms);
    timer.unref?.();
  }
  return {
    start() {
      if (!stopped) return;
      stopped = false;
      schedule(0);
    },
    /** Stops scheduling; a pass already running finishes (the caller waits for it). */
    stop(): void {
      stopped = true;
      clearTimeout(timer);
      timer = undefined;
    },
  };
}

/** What settling a batch needs; txHash is null when the batch was found already mined. */
type SettledBatch = Pick<AnchoredBatch, "batchRoot" | "proofs" | "uids"> & { readonly txHash: Hex | null };

/**
 * Sends one in-flight batch and settles it: anchored (records marked, batch deleted, in one
 * write), already mined before a crash (the same, from locally rebuilt proofs), or refused for
 * good (parked). Any other error is thrown and the batch stays in flight for the next pass.
 */
async function sendBatch(
  options: AnchoringWorkerOptions,
  clock: () => Date,
  batchKey: string,
  batch: InflightBatch,
): Promise<BatchOutcome> {
  const { audit, vault, ledger } = options;
  const data = batch.entries.map((e) => attestationFromJson(e.attestation as unknown as StoredValue));
  let anchored: SettledBatch;
  await waitForChainClock(data, clock, options.chainClockSkewMs ?? 0);
  try {
    anchored = await ledger.anchorBatch(data, batch.auditHead ?? undefined);
  } catch (error) {
    if (isRevert(error, "BatchAlreadyAnchored")) {
      anchored = await rebuildMinedBatch(ledger, data);
    } else if (error instanceof ContractRevertError) {
      await parkBatch(audit, batchKey, batch, error);
      return { anchored: 0, failed: batch.entries.length };
    } else {
      throw error;
    }
  }
  const { batchRoot, txHash, proofs, uids } = anchored;
  await audit.commit(
    async () => {
      const ops: WriteOp[] = [{ type: "del", key: batchKey }];
      if (batch.auditHead !== undefined && batch.auditHead !== null)
        ops.push(...lastAnchorOps({ ...batch.auditHead, txHash, at: clock().toISOString() }));
      for (const [i, entry] of batch.entries.entries()) {
        ops.push(...(await vault.anchoredOps(entry.recordId, { uid: uids[i]!, txHash, proof: proofs[i]! })));
      }
      return ops;
    },
    batch.entries.map((e, i) => ({
      actor: "node:outbox",
      action: "attestation.anchored",
      target: e.recordId,
      details: { uid: uids[i]!, batchRoot, txHash },
    })),
  );
  const oldest = Math.min(...batch.entries.map((e) => Date.parse(e.queuedAt)));
  options.onBatch?.({
    count: batch.entries.length,
    batchRoot,
    txHash,
    lagSeconds: (clock().getTime() - oldest) / 1000,
  });
  return { anchored: batch.entries.length, failed: 0 };
}

/**
 * Waits until this node's clock is `skewMs` past the second after the batch's latest `issuedAt`.
 * The contract reads an attestation as UNKNOWN at any time before its `issuedAt`, and a chain's
 * clock can lag the node's: the block that anchors it would then be stamped before it, and the
 * attestation would read UNKNOWN (a relying bank refused) until the chain's clock caught up, which
 * on a chain that mines only on demand can be never. Hardhat's node was seen stamping blocks up to
 * 1 s before the sender's clock (2 of 150 transactions, at load); validators' clocks drift too.
 * Costs nothing when batches wait `maxDelayMs` (2 s by default) anyway; bounded, so a wrong clock
 * delays a batch by at most `skewMs` + 1 s.
 */
async function waitForChainClock(data: readonly AttestationData[], clock: () => Date, skewMs: number): Promise<void> {
  if (skewMs <= 0) return;
  const latest = data.reduce((max, d) => (d.issuedAt > max ? d.issuedAt : max), 0n);
  const waitMs = (Number(latest) + 1) * 1000 + skewMs - clock().getTime();
  if (waitMs > 0) await new Promise((resolve) => setTimeout(resolve, Math.min(waitMs, skewMs + 1000)));
}

/** The batch was sent before a crash and mined: rebuild the same uids and proofs locally (no tx hash). */
async function rebuildMinedBatch(ledger: LedgerClient, data: readonly AttestationData[]): Promise<SettledBatch> {
  const issuer = await ledger.account();
  const context = { chainId: await ledger.chainId(), registry: ledger.addresses.attestations };
  const uids = data.map((d) => attestationUid(context, issuer, d));
  const tree = buildBatch(uids);
  const batchRoot = tree.root;
  const proofs = data.map((d, i) => ({ issuer, data: d, batchRoot, proof: tree.proofOf(i) }));
  return { batchRoot, txHash: null, uids, proofs };
}

/**
 * The chain will never accept this batch as it is (e.g. this bank is no longer a member): park
 * every entry for an operator, with the reason, instead of retrying forever.
 */
async function parkBatch(
  audit: AuditLog,
  batchKey: string,
  batch: InflightBatch,
  error: ContractRevertError,
): Promise<void> {
  await audit.commit(
    [
      { type: "del", key: batchKey },
      ...batch.entries.map((e): WriteOp => ({
        type: "put",
        key: `${FAILED}${e.recordId}`,
        value: { ...e, reason: error.revert } as unknown as StoredValue,
      })),
    ],
    batch.entries.map((e) => ({
      actor: "node:outbox",
      action: "attestation.anchor-failed",
      target: e.recordId,
      outcome: "FAILED" as const,
      details: { revert: error.revert },
    })),
  );
}
