/**
 * High availability under faults (npm run bench:ha, issue 20): bank B runs as three instances of its
 * node on one PostgreSQL and one chain, each a child process (bench/lib/ha-instance.ts) killed with
 * SIGKILL every few seconds (with at least two up), the leader on every other kill.
 *
 * Traffic: real customers over HTTP through the SDK (bench/lib/ha-traffic.ts), each request sent to
 * the next instance up (bench/lib/round-robin.ts), so every session is served by several instances:
 * - full-eKYC onboardings at B (collection consent, card, selfie frames answering the liveness
 *   challenge, decision through the document reader and the face model);
 * - re-onboardings at B of customers bank A verified (A runs in this process, on LevelDB): the
 *   consent relayed on chain by whichever instance takes it (the nonce signer shared through the
 *   store), the record fetched from A over libp2p, the selfie matched against A's template.
 * Re-onboardings at the HA bank exercise more of it than the other way round: a re-onboarding at A
 * of B's customers would touch B only through its record server, which test/node has a failover
 * test for. A request that got no answer because its instance died is sent to the next instance,
 * as a load balancer does, and counted. Optionally (BENCH_HA_RECORDS=<ms>) each instance also
 * stores a record through its vault every <ms>, a light load that keeps the anchoring busy.
 *
 * Reported: acknowledged records lost (a PASS whose attestation is not on chain once the faults
 * stop), records anchored twice (an `Attested` uid seen twice), decisions made twice (a customer key
 * attested twice, or a session whose stored decision is not the one acknowledged), acknowledged
 * sessions lost (an instance answered SESSION_NOT_FOUND for a session another acknowledged),
 * failover p50/p95 (SIGKILL of the leader to the next term in `leader/term`), and decisions per
 * second with 1 against 3 instances. On 2 cores the three instances share the CPU with PostgreSQL,
 * the chain, bank A and the customers' frame synthesis: the ratio shows the overhead, not a gain.
 */
import { fork, type ChildProcess } from "node:child_process";
import { copyFileSync, mkdirSync } from "node:fs";
import { loadavg } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createBankClient } from "@kycnet/sdk/bank";
import { id as topicOf, JsonRpcProvider, zeroPadValue } from "ethers";
import { loadNodeConfig } from "../node/src/config.ts";
import { peerKeyPath } from "../node/src/node.ts";
import { openPostgresRecordStore } from "../node/src/vault/store/postgres/postgres-record-store.ts";
import { freePort } from "../scripts/lib/local-chain.ts";
import { startPostgresCluster } from "../scripts/postgres/cluster.ts";
import { inParallel, startBenchConsortium, type Onboarded } from "./lib/consortium.ts";
import { haCustomerFlows, type FlowResult } from "./lib/ha-traffic.ts";
import { percentile, printTable, writeResults } from "./lib/report.ts";
import { roundRobin } from "./lib/round-robin.ts";

const INSTANCES = 3;
/** Kills at least this many instances, and the leader at least LEADER_KILLS times (every other kill). */
const KILLS = Number(process.env.BENCH_HA_KILLS ?? 12);
const LEADER_KILLS = Number(process.env.BENCH_HA_LEADER_KILLS ?? 10);
const KILL_EVERY_MS = Number(process.env.BENCH_HA_KILL_EVERY_MS ?? 5_000);
/** Each throughput phase (1 instance, then 3). */
const PHASE_MS = Number(process.env.BENCH_HA_PHASE_MS ?? 60_000);
/** Customers in flight at once. */
const CUSTOMERS = Number(process.env.BENCH_HA_CUSTOMERS ?? 3);
/** Customers bank A verifies before the run, for B to re-onboard (more are made if the run uses them up). */
const SOURCES = Number(process.env.BENCH_HA_SOURCES ?? 24);
/** 0: no record-store load; else each instance stores a record through its vault every this many ms. */
const RECORDS_PACE_MS = Number(process.env.BENCH_HA_RECORDS ?? 0);
/**
 * A decision claimed by an instance that then died is taken over once its claim goes 15 s without
 * renewal (the sessions' claimTtlMs): a flow whose requests took this long waited for that takeover.
 */
const TAKEOVER_WAIT_MS = 15_000;
/** Sessions live 15 minutes: one older than this at the final check is not checked (it may have expired). */
const SESSION_CHECK_WITHIN_MS = 14 * 60_000;
const CHILD = fileURLToPath(new URL("./lib/ha-instance.ts", import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const say = (line: string) => process.stdout.write(`${line}\n`);

say(`bench:ha: preparing bank A (in process) and bank B (${INSTANCES} instances on one PostgreSQL), one chain`);
const bench = await startBenchConsortium({ bankBInProcess: false });
const bank = bench.setup.banks[1]!;
const base = await loadNodeConfig(bank.configPath);
const cluster = await startPostgresCluster();
const connectionString = await cluster.createDatabase("bench_ha");
const store = await openPostgresRecordStore({ connectionString });
const provider = new JsonRpcProvider(base.chain.rpcUrl);

interface Instance {
  readonly index: number;
  readonly port: number;
  readonly dataDir: string;
  child: ChildProcess | null;
  holder: string | null;
  up: boolean;
}
const instances: Instance[] = [];

/** Everything started here goes, also when the bench is interrupted (a timeout, ^C). */
async function cleanUp() {
  for (const instance of instances) instance.child?.kill("SIGKILL");
  provider.destroy();
  await store.close().catch(() => undefined);
  await cluster.destroy().catch(() => undefined);
  await bench.stop().catch(() => undefined);
}
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => {
    void cleanUp().finally(() => process.exit(130));
  });

/** Records stored straight through the vaults (BENCH_HA_RECORDS), acknowledged by their instance. */
const ackedRecords = new Set<string>();

function spawnInstance(instance: Instance, onReady?: () => void): Promise<void> {
  const child = fork(CHILD, [bank.configPath, instance.dataDir, String(instance.port), connectionString], {
    execArgv: ["--import", "tsx"],
    stdio: ["ignore", "ignore", "inherit", "ipc"],
  });
  instance.child = child;
  instance.holder = null;
  instance.up = false;
  return new Promise((resolve, reject) => {
    child.on("message", (message: { ready?: boolean; holder?: string; ack?: string }) => {
      if (message.ready === true) {
        instance.holder = message.holder ?? null;
        instance.up = true;
        if (RECORDS_PACE_MS > 0) child.send({ write: true, paceMs: RECORDS_PACE_MS });
        onReady?.();
        resolve();
      }
      if (message.ack !== undefined) ackedRecords.add(message.ack);
    });
    child.on("exit", (code, signal) => {
      if (instance.child === child) instance.up = false;
      reject(new Error(`instance ${instance.index} exited (${code ?? signal}) before it was ready`));
    });
  });
}

// Every instance serves under the bank's peer key (made by the consortium's set-up, its id on chain).
for (let i = 0; i < INSTANCES; i++) {
  const dataDir = join(bench.setup.dir, `bank-b-instance-${i}`);
  mkdirSync(dataDir, { recursive: true });
  copyFileSync(peerKeyPath(base.dataDir), peerKeyPath(dataDir));
  instances.push({ index: i, port: await freePort(), dataDir, child: null, holder: null, up: false });
}
const live = () => instances.filter((i) => i.up);

say(`bank A verifies ${SOURCES} customers for bank B to re-onboard …`);
const sources: Onboarded[] = (await inParallel(SOURCES, 2, bench.onboard)).results;
await bench.a.outbox.flush();
/**
 * The next customer of A to re-onboard at B; A verifies another when the pool runs dry, or null
 * when A refused three synthetic selfies in a row (then the customer onboards at B instead).
 */
async function nextSource(): Promise<Onboarded | null> {
  const ready = sources.shift();
  if (ready !== undefined) return ready;
  try {
    const fresh = await bench.onboard();
    await bench.a.outbox.flush();
    return fresh;
  } catch (error) {
    say(`  bank A did not verify a customer to re-onboard (${(error as Error).message}): onboarding at B instead`);
    return null;
  }
}

/** Sessions with a request that failed under a killed instance and went on at another. */
const continuedElsewhere = new Set<string>();
const balancer = roundRobin(() => instances, {
  onRetry: (path) => {
    const sessionId = /\/sessions\/(ses_[0-9a-f]+)/.exec(path)?.[1];
    if (sessionId !== undefined) continuedElsewhere.add(sessionId);
  },
});
const client = createBankClient({
  baseUrl: "http://bank-b.balancer",
  apiKey: bank.apiKeys.operator,
  // The balancer retries a request whose instance died; the client waits out a decision that another
  // instance's dead claim holds back (taken over once it goes 15 s without renewal).
  attempts: 1,
  timeoutMs: 240_000,
  fetch: balancer.fetch,
});
const flows = haCustomerFlows({
  client,
  customer: bench.customer,
  chain: bench.chainInfo,
  grantee: bank.account,
});

/** Every flow as it ended, with when. */
const results: Array<FlowResult & { readonly endedAt: number; readonly startedAt: number }> = [];
let traffic = true;
let turn = 0;
async function customerLoop() {
  while (traffic) {
    const startedAt = Date.now();
    const source = turn++ % 2 === 0 ? null : await nextSource();
    const result = source === null ? await flows.onboard() : await flows.reonboard(source);
    results.push({ ...result, startedAt, endedAt: Date.now() });
    if (result.failure !== null) say(`  ${result.kind} stopped: ${result.failure}`);
    else if (result.outcome !== "PASS") say(`  ${result.kind} ${result.outcome}: ${result.reasons.join(", ")}`);
  }
}
const decided = (r: FlowResult) => r.outcome !== null;

async function phase(name: string): Promise<{ phase: string; decisions: number; perMinute: number }> {
  const started = Date.now();
  await sleep(PHASE_MS);
  const ended = Date.now();
  const n = results.filter((r) => decided(r) && r.endedAt >= started && r.endedAt < ended).length;
  return { phase: name, decisions: n, perMinute: Number(((n * 60_000) / (ended - started)).toFixed(2)) };
}

say(`starting instance 0 …`);
await spawnInstance(instances[0]!);
// Warm-up, not measured: the first OCR and ONNX runs, A's libp2p connection.
const warm = [await flows.onboard(), await flows.reonboard(sources.shift()!)];
say(`warm-up: ${warm.map((r) => `${r.kind} ${r.outcome ?? r.failure}`).join(", ")}`);
const loops = Array.from({ length: CUSTOMERS }, () => customerLoop());
const one = await phase("1 instance");
say(`1 instance: ${one.decisions} decisions in ${PHASE_MS / 1000} s`);
await Promise.all(instances.slice(1).map((i) => spawnInstance(i)));
await sleep(5_000); // the new instances' first requests (their models' first runs)
const three = await phase("3 instances");
say(`3 instances: ${three.decisions} decisions in ${PHASE_MS / 1000} s`);

interface LeaderTermValue {
  readonly term: number;
  readonly holder: string;
}
const readTerm = async () => ((await store.get("leader/term")) as unknown as LeaderTermValue | undefined) ?? null;

const faultsStarted = Date.now();
const failovers: number[] = [];
const restarts: number[] = [];
let kills = 0;
let leaderKills = 0;
/** A leader and at least one follower up, so that a kill of the leader has someone to fail over to. */
const twoUp = async () => {
  while (live().length < 2) await sleep(50);
};
for (let k = 0; kills < KILLS || leaderKills < LEADER_KILLS; k++) {
  await sleep(KILL_EVERY_MS);
  await twoUp();
  const term = await readTerm();
  const leader = instances.find((i) => i.up && i.holder === term?.holder);
  const candidates = live();
  const target =
    k % 2 === 0 && leader !== undefined ? leader : candidates[Math.floor(Math.random() * candidates.length)];
  if (target === undefined) continue;
  const killedAt = Date.now();
  target.child!.kill("SIGKILL");
  target.up = false;
  kills += 1;
  if (target === leader) {
    leaderKills += 1;
    for (;;) {
      const now = await readTerm();
      if (now !== null && now.term > term!.term) break;
      if (Date.now() - killedAt > 60_000) throw new Error("no new leader within 60 s of a leader kill");
      await sleep(20);
    }
    failovers.push(Date.now() - killedAt);
  }
  // Restarted at once; it serves again (and may lead again) once started.
  void spawnInstance(target, () => restarts.push(Date.now() - killedAt)).catch(() => undefined);
  say(
    `kill ${kills}: instance ${target.index}${target === leader ? ` (leader, failover ${failovers.at(-1)} ms)` : ""}` +
      `, restarts so far p50 ${percentile(restarts, 50)} ms, decisions so far ${results.filter(decided).length}`,
  );
}
const faultsEnded = Date.now();

// Faults over: every instance comes back, the customers in flight finish (a decision a dead
// instance had claimed waits for the takeover), and the leader anchors what is left.
say(`faults over after ${Math.round((faultsEnded - faultsStarted) / 1000)} s; finishing the sessions in flight …`);
await Promise.all(
  instances.map(async (i) => {
    while (!i.up) await sleep(100);
  }),
);
traffic = false;
await Promise.all(loops);
for (const instance of live()) instance.child!.send({ write: false });

const passes = results.filter((r) => r.outcome === "PASS" && r.attestationUid !== null);
const attestedLogs = async () =>
  provider.getLogs({
    address: bench.setup.addresses.attestations,
    topics: [topicOf("Attested(bytes32,address,address,bytes32)"), null, zeroPadValue(bank.account, 32)],
    fromBlock: 0,
    toBlock: "latest",
  });
let logs = await attestedLogs();
const drainUntil = Date.now() + 120_000;
const onChain = () => new Set(logs.map((l) => l.topics[1]!.toLowerCase()));
while (passes.some((r) => !onChain().has(r.attestationUid!.toLowerCase())) && Date.now() < drainUntil) {
  await sleep(1_000);
  logs = await attestedLogs();
}
const anchored = onChain();
const lostDecisions = passes.filter((r) => !anchored.has(r.attestationUid!.toLowerCase())).length;

// Records stored straight through the vaults: each must be in the vault and anchored.
let lostRecords = 0;
if (ackedRecords.size > 0) {
  const checker = instances[0]!;
  const checked = await new Promise<Record<string, string | null>>((resolve) => {
    const listener = (message: { checked?: Record<string, string | null> }) => {
      if (message.checked === undefined) return;
      checker.child!.off("message", listener);
      resolve(message.checked);
    };
    checker.child!.on("message", listener);
    checker.child!.send({ check: [...ackedRecords] });
  });
  lostRecords = Object.values(checked).filter((uid) => uid === null || uid === "" || !anchored.has(uid)).length;
}

// Anchored twice: a uid with two Attested events. Decided twice: a customer key attested twice.
const countBy = (keys: readonly string[]) => {
  const counts = new Map<string, number>();
  for (const key of keys) counts.set(key, (counts.get(key) ?? 0) + 1);
  return counts;
};
const duplicated = [...countBy(logs.map((l) => l.topics[1]!)).values()].filter((n) => n > 1).length;
const subjectsOfRun = new Set(results.map((r) => r.subject.toLowerCase()));
const uidsPerSubject = new Map<string, Set<string>>();
for (const log of logs) {
  const subject = `0x${log.topics[3]!.slice(26)}`.toLowerCase();
  if (!subjectsOfRun.has(subject)) continue;
  uidsPerSubject.set(subject, (uidsPerSubject.get(subject) ?? new Set()).add(log.topics[1]!));
}
let decidedTwice = [...uidsPerSubject.values()].filter((uids) => uids.size > 1).length;

// Every acknowledged session is still known, with the decision that was acknowledged.
let sessionsLost = results.filter((r) => r.failure === "SESSION_NOT_FOUND").length;
let sessionsChecked = 0;
const now = Date.now();
for (const r of results) {
  if (r.sessionId === null || now - r.startedAt > SESSION_CHECK_WITHIN_MS) continue;
  sessionsChecked += 1;
  try {
    const view = await client.getSession(r.sessionId);
    if (r.outcome !== null && (view.decision?.attestationUid ?? null) !== r.attestationUid) decidedTwice += 1;
  } catch (error) {
    if ((error as { code?: string }).code === "SESSION_NOT_FOUND") sessionsLost += 1;
    else throw error;
  }
}

const acknowledgedSessions = results.filter((r) => r.sessionId !== null).length;
const byKind = (kind: string) => results.filter((r) => r.kind === kind && decided(r));
const latency = (rs: readonly FlowResult[]) => ({
  p50Ms: Math.round(
    percentile(
      rs.map((r) => r.ms),
      50,
    ),
  ),
  p95Ms: Math.round(
    percentile(
      rs.map((r) => r.ms),
      95,
    ),
  ),
});
const outcomes = Object.fromEntries(
  countBy(
    results.map(
      (r) =>
        `${r.kind} ${r.outcome ?? `stopped: ${r.failure}`}${r.outcome !== "PASS" && r.reasons.length > 0 ? ` (${r.reasons.join(", ")})` : ""}`,
    ),
  ),
);
const faultPhase = results.filter((r) => r.endedAt >= faultsStarted);
const summary = {
  instances: INSTANCES,
  kills,
  leaderKills,
  acknowledgedRecords: passes.length + ackedRecords.size,
  lost: lostDecisions + lostRecords,
  duplicated,
  decidedTwice,
  acknowledgedSessions,
  sessionsChecked,
  sessionsLost,
  failoverP50Ms: percentile(failovers, 50),
  failoverP95Ms: percentile(failovers, 95),
  restartP50Ms: percentile(restarts, 50),
  retriedRequests: balancer.retries(),
  sessionsContinuedElsewhere: results.filter((r) => r.sessionId !== null && continuedElsewhere.has(r.sessionId)).length,
  waitedForTakeover: results.filter((r) => decided(r) && r.ms >= TAKEOVER_WAIT_MS).length,
};
printTable("bench:ha (SIGKILL of an instance every few seconds, the leader on every other kill)", [summary]);
printTable("decisions (onboardings and re-onboardings over HTTP, round-robin) per minute", [one, three]);
printTable("decisions, request time from session to decision (frame synthesis excluded), whole run", [
  { flow: "onboarding (full eKYC)", n: byKind("onboarding").length, ...latency(byKind("onboarding")) },
  { flow: "re-onboarding", n: byKind("re-onboarding").length, ...latency(byKind("re-onboarding")) },
]);
say(`\noutcomes: ${JSON.stringify(outcomes)}`);
say(
  `3 instances / 1 instance: ${(three.perMinute / one.perMinute).toFixed(2)}x. On this machine's ` +
    `cores the instances, PostgreSQL, the chain, bank A and the customers' frame synthesis share the CPU: ` +
    `the ratio shows the overhead, not a gain.`,
);
writeResults("ha", {
  ...summary,
  failoversMs: failovers,
  decisions: {
    total: results.filter(decided).length,
    duringFaults: faultPhase.filter(decided).length,
    pass: passes.length,
    onboarding: { n: byKind("onboarding").length, ...latency(byKind("onboarding")) },
    reonboarding: { n: byKind("re-onboarding").length, ...latency(byKind("re-onboarding")) },
    outcomes,
  },
  recordsThroughVault: ackedRecords.size,
  throughput: {
    customersInFlight: CUSTOMERS,
    phaseSeconds: PHASE_MS / 1000,
    oneInstanceDecisionsPerMinute: one.perMinute,
    threeInstancesDecisionsPerMinute: three.perMinute,
    ratio: Number((three.perMinute / one.perMinute).toFixed(2)),
  },
  faultsSeconds: Math.round((faultsEnded - faultsStarted) / 1000),
  loadAverageAtEnd: loadavg().map((l) => Number(l.toFixed(2))),
  traffic:
    "full-eKYC onboardings and re-onboardings (of bank A's customers) at bank B over HTTP through the SDK, each request to the next instance up; bank A in process on LevelDB",
});

await cleanUp();
