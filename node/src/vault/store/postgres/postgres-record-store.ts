/**
 * RecordStore on PostgreSQL (node-postgres): one table of key → JSON value, so several node
 * instances of one bank can share one vault. One pool, parameterised queries only.
 *
 * - `write` is one transaction (BEGIN … COMMIT) and resolves only after COMMIT returned: all of its
 *   ops or none. It is retried (up to 3 tries) when PostgreSQL aborts it for a deadlock or a
 *   serialization failure: then nothing of it was applied. Keys are written in sorted order, so two
 *   writes to the same keys take their row locks in the same order and rarely deadlock at all.
 * - `range` pages through the primary-key index (keyset paging, 500 rows a query) and holds no
 *   connection between pages, so a caller may write while it iterates. Unlike a LevelDB iterator it
 *   reads no snapshot: rows written by others between two pages may appear.
 * - Any failure of the database (refused, timed out, lost mid-transaction) is STORE_UNAVAILABLE
 *   naming host:port. The pool drops broken connections and opens new ones, so the store works
 *   again by itself once PostgreSQL is back. A write that failed at COMMIT may have committed (its
 *   outcome is unknown to any client); callers retry it, and the vault's writes are idempotent puts.
 */
import pg from "pg";
import { InvalidArgumentError } from "@kycnet/sdk/errors";
import {
  queuePerKey,
  StoreUnavailableError,
  type ExclusiveWrite,
  type RangeOptions,
  type RecordStore,
  type StoredValue,
  type WriteOp,
} from "../record-store.ts";
import { prefixUpperBound } from "./key-range.ts";
import { loadMigrations, migrate, StoreSchemaMismatchError, type Migration } from "./migrations.ts";

export interface PostgresRecordStoreOptions {
  /** `postgresql://user:password@host:port/database`. */
  readonly connectionString: string;
  /** Connections in the pool (default 10). */
  readonly maxConnections?: number;
  /** How long to wait for a connection, TCP and authentication included (default 5 s). */
  readonly connectTimeoutMs?: number;
  /**
   * How long one statement may run, waits for locks included, before PostgreSQL cancels it (default
   * 30 s). It bounds each migration statement too: raise it for a long migration.
   */
  readonly queryTimeoutMs?: number;
  /** The schema's migrations (default: the files in ./migrations); tests pass their own. */
  readonly migrations?: readonly Migration[];
}

const PAGE_SIZE = 500;
const WRITE_TRIES = 3;
/** SQLSTATEs after which PostgreSQL has rolled the transaction back and a retry is safe. */
const RETRYABLE = new Set(["40P01", "40001"]); // deadlock_detected, serialization_failure

/**
 * The first key of the two-key advisory locks this store takes (the second is `hashtext(lock)`), so
 * they do not collide with the migration lock or with other software's locks on the database.
 */
const EXCLUSIVE_LOCK_SPACE = 0x6b796331; // "kyc1"
const LOCK_EXCLUSIVE = "SELECT pg_advisory_xact_lock($1::int4, hashtext($2))";

const DEFAULT_MIGRATIONS = new URL("./migrations/", import.meta.url);

const SELECT_ONE = "SELECT value FROM vault_entries WHERE key = $1";
const DELETE_KEYS = "DELETE FROM vault_entries WHERE key = ANY($1::text[])";
// Values travel as JSON text and are stored as such (see migrations/0001); WITH ORDINALITY keeps
// the sorted key order of the arrays.
const UPSERT_KEYS = `INSERT INTO vault_entries (key, value)
  SELECT key, value FROM unnest($1::text[], $2::json[]) WITH ORDINALITY AS op(key, value, n) ORDER BY n
  ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value`;
// $1 prefix, $2 exclusive upper bound of the prefix (null: none), $3 `after` (null: none),
// $4 the last key of the previous page (null: first page), $5 page size.
const RANGE_FORWARD = `SELECT key, value FROM vault_entries
  WHERE key >= $1 AND ($2::text IS NULL OR key < $2) AND ($3::text IS NULL OR key > $3)
    AND ($4::text IS NULL OR key > $4)
  ORDER BY key LIMIT $5`;
const RANGE_REVERSE = `SELECT key, value FROM vault_entries
  WHERE key >= $1 AND ($2::text IS NULL OR key < $2) AND ($3::text IS NULL OR key > $3)
    AND ($4::text IS NULL OR key < $4)
  ORDER BY key DESC LIMIT $5`;

export async function openPostgresRecordStore(options: PostgresRecordStoreOptions): Promise<RecordStore> {
  const server = serverLabel(options.connectionString);
  const queryTimeoutMs = options.queryTimeoutMs ?? 30_000;
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max: options.maxConnections ?? 10,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5_000,
    // The server cancels a slow statement and rolls its transaction back (a definite outcome); the
    // client's own timeout, a second later, covers a server that no longer answers at all.
    statement_timeout: queryTimeoutMs,
    query_timeout: queryTimeoutMs + 1_000,
    // A transaction left open by a client that vanished must not hold its row locks for ever.
    idle_in_transaction_session_timeout: queryTimeoutMs,
    keepAlive: true,
    // A COMMIT returns only once its WAL is flushed, whatever the server's or database's default:
    // with synchronous_commit off an acknowledged write can be lost in a crash (issue 18). (fsync
    // itself is the server's setting, which must stay on.)
    options: "-c synchronous_commit=on",
  });
  // An idle connection that the server closes (restart, failover) is dropped by the pool; without a
  // listener the 'error' event would crash the process. The next query reports any lasting outage.
  pool.on("error", () => undefined);

  const guard = async <T>(operation: string, run: () => Promise<T>): Promise<T> => {
    try {
      return await run();
    } catch (error) {
      if (error instanceof StoreSchemaMismatchError || error instanceof InvalidArgumentError) throw error;
      throw new StoreUnavailableError(operation, error, server);
    }
  };

  try {
    await guard("open", () =>
      withConnection(pool, (client) => migrate(client, options.migrations ?? loadMigrations(DEFAULT_MIGRATIONS))),
    );
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw error;
  }

  const transaction = async (run: (client: pg.PoolClient) => Promise<void>): Promise<void> => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await withConnection(pool, async (client) => {
          await client.query("BEGIN");
          try {
            await run(client);
            await client.query("COMMIT");
          } catch (error) {
            // Roll back what is still open; on a dead connection this fails too, and the original error counts.
            await client.query("ROLLBACK").catch(() => undefined);
            throw error;
          }
        });
      } catch (error) {
        if (attempt >= WRITE_TRIES || !RETRYABLE.has(sqlState(error))) throw error;
      }
    }
  };

  const applyOps = async (client: pg.PoolClient, ops: readonly WriteOp[]) => {
    const { puts, deletes } = finalOps(ops);
    if (deletes.length > 0) await client.query(DELETE_KEYS, [deletes]);
    if (puts.length > 0)
      await client.query(UPSERT_KEYS, [puts.map((p) => p.key), puts.map((p) => JSON.stringify(p.value))]);
  };

  // Across processes: a transaction-level advisory lock, released by COMMIT or ROLLBACK (or by the
  // server when the connection dies), taken before `build` reads. `build` reads through the pool on
  // other connections; under READ COMMITTED they see everything the previous holder committed. In
  // this process, builds of one lock queue first, so a process holds at most one pooled connection
  // per lock while it waits, and the pool always has connections left for those reads.
  const exclusiveAcrossProcesses = async <T>(lock: string, build: () => Promise<ExclusiveWrite<T>>): Promise<T> => {
    // The caller's own errors (a refused state change, a store read that failed) pass unchanged;
    // only the database's failures around them become STORE_UNAVAILABLE.
    let failedBuild: { error: unknown } | undefined;
    let result: T | undefined;
    try {
      await transaction(async (client) => {
        await client.query(LOCK_EXCLUSIVE, [EXCLUSIVE_LOCK_SPACE, lock]);
        let built: ExclusiveWrite<T>;
        try {
          built = await build();
        } catch (error) {
          failedBuild = { error };
          throw error;
        }
        if (built.ops.length > 0) await applyOps(client, built.ops);
        result = built.result;
      });
    } catch (error) {
      if (failedBuild !== undefined) throw failedBuild.error;
      if (error instanceof InvalidArgumentError) throw error;
      throw new StoreUnavailableError("write", error, server);
    }
    return result as T;
  };
  const inProcess = queuePerKey();
  const writeExclusive = <T>(lock: string, build: () => Promise<ExclusiveWrite<T>>): Promise<T> =>
    inProcess(lock, () => exclusiveAcrossProcesses(lock, build));

  return {
    get: (key) =>
      guard("get", async () => {
        const { rows } = await pool.query<{ value: StoredValue }>(SELECT_ONE, [checkKey(key)]);
        return rows[0]?.value;
      }),

    write: (ops: readonly WriteOp[]) =>
      guard("write", async () => {
        if (ops.length === 0) return;
        await transaction((client) => applyOps(client, ops));
      }),

    writeExclusive,

    async *range({ prefix, after, limit, reverse }: RangeOptions) {
      let remaining = limit ?? Number.POSITIVE_INFINITY;
      const upper = prefixUpperBound(prefix) ?? null;
      let cursor: string | null = null;
      while (remaining > 0) {
        const pageSize = Math.min(remaining, PAGE_SIZE);
        const { rows } = await guard("range", () =>
          pool.query<{ key: string; value: StoredValue }>(reverse === true ? RANGE_REVERSE : RANGE_FORWARD, [
            prefix,
            upper,
            after ?? null,
            cursor,
            pageSize,
          ]),
        );
        for (const row of rows) yield [row.key, row.value] as const;
        remaining -= rows.length;
        if (rows.length < pageSize) return;
        cursor = rows[rows.length - 1]!.key;
      }
    },

    // VACUUM FULL rewrites the table (under an exclusive lock): dead row versions (old envelopes)
    // leave the data files. PostgreSQL cannot do this for one key, so `key` is not used.
    compact: (_key?: string) => guard("compact", async () => void (await pool.query("VACUUM FULL vault_entries"))),
    close: () => guard("close", () => pool.end()),
  };
}

/**
 * Runs `use` on one pooled connection. The server may drop it meanwhile (restart, failover): pg then
 * fails the query and also emits 'error' on the client, which without a listener would crash the
 * process. A connection that saw any error is destroyed rather than handed to the next caller.
 */
async function withConnection<T>(pool: pg.Pool, use: (client: pg.PoolClient) => Promise<T>): Promise<T> {
  const client = await pool.connect();
  const ignore = () => undefined;
  client.on("error", ignore);
  let failure: Error | undefined;
  try {
    return await use(client);
  } catch (error) {
    failure = error instanceof Error ? error : new Error(String(error));
    throw error;
  } finally {
    client.off("error", ignore);
    client.release(failure);
  }
}

/** What a batch leaves behind, key by key: the last op on a key wins, as in a LevelDB batch. */
function finalOps(ops: readonly WriteOp[]): { puts: { key: string; value: StoredValue }[]; deletes: string[] } {
  const last = new Map<string, WriteOp>();
  for (const op of ops) last.set(checkKey(op.key), op);
  const sorted = [...last.values()].sort((a, b) => compareBytes(a.key, b.key));
  return {
    puts: sorted.flatMap((op) => (op.type === "put" ? [{ key: op.key, value: op.value }] : [])),
    deletes: sorted.flatMap((op) => (op.type === "del" ? [op.key] : [])),
  };
}

/** Byte order of UTF-8, the table's order; JavaScript's `<` compares UTF-16 units instead. */
const compareBytes = (a: string, b: string) => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));

function checkKey(key: string): string {
  // PostgreSQL text cannot hold U+0000; refuse it here rather than as a storage failure.
  if (key.includes("\u0000"))
    throw new InvalidArgumentError("key", "contains U+0000, which PostgreSQL text cannot hold");
  return key;
}

function sqlState(error: unknown): string {
  return typeof error === "object" && error !== null && "code" in error && typeof error.code === "string"
    ? error.code
    : "";
}

/** host:port of a connection string, for errors an operator reads; never the user or password. */
function serverLabel(connectionString: string): string {
  try {
    const url = new URL(connectionString);
    return `${url.hostname || "localhost"}:${url.port || "5432"}`;
  } catch {
    return "the configured PostgreSQL server";
  }
}
