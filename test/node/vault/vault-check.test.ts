/**
 * The start-up vault check on a real LevelDB store: clean vaults pass and leave a checkpoint; the
 * next check starts from it (its cost follows what was written since); a record without its index
 * or outbox entry, an outbox entry without its record, and an edited audit entry are each named.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { MemoryKeyManager } from "../../../node/src/custody/memory/memory-key-manager.ts";
import { createAuditLog, type AuditLog } from "../../../node/src/vault/audit-log.ts";
import { openLevelRecordStore } from "../../../node/src/vault/store/level/level-record-store.ts";
import type { RecordStore } from "../../../node/src/vault/store/record-store.ts";
import { checkVault } from "../../../node/src/vault/vault-check.ts";
import { createVault, type Vault } from "../../../node/src/vault/vault.ts";
import { verifiedRecord } from "./fixtures.ts";

const context = {
  chainId: 31337n,
  registry: "0x00000000000000000000000000000000000000aa",
  issuer: "0x00000000000000000000000000000000000000bb",
} as const;

describe("node/vault start-up check (LevelDB)", () => {
  let dir: string;
  let store: RecordStore;
  let audit: AuditLog;
  let vault: Vault;
  const storeRecords = async (count: number, from = 0) => {
    const ids: string[] = [];
    for (let n = from; n < from + count; n++) {
      const { record, attestation } = verifiedRecord(n);
      ids.push((await vault.storeVerifiedRecord({ record, attestation: attestation(1_700_000_000n), actor: "op" })).id);
    }
    return ids;
  };
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "kycnet-vault-check-"));
    store = await openLevelRecordStore(join(dir, "vault"));
    audit = createAuditLog(store);
    vault = createVault({ store, keys: new MemoryKeyManager(), audit, attestationContext: context });
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("passes a clean vault, then checks only what was written since its checkpoint", async () => {
    await storeRecords(30);
    await store.compact(); // table files too, so their checksums are verified and remembered
    const first = await checkVault(store, audit);
    expect(first).to.deep.include({ ok: true, problems: [], auditEntries: 30, records: 30, incremental: false });

    await storeRecords(2, 30);
    const second = await checkVault(store, audit);
    expect(second).to.deep.include({ ok: true, problems: [], auditEntries: 2, records: 2, incremental: true });

    // The same store reopened: the checkpoint is in the store, not in memory.
    await store.close();
    store = await openLevelRecordStore(join(dir, "vault"));
    const third = await checkVault(store, createAuditLog(store));
    expect(third).to.deep.include({ ok: true, auditEntries: 0, records: 0, incremental: true });
    expect(await checkVault(store, createAuditLog(store), { full: true })).to.deep.include({
      ok: true,
      auditEntries: 32,
      incremental: false,
    });
  });

  it("names a record missing its index entry, one neither anchored nor queued, and an orphan outbox entry", async () => {
    await checkVault(store, audit);
    const [a, b] = await storeRecords(2);
    const metaA = await vault.getRecordMeta(a!);
    const pending: string[] = [];
    for await (const [key, value] of store.range({ prefix: "outbox/pending/" }))
      if ((value as { recordId: string }).recordId === b) pending.push(key);
    await store.write([
      { type: "del", key: `attestation/${metaA.uid.toLowerCase()}` },
      ...pending.map((key) => ({ type: "del", key }) as const),
      {
        type: "put",
        key: "outbox/pending/2026-01-01T00:00:00.000Z/rec_0000",
        value: { recordId: "rec_0000", attestation: {}, queuedAt: "2026-01-01T00:00:00.000Z" },
      },
    ]);
    const result = await checkVault(store, audit);
    expect(result.ok).to.equal(false);
    expect(result.problems).to.have.members([
      `record ${a} has no index entry for its attestation uid`,
      `record ${b} is neither anchored nor in the outbox`,
      "outbox names record rec_0000, which is missing",
    ]);
    // No checkpoint on failure: the next start checks the same span again.
    expect((await checkVault(store, audit)).problems).to.have.length(3);
  });

  it("names an edited audit entry written after the checkpoint", async () => {
    await storeRecords(1);
    await checkVault(store, audit);
    await storeRecords(2, 1);
    const key = "audit/000000000003";
    const entry = (await store.get(key)) as Record<string, unknown>;
    await store.write([{ type: "put", key, value: { ...entry, actor: "someone-else" } }]);
    const result = await checkVault(store, audit);
    expect(result.ok).to.equal(false);
    expect(result.problems).to.deep.equal(["audit log: entry 3: entry content changed"]);
  });
});
