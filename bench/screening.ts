/**
 * Sanctions screening throughput: the indexed list against a naive linear scan, on the same
 * generated 20,000-entry list in the same run. Reports index build time, screenings/s and p50/p95
 * latency for each, the speed-up, whether the index returns exactly what the scan returns on the
 * baseline queries, and recall of planted (perturbed) list names.
 * Run: npm run bench:screening   (KYCNET_BENCH_QUERIES=<n>, default 5000; baseline uses n/25)
 *
 * The indexed list caches per query token its similar vocabulary tokens; customers' names reuse a
 * small set of Vietnamese syllables, so that cache warms quickly here as it does in production.
 * Throughput is reported per wall second and per CPU second of this process (the machine is shared;
 * the load average is recorded).
 */
import { IndexedSanctionsList } from "../node/src/ekyc/checks/sanctions/indexed-list.ts";
import { LinearSanctionsList } from "../node/src/ekyc/checks/sanctions/linear-list.ts";
import type {
  SanctionsEntry,
  SanctionsList,
  SanctionsSnapshot,
  ScreeningQuery,
  ScreeningResult,
} from "../node/src/ekyc/checks/sanctions/port.ts";
import { randomVietnameseName, seededRandom } from "../node/src/ekyc/checks/national-id/simulator/citizens.ts";
import { foldName } from "../node/src/ekyc/checks/sanctions/normalise.ts";
import { loadavg } from "node:os";
import { percentile, printTable, writeResults, type Row } from "./lib/report.ts";

const LIST_SIZE = 20_000;
const QUERIES = Number(process.env.KYCNET_BENCH_QUERIES ?? 5_000);
const BASELINE_QUERIES = Math.max(50, Math.floor(QUERIES / 25));
const PLANTED_SHARE = 0.1;
/**
 * Share of listed individuals with Vietnamese names. Real UN/OFAC lists hold few; our generator
 * draws from a small name pool (20 family x 10 middle x 20 given names per sex), so a large share
 * would make ordinary customers collide with listed names far more than in reality.
 */
const VIETNAMESE_SHARE = 0.02;
const rand = seededRandom(20_000);
const pick = <T>(items: readonly T[]): T => items[Math.floor(rand() * items.length)] as T;

// Synthetic international names: syllables from a few phonetic inventories, so token frequencies
// look like a real list (a long tail, some very common tokens).
const ONSETS = [
  "b",
  "d",
  "f",
  "g",
  "h",
  "k",
  "kh",
  "l",
  "m",
  "n",
  "r",
  "s",
  "sh",
  "t",
  "v",
  "y",
  "z",
  "al",
  "ab",
  "ch",
];
const NUCLEI = ["a", "e", "i", "o", "u", "ai", "ou", "ei", "ia", "ar", "an", "in", "ov", "ed", "im"];
const COMMON = ["mohammad", "ali", "ahmad", "abdul", "hassan", "ivan", "sergei", "kim", "park", "li", "wang", "al"];
const COMPANY = [
  "trading",
  "shipping",
  "holdings",
  "company",
  "limited",
  "group",
  "international",
  "bank",
  "industrial",
  "petroleum",
];

function syllableName(): string {
  const parts = 2 + Math.floor(rand() * 3);
  const tokens: string[] = [];
  for (let i = 0; i < parts; i++) {
    if (rand() < 0.15) tokens.push(pick(COMMON));
    else {
      let t = "";
      const syllables = 1 + Math.floor(rand() * 3);
      for (let s = 0; s < syllables; s++) t += pick(ONSETS) + pick(NUCLEI);
      tokens.push(t);
    }
  }
  return tokens.join(" ").toUpperCase();
}

function randomDate(): string {
  const y = 1940 + Math.floor(rand() * 60);
  return `${y}-${String(1 + Math.floor(rand() * 12)).padStart(2, "0")}-${String(1 + Math.floor(rand() * 28)).padStart(2, "0")}`;
}

function generateList(): SanctionsSnapshot {
  const entries: SanctionsEntry[] = [];
  for (let i = 0; i < LIST_SIZE; i++) {
    const isEntity = rand() < 0.1;
    const vietnamese = !isEntity && rand() < VIETNAMESE_SHARE;
    const primary = isEntity
      ? `${syllableName().split(" ")[0]} ${pick(COMPANY)} ${pick(COMPANY)}`.toUpperCase()
      : vietnamese
        ? foldName(randomVietnameseName(rand, rand() < 0.5 ? "M" : "F")).toUpperCase()
        : syllableName();
    const aliases: string[] = [];
    const aliasCount = rand() < 0.3 ? 1 + Math.floor(rand() * 2) : 0;
    for (let a = 0; a < aliasCount; a++)
      aliases.push(primary.split(" ").reverse().join(" ") + (rand() < 0.5 ? "" : ` ${syllableName().split(" ")[0]}`));
    const dob = randomDate();
    entries.push({
      id: `BENCH:${i}`,
      source: rand() < 0.5 ? "UN_CONSOLIDATED" : "OFAC_SDN",
      reference: String(i),
      kind: isEntity ? "ENTITY" : "INDIVIDUAL",
      names: [primary, ...aliases],
      datesOfBirth:
        isEntity || rand() < 0.2
          ? []
          : [{ fromYear: Number(dob.slice(0, 4)), toYear: Number(dob.slice(0, 4)), date: dob }],
      nationalities: vietnamese ? ["VNM"] : [],
      programs: ["BENCH"],
    });
  }
  return { version: `bench@${LIST_SIZE}`, entries };
}

/** A list name disguised the ways the tests expect screening to see through. */
function perturb(name: string): string {
  let tokens = name.toLowerCase().split(" ");
  const r = rand();
  if (r < 0.3 && tokens.length > 2)
    tokens.splice(1, 1); // drop a middle name
  else if (r < 0.6)
    tokens = tokens.reverse(); // other order
  else {
    // one transposition in the longest token
    const i = tokens.reduce((best, t, k) => (t.length > (tokens[best] as string).length ? k : best), 0);
    const t = tokens[i] as string;
    if (t.length > 4) tokens[i] = t.slice(0, 2) + (t[3] as string) + (t[2] as string) + t.slice(4);
  }
  return tokens.join(" ");
}

interface Query {
  query: ScreeningQuery;
  plantedId?: string;
}

function generateQueries(snapshot: SanctionsSnapshot, n: number): Query[] {
  const out: Query[] = [];
  for (let i = 0; i < n; i++) {
    if (rand() < PLANTED_SHARE) {
      const entry = pick(snapshot.entries.filter((e) => e.kind === "INDIVIDUAL").slice(0, 2_000));
      out.push({ query: { fullName: perturb(entry.names[0] as string) }, plantedId: entry.id });
    } else {
      out.push({
        query: {
          fullName: randomVietnameseName(rand, rand() < 0.5 ? "M" : "F"),
          dateOfBirth: randomDate(),
          nationality: "VNM",
        },
      });
    }
  }
  return out;
}

interface Measurement {
  perSecond: number;
  /** Screenings per second of this process's CPU time: steadier than wall time on a shared machine. */
  perCpuSecond: number;
  p50: number;
  p95: number;
  results: ScreeningResult[];
}

function measure(list: SanctionsList, queries: readonly Query[]): Measurement {
  for (const q of queries.slice(0, 50)) list.screen(q.query); // warm-up (JIT)
  const latencies: number[] = [];
  const results: ScreeningResult[] = [];
  const cpuStart = process.cpuUsage();
  const started = performance.now();
  for (const q of queries) {
    const t0 = performance.now();
    results.push(list.screen(q.query));
    latencies.push(performance.now() - t0);
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;
  return {
    perSecond: queries.length / seconds,
    perCpuSecond: queries.length / cpuSeconds,
    p50: percentile(latencies, 50),
    p95: percentile(latencies, 95),
    results,
  };
}

function timeBuild<T>(build: () => T): { value: T; ms: number } {
  const t0 = performance.now();
  const value = build();
  return { value, ms: performance.now() - t0 };
}

const snapshot = generateList();
const queries = generateQueries(snapshot, QUERIES);
const indexedBuild = timeBuild(() => new IndexedSanctionsList(snapshot));
const linearBuild = timeBuild(() => new LinearSanctionsList(snapshot));
const indexed = measure(indexedBuild.value, queries);
const baselineQueries = queries.slice(0, BASELINE_QUERIES);
const linear = measure(linearBuild.value, baselineQueries);

const agree = baselineQueries.filter(
  (_, i) => JSON.stringify(indexed.results[i]) === JSON.stringify(linear.results[i]),
).length;
const hitSummary = (r: ScreeningResult | undefined) => (r?.hits ?? []).map((h) => `${h.matchedName} (${h.score})`);
const disagreements = baselineQueries
  .map((q, i) => ({
    query: q.query.fullName,
    indexed: hitSummary(indexed.results[i]),
    linear: hitSummary(linear.results[i]),
  }))
  .filter((d) => JSON.stringify(d.indexed) !== JSON.stringify(d.linear))
  .slice(0, 10);
for (const d of disagreements) process.stdout.write(`differs: ${JSON.stringify(d)}\n`);
const planted = queries
  .map((q, i) => ({ q, r: indexed.results[i] as ScreeningResult }))
  .filter(({ q }) => q.plantedId !== undefined);
const found = planted.filter(({ q, r }) => r.hits.some((h) => h.entryId === q.plantedId)).length;
const customerQueries = queries
  .map((q, i) => ({ q, r: indexed.results[i] as ScreeningResult }))
  .filter(({ q }) => q.plantedId === undefined);
const customerHits = customerQueries.filter(({ r }) => r.hits.length > 0).length;

const rows: Row[] = [
  {
    adapter: "indexed",
    queries: queries.length,
    "build ms": indexedBuild.ms,
    "screenings/s": indexed.perSecond,
    "per CPU-s": indexed.perCpuSecond,
    "p50 ms": indexed.p50,
    "p95 ms": indexed.p95,
  },
  {
    adapter: "linear scan",
    queries: baselineQueries.length,
    "build ms": linearBuild.ms,
    "screenings/s": linear.perSecond,
    "per CPU-s": linear.perCpuSecond,
    "p50 ms": linear.p50,
    "p95 ms": linear.p95,
  },
];
printTable(`Sanctions screening, ${LIST_SIZE.toLocaleString("en-US")}-entry generated list`, rows);
const summary: Row[] = [
  { measure: "speed-up (indexed / linear screenings/s)", value: indexed.perSecond / linear.perSecond },
  { measure: "machine load average (1 min, 2 cores)", value: loadavg()[0] ?? 0 },
  {
    measure: `identical results on ${baselineQueries.length} baseline queries`,
    value: `${agree}/${baselineQueries.length}`,
  },
  { measure: "recall of planted list names (perturbed)", value: `${found}/${planted.length}` },
  { measure: "ordinary customers with any hit (for review)", value: `${customerHits}/${customerQueries.length}` },
  { measure: "target >= 5,000 screenings/s", value: indexed.perSecond >= 5_000 ? "met" : "NOT met" },
];
printTable("Summary", summary);
writeResults("screening", {
  listEntries: LIST_SIZE,
  listNames: snapshot.entries.reduce((n, e) => n + e.names.length, 0),
  queries: queries.length,
  plantedShare: PLANTED_SHARE,
  threshold: indexed.results[0]?.threshold,
  loadAverage1m: loadavg()[0],
  indexed: {
    buildMs: indexedBuild.ms,
    screeningsPerSecond: indexed.perSecond,
    screeningsPerCpuSecond: indexed.perCpuSecond,
    p50Ms: indexed.p50,
    p95Ms: indexed.p95,
  },
  linear: {
    queries: baselineQueries.length,
    buildMs: linearBuild.ms,
    screeningsPerSecond: linear.perSecond,
    screeningsPerCpuSecond: linear.perCpuSecond,
    p50Ms: linear.p50,
    p95Ms: linear.p95,
  },
  speedup: indexed.perSecond / linear.perSecond,
  identicalResultsOnBaseline: { agree, of: baselineQueries.length, examplesOfDifferences: disagreements },
  plantedRecall: { found, of: planted.length },
  ordinaryCustomersWithHits: { withHits: customerHits, of: customerQueries.length },
  targetScreeningsPerSecond: 5_000,
  targetMet: indexed.perSecond >= 5_000,
});
