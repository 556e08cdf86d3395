/**
 * High availability under faults (npm run bench:ha, issue 20): three instances of one bank's node
 * on one PostgreSQL and one chain, each a child process (bench/lib/ha-instance.ts) killed with
 * SIGKILL every few seconds (with at least two up), the leader on every other kill.
 *
 * Traffic (a lighter but real mix): every instance stores verified records through its vault (the
 * atomic write a PASS decision makes: sealed record, outbox entry, audit entry) as fast as it can;
 * the parent drives onboarding sessions over HTTP round-robin (create on one instance, upload the
 * card's front on the next, read it back on the third). No model runs: with three node processes on
 * this machine's cores a decision through the real models would take seconds, too few to pass 10
 * leader kills within the bench's 10 minutes; bench:reonboard and bench:flows measure decisions.
 *
 * Reported: acknowledged records lost (missing or never anchored once the faults stop), records
 * anchored twice (an `Attested` uid seen twice on chain), acknowledged sessions lost (a session an
 * instance acknowledged that another later does not know), failover p50/p95 (SIGKILL of the leader
 * to the next term in `leader/term`), and throughput with 1 against 3 instances. On 2 cores the
 * three instances share the same CPU with PostgreSQL and the chain: the ratio shows the overhead of
 * several instances (shared locks, leader election), not a gain.
 */
import { fork, type ChildProcess } from "node:child_process";
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { id as topicOf, JsonRpcProvider, Wallet } from "ethers";
import { peerKeyPath } from "../node/src/node.ts";
import { openPostgresRecordStore } from "../node/src/vault/store/postgres/postgres-record-store.ts";
import { freePort } from "../scripts/lib/local-chain.ts";
import { prepareOneBank } from "../test/support/one-bank.ts";
import { startPostgresCluster } from "../scripts/postgres/cluster.ts";
import { percentile, printTable, writeResults } from "./lib/report.ts";

const INSTANCES = 3;
/** Kills at least this many instances, and the leader at least LEADER_KILLS times (every other kill). */
const KILLS = Number(process.env.BENCH_HA_KILLS ?? 12);
const LEADER_KILLS = Number(process.env.BENCH_HA_LEADER_KILLS ?? 10);
const KILL_EVERY_MS = Number(process.env.BENCH_HA_KILL_EVERY_MS ?? 4_000);
const PHASE_MS = Number(process.env.BENCH_HA_PHASE_MS ?? 15_000);
const SESSION_LOOPS = 3;
const CHILD = fileURLToPath(new URL("./lib/ha-instance.ts", import.meta.url));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const say = (line: string) => process.stdout.write(`${line}\n`);

const dir = mkdtempSync(join(tmpdir(), "kycnet-bench-ha-"));
const { chain, setup, base } = await prepareOneBank(dir);
const bank = setup.banks[0]!;
const cluster = await startPostgresCluster();
const connectionString = await cluster.createDatabase("bench_ha");
const store = await openPostgresRecordStore({ connectionString });
/** Everything started here goes, also when the bench is interrupted (a timeout, ^C). */
async function cleanUp() {
  for (const instance of instances) instance.child?.kill("SIGKILL");
  await store.close().catch(() => undefined);
  await cluster.destroy().catch(() => undefined);
  await chain.stop().catch(() => undefined);
  rmSync(dir, { recursive: true, force: true });
}
for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.once(signal, () => {
    void cleanUp().finally(() => process.exit(130));
  });

/** Records and session steps acknowledged to the client, counted per phase for throughput. */
const ackedRecords = new Set<string>();
const ackedSessions = new Set<string>();
let opsCount = 0;

const instances: Instance[] = [];
interface Instance {
  readonly index: number;
  readonly port: number;
  readonly dataDir: string;
  child: ChildProcess | null;
  holder: string | null;
  up: boolean;
}

function spawnInstance(instance: Instance, store: string, onReady?: () => void): Promise<void> {
  const child = fork(CHILD, [bank.configPath, instance.dataDir, String(instance.port), store], {
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
        onReady?.();
        resolve();
      }
      if (message.ack !== undefined) {
        ackedRecords.add(message.ack);
        opsCount += 1;
      }
    });
    child.on("exit", (code, signal) => {
      if (instance.child === child) instance.up = false;
      reject(new Error(`instance ${instance.index} exited (${code ?? signal}) before it was ready`));
    });
  });
}

for (let i = 0; i < INSTANCES; i++) {
  const dataDir = join(dir, `instance-${i}`);
  mkdirSync(dataDir, { recursive: true });
  instances.push({ index: i, port: await freePort(), dataDir, child: null, holder: null, up: false });
}

// The bank's peer key, made by one LevelDB start; every instance serves with it.
{
  const init: Instance = {
    index: -1,
    port: await freePort(),
    dataDir: base.dataDir,
    child: null,
    holder: null,
    up: false,
  };
  await spawnInstance(init, "level");
  const exited = new Promise((resolve) => init.child!.once("exit", resolve));
  init.child!.send({ stop: true });
  await exited;
  for (const instance of instances) copyFileSync(peerKeyPath(base.dataDir), peerKeyPath(instance.dataDir));
}

const headers = { authorization: `Bearer ${bank.apiKeys.operator}` };
const front = Buffer.alloc(64 * 1024, 0x5a);
front.set([0xff, 0xd8, 0xff, 0xe0]);
let sessionsLost = 0;
let sessionTraffic = true;
let next = 0;
const live = () => instances.filter((i) => i.up);
const pick = () => {
  const up = live();
  return up.length === 0 ? null : up[next++ % up.length]!;
};
const call = (instance: Instance, path: string, init: RequestInit = {}) =>
  fetch(`http://127.0.0.1:${instance.port}${path}`, {
    ...init,
    headers: { ...headers, ...(init.headers as Record<string, string> | undefined) },
    signal: AbortSignal.timeout(5_000),
  });

async function sessionLoop() {
  while (sessionTraffic) {
    try {
      const a = pick();
      if (a === null) {
        await sleep(100);
        continue;
      }
      const created = await call(a, "/v1/onboarding/sessions", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ subject: Wallet.createRandom().address }),
      });
      if (created.status !== 201 && created.status !== 200) continue;
      const { sessionId } = (await created.json()) as { sessionId: string };
      ackedSessions.add(sessionId);
      opsCount += 1;
      const b = pick();
      if (b === null) continue;
      const uploaded = await call(b, `/v1/onboarding/sessions/${sessionId}/documents/front`, {
        method: "PUT",
        headers: { "content-type": "image/jpeg" },
        body: front,
      });
      if (uploaded.status === 404) sessionsLost += 1;
      if (uploaded.ok) opsCount += 1;
      const c = pick();
      if (c === null) continue;
      const read = await call(c, `/v1/onboarding/sessions/${sessionId}`);
      if (read.status === 404) sessionsLost += 1;
      if (read.ok) opsCount += 1;
    } catch {
      // An instance killed under the request: not acknowledged, nothing to count.
    }
  }
}

/** Throughput phases write as fast as they can; during the kills each instance paces its writes, leaving CPU for restarts. */
let paceMs = 0;
const KILL_PHASE_PACE_MS = 250;
const setWriting = (write: boolean) => {
  for (const instance of live()) instance.child!.send({ write, paceMs });
};
async function phase(name: string): Promise<{ phase: string; instances: number; opsPerSecond: number }> {
  const before = opsCount;
  setWriting(true);
  const started = Date.now();
  await sleep(PHASE_MS);
  const opsPerSecond = ((opsCount - before) * 1000) / (Date.now() - started);
  return { phase: name, instances: live().length, opsPerSecond: Number(opsPerSecond.toFixed(1)) };
}

say(`bench:ha: ${INSTANCES} instances of ${bank.name ?? "Bank A"} on one PostgreSQL and one chain`);
await spawnInstance(instances[0]!, connectionString);
const loops = Array.from({ length: SESSION_LOOPS }, () => sessionLoop());
const one = await phase("1 instance");
await Promise.all(instances.slice(1).map((i) => spawnInstance(i, connectionString)));
setWriting(true);
const three = await phase("3 instances");
say(`throughput: 1 instance ${one.opsPerSecond} ops/s, 3 instances ${three.opsPerSecond} ops/s`);
paceMs = KILL_PHASE_PACE_MS;
setWriting(true);

interface LeaderTermValue {
  readonly term: number;
  readonly holder: string;
}
const readTerm = async () => ((await store.get("leader/term")) as unknown as LeaderTermValue | undefined) ?? null;

const failovers: number[] = [];
let kills = 0;
let leaderKills = 0;
const restarts: number[] = [];
/** A leader and at least one follower up, so that a kill of the leader has someone to fail over to. */
const twoUp = async () => {
  while (live().length < 2) await sleep(50);
};
for (let k = 0; kills < KILLS || leaderKills < LEADER_KILLS; k++) {
  // Each kill finds at least two instances up: failover is measured with a follower ready to take over.
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
      if (Date.now() - killedAt > 30_000) throw new Error("no new leader within 30 s of a leader kill");
      await sleep(20);
    }
    failovers.push(Date.now() - killedAt);
  }
  // Restarted at once; it serves again (and may lead again) once started.
  void spawnInstance(target, connectionString, () => {
    restarts.push(Date.now() - killedAt);
    target.child!.send({ write: true, paceMs });
  }).catch(() => undefined);
  say(
    `kill ${kills}: instance ${target.index}${target === leader ? ` (leader, failover ${failovers.at(-1)} ms)` : ""}` +
      `, restarts so far p50 ${percentile(restarts, 50)} ms`,
  );
}

// Faults over: let every instance come back, stop the traffic, and let the leader anchor what is left.
sessionTraffic = false;
await Promise.all(loops);
await Promise.all(
  instances.map(async (i) => {
    while (!i.up) await sleep(100);
  }),
);
setWriting(false);
await sleep(1_000);

const check = (instance: Instance, ids: readonly string[]) =>
  new Promise<Record<string, string | null>>((resolve) => {
    const listener = (message: { checked?: Record<string, string | null> }) => {
      if (message.checked === undefined) return;
      instance.child!.off("message", listener);
      resolve(message.checked);
    };
    instance.child!.on("message", listener);
    instance.child!.send({ check: ids });
  });
const ids = [...ackedRecords];
let checked: Record<string, string | null>;
const drainUntil = Date.now() + 120_000;
for (;;) {
  checked = await check(instances[0]!, ids);
  if (Object.values(checked).every((uid) => uid !== null && uid !== "") || Date.now() > drainUntil) break;
  await sleep(1_000);
}
const lost = Object.values(checked).filter((uid) => uid === null || uid === "").length;

// Every Attested event of the registry: a uid seen twice was anchored twice.
const provider = new JsonRpcProvider(chain.url);
const logs = await provider.getLogs({
  address: setup.addresses.attestations,
  topics: [topicOf("Attested(bytes32,address,address,bytes32)")],
  fromBlock: 0,
  toBlock: "latest",
});
const seen = new Map<string, number>();
for (const log of logs) seen.set(log.topics[1]!, (seen.get(log.topics[1]!) ?? 0) + 1);
const duplicated = [...seen.values()].filter((n) => n > 1).length;
const anchoredOnChain = new Set(seen.keys());
const notOnChain = Object.values(checked).filter(
  (uid) => uid !== null && uid !== "" && !anchoredOnChain.has(uid),
).length;

// Every acknowledged session is still known to an instance.
for (const sessionId of ackedSessions) {
  const response = await call(instances[ackedSessions.size % INSTANCES]!, `/v1/onboarding/sessions/${sessionId}`);
  if (response.status === 404) sessionsLost += 1;
}

printTable("bench:ha (SIGKILL of an instance every few seconds, the leader on every other kill)", [
  {
    instances: INSTANCES,
    kills,
    leaderKills,
    records: ids.length,
    lost: lost + notOnChain,
    duplicated,
    sessions: ackedSessions.size,
    sessionsLost,
    failoverP50Ms: percentile(failovers, 50),
    failoverP95Ms: percentile(failovers, 95),
    restartP50Ms: percentile(restarts, 50),
  },
]);
printTable("throughput (records stored + session steps acknowledged per second)", [one, three]);
say(
  `\n3 instances / 1 instance: ${(three.opsPerSecond / one.opsPerSecond).toFixed(2)}x. On this machine's ` +
    `cores the instances, PostgreSQL and the chain share the CPU: the ratio shows the overhead, not a gain.`,
);
writeResults("ha", {
  instances: INSTANCES,
  kills,
  leaderKills,
  acknowledgedRecords: ids.length,
  lost: lost + notOnChain,
  duplicated,
  acknowledgedSessions: ackedSessions.size,
  sessionsLost,
  failoverP50Ms: percentile(failovers, 50),
  failoverP95Ms: percentile(failovers, 95),
  failoversMs: failovers,
  restartP50Ms: percentile(restarts, 50),
  throughput: { oneInstanceOpsPerSecond: one.opsPerSecond, threeInstancesOpsPerSecond: three.opsPerSecond },
  traffic: "records stored through each instance's vault + sessions over HTTP round-robin; no model runs",
});

provider.destroy();
await cleanUp();
