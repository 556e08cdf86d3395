/**
 * The start-up check of the vault: are the store's files intact, does the audit chain still link
 * up to its head and match every head anchored on chain since the last check, and does every record written since the last check have its index entry and, until
 * anchored, its outbox entry (and every outbox entry its record)?
 *
 * Incremental: a passing check stores a checkpoint (the audit head it verified and the immutable
 * table files it verified) under `vault-check`; the next check starts from there. Its cost follows
 * what was written since (new audit entries, new table files, the outbox, which anchoring keeps
 * small), not the size of the vault. A failing check writes no checkpoint, so every start checks
 * the damaged span again until an operator has restored the vault. `full: true` ignores the
 * checkpoint (`kycnet vault check --full`).
 *
 * The audit entries name what changed: `record.stored` / `record.held-for-review` name a record
 * written with its index entry (and outbox entry) in one atomic write, so those must all be there.
 */
import type { AuditAnchor } from "@kycnet/sdk/chain";
import { compareWithAnchors } from "./audit-anchor-check.ts";
import { AUDIT_GENESIS, type AuditHead, type AuditLog } from "./audit-log.ts";
import { FAILED, INFLIGHT, PENDING, type InflightBatch, type PendingEntry } from "./outbox-queue.ts";
import type { RecordStore, StoredValue } from "./store/record-store.ts";
import { RECORD_STORED_ACTIONS } from "./vault.ts";

const CHECKPOINT_KEY = "vault-check";
const PAGE = 500;
/** Stop listing after this many problems: one is enough to refuse readiness, a few help the operator. */
const MAX_PROBLEMS = 20;

interface Checkpoint {
  readonly audit: AuditHead;
  readonly tables: readonly string[];
  readonly at: string;
  /** The block of the last audit anchor checked: the next check reads anchors from it on (inclusive). */
  readonly anchorBlock?: number;
}

export interface VaultCheckResult {
  readonly ok: boolean;
  /** What is wrong, one line each (ids, keys and file names; never personal data). Empty when ok. */
  readonly problems: readonly string[];
  /** Audit entries checked this time (those after the checkpoint). */
  readonly auditEntries: number;
  /** Records whose index and outbox entries were checked this time. */
  readonly records: number;
  /** True when the check started from a stored checkpoint. */
  readonly incremental: boolean;
  /** Audit heads read from the chain and compared with the log this time (0 without a chain). */
  readonly anchorsChecked: number;
  readonly seconds: number;
}

export interface VaultCheckOptions {
  /** Ignore the checkpoint and check everything. */
  readonly full?: boolean;
  readonly clock?: () => Date;
  /** The audit heads this bank anchored from a block on (the chain's AuditAnchored events); none: not compared. */
  readonly anchors?: (fromBlock: number) => Promise<AuditAnchor[]>;
}

const STORED_ACTIONS: ReadonlySet<string> = new Set(RECORD_STORED_ACTIONS);

interface RecordShape {
  readonly uid?: unknown;
  readonly status?: unknown;
  readonly anchor?: unknown;
}

function readCheckpoint(value: StoredValue | undefined): Checkpoint | null {
  if (value === undefined || value === null || typeof value !== "object" || Array.isArray(value)) return null;
  const audit = value.audit as { seq?: unknown; hash?: unknown } | undefined;
  const tables = value.tables;
  if (typeof audit?.seq !== "number" || typeof audit.hash !== "string" || !Array.isArray(tables)) return null;
  return {
    audit: { seq: audit.seq, hash: audit.hash },
    tables: tables.filter((t): t is string => typeof t === "string"),
    at: typeof value.at === "string" ? value.at : "",
    ...(typeof value.anchorBlock === "number" ? { anchorBlock: value.anchorBlock } : {}),
  };
}

/** The record ids the outbox holds (pending, in flight, parked). Anchoring keeps it small. */
async function outboxRecordIds(store: RecordStore): Promise<Set<string>> {
  const ids = new Set<string>();
  for await (const [, value] of store.range({ prefix: PENDING })) ids.add((value as unknown as PendingEntry).recordId);
  for await (const [, value] of store.range({ prefix: INFLIGHT }))
    for (const entry of (value as unknown as InflightBatch).entries) ids.add(entry.recordId);
  for await (const [key] of store.range({ prefix: FAILED })) ids.add(key.slice(FAILED.length));
  return ids;
}

export async function checkVault(
  store: RecordStore,
  audit: AuditLog,
  options: VaultCheckOptions = {},
): Promise<VaultCheckResult> {
  const started = performance.now();
  const clock = options.clock ?? (() => new Date());
  const checkpoint = options.full === true ? null : readCheckpoint(await store.get(CHECKPOINT_KEY));
  const problems: string[] = [];
  const problem = (line: string) => {
    if (problems.length < MAX_PROBLEMS) problems.push(line);
  };

  const files = (await store.verifyFiles?.(new Set(checkpoint?.tables ?? []))) ?? { damage: [], verified: [] };
  files.damage.forEach(problem);

  const from = checkpoint?.audit ?? AUDIT_GENESIS;
  let chain: Awaited<ReturnType<AuditLog["verify"]>> | undefined;
  let auditEntries = 0;
  let records = 0;
  let anchorsChecked = 0;
  let anchorBlock = checkpoint?.anchorBlock ?? 0;
  try {
    chain = await audit.verify(from);
    if (!chain.ok) problem(`audit log: entry ${chain.brokenAt}: ${chain.reason}`);

    // From the last checked anchor's block, inclusive: that anchor is read again from the chain,
    // not taken from the vault, so a log cut back before it is still caught.
    if (options.anchors !== undefined) {
      const anchors = await options.anchors(anchorBlock).catch((error: unknown) => {
        problem(
          `reading the audit anchors from the chain failed: ${error instanceof Error ? error.message : String(error)}`,
        );
        return [];
      });
      const compared = await compareWithAnchors(audit, anchors);
      compared.problems.forEach(problem);
      anchorsChecked = compared.anchors;
      anchorBlock = anchors.reduce((max, a) => Math.max(max, a.blockNumber), anchorBlock);
    }

    const outbox = await outboxRecordIds(store);
    for (const id of outbox)
      if ((await store.get(`record/${id}`)) === undefined) problem(`outbox names record ${id}, which is missing`);

    for (let after = from.seq; ;) {
      const page = await audit.list({ afterSeq: after, limit: PAGE });
      for (const entry of page) {
        auditEntries += 1;
        if (!STORED_ACTIONS.has(entry.action)) continue;
        records += 1;
        const id = entry.target;
        const record = (await store.get(`record/${id}`)) as RecordShape | undefined;
        if (record === undefined) {
          problem(`record ${id} (audit entry ${entry.seq}) is missing`);
          continue;
        }
        if (typeof record.uid !== "string" || (await store.get(`attestation/${record.uid.toLowerCase()}`)) !== id)
          problem(`record ${id} has no index entry for its attestation uid`);
        if (record.status === "ACTIVE" && record.anchor === null && !outbox.has(id))
          problem(`record ${id} is neither anchored nor in the outbox`);
      }
      if (page.length < PAGE) break;
      after = page.at(-1)!.seq;
    }
  } catch (error) {
    // A read that fails here (LevelDB refusing a damaged block, say) is damage to report, not a crash:
    // the node starts, not ready, and says why.
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : "";
    problem(`reading the vault failed: ${error instanceof Error ? error.message : String(error)}${cause}`);
  }

  const ok = problems.length === 0 && chain !== undefined;
  if (ok && chain !== undefined) {
    const next: Checkpoint = {
      audit: { seq: chain.entries, hash: chain.headHash },
      tables: files.verified,
      at: clock().toISOString(),
      anchorBlock,
    };
    await store.write([{ type: "put", key: CHECKPOINT_KEY, value: next as unknown as StoredValue }]);
  }
  return {
    ok,
    problems,
    auditEntries,
    records,
    incremental: checkpoint !== null,
    anchorsChecked,
    seconds: Number(((performance.now() - started) / 1000).toFixed(3)),
  };
}
