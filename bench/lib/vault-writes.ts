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

async function measure(sync: boolean, writes: number): Promise<WriteCost> {
  const dir = await mkdtemp(join(tmpdir(), "kycnet-bench-writes-"));
  const store = await openLevelRecordStore(dir, { sync });
  try {
    const keys = new MemoryKeyManager();
    const audit = createAuditLog(store);
    const vault = createVault({ store, keys, audit, attestationContext: CONTEXT });
    const inputs = Array.from({ length: writes }, (_, i) => verifiedRecord(i));
    const latencies: number[] = [];
    const started = performance.now();
    for (const { record, attestation } of inputs) {
      const t = performance.now();
      await vault.storeVerifiedRecord({ record, attestation: attestation(1_700_000_000n), actor: "bench" });
      latencies.push(performance.now() - t);
    }
    const seconds = (performance.now() - started) / 1000;
    return {
      mode: sync ? "synced" : "unsynced",
      writes,
      writesPerSecond: Math.round(writes / seconds),
      p50Ms: Number(percentile(latencies, 50).toFixed(2)),
      p95Ms: Number(percentile(latencies, 95).toFixed(2)),
    };
  } finally {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** Unsynced first (the baseline), then synced; `ratio` is synced throughput over unsynced. */
export async function measureSyncedWrites(
  writes = 500,
): Promise<{ unsynced: WriteCost; synced: WriteCost; throughputRatio: number }> {
  const unsynced = await measure(false, writes);
  const synced = await measure(true, writes);
  return { unsynced, synced, throughputRatio: Number((synced.writesPerSecond / unsynced.writesPerSecond).toFixed(3)) };
}
