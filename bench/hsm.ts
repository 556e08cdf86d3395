/**
 * HSM custody throughput: the PKCS#11 adapter on a fresh SoftHSM2 token against the in-memory fake
 * in the same run (the fake is the ceiling: same code paths, keys in process memory). For each
 * operation, 1 and 4 concurrent callers for a fixed time; ops/s, p50/p99 latency, ratio to the fake.
 * Run: npm run bench:hsm   (KYCNET_BENCH_SECONDS=<s> per cell, default 2)
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

const SECONDS = Number(process.env.KYCNET_BENCH_SECONDS ?? 2);
const CALLERS = [1, 4];
const RECORD_BYTES = 4096;
const TARGET_TX_PER_SECOND = 300;

interface Cell { opsPerSecond: number; p50Ms: number; p99Ms: number; ops: number }

/** Runs `operation` from `callers` concurrent loops for SECONDS; counts completed calls. */
async function measure(callers: number, operation: () => Promise<unknown>): Promise<Cell> {
  for (let i = 0; i < 20; i++) await operation(); // warm-up
  const latencies: number[] = [];
  const deadline = performance.now() + SECONDS * 1000;
  const started = performance.now();
  await Promise.all(Array.from({ length: callers }, async () => {
    while (performance.now() < deadline) {
      const t = performance.now();
      await operation();
      latencies.push(performance.now() - t);
    }
  }));
  const elapsed = (performance.now() - started) / 1000;
  return { opsPerSecond: latencies.length / elapsed, p50Ms: percentile(latencies, 50), p99Ms: percentile(latencies, 99), ops: latencies.length };
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
      sealedRecord = await km.sealRecord("bench-record", record);
      peerKey = await peer.getTransportPublicKey();
      sealedMessage = await peer.sealForPeer(await km.getTransportPublicKey(), record, aad);
    },
    list: [
      { name: "raw digest signature", run: () => km.signDigest(randomBytes(32)) },
      {
        name: "ethers tx signature (EIP-1559)",
        run: () => signer.signTransaction({
          type: 2, chainId: 31337n, nonce: nonce++, to, value: parseEther("0.01"), gasLimit: 21_000n,
          maxFeePerGas: 2_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n,
        }),
      },
      { name: `seal record (wrap, ${RECORD_BYTES} B)`, run: () => km.sealRecord("bench-record", record) },
      { name: `open record (unwrap, ${RECORD_BYTES} B)`, run: () => km.openRecord("bench-record", sealedRecord) },
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
    await provisionToken({ modulePath: DEFAULT_MODULE_PATH, tokenLabel: bank, soPin: "bench-so-pin", userPin: "bench-pin", softhsm2Conf });
  }
  const hsm = await openPkcs11KeyManager({ modulePath: DEFAULT_MODULE_PATH, tokenLabel: "bench-a", pin: "bench-pin", softhsm2Conf, sessions: 4 });
  const hsmPeer = await openPkcs11KeyManager({ modulePath: DEFAULT_MODULE_PATH, tokenLabel: "bench-b", pin: "bench-pin", softhsm2Conf, sessions: 1 });
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
      const pkcs11 = await measure(callers, hsmOps.list[i]!.run);
      const mem = await measure(callers, memoryOps.list[i]!.run);
      const ratio = pkcs11.opsPerSecond / mem.opsPerSecond;
      results.push({ operation: hsmOps.list[i]!.name, callers, pkcs11, memory: mem, ratio });
      rows.push({
        operation: hsmOps.list[i]!.name, callers, "softhsm ops/s": pkcs11.opsPerSecond, "p50 ms": pkcs11.p50Ms, "p99 ms": pkcs11.p99Ms,
        "memory ops/s": mem.opsPerSecond, "softhsm/memory": ratio,
      });
    }
  }
  await hsm.close();
  await hsmPeer.close();
  printTable(`HSM custody throughput (SoftHSM2 vs in-memory fake, ${SECONDS} s per cell)`, rows);
  const bestTx = Math.max(...results.filter((r) => r.operation.startsWith("ethers tx")).map((r) => r.pkcs11.opsPerSecond));
  process.stdout.write(`\n1-minute load average: ${loadBefore.toFixed(2)} before, ${loadavg()[0]!.toFixed(2)} after (${cpus().length} cores)\n`);
  process.stdout.write(`full ethers tx signatures/s (best): ${bestTx.toFixed(0)} — target ${TARGET_TX_PER_SECOND}: ${bestTx >= TARGET_TX_PER_SECOND ? "met" : "NOT met"}\n`);
  writeResults("hsm", {
    loadAverage1m: { before: Number(loadBefore.toFixed(2)), after: Number(loadavg()[0]!.toFixed(2)) },
    module: DEFAULT_MODULE_PATH, secondsPerCell: SECONDS, recordBytes: RECORD_BYTES, sessions: 4,
    target: { txSignaturesPerSecond: TARGET_TX_PER_SECOND, bestMeasured: bestTx, met: bestTx >= TARGET_TX_PER_SECOND },
    results,
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
