/**
 * The `RecordStore` port: the vault's durable storage, an ordered key-value store with atomic
 * multi-key writes. Everything the vault keeps (encrypted records, the outbox, the audit log,
 * retention index, review cases) lives here under key prefixes, so one `write` can store a record,
 * queue it for anchoring and audit it together: after a crash either all of it is there or none.
 *
 * Adapters: level/ (LevelDB on disk, one process), postgres/ (PostgreSQL, several instances) and
 * memory/ (tests). Values are JSON-compatible.
 */
import { KycnetError } from "@kycnet/sdk/errors";

/** The storage itself failed (down, locked, lost): the operation had no effect, or none is known. */
/** The LevelDB vault is open in another process: LevelDB allows one process per database. */
export class StoreLockedError extends KycnetError {
  constructor(path: string, cause: unknown) {
    super(
      "STORE_LOCKED",
      `vault ${path} is locked by another process (a node running on this data folder?); stop it first`,
      { details: { path }, cause },
    );
  }
}

/**
 * The store's own files are damaged: a checksum failed, or LevelDB dropped unreadable bytes of its
 * write-ahead log when it opened. Never repaired silently; an operator restores from a copy.
 */
export class StoreCorruptError extends KycnetError {
  constructor(damage: readonly string[]) {
    super("STORE_CORRUPT", `vault files are damaged: ${damage.join("; ")}`, { details: { damage: damage.join("; ") } });
  }
}

/** What a store with checksummed files found when checking them (see `RecordStore.verifyFiles`). */
export interface StoreFileCheck {
  /** One line per damaged file or dropped log, naming the file; empty when none. */
  readonly damage: readonly string[];
  /** The immutable files now known good (already verified ones included): the caller keeps them as its checkpoint. */
  readonly verified: readonly string[];
}

export class StoreUnavailableError extends KycnetError {
  /** `server` names where the store lives (host:port) when that helps an operator, never a credential. */
  constructor(operation: string, cause: unknown, server?: string) {
    const at = server === undefined ? "" : ` at ${server}`;
    super("STORE_UNAVAILABLE", `vault storage failed during ${operation}${at}`, {
      details: server === undefined ? { operation } : { operation, server },
      cause,
    });
  }
}

export type StoredValue = string | number | boolean | null | StoredValue[] | { [key: string]: StoredValue };

export type WriteOp =
  | { readonly type: "put"; readonly key: string; readonly value: StoredValue }
  | { readonly type: "del"; readonly key: string };

export interface ExclusiveWrite<T> {
  readonly ops: readonly WriteOp[];
  readonly result: T;
}

export interface RangeOptions {
  /** Only keys starting with this prefix. */
  readonly prefix: string;
  /** Only keys strictly greater than this (for paging). */
  readonly after?: string;
  readonly limit?: number;
  readonly reverse?: boolean;
}

export interface RecordStore {
  get(key: string): Promise<StoredValue | undefined>;
  /** Applies every op or none. */
  write(ops: readonly WriteOp[]): Promise<void>;
  /**
   * Read-modify-write under a named lock held across every process sharing the store: `build` runs
   * while no other `writeExclusive` of the same `lock` runs anywhere, reads what it needs through
   * this store, and returns the ops, written atomically before the lock is let go, and a result.
   * The audit log's read-head-then-append uses it, so several node instances on one PostgreSQL
   * keep one linear chain. LevelDB and memory: one process, so an in-process queue per lock.
   */
  writeExclusive<T>(lock: string, build: () => Promise<ExclusiveWrite<T>>): Promise<T>;
  /** Entries in key order (byte order of the UTF-8 keys). */
  range(options: RangeOptions): AsyncIterable<readonly [string, StoredValue]>;
  /**
   * Rewrites the storage so that overwritten and deleted values are gone from its live files (LevelDB:
   * a full compaction, which also retires the write-ahead log; PostgreSQL: VACUUM FULL). Erasure calls
   * it after destroying a record, so the old ciphertext does not linger in table files. Entries are
   * unchanged. With `key`, only what holds that key needs rewriting (LevelDB compacts just the files
   * overlapping it, milliseconds); without, everything (slow on a large store).
   */
  compact(key?: string): Promise<void>;
  /**
   * Engines whose files carry checksums verify them here (LevelDB: what it reported dropping when it
   * opened, and every table file's block checksums). Files in `alreadyVerified` are immutable and
   * were verified before, so they are skipped: the cost follows what was written since, not the
   * size of the store. Absent where the engine checks itself (PostgreSQL's page checksums).
   */
  verifyFiles?(alreadyVerified: ReadonlySet<string>): Promise<StoreFileCheck>;
  close(): Promise<void>;
}

/**
 * Runs tasks one at a time per key, in call order (a promise queue per key); a failed task does not
 * stop the ones queued after it. Keys with nothing queued are forgotten.
 */
export function queuePerKey(): <T>(key: string, task: () => Promise<T>) => Promise<T> {
  const tails = new Map<string, Promise<unknown>>();
  return <T>(key: string, task: () => Promise<T>): Promise<T> => {
    const next = (tails.get(key) ?? Promise.resolve()).then(task, task);
    const tail = next.catch(() => undefined);
    tails.set(key, tail);
    void tail.then(() => {
      if (tails.get(key) === tail) tails.delete(key);
    });
    return next;
  };
}

/**
 * `writeExclusive` for a store that one process owns (LevelDB, memory): builds of one lock never
 * overlap, and each one's write lands before the next build reads.
 */
export function exclusiveInProcess(write: (ops: readonly WriteOp[]) => Promise<void>): RecordStore["writeExclusive"] {
  const queue = queuePerKey();
  return <T>(lock: string, build: () => Promise<ExclusiveWrite<T>>): Promise<T> =>
    queue(lock, async () => {
      const { ops, result } = await build();
      await write(ops);
      return result;
    });
}
