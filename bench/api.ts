/**
 * bench:api — read throughput of the node's HTTP API: GET /v1/attestations/:uid/status and
 * GET /v1/consents/:id/status against a real listening server on 127.0.0.1 (the real app: auth,
 * rate-limit hook, validation, serialisation, metrics, info-level request logs written to
 * /dev/null), with an in-memory LedgerReads so the chain is not what is measured.
 *
 * The server runs in a child process (as in production, it gets its own core); this process runs a
 * bounded loop of CONCURRENCY keep-alive clients for WARMUP_S + SECONDS per endpoint and reports
 * requests/s and latency percentiles. Target (docs/architecture.md §7): ≥ 2,000 requests/s.
 *
 *   npm run bench:api            (env: API_BENCH_SECONDS, API_BENCH_CONCURRENCY)
 */
import { fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { loadavg } from "node:os";
import http from "node:http";
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import { buildApp } from "../node/src/api/app.ts";
import { generateApiKey } from "../node/src/api/auth.ts";
import { apiConfig } from "../node/src/api/config.ts";
import { startServer } from "../node/src/api/server.ts";
import type { ApiServices, AttestationStatusView, ConsentStatusView } from "../node/src/onboarding/ports.ts";
import { createLogger } from "../node/src/observability/logger.ts";
import { createMetrics } from "../node/src/observability/metrics.ts";
import type { Hex } from "@kycnet/sdk/protocol";
import { percentile, printTable, writeResults, type Row } from "./lib/report.ts";

const SECONDS = Number(process.env.API_BENCH_SECONDS ?? 8);
const WARMUP_S = 2;
const CONCURRENCY = Number(process.env.API_BENCH_CONCURRENCY ?? 32);
const IDS = 1_000;
const TARGET_RPS = 2_000;

interface ServerReady {
  readonly port: number;
  readonly key: string;
  readonly uids: readonly Hex[];
  readonly consentIds: readonly Hex[];
}

const hex32 = (): Hex => `0x${randomBytes(32).toString("hex")}`;

/** Child process: the real app over an in-memory LedgerReads; every other port refuses. */
async function serve(): Promise<void> {
  const uids = Array.from({ length: IDS }, hex32);
  const consentIds = Array.from({ length: IDS }, hex32);
  const attestations = new Map<Hex, AttestationStatusView["status"]>(
    uids.map((u, i) => [u, i % 10 === 0 ? "REVOKED" : "VALID"]),
  );
  const consents = new Map<Hex, ConsentStatusView["status"]>(
    consentIds.map((c, i) => [c, i % 7 === 0 ? "EXPIRED" : "ACTIVE"]),
  );
  const refuse = async (): Promise<never> => {
    throw new Error("not part of this benchmark");
  };
  const services: ApiServices = {
    ledger: {
      attestationStatus: async (uid) => ({
        uid,
        status: attestations.get(uid) ?? "UNKNOWN",
        checkedAt: new Date().toISOString(),
      }),
      consentStatus: async (consentId) => ({
        consentId,
        status: consents.get(consentId) ?? "NONE",
        checkedAt: new Date().toISOString(),
      }),
    },
    onboarding: {
      createSession: refuse,
      createReuseSession: refuse,
      recordCollectionConsent: refuse,
      uploadDocument: refuse,
      readDocumentFields: refuse,
      confirmDocumentFields: refuse,
      createChipChallenge: refuse,
      uploadChip: refuse,
      createLivenessChallenge: refuse,
      uploadSelfieFrames: refuse,
      decide: refuse,
      getSession: refuse,
    },
    review: { list: refuse, claim: refuse, approve: refuse, reject: refuse },
    attestations: { revoke: refuse },
    consents: { relayRevocation: refuse },
    audit: { append: async () => undefined },
    records: { readIdentity: refuse, closeAccount: refuse },
    webhooks: { list: refuse, redrive: refuse },
    reports: { report: refuse, export: refuse },
    dataSubjects: { submit: refuse, list: refuse },
  };
  const { key, entry } = generateApiKey("bench-auditor", "auditor");
  // Production logging (one line per request at info), written to /dev/null so the disk is not measured.
  const logger = createLogger({ level: "info" }, pino.destination({ dest: "/dev/null", sync: false }));
  const app = await buildApp(
    { services, metrics: createMetrics(), logger, readinessChecks: [] },
    // A budget no benchmark client reaches: the rate-limit hook still runs on every request.
    apiConfig({ apiKeys: [entry], rateLimit: { max: 100_000_000, windowMs: 60_000 } }),
  );
  const server = await startServer(app, { host: "127.0.0.1", port: 0 });
  const ready: ServerReady = { port: server.port, key, uids, consentIds };
  process.send!(ready);
  process.on("disconnect", () => void server.stop().then(() => process.exit(0)));
}

interface RunResult {
  readonly requests: number;
  readonly errors: number;
  readonly seconds: number;
  readonly latenciesMs: number[];
}

function get(agent: http.Agent, port: number, path: string, key: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port, path, method: "GET", agent, headers: { authorization: `Bearer ${key}` } },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** CONCURRENCY clients, each sending its next request as soon as the previous one is answered. */
async function load(ready: ServerReady, pathFor: (i: number) => string, seconds: number): Promise<RunResult> {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const latenciesMs: number[] = [];
  let requests = 0;
  let errors = 0;
  const started = performance.now();
  const deadline = started + seconds * 1000;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async (_, client) => {
      let i = client;
      while (performance.now() < deadline) {
        const t0 = performance.now();
        const status = await get(agent, ready.port, pathFor(i), ready.key).catch(() => 0);
        latenciesMs.push(performance.now() - t0);
        requests++;
        if (status !== 200) errors++;
        i += CONCURRENCY;
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  return { requests, errors, seconds: elapsed, latenciesMs };
}

async function main(): Promise<void> {
  const loadStart = loadavg()[0]!;
  const child = fork(fileURLToPath(import.meta.url), ["--serve"], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const ready = await new Promise<ServerReady>((resolve, reject) => {
    child.once("message", (m) => resolve(m as ServerReady));
    child.once("exit", (code) => reject(new Error(`server exited with ${code}`)));
  });

  const endpoints = [
    {
      name: "attestation status",
      route: "GET /v1/attestations/:uid/status",
      pathFor: (i: number) => `/v1/attestations/${ready.uids[i % IDS]}/status`,
    },
    {
      name: "consent status",
      route: "GET /v1/consents/:id/status",
      pathFor: (i: number) => `/v1/consents/${ready.consentIds[i % IDS]}/status`,
    },
  ];
  const rows: Row[] = [];
  const results: Record<string, unknown>[] = [];
  for (const e of endpoints) {
    await load(ready, e.pathFor, WARMUP_S);
    const r = await load(ready, e.pathFor, SECONDS);
    const rps = r.requests / r.seconds;
    const row = {
      endpoint: e.name,
      requests: r.requests,
      errors: r.errors,
      "req/s": Math.round(rps),
      "p50 ms": percentile(r.latenciesMs, 50),
      "p95 ms": percentile(r.latenciesMs, 95),
      "p99 ms": percentile(r.latenciesMs, 99),
      target: rps >= TARGET_RPS ? `≥ ${TARGET_RPS} met` : `≥ ${TARGET_RPS} MISSED`,
    };
    rows.push(row);
    results.push({
      endpoint: e.route,
      requests: r.requests,
      errors: r.errors,
      seconds: Number(r.seconds.toFixed(2)),
      requestsPerSecond: Math.round(rps),
      p50Ms: Number(row["p50 ms"].toFixed(3)),
      p95Ms: Number(row["p95 ms"].toFixed(3)),
      p99Ms: Number(row["p99 ms"].toFixed(3)),
      targetRequestsPerSecond: TARGET_RPS,
      targetMet: rps >= TARGET_RPS,
    });
  }
  child.disconnect();
  printTable(
    `API reads on 127.0.0.1 (server in its own process, ${CONCURRENCY} keep-alive clients, ${SECONDS} s each after ${WARMUP_S} s warm-up)`,
    rows,
  );
  writeResults("api", {
    setup: {
      server:
        "buildApp + startServer on 127.0.0.1, own process; auth (SHA-256 API key), rate-limit hook, schema validation and serialisation, metrics, info-level request logs to /dev/null; in-memory LedgerReads",
      client: `node:http keep-alive agent, ${CONCURRENCY} concurrent clients in a closed loop, ${IDS} distinct ids per endpoint`,
      seconds: SECONDS,
      warmupSeconds: WARMUP_S,
      concurrency: CONCURRENCY,
      // The machine is shared: the 1-minute load average at the start and end says how much.
      loadAverage1m: { start: Number(loadStart.toFixed(2)), end: Number(loadavg()[0]!.toFixed(2)) },
    },
    endpoints: results,
  });
}

if (process.argv.includes("--serve")) await serve();
else await main();
