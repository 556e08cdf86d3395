/** RecordStore in memory, for fast unit tests. Same semantics as the LevelDB adapter. */
import {
  exclusiveInProcess,
  type RangeOptions,
  type RecordStore,
  type StoredValue,
  type WriteOp,
} from "../record-store.ts";

export function createMemoryRecordStore(): RecordStore & { readonly size: number } {
  const data = new Map<string, string>(); // JSON text, so callers never share mutable values
  let closed = false;
  const check = () => {
    if (closed) throw new Error("store is closed");
  };
  const store: Omit<RecordStore, "writeExclusive"> & { readonly size: number } = {
    get size() {
      return data.size;
    },
    async get(key) {
      check();
      const text = data.get(key);
      return text === undefined ? undefined : (JSON.parse(text) as StoredValue);
    },
    async write(ops: readonly WriteOp[]) {
      check();
      const encoded = ops.map((op) =>
        op.type === "put" ? { ...op, text: JSON.stringify(op.value) } : { ...op, text: "" },
      );
      for (const op of encoded) {
        if (op.type === "put") data.set(op.key, op.text);
        else data.delete(op.key);
      }
    },
    async *range({ prefix, after, limit, reverse }: RangeOptions) {
      check();
      const keys = [...data.keys()].filter((k) => k.startsWith(prefix) && (after === undefined || k > after)).sort();
      if (reverse === true) keys.reverse();
      for (const key of keys.slice(0, limit ?? keys.length)) {
        const text = data.get(key);
        if (text !== undefined) yield [key, JSON.parse(text) as StoredValue] as const;
      }
    },
    async compact(_key?: string) {
      check(); // nothing to compact: a deleted entry is gone from the map at once
    },
    async close() {
      closed = true;
    },
  };
  return Object.defineProperties(
    { writeExclusive: exclusiveInProcess((ops) => store.write(ops)) },
    Object.getOwnPropertyDescriptors(store),
  ) as RecordStore & { readonly size: number };
}
