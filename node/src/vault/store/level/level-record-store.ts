/**
 * RecordStore on LevelDB (classic-level via `level`): atomic batches, ordered iteration, on disk.
 *
 * Durability: every batch is written with `sync: true` (fsync of the write-ahead log before it
 * resolves), so a write the API acknowledged survives a power cut, not just a process crash.
 *
 * Damage: classic-level opens without LevelDB's `paranoid_checks` (it exposes no such option), so on
 * a damaged write-ahead log LevelDB drops the unreadable bytes, writes "dropping N bytes" to its
 * info log (the `LOG` file) and opens. The store therefore keeps hard links to the log files before
 * opening (so the dropped bytes are not lost with the recovered log), reads `LOG` after opening, and
 * `verifyFiles` reports what it dropped; table files are checked block by block (table-check.ts).
 */
import { link, mkdir, readdir, readFile, rm } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { Level } from "level";
import { verifyTableFile } from "./table-check.ts";
import {
  exclusiveInProcess,
  StoreLockedError,
  StoreUnavailableError,
  type RangeOptions,
  type RecordStore,
  type StoredValue,
  type WriteOp,
} from "../record-store.ts";

const guard = async <T>(operation: string, run: () => Promise<T>): Promise<T> => {
  try {
    return await run();
  } catch (error) {
    throw new StoreUnavailableError(operation, error);
  }
};

/** On Node, `level` is classic-level, which compacts; the browser-neutral `Level` type does not say so. */
interface Compactable {
  compactRange(start: string, end: string): Promise<void>;
}
const causeCode = (error: unknown): unknown =>
  error instanceof Error && error.cause instanceof Error ? (error.cause as NodeJS.ErrnoException).code : undefined;

export interface LevelRecordStoreOptions {
  /** fsync each write before it resolves (default true). Only the benchmark turns it off, to price it. */
  readonly sync?: boolean;
}

const WAL_FILE = /^\d+\.log$/;
const TABLE_FILE = /^\d+\.(ldb|sst)$/;
/** How LevelDB's recovery reports what it could not read (db_impl.cc, LogReporter; version_set.cc). */
const DAMAGE_LINE = /dropping \d+ bytes|corruption/i;

/** Hard links to the write-ahead logs as they were before opening, beside the vault folder. */
async function keepLogs(path: string): Promise<string | null> {
  const logs = (await readdir(path).catch(() => [] as string[])).filter((f) => WAL_FILE.test(f));
  if (logs.length === 0) return null;
  const kept = join(dirname(path), `${basename(path)}.logs-before-open`);
  await rm(kept, { recursive: true, force: true });
  await mkdir(kept, { recursive: true, mode: 0o700 });
  for (const log of logs) await link(join(path, log), join(kept, log));
  return kept;
}

/** Lines of this open's info log that report damage. */
async function damageInInfoLog(path: string): Promise<string[]> {
  const text = await readFile(join(path, "LOG"), "utf8").catch(() => "");
  return text
    .split("\n")
    .filter((line) => DAMAGE_LINE.test(line))
    .map((line) => line.replace(/^\S+ \S+ /, "").trim());
}

export async function openLevelRecordStore(path: string, options: LevelRecordStoreOptions = {}): Promise<RecordStore> {
  const sync = options.sync ?? true;
  const kept = await keepLogs(path);
  const db = new Level<string, StoredValue>(path, { valueEncoding: "json" });
  try {
    await db.open();
  } catch (error) {
    if (kept !== null) await rm(kept, { recursive: true, force: true });
    // classic-level reports a held LOCK file as LEVEL_DATABASE_NOT_OPEN with cause LEVEL_LOCKED.
    if (causeCode(error) === "LEVEL_LOCKED") throw new StoreLockedError(path, error);
    throw new StoreUnavailableError("open", error);
  }
  const openDamage = await damageInInfoLog(path);
  // Nothing dropped: the links are not needed. Dropped: they stay, for the operator's forensics.
  if (kept !== null && openDamage.length === 0) await rm(kept, { recursive: true, force: true });
  const droppedOnOpen = openDamage.map(
    (line) =>
      `write-ahead log damaged, LevelDB reported "${line}"${kept === null ? "" : `; logs as before opening kept in ${kept}`}`,
  );
  const store: Omit<RecordStore, "writeExclusive"> = {
    get: (key) => guard("get", () => db.get(key)),
    write: (ops: readonly WriteOp[]) =>
      guard("write", () =>
        db.batch(
          ops.map((op) =>
            op.type === "put" ? { type: "put", key: op.key, value: op.value } : { type: "del", key: op.key },
          ),
          { sync },
        ),
      ),
    async *range({ prefix, after, limit, reverse }: RangeOptions) {
      // "\uffff" sorts after every key that starts with `prefix` in LevelDB's byte order for our ASCII keys.
      const lower = after !== undefined && after >= prefix ? { gt: after } : { gte: prefix };
      const iterator = db.iterator({ ...lower, lt: `${prefix}\uffff`, limit: limit ?? -1, reverse: reverse ?? false });
      try {
        for await (const [key, value] of iterator) yield [key, value] as const;
      } finally {
        await iterator.close();
      }
    },
    // Keys are ASCII (see range): "" to "\uffff" covers them all. Either way LevelDB first flushes the
    // memtable, which retires the write-ahead log that still holds the old value.
    compact: (key?: string) =>
      guard("compact", () => (db as unknown as Compactable).compactRange(key ?? "", key ?? "\uffff")),
    async verifyFiles(alreadyVerified) {
      const damage = [...droppedOnOpen, ...(await damageInInfoLog(path)).filter((l) => !openDamage.includes(l))];
      const verified: string[] = [];
      for (const file of (await readdir(path)).filter((f) => TABLE_FILE.test(f)).sort()) {
        if (alreadyVerified.has(file)) {
          verified.push(file);
          continue;
        }
        // A compaction may delete a table between the listing and the read: gone is not damaged.
        const problem = await verifyTableFile(join(path, file)).catch((error: NodeJS.ErrnoException) => {
          if (error.code === "ENOENT") return undefined;
          throw error;
        });
        if (problem === null) verified.push(file);
        else if (problem !== undefined) damage.push(`table file ${file}: ${problem}`);
      }
      return { damage, verified };
    },
    close: () => guard("close", () => db.close()),
  };
  return { ...store, writeExclusive: exclusiveInProcess((ops) => store.write(ops)) };
}
