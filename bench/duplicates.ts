/**
 * Duplicate-identity search inside one bank (issue 21): how long one onboarding's check takes against
 * an index of 1,000 / 10,000 / 100,000 face templates (512 dimensions, the face model's size), by brute
 * force over one contiguous Float32Array, plus the time to build the index. Templates are random unit
 * vectors (their similarity distribution does not change a brute-force scan's cost); half the
 * queries are planted duplicates, to check that the search finds them. Wall time and this process's
 * CPU time per check are both reported: on a shared machine the wall time includes waiting for a core.
 * Run: npm run bench:duplicates   (KYCNET_BENCH_QUERIES=<n> checks per size, default 200)
 */
import { randomBytes } from "node:crypto";
import { loadavg } from "node:os";
import { DuplicateIndex } from "../node/src/onboarding/duplicate-index.ts";
import { seededRandom } from "../node/src/ekyc/checks/national-id/simulator/citizens.ts";
import { percentile, printTable, writeResults, type Row } from "./lib/report.ts";

const DIMENSIONS = 512;
const SIZES = [1_000, 10_000, 100_000];
const QUERIES = Number(process.env.KYCNET_BENCH_QUERIES ?? 200);
const rand = seededRandom(21);

function unitVector(): Float32Array {
  const v = new Float32Array(DIMENSIONS);
  let norm = 0;
  for (let i = 0; i < DIMENSIONS; i++) {
    // Sum of uniforms: close enough to Gaussian for a direction spread over the sphere.
    const x = rand() + rand() + rand() - 1.5;
    v[i] = x;
    norm += x * x;
  }
  return v.map((x) => x / Math.sqrt(norm));
}

const idOf = (n: number) => String(1_000_000_000_00 + n).padStart(12, "0");

const rows: Row[] = [];
const results: Record<string, unknown>[] = [];
for (const size of SIZES) {
  const index = new DuplicateIndex({
    idKey: randomBytes(32),
    dimensions: DIMENSIONS,
    sameFaceAtLeast: 0.39,
    otherFaceBelow: 0.25,
  });
  const templates = Array.from({ length: size }, unitVector);
  // Building the index from templates already decoded (what a start-up does after unsealing them).
  const buildStart = performance.now();
  for (const [n, embedding] of templates.entries()) index.add({ recordId: `rec_${n}`, idNumber: idOf(n), embedding });
  const buildMs = performance.now() - buildStart;
  const times: number[] = [];
  const cpuTimes: number[] = [];
  let found = 0;
  for (let q = 0; q < QUERIES; q++) {
    // Every other query is a planted duplicate: an indexed face under a new number.
    const planted = q % 2 === 0;
    const embedding = planted ? templates[q]! : unitVector();
    const t = performance.now();
    const cpu = process.cpuUsage();
    const findings = index.check({ idNumber: idOf(size + q), embedding });
    const used = process.cpuUsage(cpu);
    times.push(performance.now() - t);
    cpuTimes.push((used.user + used.system) / 1000);
    if (planted && findings.some((f) => f.kind === "SAME_FACE_OTHER_ID" && f.recordId === `rec_${q}`)) found++;
  }
  times.sort((a, b) => a - b);
  cpuTimes.sort((a, b) => a - b);
  const entry = {
    templates: size,
    dimensions: DIMENSIONS,
    queries: QUERIES,
    buildMs: Math.round(buildMs),
    p50Ms: Number(percentile(times, 50).toFixed(2)),
    p95Ms: Number(percentile(times, 95).toFixed(2)),
    cpuP50Ms: Number(percentile(cpuTimes, 50).toFixed(2)),
    cpuP95Ms: Number(percentile(cpuTimes, 95).toFixed(2)),
    plantedFound: `${found}/${Math.ceil(QUERIES / 2)}`,
    memoryMiB: Number(((size * DIMENSIONS * 4) / 2 ** 20).toFixed(1)),
  };
  results.push(entry);
  rows.push(entry);
}

printTable("duplicate search (brute force, one thread)", rows);
writeResults("duplicates", {
  method: "brute force: cosine over one contiguous Float32Array, one thread",
  loadAverage: loadavg(),
  sizes: results,
});
