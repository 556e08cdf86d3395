/**
 * Schema migrations for the PostgreSQL store: numbered SQL files (`0001-name.sql`) in migrations/,
 * applied in order at open, each in its own transaction with its row in `schema_migrations`.
 *
 * Several instances may start at once: the whole check-and-apply runs under a session advisory lock,
 * so one migrates and the others, once they get the lock, find nothing left to do. An applied file
 * whose text changed, or a database migrated by a newer node, stops the open with
 * STORE_SCHEMA_MISMATCH rather than running on a schema this code does not know.
 */
import { createHash } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import type pg from "pg";
import { KycnetError } from "@kycnet/sdk/errors";

export interface Migration {
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

export class StoreSchemaMismatchError extends KycnetError {
  constructor(reason: string, details: Record<string, unknown>) {
    super("STORE_SCHEMA_MISMATCH", `the database schema does not match this node: ${reason}`, { details });
  }
}

/** The key of the advisory lock every opener takes around migrations (any fixed bigint will do). */
const MIGRATION_LOCK = "kycnet:schema-migrations";
const FILE_NAME = /^(\d{4})-([a-z0-9-]+)\.sql$/;

/** The migrations of `dir`, in order; their versions must be 1, 2, 3, … with no gap. */
export function loadMigrations(dir: URL): Migration[] {
  const migrations = readdirSync(dir)
    .map((file) => ({ file, match: FILE_NAME.exec(file) }))
    .filter(({ match }) => match !== null)
    .map(({ file, match }) => ({
      version: Number(match![1]),
      name: match![2]!,
      sql: readFileSync(new URL(file, dir), "utf8"),
    }))
    .sort((a, b) => a.version - b.version);
  migrations.forEach((m, i) => {
    if (m.version !== i + 1)
      throw new Error(`migration ${m.version}-${m.name} in ${dir.pathname}: expected number ${i + 1}`);
  });
  return migrations;
}

const checksum = (sql: string) => createHash("sha256").update(sql).digest("hex");

/** Applies the migrations not yet applied, under the lock; returns the versions it applied. */
export async function migrate(client: pg.ClientBase, migrations: readonly Migration[]): Promise<number[]> {
  await client.query("SELECT pg_advisory_lock(hashtext($1))", [MIGRATION_LOCK]);
  try {
    await client.query(`CREATE TABLE IF NOT EXISTS schema_migrations (
      version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL,
      applied_at timestamptz NOT NULL DEFAULT now())`);
    const { rows } = await client.query<{ version: number; name: string; checksum: string }>(
      "SELECT version, name, checksum FROM schema_migrations ORDER BY version",
    );
    const known = new Map(migrations.map((m) => [m.version, m]));
    for (const row of rows) {
      const migration = known.get(row.version);
      if (migration === undefined) {
        throw new StoreSchemaMismatchError(`version ${row.version} (${row.name}) was applied by a newer node`, {
          databaseVersion: row.version,
          nodeVersion: migrations.length,
        });
      }
      if (row.checksum !== checksum(migration.sql)) {
        throw new StoreSchemaMismatchError(`migration ${row.version} (${row.name}) changed after it was applied`, {
          version: row.version,
        });
      }
    }
    const applied = new Set(rows.map((r) => r.version));
    const done: number[] = [];
    for (const migration of migrations.filter((m) => !applied.has(m.version))) {
      await client.query("BEGIN");
      try {
        await client.query(migration.sql);
        await client.query("INSERT INTO schema_migrations (version, name, checksum) VALUES ($1, $2, $3)", [
          migration.version,
          migration.name,
          checksum(migration.sql),
        ]);
        await client.query("COMMIT");
      } catch (error) {
        await client.query("ROLLBACK").catch(() => undefined);
        throw error;
      }
      done.push(migration.version);
    }
    return done;
  } finally {
    await client.query("SELECT pg_advisory_unlock(hashtext($1))", [MIGRATION_LOCK]).catch(() => undefined);
  }
}
