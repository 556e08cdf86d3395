/**
 * bench:console — the reviewer console's pages with 10,000 cases in the queue (target: p95 <= 200 ms).
 *
 * The node's review side as the console tests build it (test/node/api/console/console-node.ts): the
 * real app listening on 127.0.0.1, LevelDB vault, real review queue and evidence store, in-memory key
 * manager (AES-GCM in process; the HSM is measured by bench:hsm). 10,000 held records are stored, each
 * with sealed evidence (a summary; one in 100 also a card image and a selfie frame) and a REVIEW case, reasons spread over
 * four codes, one of which is rare (1 %). A signed-in reviewer then requests each page REQUESTS times
 * in a row (after a warm-up), one request at a time, as a person browsing does. The baseline is the
 * JSON API's first page of the same queue (GET /v1/review/cases), measured in the same run.
 *
 *   npm run bench:console       (env: CONSOLE_BENCH_CASES, CONSOLE_BENCH_REQUESTS)
 */
import { execSync } from "node:child_process";
import sharp from "sharp";
import type { DecisionResult } from "../node/src/ekyc/decision/types.ts";
import { startConsoleNode } from "../test/node/api/console/console-node.ts";
import { verifiedRecord } from "../test/node/vault/fixtures.ts";
import { percentile, printTable, writeResults, type Row } from "./lib/report.ts";

const CASES = Number(process.env.CONSOLE_BENCH_CASES ?? 10_000);
const REQUESTS = Number(process.env.CONSOLE_BENCH_REQUESTS ?? 200);
const WARMUP = 20;
const TARGET_P95_MS = 200;
const NOW = BigInt(Math.floor(Date.now() / 1000));
const REASONS = ["SANCTIONS_NOT_SCREENED", "DOCUMENT_FIELDS_DISAGREE", "FACE_MATCH_BORDERLINE"] as const;
const RARE_REASON = "REGISTRY_UNAVAILABLE";

function decisionFor(i: number): DecisionResult {
  const code = i % 100 === 0 ? RARE_REASON : REASONS[i % REASONS.length]!;
  return {
    decision: "REVIEW",
    reasons: [{ code, outcome: "REVIEW" }],
    assuranceLevel: 1,
    method: "FULL_EKYC",
    dailyLimitVnd: "100000000",
    ruleSetVersion: "bench",
    asOf: new Date().toISOString().slice(0, 10),
  };
}

async function main(): Promise<void> {
  const node = await startConsoleNode({ fourEyesReasons: ["SANCTIONS_HIT"] });
  // A card-sized JPEG of noise (~ the size of a phone capture after our upload limits), not a real card.
  const noise = Buffer.from(Array.from({ length: 1000 * 630 * 3 }, () => Math.floor(Math.random() * 256)));
  const card = new Uint8Array(
    await sharp(noise, { raw: { width: 1000, height: 630, channels: 3 } })
      .jpeg({ quality: 80 })
      .toBuffer(),
  );
  const summary = new TextEncoder().encode(
    JSON.stringify({
      fields: [{ field: "fullName", value: "NGUYỄN VĂN THỬ", source: "qr", agreement: "agree", readings: {} }],
      disagreements: [],
      signals: [],
      face: {
        reference: "card",
        similarity: 0.41,
        score: 80,
        band: "review",
        reasons: [],
        activeLivenessPassed: true,
        passiveLivenessMin: 0.9,
      },
      registry: { status: "MATCH", detail: "" },
      sanctions: null,
      chip: null,
      source: null,
    }),
  );
  const t0 = performance.now();
  let firstCase = "";
  for (let i = 0; i < CASES; i++) {
    const { record, attestation } = verifiedRecord(i);
    const meta = await node.vault.storeVerifiedRecord({
      record,
      attestation: attestation(NOW),
      actor: "bench",
      hold: true,
    });
    // Every case has its sealed summary (what the case page opens); one in 100 also its images, which
    // only the image request reads (10,000 x 3 images would make this a disk benchmark of the fill).
    const images: Array<[string, Uint8Array]> =
      i % 100 === 50
        ? [
            ["front", card],
            ["frame-0", card],
          ]
        : [];
    await node.evidence.seal(meta.id, new Map([["summary", summary], ...images]), "bench");
    const opened = await node.queue.open({
      recordId: meta.id,
      sessionId: `sess_${i}`,
      decision: decisionFor(i),
      evidence: [],
      actor: "bench",
    });
    if (i === Math.floor(CASES / 200) * 100 + 50) firstCase = opened.caseId; // mid-queue, with images
    if (i % 1000 === 999) process.stdout.write(`${i + 1} cases stored\n`);
  }
  const fillSeconds = (performance.now() - t0) / 1000;
  process.stdout.write(`stored ${CASES} held records, evidence and cases in ${fillSeconds.toFixed(1)} s\n`);

  const signIn = await fetch(`${node.url}/console/sign-in`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ apiKey: node.keys["reviewer-1"] }).toString(),
    redirect: "manual",
  });
  const cookie = /kycnet_console=[^;]+/.exec(signIn.headers.get("set-cookie") ?? "")![0];
  const lastPage = await lastCursor(node.url, cookie);

  const pages: Array<{ page: string; path: string; headers: Record<string, string> }> = [
    {
      page: "JSON API first page (baseline)",
      path: "/v1/review/cases?limit=50",
      headers: { authorization: `Bearer ${node.keys["reviewer-1"]}` },
    },
    { page: "queue, first page", path: "/console", headers: { cookie } },
    { page: `queue, reason ${RARE_REASON} (1 %)`, path: `/console?reason=${RARE_REASON}`, headers: { cookie } },
    { page: "queue, status CLAIMED (none claimed)", path: "/console?status=CLAIMED", headers: { cookie } },
    { page: "queue, last page (cursor)", path: `/console?cursor=${lastPage}`, headers: { cookie } },
    { page: "case page with evidence", path: `/console/cases/${firstCase}`, headers: { cookie } },
    { page: "evidence image", path: `/console/cases/${firstCase}/images/front`, headers: { cookie } },
  ];
  const rows: Row[] = [];
  let baselineP95 = Number.NaN;
  for (const p of pages) {
    const times: number[] = [];
    for (let i = 0; i < WARMUP + REQUESTS; i++) {
      const start = performance.now();
      const response = await fetch(`${node.url}${p.path}`, { headers: p.headers });
      await response.arrayBuffer();
      if (response.status !== 200) throw new Error(`${p.path}: ${response.status}`);
      if (i >= WARMUP) times.push(performance.now() - start);
    }
    const p95 = percentile(times, 95);
    if (Number.isNaN(baselineP95)) baselineP95 = p95;
    rows.push({
      page: p.page,
      p50_ms: Number(percentile(times, 50).toFixed(2)),
      p95_ms: Number(p95.toFixed(2)),
      max_ms: Number(Math.max(...times).toFixed(2)),
      vs_baseline_p95: Number((p95 / baselineP95).toFixed(2)),
      target: p95 <= TARGET_P95_MS ? "ok" : "MISSED",
    });
  }
  await node.close();
  printTable(`console pages, ${CASES.toLocaleString("en-US")} cases in the queue, ${REQUESTS} requests each`, rows);
  const cpu = execSync("lscpu | grep 'Model name' | head -1").toString().replace("Model name:", "").trim();
  writeResults("console", {
    cases: CASES,
    requestsPerPage: REQUESTS,
    targetP95Ms: TARGET_P95_MS,
    fillSeconds: Number(fillSeconds.toFixed(1)),
    cpu,
    rows,
  });
}

/** The cursor of the queue's last page, walked with the JSON API (50 per page). */
async function lastCursor(url: string, cookie: string): Promise<string> {
  let cursor = "";
  for (;;) {
    const html = await (
      await fetch(`${url}/console${cursor ? `?cursor=${cursor}` : ""}`, { headers: { cookie } })
    ).text();
    const next = /cursor=([\w-]+)" rel="next"/.exec(html);
    if (next === null) return cursor;
    cursor = next[1]!;
  }
}

await main();
