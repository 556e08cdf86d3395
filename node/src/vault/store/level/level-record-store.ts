/** RecordStore on LevelDB (classic-level via `level`): atomic batches, ordered iteration, on disk. */
import { Level } from "level";
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

export async function openLevelRecordStore(path: string): Promise<RecordStore> {
  const db = new Level<string, StoredValue>(path, { valueEncoding: "json" });
  try {
    await db.open();
  } catch (error) {
    // classic-level reports a held LOCK file as LEVEL_DATABASE_NOT_OPEN with cause LEVEL_LOCKED.
    if (causeCode(error) === "LEVEL_LOCKED") throw new StoreLockedError(path, error);
    throw new StoreUnavailableError("open", error);
  }
  const store: Omit<RecordStore, "writeExclusive"> = {
    get: (key) => guard("get", () => db.get(key)),
    write: (ops: readonly WriteOp[]) =>
      guard("write", () =>
        db.batch(
          ops.map((op) =>
            op.type === "put" ? { type: "put", key: op.key, value: op.value } : { type: "del", key: op.key },
          ),
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
    close: () => guard("close", () => db.close()),
  };
  return { ...store, writeExclusive: exclusiveInProcess((ops) => store.write(ops)) };
}
