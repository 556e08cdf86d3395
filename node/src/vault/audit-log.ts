/**
 * Append-only, hash-chained audit log. Each entry carries the hash of the one before, so any
 * edit, deletion or reordering of stored entries breaks the chain at that point, which `verify`
 * (and `kycnet vault verify-audit`) reports. An edit that recomputes every later hash is caught by
 * the heads anchored on chain (audit-anchoring.ts, docs/audit-trail.md). Entries name actors, actions, targets (record ids,
 * uids) and codes, never personal data.
 *
 * Writes that must be audited go through `commit(ops, events)`: the caller's ops and the audit
 * entries are written in one atomic store write, under a lock that keeps the chain linear. Pass
 * `ops` as a function to read-modify-write under that same lock (no lost updates between two
 * writers of one record).
 */
import { KycnetError } from "@kycnet/sdk/errors";
import { AUDIT_GENESIS_HASH, auditEntryHash, type AuditOutcome } from "@kycnet/sdk/protocol";
import type { RecordStore, StoredValue, WriteOp } from "./store/record-store.ts";

export type { AuditOutcome };

export interface AuditEvent {
  /** Who: an operator key id, "system", "node:<component>", a peer's member account... */
  readonly actor: string;
  /** What, as a stable dotted code: "record.stored", "attestation.revoked", "review.approved"... */
  readonly action: string;
  /** On what: a record id, attestation uid, consent id, case id. */
  readonly target: string;
  /** Defaults to SUCCEEDED. REQUESTED is written before a write runs; DENIED/REJECTED: stopped before it ran. */
  readonly outcome?: AuditOutcome;
  /** Codes and identifiers only; never names, numbers or images. */
  readonly details?: Readonly<Record<string, string | number | boolean | null>>;
}

export interface AuditEntry extends AuditEvent {
  readonly seq: number;
  readonly at: string;
  readonly prevHash: string;
  readonly hash: string;
}

export interface AuditVerification {
  readonly ok: boolean;
  readonly entries: number;
  readonly headHash: string;
  /** The first sequence number whose entry does not chain, when not ok. */
  readonly brokenAt?: number;
  readonly reason?: string;
}

export class AuditLogCorruptError extends KycnetError {
  constructor(reason: string) {
    super("AUDIT_LOG_CORRUPT", `audit log head is unreadable: ${reason}`, { details: { reason } });
  }
}

const GENESIS = AUDIT_GENESIS_HASH;
const HEAD_KEY = "audit-head";
const AUDIT_LOCK = "audit";
const entryKey = (seq: number) => `audit/${String(seq).padStart(12, "0")}`;

// The hash rule is the SDK's, so an auditor checking an export computes exactly what the node wrote.
const hashEntry = auditEntryHash;

export interface AuditLog {
  /** Writes `ops` and one audit entry per event, atomically. Returns the entries. */
  commit(
    ops: readonly WriteOp[] | (() => Promise<readonly WriteOp[]>),
    events: readonly AuditEvent[],
  ): Promise<AuditEntry[]>;
  append(event: AuditEvent): Promise<AuditEntry>;
  list(options?: { afterSeq?: number; limit?: number }): Promise<AuditEntry[]>;
  /**
   * Checks the chain from `from` (a head verified before: its seq and hash) to the stored head;
   * from the start when omitted. Starting from a checkpoint makes the cost follow the entries
   * written since, not the length of the log.
   */
  verify(from?: AuditHead): Promise<AuditVerification>;
  /** The stored head: the last entry's sequence number and hash. */
  head(): Promise<AuditHead>;
  /** Entry `seq` as stored, or undefined when the log has no such entry. */
  entry(seq: number): Promise<AuditEntry | undefined>;
}

/** A point of the chain: entry `seq` has hash `hash` (seq 0 is the empty log, hash GENESIS). */
export interface AuditHead {
  readonly seq: number;
  readonly hash: string;
}

export const AUDIT_GENESIS: AuditHead = Object.freeze({ seq: 0, hash: AUDIT_GENESIS_HASH });

export function createAuditLog(store: RecordStore, clock: () => Date = () => new Date()): AuditLog {
  let tail: Promise<unknown> = Promise.resolve();
  const locked = <T>(run: () => Promise<T>): Promise<T> => {
    const next = tail.then(run, run);
    tail = next.catch(() => undefined);
    return next;
  };

  async function readHead(): Promise<{ seq: number; hash: string }> {
    const head = await store.get(HEAD_KEY);
    if (head === undefined) return { seq: 0, hash: GENESIS };
    const h = head as { seq?: unknown; hash?: unknown };
    if (typeof h.seq !== "number" || typeof h.hash !== "string") throw new AuditLogCorruptError("malformed head");
    return { seq: h.seq, hash: h.hash };
  }

  // The head is read and the entries appended under the store's "audit" lock, which on PostgreSQL
  // holds across every instance of the node: several writers still make one linear chain.
  const commit = (ops: readonly WriteOp[] | (() => Promise<readonly WriteOp[]>), events: readonly AuditEvent[]) =>
    locked(() =>
      store.writeExclusive(AUDIT_LOCK, async () => {
        const resolved = typeof ops === "function" ? await ops() : ops;
        let { seq, hash } = await readHead();
        const at = clock().toISOString();
        const entries: AuditEntry[] = [];
        for (const event of events) {
          seq += 1;
          const body: Omit<AuditEntry, "hash"> = {
            seq,
            at,
            ...event,
            outcome: event.outcome ?? "SUCCEEDED",
            prevHash: hash,
          };
          hash = hashEntry(body);
          entries.push(Object.freeze({ ...body, hash }));
        }
        return {
          ops: [
            ...resolved,
            ...entries.map((e): WriteOp => ({ type: "put", key: entryKey(e.seq), value: e as unknown as StoredValue })),
            ...(entries.length > 0 ? [{ type: "put", key: HEAD_KEY, value: { seq, hash } } as const] : []),
          ],
          result: entries,
        };
      }),
    );

  return {
    commit,
    append: async (event) => (await commit([], [event]))[0]!,
    async list({ afterSeq = 0, limit = 100 } = {}) {
      const out: AuditEntry[] = [];
      for await (const [, value] of store.range({ prefix: "audit/", after: entryKey(afterSeq), limit }))
        out.push(value as unknown as AuditEntry);
      return out;
    },
    head: readHead,
    async entry(seq) {
      const value = await store.get(entryKey(seq));
      return value === undefined ? undefined : (value as unknown as AuditEntry);
    },
    async verify(from = AUDIT_GENESIS) {
      const head = await readHead();
      let prevHash = from.hash;
      let expectedSeq = from.seq + 1;
      for await (const [, value] of store.range({ prefix: "audit/", after: entryKey(from.seq) })) {
        const entry = value as unknown as AuditEntry;
        const { hash, ...body } = entry;
        if (entry.seq !== expectedSeq)
          return {
            ok: false,
            entries: expectedSeq - 1,
            headHash: head.hash,
            brokenAt: expectedSeq,
            reason: "missing or reordered entry",
          };
        if (entry.prevHash !== prevHash)
          return {
            ok: false,
            entries: expectedSeq - 1,
            headHash: head.hash,
            brokenAt: entry.seq,
            reason: "previous hash does not match",
          };
        if (hashEntry(body) !== hash)
          return {
            ok: false,
            entries: expectedSeq - 1,
            headHash: head.hash,
            brokenAt: entry.seq,
            reason: "entry content changed",
          };
        prevHash = hash;
        expectedSeq += 1;
      }
      if (expectedSeq - 1 !== head.seq || prevHash !== head.hash) {
        return {
          ok: false,
          entries: expectedSeq - 1,
          headHash: head.hash,
          brokenAt: expectedSeq,
          reason: "entries after the last one were removed or the head moved",
        };
      }
      return { ok: true, entries: head.seq, headHash: head.hash };
    },
  };
}
