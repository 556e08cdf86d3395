/**
 * Chip verification latency: passive plus active authentication per chip (parse every elementary
 * file, SOD signature, DS chain to the CSCA, every data-group hash, the chip's answer to a fresh
 * challenge), p50 and p95, for RSA and ECDSA chips made by scripts/chip/. Also the two halves alone
 * and the portrait decode (JPEG through sharp, JPEG 2000 through OpenJPEG WebAssembly), which the
 * face match needs but the verification itself does not. Target: p95 ≤ 50 ms on 2 cores.
 * Run: npm run bench:chip   (KYCNET_BENCH_CHIPS=<n> per key kind, default 30; 5 rounds each).
 * Portraits come from the shared eval faces (KYCNET_EVAL_FACES, as for the card generator), else drawn.
 *
 * The chip's own work (signing the challenge) happens outside the timed region: on a real card it
 * runs on the chip. The machine is shared; the load average is recorded.
 *
 * Then the whole flow: full eKYC onboarding through the node's HTTP API on the benchmark consortium
 * (bench/lib/consortium.ts: chain, SoftHSM2, LevelDB, OCR, face model), level 1 (card + selfie) and
 * level 2 (chip + card + selfie against the chip portrait) alternately in the same run, p50/p95
 * (KYCNET_BENCH_FLOWS=<n> each, default 10; 0 skips it).
 */
import { loadavg } from "node:os";
import { ActiveAuthChallenges } from "../node/src/ekyc/document/chip/challenges.ts";
import { verifyActiveAuthentication } from "../node/src/ekyc/document/chip/active-auth.ts";
import { Dg2File } from "../node/src/ekyc/document/chip/dg2.ts";
import { Dg14File } from "../node/src/ekyc/document/chip/dg14.ts";
import { Dg15File } from "../node/src/ekyc/document/chip/dg15.ts";
import { verifyPassive } from "../node/src/ekyc/document/chip/passive-auth.ts";
import { decodePortrait } from "../node/src/ekyc/document/chip/portrait.ts";
import { CscaTrustStore } from "../node/src/ekyc/document/chip/trust-store.ts";
import { verifyChip } from "../node/src/ekyc/document/chip/verify-chip.ts";
import { answerChallenge } from "../scripts/chip/aa.ts";
import { createTestPki, generateChip, type GeneratedChip } from "../scripts/chip/generate.ts";
import { startBenchConsortium } from "./lib/consortium.ts";
import { percentile, printTable, writeResults, type Row } from "./lib/report.ts";

const CHIPS = Number(process.env.KYCNET_BENCH_CHIPS ?? 30);
const ROUNDS = 5;
const TARGET_P95_MS = 50;
const NOW = new Date("2026-06-01T00:00:00Z");

const time = async (run: () => unknown): Promise<number> => {
  const started = performance.now();
  await run();
  return performance.now() - started;
};

const summary = (key: string, stage: string, samples: number[]): Row => ({
  key,
  stage,
  n: samples.length,
  p50Ms: Number(percentile(samples, 50).toFixed(2)),
  p95Ms: Number(percentile(samples, 95).toFixed(2)),
  maxMs: Number(Math.max(...samples).toFixed(2)),
});

const rows: Row[] = [];
const correctness: Record<string, { valid: number; of: number; clonesRefused: number; clones: number }> = {};
const portraitBytes: Record<string, number> = {};
const loadBefore = loadavg();

for (const key of ["rsa", "ecdsa"] as const) {
  const pki = createTestPki(key);
  const trust = new CscaTrustStore();
  trust.addCertificate(pki.csca.certificate);
  const chips: GeneratedChip[] = [];
  for (let i = 0; i < CHIPS; i++) chips.push(await generateChip({ index: i, seed: 4_242, pki, variant: "valid" }));
  const clones: GeneratedChip[] = [];
  for (let i = 0; i < 5; i++)
    clones.push(await generateChip({ index: CHIPS + i, seed: 4_242, pki, variant: "cloned-chip" }));
  const challenges = new ActiveAuthChallenges();

  // Warm-up: JIT, OpenJPEG's WebAssembly instantiation, OpenSSL key caches.
  for (const c of chips.slice(0, 3)) await verifyChip(c.files, { trust, now: NOW });

  const full: number[] = [],
    passive: number[] = [],
    active: number[] = [],
    decode: number[] = [];
  let valid = 0;
  for (let round = 0; round < ROUNDS; round++) {
    for (const [i, c] of chips.entries()) {
      const session = `${key}-${round}-${i}`;
      challenges.issue(session);
      const challenge = challenges.consume(session);
      const response = answerChallenge(c.activeAuthenticationKey, challenge);
      let status = "";
      full.push(
        await time(async () => {
          status = (
            await verifyChip(c.files, {
              trust,
              now: NOW,
              activeAuthentication: { challenge, response },
              requireActiveAuthentication: true,
            })
          ).status;
        }),
      );
      if (status === "VALID") valid += 1;
      passive.push(await time(() => verifyPassive(c.files, trust, { now: NOW })));
      active.push(
        await time(() =>
          verifyActiveAuthentication(Dg15File.parse(c.files.DG15!), challenge, response, Dg14File.parse(c.files.DG14!)),
        ),
      );
      if (round === 0) decode.push(await time(() => decodePortrait(Dg2File.parse(c.files.DG2!).portrait)));
    }
  }
  let clonesRefused = 0;
  for (const [i, c] of clones.entries()) {
    const { challenge } = challenges.issue(`clone-${i}`);
    const response = answerChallenge(c.activeAuthenticationKey, challenges.consume(`clone-${i}`));
    const r = await verifyChip(c.files, { trust, now: NOW, activeAuthentication: { challenge, response } });
    if (r.failures.some((f) => f.code === "AA_FAILED")) clonesRefused += 1;
  }
  correctness[key] = { valid, of: full.length, clonesRefused, clones: clones.length };
  portraitBytes[key] = Math.round(chips.reduce((sum, c) => sum + c.files.DG2!.length, 0) / chips.length);
  const portrait = key === "rsa" ? "JPEG" : "JPEG 2000";
  rows.push(
    summary(key, "passive + active (verifyChip)", full),
    summary(key, "passive only", passive),
    summary(key, "active only", active),
    summary(key, `portrait decode (${portrait})`, decode),
  );
}

printTable(`Chip verification per chip (${CHIPS} chips × ${ROUNDS} rounds per key kind)`, rows);
const p95s = rows.filter((r) => r.stage === "passive + active (verifyChip)").map((r) => Number(r.p95Ms));
const meetsTarget = p95s.every((p) => p <= TARGET_P95_MS);
process.stdout.write(
  `\ntarget p95 ≤ ${TARGET_P95_MS} ms: ${meetsTarget ? "met" : "NOT met"} (${p95s.join(" / ")} ms); ` +
    `correctness ${JSON.stringify(correctness)}\n`,
);
const FLOWS = Number(process.env.KYCNET_BENCH_FLOWS ?? 10);
const flowRows: Row[] = [];
if (FLOWS > 0) {
  const consortium = await startBenchConsortium();
  try {
    // Warm-up: OCR engines, face model, HSM sessions.
    await consortium.onboardOverApi(1);
    await consortium.onboardOverApi(2);
    const samples: Record<1 | 2, number[]> = { 1: [], 2: [] };
    for (let i = 0; i < FLOWS; i++)
      for (const level of [1, 2] as const) samples[level].push((await consortium.onboardOverApi(level)).ms);
    flowRows.push(
      summary("level 1", "full eKYC through the API: card + selfie", samples[1]),
      summary("level 2", "full eKYC through the API: chip + card + selfie (chip portrait)", samples[2]),
    );
  } finally {
    await consortium.stop();
  }
  printTable(`Onboarding through the API, level 1 vs level 2 (${FLOWS} each, alternating)`, flowRows);
}

writeResults("chip", {
  chipsPerKey: CHIPS,
  rounds: ROUNDS,
  targetP95Ms: TARGET_P95_MS,
  meetsTarget,
  correctness,
  setup: {
    rsa: "CSCA RSA-3072 sha256WithRSA, DS RSA-2048 SHA-256 PKCS#1 v1.5, AA RSA-1024 ISO 9796-2 SHA-1, JPEG portrait",
    ecdsa: "CSCA P-384 ecdsa-with-SHA384, DS P-256 ecdsa-with-SHA256, AA P-256 plain ECDSA SHA-256, JPEG 2000 portrait",
  },
  // Real eval-face portraits (KYCNET_EVAL_FACES) give DG2 files of ≈ 9 KB (JPEG) and 15 KB (JPEG 2000) on average.
  meanDg2Bytes: portraitBytes,
  loadAverage: { before: loadBefore, after: loadavg() },
  rows,
  onboardingOverApi: flowRows,
});
