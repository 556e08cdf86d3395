/**
 * The bank node as a whole (npm run bench:node), issue 8's three targets in one run:
 * 1. full eKYC through the HTTP API (bank client SDK → fastify → pipeline → vault) on a rendered
 *    card and eval-face selfie frames: server time p50/p95 and customers/s at 1 and 2 concurrent;
 * 2. read endpoints on the same node with real chain-backed answers (attestation status of an
 *    anchored attestation, consent status): requests/s from 32 keep-alive clients on loopback;
 * 3. anchoring throughput through the outbox to a local chain (bench/lib/anchoring.ts);
 * 4. what synced writes cost (issue 18): the vault's write path with fsync per write (the node) and
 *    without (the baseline, a bench-only store option, never a node setting), alternating rounds in
 *    the same run (bench/lib/vault-writes.ts), also as a share of one customer's server time.
 * Targets: full eKYC p95 ≤ 1.5 s and ≥ 5 customers/s; anchoring ≥ 10,000 records/min; reads ≥ 2,000/s.
 */
import { Agent, request } from "node:http";
import { createBankClient } from "@kycnet/sdk/bank";
import { collectionConsent, createSubjectKey, grantConsent } from "@kycnet/sdk/customer";
import { RECORD_FIELDS, type Hex } from "@kycnet/sdk/protocol";
import { makeDemoCustomer } from "../scripts/demo/customer.ts";
import { loadOnnxFaceModel } from "../node/src/ekyc/biometrics/index.ts";
import { measureAnchoring } from "./lib/anchoring.ts";
import { measureSyncedWrites } from "./lib/vault-writes.ts";
import { inParallel, startBenchConsortium } from "./lib/consortium.ts";
import { percentile, printTable, writeResults } from "./lib/report.ts";

const RUNS = Number(process.env.BENCH_RUNS ?? 12);
const READ_SECONDS = 5;
const bench = await startBenchConsortium();
const model = await loadOnnxFaceModel();
const customer = await makeDemoCustomer({ seed: 7, face: { person: "howard", portrait: 2, selfie: 1 }, model });
let results: Record<string, unknown>;
try {
  const bankA = bench.setup.banks[0]!;
  const client = createBankClient({ baseUrl: bankA.apiUrl, apiKey: bankA.apiKeys.operator });

  async function onboardOverHttp(): Promise<{ ms: number; uid: Hex; subject: ReturnType<typeof createSubjectKey> }> {
    const subject = createSubjectKey();
    const { sessionId } = await client.createSession(subject.address as Hex);
    await client.recordCollectionConsent(sessionId, collectionConsent({ version: "test-notice-1" }));
    const challenge = await client.createLivenessChallenge(sessionId);
    const frames = await customer.framesFor(challenge, Date.now());
    const t = performance.now();
    await client.uploadDocument(sessionId, "front", customer.front, "image/jpeg");
    await client.uploadDocument(sessionId, "back", customer.back, "image/jpeg");
    await client.uploadSelfie(sessionId, challenge.challengeId, frames);
    const decision = await client.decide(sessionId);
    if (decision.outcome !== "PASS") throw new Error(`onboarding ${decision.outcome}`);
    return { ms: performance.now() - t, uid: decision.attestationUid!, subject };
  }

  await onboardOverHttp(); // warm-up
  const ekyc: Array<Record<string, string | number>> = [];
  let last: Awaited<ReturnType<typeof onboardOverHttp>> | undefined;
  for (const concurrency of [1, 2]) {
    const run = await inParallel(RUNS, concurrency, onboardOverHttp);
    last = run.results.at(-1);
    const ms = run.results.map((r) => r.ms);
    ekyc.push({
      concurrency,
      runs: ms.length,
      p50Ms: Math.round(percentile(ms, 50)),
      p95Ms: Math.round(percentile(ms, 95)),
      customersPerSecond: Number((ms.length / run.seconds).toFixed(2)),
    });
  }
  printTable("Full eKYC through the HTTP API (upload card + frames → decision), server side", ekyc);

  // Reads answered from the chain: an anchored attestation of bank A and a real consent.
  await bench.a.outbox.flush();
  const consent = await grantConsent({
    subjectKey: last!.subject,
    attestationUid: last!.uid,
    grantee: bench.setup.banks[1]!.account,
    purpose: "ONBOARDING",
    fields: [...RECORD_FIELDS],
    validFor: 3600,
    chain: { chainId: bench.setup.chainId, consentRegistry: bench.setup.addresses.consents },
  });
  const proof = bench.a.vault.proofOf((await bench.a.vault.findRecordByUid(last!.uid))!)!;
  await bench.a.ledger.grantConsentBySig(consent.grant, proof, consent.signature);
  const url = new URL(bankA.apiUrl);
  const auditorKey = bankA.apiKeys.auditor;
  async function readLoad(path: string): Promise<Record<string, string | number>> {
    const agent = new Agent({ keepAlive: true, maxSockets: 32 });
    const latencies: number[] = [];
    let errors = 0;
    const deadline = performance.now() + READ_SECONDS * 1000;
    const one = () =>
      new Promise<void>((resolve) => {
        const t = performance.now();
        const req = request(
          { host: url.hostname, port: url.port, path, agent, headers: { authorization: `Bearer ${auditorKey}` } },
          (res) => {
            res.resume();
            res.on("end", () => {
              if (res.statusCode === 200) latencies.push(performance.now() - t);
              else errors += 1;
              resolve();
            });
          },
        );
        req.on("error", () => {
          errors += 1;
          resolve();
        });
        req.end();
      });
    const started = performance.now();
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (performance.now() < deadline) await one();
      }),
    );
    const seconds = (performance.now() - started) / 1000;
    agent.destroy();
    return {
      endpoint: path.replace(/0x[0-9a-f]{64}/, ":id"),
      requests: latencies.length,
      errors,
      requestsPerSecond: Math.round(latencies.length / seconds),
      p50Ms: Number(percentile(latencies, 50).toFixed(1)),
      p95Ms: Number(percentile(latencies, 95).toFixed(1)),
    };
  }
  const reads = [
    await readLoad(`/v1/attestations/${last!.uid}/status`),
    await readLoad(`/v1/consents/${consent.consentId}/status`),
  ];
  printTable(
    `Status reads on the node, answered from the chain (32 keep-alive clients, ${READ_SECONDS} s each)`,
    reads,
  );
  results = { ekyc, reads };
} finally {
  await model.close();
  await bench.stop();
}

const { baseline, batched } = await measureAnchoring(Number(process.env.BENCH_RECORDS ?? 2048));
printTable("Anchoring through the outbox (LevelDB + SoftHSM2 + JSON-RPC)", [baseline, batched]);
const ekycRows = results.ekyc as Array<Record<string, number>>;
const writes = await measureSyncedWrites(Number(process.env.BENCH_WRITES ?? 500));
// The extra time of one synced write, alone and as a share of one customer's server time (an onboarding
// makes a few such writes: the record with its index, outbox and audit entries, and its evidence).
const fsyncMs = writes.synced.p50Ms - writes.unsynced.p50Ms;
const syncedWrites = {
  ...writes,
  extraMsPerWriteP50: Number(fsyncMs.toFixed(2)),
  extraShareOfEkycP50: Number((fsyncMs / ekycRows[0]!.p50Ms!).toFixed(4)),
};
printTable("Vault writes (storeVerifiedRecord), unsynced baseline vs synced (fsync per write), same run", [
  writes.unsynced as unknown as Record<string, string | number>,
  writes.synced as unknown as Record<string, string | number>,
]);
console.log(
  `synced / unsynced: p50 latency ${writes.latencyRatio}x, throughput ${writes.throughputRatio}x; ` +
    `+${syncedWrites.extraMsPerWriteP50} ms per write, ${(100 * syncedWrites.extraShareOfEkycP50).toFixed(2)} % of a customer's p50`,
);
writeResults("node", {
  ...results,
  syncedWrites,
  anchoring: { baseline, batched, ratioToBaseline: Number((batched.anchorPerMin / baseline.anchorPerMin).toFixed(2)) },
  targets: {
    ekycP95Ms: { target: 1500, measured: ekycRows[0]!.p95Ms, met: ekycRows[0]!.p95Ms! <= 1500 },
    customersPerSecond: {
      target: 5,
      measured: ekycRows[1]!.customersPerSecond,
      met: ekycRows[1]!.customersPerSecond! >= 5,
    },
    anchoredPerMinute: { target: 10_000, measured: batched.anchorPerMin, met: batched.anchorPerMin >= 10_000 },
    readsPerSecond: {
      target: 2000,
      measured: Math.min(...(results.reads as Array<{ requestsPerSecond: number }>).map((r) => r.requestsPerSecond)),
    },
  },
});
