/**
 * One instance of a bank's node for bench:ha (bench/ha.ts), run as a child process so the parent
 * can kill it with SIGKILL. argv: <node.json> <dataDir> <apiPort> <postgres connection string | "level">.
 *
 * It starts the real node as a bank runs it: PostgreSQL vault, SoftHSM, chain, libp2p, the document
 * reader and the face model (ONNX, each instance its own), and the HTTP API, which takes the
 * onboarding and re-onboarding traffic the parent sends round-robin across the instances.
 *
 * Optionally (BENCH_HA_RECORDS in the parent), while the parent says so, it also stores verified
 * records straight through the vault (the write a PASS decision makes: sealed record, outbox entry
 * and audit entry in one transaction), telling the parent each id once the write is acknowledged:
 * a light load that keeps the leader's anchoring busy between decisions.
 * Messages to the parent: {ready, holder}, {ack, id}; from it: {write, paceMs}, {stop}.
 */
import { randomInt } from "node:crypto";
import { loadNodeConfig, type NodeConfig } from "../../node/src/config.ts";
import { createNode } from "../../node/src/node.ts";
import { createLogger } from "../../node/src/observability/logger.ts";
import { verifiedRecord } from "../../test/node/vault/fixtures.ts";

const [configPath, dataDir, apiPort, connectionString] = process.argv.slice(2) as [string, string, string, string];
const send = (message: unknown) => process.send?.(message);

const base = await loadNodeConfig(configPath);
// A benchmark measures the instances, not the per-key rate limit (600/min by default).
let config: NodeConfig = {
  ...base,
  dataDir,
  api: { ...base.api, port: Number(apiPort), rateLimit: { max: 10_000_000, windowMs: 60_000 } },
};
if (connectionString !== "level") {
  const url = new URL(connectionString);
  process.env.KYCNET_PG_PASSWORD = decodeURIComponent(url.password);
  config = {
    ...config,
    // Every instance serves the bank's records under its peer key; the other member dials by its address book.
    exchange: { ...base.exchange, listen: ["/ip4/127.0.0.1/tcp/0"] },
    anchoring: { maxBatch: 64, maxDelayMs: 200 },
    vault: {
      store: {
        kind: "postgres",
        host: url.hostname,
        port: Number(url.port),
        database: url.pathname.slice(1),
        user: decodeURIComponent(url.username),
        maxConnections: 6,
        connectTimeoutMs: 2_000,
      },
    },
  };
}
// A parent that dies (an uncaught error, a kill) leaves no instance behind.
process.once("disconnect", () => process.exit(1));
const node = await createNode(config, { logger: createLogger({ level: "silent" }) });
await node.start();
send({ ready: true, holder: node.leadership.holder });

/** Each instance stores a record at most every `paceMs` (0: as fast as it can; the parent sets it). */
let paceMs = 0;
let writing = false;
async function writeLoop() {
  while (writing) {
    const paced = new Promise((resolve) => setTimeout(resolve, paceMs));
    const { record, attestation } = verifiedRecord(randomInt(100_000));
    const now = BigInt(Math.floor(Date.now() / 1000));
    try {
      const meta = await node.vault.storeVerifiedRecord({ record, attestation: attestation(now), actor: "bench:ha" });
      send({ ack: meta.id });
    } catch {
      // Not acknowledged: not counted (the database may be busy with a failover).
    }
    await paced;
  }
}

process.on("message", (message: { write?: boolean; paceMs?: number; check?: string[]; stop?: boolean }) => {
  if (message.paceMs !== undefined) paceMs = message.paceMs;
  if (message.write !== undefined) {
    const start = message.write && !writing;
    writing = message.write;
    if (start) void writeLoop();
  }
  if (message.check !== undefined) {
    void Promise.all(
      message.check.map(async (id) => {
        const meta = await node.vault.getRecordMeta(id).catch(() => null);
        return [id, meta === null ? null : (meta.anchor?.uid ?? "")] as const;
      }),
    ).then((rows) => send({ checked: Object.fromEntries(rows) }));
  }
  if (message.stop === true) {
    writing = false;
    void node.stop().then(() => process.exit(0));
  }
});
