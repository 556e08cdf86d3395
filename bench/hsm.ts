/**
 * HSM custody throughput: the PKCS#11 adapter on a fresh SoftHSM2 token against the in-memory fake
 * in the same run (the fake is the ceiling: same code paths, keys in process memory). For each
 * operation, 1 and 4 concurrent callers; ops/s, p50/p99 latency, ratio to the fake. The machine is
 * shared, so each cell is ROUNDS short rounds alternating the two adapters (both see the same load)
 * and ops/s is the median round.
 * Run: npm run bench:hsm   (KYCNET_BENCH_SECONDS=<s> per round, default 1; KYCNET_BENCH_ROUNDS, default 3)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { parseEther, randomBytes, Wallet } from "ethers";
import type { KeyManager, SealedRecord } from "../node/src/custody/key-manager.ts";
import { MemoryKeyManager } from "../node/src/custody/memory/memory-key-manager.ts";
import { DEFAULT_MODULE_PATH } from "../node/src/custody/pkcs11/config.ts";
import { openPkcs11KeyManager } from "../node/src/custody/pkcs11/pkcs11-key-manager.ts";
import { provisionToken, writeSoftHsmConf } from "../node/src/custody/provision.ts";
import { percentile, printTable, writeResults, type Row } from "./lib/report.ts";

const SECONDS = Number(process.env.KYCNET_BENCH_SECONDS ?? 1);
const ROUNDS = Number(process.env.KYCNET_BENCH_ROUNDS ?? 3);
const CALLERS = [1, 4];
const RECORD_BYTES = 4096;
const TARGET_TX_PER_SECOND = 300;

interface Cell {
  opsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  ops: number;
}
interface Round {
  opsPerSecond: number;
  latencies: number[];
}

/** Runs `operation` from `callers` concurrent loops for SECONDS; records every call's latency. */
async function round(callers: number, operation: () => Promise<unknown>): Promise<Round> {
  const latencies: number[] = [];
  const started = performance.now();
  const deadline = started + SECONDS * 1000;
  await Promise.all(
    Array.from({ length: callers }, async () => {
      while (performance.now() < deadline) {
        const t = performance.now();
        await operation();
        latencies.push(performance.now() - t);
      }
    }),
  );
  return { opsPerSecond: latencies.length / ((performance.now() - started) / 1000), latencies };
}

function summarise(rounds: Round[]): Cell {
  const rates = rounds.map((r) => r.opsPerSecond).sort((a, b) => a - b);
  const latencies = rounds.flatMap((r) => r.latencies);
  return {
    opsPerSecond: rates[Math.floor(rates.length / 2)]!,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    ops: latencies.length,
  };
}

/** ROUNDS rounds of each adapter, alternating, after a warm-up of both. */
async function measurePair(
  callers: number,
  a: () => Promise<unknown>,
  b: () => Promise<unknown>,
): Promise<[Cell, Cell]> {
  for (let i = 0; i < 20; i++) {
    await a();
    await b();
  }
  const ra: Round[] = [];
  const rb: Round[] = [];
  for (let i = 0; i < ROUNDS; i++) {
    ra.push(await round(callers, a));
    rb.push(await round(callers, b));
  }
  return [summarise(ra), summarise(rb)];
}

function operations(km: KeyManager, peer: KeyManager) {
  const signer = km.createSigner();
  const to = Wallet.createRandom().address;
  let nonce = 0;
  const record = randomBytes(RECORD_BYTES);
  let sealedRecord: SealedRecord;
  let peerKey: Uint8Array;
  let sealedMessage: Uint8Array;
  const aad = new TextEncoder().encode("consent:bench");
  return {
    async prepare() {
      sealedRecord = await km.sealRecord("bench-record", record, "open/2026");
      peerKey = await peer.getTransportPublicKey();
      sealedMessage = await peer.sealForPeer(await km.getTransportPublicKey(), record, aad);
    },
    list: [
      { name: "raw digest signature", run: () => km.signDigest(randomBytes(32)) },
      {
        name: "ethers tx signature (EIP-1559)",
        run: () =>
          signer.signTransaction({
            type: 2,
            chainId: 31337n,
            nonce: nonce++,
            to,
            value: parseEther("0.01"),
            gasLimit: 21_000n,
            maxFeePerGas: 2_000_000_000n,
            maxPriorityFeePerGas: 1_000_000_000n,
          }),
      },
      { name: `seal record (${RECORD_BYTES} B)`, run: () => km.sealRecord("bench-record", record, "open/2026") },
      { name: `open record (${RECORD_BYTES} B)`, run: () => km.openRecord("bench-record", sealedRecord) },
      { name: `transport seal (${RECORD_BYTES} B)`, run: () => km.sealForPeer(peerKey, record, aad) },
      { name: `transport open (${RECORD_BYTES} B)`, run: () => km.openFromPeer(sealedMessage, aad) },
    ],
  };
}

// The machine is shared: the 1-minute load average before and after says how much to trust a run.
const loadBefore = loadavg()[0]!;
const dir = mkdtempSync(join(tmpdir(), "kycnet-bench-hsm-"));
try {
  const softhsm2Conf = writeSoftHsmConf(dir);
  for (const bank of ["bench-a", "bench-b"]) {
    await provisionToken({
      modulePath: DEFAULT_MODULE_PATH,
      tokenLabel: bank,
      soPin: "bench-so-pin",
      userPin: "bench-pin",
      softhsm2Conf,
    });
  }
  const hsm = await openPkcs11KeyManager({
    modulePath: DEFAULT_MODULE_PATH,
    tokenLabel: "bench-a",
    pin: "bench-pin",
    softhsm2Conf,
    sessions: 4,
  });
  const hsmPeer = await openPkcs11KeyManager({
    modulePath: DEFAULT_MODULE_PATH,
    tokenLabel: "bench-b",
    pin: "bench-pin",
    softhsm2Conf,
    sessions: 1,
  });
  const memory = new MemoryKeyManager();
  const memoryPeer = new MemoryKeyManager();
  const hsmOps = operations(hsm, hsmPeer);
  const memoryOps = operations(memory, memoryPeer);
  await hsmOps.prepare();
  await memoryOps.prepare();

  const rows: Row[] = [];
  const results: Array<{ operation: string; callers: number; pkcs11: Cell; memory: Cell; ratio: number }> = [];
  for (let i = 0; i < hsmOps.list.length; i++) {
    for (const callers of CALLERS) {
      const [pkcs11, mem] = await measurePair(callers, hsmOps.list[i]!.run, memoryOps.list[i]!.run);
      const ratio = pkcs11.opsPerSecond / mem.opsPerSecond;
      results.push({ operation: hsmOps.list[i]!.name, callers, pkcs11, memory: mem, ratio });
      rows.push({
        operation: hsmOps.list[i]!.name,
        callers,
        "softhsm ops/s": pkcs11.opsPerSecond,
        "p50 ms": pkcs11.p50Ms,
        "p99 ms": pkcs11.p99Ms,
        "memory ops/s": mem.opsPerSecond,
        "softhsm/memory": ratio,
      });
    }
  }
  await hsm.close();
  await hsmPeer.close();
  printTable(
    `HSM custody throughput (SoftHSM2 vs in-memory fake; median of ${ROUNDS} rounds of ${SECONDS} s per cell)`,
    rows,
  );
  const bestTx = Math.max(
    ...results.filter((r) => r.operation.startsWith("ethers tx")).map((r) => r.pkcs11.opsPerSecond),
  );
  process.stdout.write(
    `\n1-minute load average: ${loadBefore.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after (${cpus().length} cores)\n`,
  );
  process.stdout.write(
    `full ethers tx signatures/s (best): ${bestTx.toFixed(0)} — target ${TARGET_TX_PER_SECOND}: ${bestTx >= TARGET_TX_PER_SECOND ? "met" : "NOT met"}\n`,
  );
  writeResults("hsm", {
    loadAverage1m: { before: Number(loadBefore.toFixed(2)), after: Number(loadavg()[0]!.toFixed(2)) },
    module: DEFAULT_MODULE_PATH,
    secondsPerRound: SECONDS,
    rounds: ROUNDS,
    recordBytes: RECORD_BYTES,
    sessions: 4,
    target: { txSignaturesPerSecond: TARGET_TX_PER_SECOND, bestMeasured: bestTx, met: bestTx >= TARGET_TX_PER_SECOND },
    results,
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
