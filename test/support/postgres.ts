/**
 * One real PostgreSQL cluster per test run (scripts/postgres/cluster.ts), started by the first test
 * that asks for it and stopped after the last test; each test takes its own fresh database, so tests
 * never see each other's rows and need no cleanup.
 */
import { startPostgresCluster, type PostgresCluster } from "../../scripts/postgres/cluster.ts";

let shared: Promise<PostgresCluster> | undefined;
let databases = 0;

/** The run's cluster, started on first use. */
export function sharedPostgres(): Promise<PostgresCluster> {
  shared ??= startPostgresCluster();
  return shared;
}

/**
 * A new empty database on the run's cluster; returns its connection string. `icuLocale` gives the
 * database a non-byte default collation (e.g. "en-US"), to prove the store does not depend on it.
 */
export async function createTestDatabase(options: { icuLocale?: string } = {}): Promise<string> {
  const cluster = await sharedPostgres();
  return cluster.createDatabase(`test_${process.pid}_${++databases}`, options);
}

// Mocha's root hook: this module is imported while mocha loads the test files, where `after` is global.
after(async () => {
  if (shared === undefined) return;
  const cluster = await shared.catch(() => undefined);
  shared = undefined;
  await cluster?.destroy();
});
