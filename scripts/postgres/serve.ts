/**
 * Runs a throwaway PostgreSQL until Ctrl-C, for trying the node on PostgreSQL by hand, the demo and
 * benchmarks: prints one JSON line `{ "url": … }` (the connection string of database `kycnet`),
 * then deletes the cluster on SIGINT or SIGTERM.
 *
 *   node --import tsx scripts/postgres/serve.ts [--durable]
 */
import { startPostgresCluster } from "./cluster.ts";

// Handlers first: a signal while the cluster starts must still stop and delete it.
const stopRequested = new Promise<void>((resolve) => {
  process.once("SIGINT", resolve);
  process.once("SIGTERM", resolve);
});
// Signal handlers alone do not keep Node running; the server is another process.
const keepAlive = setInterval(() => undefined, 60_000);

const cluster = await startPostgresCluster({ durable: process.argv.includes("--durable") });
try {
  const url = await cluster.createDatabase("kycnet");
  process.stdout.write(`${JSON.stringify({ url, dir: cluster.dir })}\n`);
  await stopRequested;
} finally {
  clearInterval(keepAlive);
  await cluster.destroy();
}
