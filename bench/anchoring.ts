/**
 * Anchoring throughput (npm run bench:anchoring): see bench/lib/anchoring.ts. Target (docs/architecture.md
 * §7): ≥ 10,000 records/min per node, against one record per transaction in the same run.
 */
import { measureAnchoring } from "./lib/anchoring.ts";
import { printTable, writeResults } from "./lib/report.ts";

const RECORDS = Number(process.env.BENCH_RECORDS ?? 4096);
const { baseline, batched } = await measureAnchoring(RECORDS);
printTable("Anchoring throughput (LevelDB vault, SoftHSM2 seal + signing, JSON-RPC chain)", [baseline, batched]);
const ratio = batched.anchorPerMin / baseline.anchorPerMin;
process.stdout.write(`\nbatched anchoring is ${ratio.toFixed(1)}x the one-per-transaction baseline\n`);
writeResults("anchoring", {
  records: RECORDS,
  anchoredPerMinute: batched.anchorPerMin,
  storedPerMinute: batched.storePerMin,
  baselineAnchoredPerMinute: baseline.anchorPerMin,
  ratioToBaseline: Number(ratio.toFixed(2)),
  target: { anchoredPerMinute: 10_000, met: batched.anchorPerMin >= 10_000 },
  runs: [baseline, batched],
});
