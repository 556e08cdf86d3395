/**
 * Node start-up cost of the vault check (npm run bench:startup → bench/results/startup.json).
 *
 * Records are written straight to a LevelDB store (the stored form the vault writes: sealed-size
 * envelope, uid index entry, a `record.stored` audit entry each, anchored), in batches, unsynced
 * (loading is not what is measured). At each size the store is then opened and checked twice:
 * - first start: no checkpoint, so the whole audit chain, every record's index and every table
 *   file are checked (the one-off cost, e.g. the first start after upgrading);
 * - restart: 100 more records written through the vault, then open and check from the checkpoint
 *   (what every start of a running node costs), twice: the first restart after the bulk load also
 *   verifies the table files LevelDB's compaction rewrote meanwhile, the second is the steady state.
 * The incremental figure should not grow with the vault; the first-start figure does, linearly.
 * Also: what synced writes cost on the vault's write path (bench/lib/vault-writes.ts).
 */
import { randomBytes } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { MemoryKeyManager } from "../node/src/custody/memory/memory-key-manager.ts";
import { createAuditLog, type AuditEvent } from "../node/src/vault/audit-log.ts";
import { openLevelRecordStore } from "../node/src/vault/store/level/level-record-store.ts";
import type { StoredValue, WriteOp } from "../node/src/vault/store/record-store.ts";
import { checkVault } from "../node/src/vault/vault-check.ts";
import { createVault } from "../node/src/vault/vault.ts";
import { verifiedRecord } from "../test/node/vault/fixtures.ts";
import { printTable, writeResults } from "./lib/report.ts";
import { measureSyncedWrites } from "./lib/vault-writes.ts";

const SIZES = (process.env.BENCH_STARTUP_SIZES ?? "100000,1000000").split(",").map(Number);
const BATCH = 1000;
const NEW_RECORDS = 100;
const CONTEXT = {
  chainId: 31337n,
  registry: "0x00000000000000000000000000000000000000aa",
  issuer: "0x00000000000000000000000000000000000000bb",
} as const;
const hex = (bytes: number) => `0x${randomBytes(bytes).toString("hex")}`;

/** One record as the vault stores it once anchored (sizes as measured on real records). */
function storedRecord(): { id: string; uid: string; value: StoredValue } {
  const id = `rec_${randomBytes(16).toString("hex")}`;
  const uid = hex(32);
  const value = {
    id,
    uid,
    root: hex(32),
    subject: hex(20),
    createdAt: new Date().toISOString(),
    status: "ACTIVE",
    attestation: { subject: hex(20), recordRoot: hex(32), method: 1, assuranceLevel: 1, issuedAt: "1700000000" },
    anchor: { uid, txHash: hex(32), proof: { batchRoot: hex(32), path: Array.from({ length: 8 }, () => hex(32)) } },
    retention: { class: "STANDARD", closedAt: null, retainUntil: null },
    shreddedAt: null,
    envelope: {
      keyId: "open/2026",
      iv: randomBytes(12).toString("base64"),
      ciphertext: randomBytes(1100).toString("base64"),
    },
  };
  return { id, uid, value };
}

async function load(dir: string, from: number, to: number): Promise<number> {
  const store = await openLevelRecordStore(dir, { sync: false });
  const audit = createAuditLog(store);
  const started = performance.now();
  try {
    for (let done = from; done < to; done += BATCH) {
      const ops: WriteOp[] = [];
      const events: AuditEvent[] = [];
      for (let i = done; i < Math.min(to, done + BATCH); i++) {
        const r = storedRecord();
        ops.push(
          { type: "put", key: `record/${r.id}`, value: r.value },
          { type: "put", key: `attestation/${r.uid}`, value: r.id },
        );
        events.push({ actor: "bench", action: "record.stored", target: r.id, details: { uid: r.uid, method: 1 } });
      }
      await audit.commit(ops, events);
    }
  } finally {
    await store.close();
  }
  return (performance.now() - started) / 1000;
}

async function openAndCheck(
  dir: string,
  full: boolean,
): Promise<{ seconds: number; auditEntries: number; records: number; ok: boolean }> {
  const started = performance.now();
  const store = await openLevelRecordStore(dir);
  try {
    const result = await checkVault(store, createAuditLog(store), { full });
    if (!result.ok) throw new Error(`vault check failed: ${result.problems.join("; ")}`);
    return {
      seconds: Number(((performance.now() - started) / 1000).toFixed(3)),
      auditEntries: result.auditEntries,
      records: result.records,
      ok: result.ok,
    };
  } finally {
    await store.close();
  }
}

async function addThroughVault(dir: string, count: number): Promise<void> {
  const store = await openLevelRecordStore(dir);
  const audit = createAuditLog(store);
  const vault = createVault({ store, keys: new MemoryKeyManager(), audit, attestationContext: CONTEXT });
  try {
    for (let i = 0; i < count; i++) {
      const { record, attestation } = verifiedRecord(i);
      await vault.storeVerifiedRecord({ record, attestation: attestation(1_700_000_000n), actor: "bench" });
    }
  } finally {
    await store.close();
  }
}

const dir = await mkdtemp(join(tmpdir(), "kycnet-bench-startup-"));
const rows: Array<Record<string, string | number>> = [];
try {
  let loaded = 0;
  for (const size of SIZES) {
    const loadSeconds = await load(dir, loaded, size);
    loaded = size;
    // First start: ignore any checkpoint (as with no checkpoint at all); it then writes one.
    const first = await openAndCheck(dir, true);
    await addThroughVault(dir, NEW_RECORDS);
    // Right after a bulk load LevelDB is still compacting, and each table it rewrote is new to the
    // checkpoint, so this restart also verifies those; the next one is the steady state.
    const restart = await openAndCheck(dir, false);
    await addThroughVault(dir, NEW_RECORDS);
    const steady = await openAndCheck(dir, false);
    rows.push({
      records: size,
      loadSeconds: Number(loadSeconds.toFixed(1)),
      firstStartSeconds: first.seconds,
      firstStartAuditEntries: first.auditEntries,
      restartAfterLoadSeconds: restart.seconds,
      restartSeconds: steady.seconds,
      restartAuditEntries: steady.auditEntries,
      restartRecordsChecked: steady.records,
    });
    console.log(JSON.stringify(rows.at(-1)));
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
printTable("Start-up vault check (open LevelDB + check), first start vs restart from the checkpoint", rows);

const writes = await measureSyncedWrites(Number(process.env.BENCH_WRITES ?? 500));
printTable("Vault writes (storeVerifiedRecord), unsynced baseline vs synced (fsync per write)", [
  writes.unsynced as unknown as Record<string, string | number>,
  writes.synced as unknown as Record<string, string | number>,
]);
writeResults("startup", { startup: rows, writes, note: "records written straight to the store, unsynced" });
