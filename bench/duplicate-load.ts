/**
 * Start-up cost of the duplicate-identity index (issue 21): how long a node takes to read its sealed
 * index entries (vault/index-entries.ts) into memory at 100,000 templates, on a real LevelDB store with
 * the entries sealed by a fresh SoftHSM2 token, against the in-memory key manager in the same run (the
 * ceiling: same code, keys in process memory). Entries are random 512-dimension templates with
 * 12-digit numbers; what is measured is `DuplicateIdentities.load()`: the store scan, one unseal per
 * entry, decoding, and the in-memory index.
 * Run: npm run bench:duplicate-load   (KYCNET_BENCH_TEMPLATES=<n>, default 100000)
 */
import { mkdtempSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import type { KeyManager } from "../node/src/custody/key-manager.ts";
import { MemoryKeyManager } from "../node/src/custody/memory/memory-key-manager.ts";
import { DEFAULT_MODULE_PATH } from "../node/src/custody/pkcs11/config.ts";
import { openPkcs11KeyManager } from "../node/src/custody/pkcs11/pkcs11-key-manager.ts";
import { provisionToken, writeSoftHsmConf } from "../node/src/custody/provision.ts";
import { seededRandom } from "../node/src/ekyc/checks/national-id/simulator/citizens.ts";
import { RULES_V1 } from "../node/src/ekyc/decision/rule-set.ts";
import { createDuplicateIdentities } from "../node/src/onboarding/duplicate-identities.ts";
import { createAuditLog } from "../node/src/vault/audit-log.ts";
import { sealIndexEntryOp } from "../node/src/vault/index-entries.ts";
import { openLevelRecordStore } from "../node/src/vault/store/level/level-record-store.ts";
import type { RecordStore, WriteOp } from "../node/src/vault/store/record-store.ts";
import { printTable, writeResults, type Row } from "./lib/report.ts";

const TEMPLATES = Number(process.env.KYCNET_BENCH_TEMPLATES ?? 100_000);
const DIMENSIONS = 512;
const KEY_ID = "open/2026";
const rand = seededRandom(17);

/** Fills `store` with TEMPLATES sealed entries under `keys` (in batches, four seals in flight). */
async function fill(store: RecordStore, keys: KeyManager): Promise<number> {
  const started = performance.now();
  const writer = createDuplicateIdentities({
    store,
    keys,
    audit: createAuditLog(store),
    vault: { findRecordMeta: async () => null },
    policy: RULES_V1.duplicates,
  });
  for (let n = 0; n < TEMPLATES; n += 1_000) {
    const batch = Array.from({ length: Math.min(1_000, TEMPLATES - n) }, (_, i) => n + i);
    const ops: WriteOp[] = [];
    for (let i = 0; i < batch.length; i += 4)
      ops.push(
        ...(await Promise.all(
          batch.slice(i, i + 4).map((k) => {
            const template = {
              modelId: "bench",
              embedding: Float32Array.from({ length: DIMENSIONS }, () => rand() - 0.5),
            };
            const entry = writer.entryOf({ idNumber: String(1e11 + k), oldIdNumber: "", template });
            return sealIndexEntryOp(keys, `rec_${k.toString(16).padStart(32, "0")}`, entry, KEY_ID);
          }),
        )),
      );
    await store.write(ops);
  }
  return performance.now() - started;
}

async function measure(name: string, keys: KeyManager, dir: string): Promise<Row> {
  const store = await openLevelRecordStore(join(dir, name));
  try {
    const fillMs = await fill(store, keys);
    const index = createDuplicateIdentities({
      store,
      keys,
      audit: createAuditLog(store),
      vault: { findRecordMeta: async () => null },
      policy: RULES_V1.duplicates,
    });
    const cpu = process.cpuUsage();
    const load = await index.load();
    const used = process.cpuUsage(cpu);
    return {
      keys: name,
      templates: load.entries,
      skipped: load.skipped,
      "load wall s": Number((load.ms / 1000).toFixed(1)),
      "load CPU s (this process)": Number(((used.user + used.system) / 1e6).toFixed(1)),
      "entries/s": Math.round(load.entries / (load.ms / 1000)),
      "fill s": Number((fillMs / 1000).toFixed(1)),
      "heap MiB": Math.round(process.memoryUsage().heapUsed / 2 ** 20),
    };
  } finally {
    await store.close();
  }
}

const loadBefore = loadavg()[0]!;
const dir = mkdtempSync(join(tmpdir(), "kycnet-bench-dupload-"));
try {
  const softhsm2Conf = writeSoftHsmConf(dir);
  await provisionToken({
    modulePath: DEFAULT_MODULE_PATH,
    tokenLabel: "bench-dup",
    soPin: "bench-so-pin",
    userPin: "bench-pin",
    softhsm2Conf,
  });
  const hsm = await openPkcs11KeyManager({
    modulePath: DEFAULT_MODULE_PATH,
    tokenLabel: "bench-dup",
    pin: "bench-pin",
    softhsm2Conf,
    sessions: 4,
  });
  const rows: Row[] = [];
  try {
    rows.push(await measure("pkcs11 (SoftHSM2)", hsm, dir));
  } finally {
    await hsm.close();
  }
  rows.push(await measure("memory (ceiling)", new MemoryKeyManager(), dir));
  printTable(`duplicate index start-up at ${TEMPLATES.toLocaleString("en-US")} templates (LevelDB)`, rows);
  writeResults("duplicate-load", {
    templates: TEMPLATES,
    dimensions: DIMENSIONS,
    loadAverage: { before: loadBefore, after: loadavg()[0]! },
    rows,
    ratioPkcs11ToMemory: Number(
      ((rows[0]!["load wall s"] as number) / Math.max(0.1, rows[1]!["load wall s"] as number)).toFixed(1),
    ),
  });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
