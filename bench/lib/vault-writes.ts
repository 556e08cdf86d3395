/**
 * What synced writes cost: the vault's own write path (`storeVerifiedRecord`: AES-GCM seal, record,
 * uid index, outbox entry and audit entry in one LevelDB batch) with `sync: true` (what the node
 * does: fsync before the write resolves) and `sync: false` (what it did before issue 18), on the
 * same disk in the same run. Sealing uses the in-memory key manager, so the figure isolates the
 * store; the HSM's own cost is in bench:hsm.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryKeyManager } from "../../node/src/custody/memory/memory-key-manager.ts";
import { createAuditLog } from "../../node/src/vault/audit-log.ts";
import { openLevelRecordStore } from "../../node/src/vault/store/level/level-record-store.ts";
import { createVault } from "../../node/src/vault/vault.ts";
import { verifiedRecord } from "../../test/node/vault/fixtures.ts";
import { percentile } from "./report.ts";

const CONTEXT = {
  chainId: 31337n,
  registry: "0x00000000000000000000000000000000000000aa",
  issuer: "0x00000000000000000000000000000000000000bb",
} as const;

export interface WriteCost {
  readonly mode: "synced" | "unsynced";
  readonly writes: number;
  readonly writesPerSecond: number;
  readonly p50Ms: number;
  readonly p95Ms: number;
}

interface Run {
  readonly latencies: number[];
  readonly seconds: number;
}

/** `writes` records stored through the vault on a fresh store. */
async function run(sync: boolean, writes: number, offset: number): Promise<Run> {
  const dir = await mkdtemp(join(tmpdir(), "kycnet-bench-writes-"));
  const store = await openLevelRecordStore(dir, { sync });
  try {
    const keys = new MemoryKeyManager();
    const audit = createAuditLog(store);
    const vault = createVault({ store, keys, audit, attestationContext: CONTEXT });
    const inputs = Array.from({ length: writes }, (_, i) => verifiedRecord(offset + i));
    const latencies: number[] = [];
    const started = performance.now();
    for (const { record, attestation } of inputs) {
      const t = performance.now();
      await vault.storeVerifiedRecord({ record, attestation: attestation(1_700_000_000n), actor: "bench" });
      latencies.push(performance.now() - t);
    }
    return { latencies, seconds: (performance.now() - started) / 1000 };
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

function summary(mode: WriteCost["mode"], runs: readonly Run[]): WriteCost {
  const latencies = runs.flatMap((r) => r.latencies);
  const seconds = runs.reduce((sum, r) => sum + r.seconds, 0);
  return {
    mode,
    writes: latencies.length,
    writesPerSecond: Math.round(latencies.length / seconds),
    p50Ms: Number(percentile(latencies, 50).toFixed(2)),
    p95Ms: Number(percentile(latencies, 95).toFixed(2)),
  };
}

/**
 * Unsynced (the baseline) and synced, in alternating rounds so that load from other processes on
 * a shared machine falls on both alike; `latencyRatio` is the synced p50 over the unsynced p50.
 */
export async function measureSyncedWrites(
  writes = 500,
  rounds = 5,
): Promise<{ unsynced: WriteCost; synced: WriteCost; latencyRatio: number; throughputRatio: number }> {
  const perRound = Math.ceil(writes / rounds);
  const unsyncedRuns: Run[] = [];
  const syncedRuns: Run[] = [];
  for (let round = 0; round < rounds; round++) {
    unsyncedRuns.push(await run(false, perRound, round * perRound));
    syncedRuns.push(await run(true, perRound, round * perRound));
  }
  const unsynced = summary("unsynced", unsyncedRuns);
  const synced = summary("synced", syncedRuns);
  return {
    unsynced,
    synced,
    latencyRatio: Number((synced.p50Ms / unsynced.p50Ms).toFixed(2)),
    throughputRatio: Number((synced.writesPerSecond / unsynced.writesPerSecond).toFixed(2)),
  };
}
