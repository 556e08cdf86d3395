import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { createAuditLog } from "../../../node/src/vault/audit-log.ts";
import { openLevelRecordStore } from "../../../node/src/vault/store/level/level-record-store.ts";
import { openPostgresRecordStore } from "../../../node/src/vault/store/postgres/postgres-record-store.ts";
import type { RecordStore } from "../../../node/src/vault/store/record-store.ts";
import { createTestDatabase } from "../../support/postgres.ts";

describe("node/vault audit log (LevelDB)", () => {
  let dir: string;
  let store: RecordStore;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), "kycnet-audit-"));
    store = await openLevelRecordStore(dir);
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("chains entries and verifies an untouched log", async () => {
    const log = createAuditLog(store);
    for (let i = 0; i < 5; i++)
      await log.append({ actor: "op-1", action: "record.opened", target: `rec_${i}`, details: { purpose: "review" } });
    const result = await log.verify();
    expect(result).to.include({ ok: true, entries: 5 });
    const entries = await log.list();
    expect(entries.map((e) => e.seq)).to.deep.equal([1, 2, 3, 4, 5]);
    expect(entries[1]!.prevHash).to.equal(entries[0]!.hash);
  });

  it("keeps the chain linear under concurrent appends", async () => {
    const log = createAuditLog(store);
    await Promise.all(Array.from({ length: 40 }, (_, i) => log.append({ actor: "a", action: "x", target: String(i) })));
    expect(await log.verify()).to.include({ ok: true, entries: 40 });
  });

  it("writes the caller's ops and the entries together", async () => {
    const log = createAuditLog(store);
    await log.commit(
      [{ type: "put", key: "record/x", value: 1 }],
      [{ actor: "a", action: "record.stored", target: "x" }],
    );
    expect(await store.get("record/x")).to.equal(1);
    expect((await log.list())[0]!.action).to.equal("record.stored");
  });

  describe("when the stored log was tampered with", () => {
    const seed = async () => {
      const log = createAuditLog(store);
      for (let i = 0; i < 4; i++) await log.append({ actor: "op", action: "a", target: String(i) });
      return log;
    };
    it("reports an edited entry", async () => {
      const log = await seed();
      const entry = (await store.get("audit/000000000002")) as Record<string, unknown>;
      await store.write([
        { type: "put", key: "audit/000000000002", value: { ...entry, actor: "someone-else" } as never },
      ]);
      expect(await log.verify()).to.include({ ok: false, brokenAt: 2, reason: "entry content changed" });
    });
    it("reports a deleted entry in the middle", async () => {
      const log = await seed();
      await store.write([{ type: "del", key: "audit/000000000003" }]);
      expect(await log.verify()).to.include({ ok: false, brokenAt: 3 });
    });
    it("reports a truncated tail", async () => {
      const log = await seed();
      await store.write([{ type: "del", key: "audit/000000000004" }]);
      const result = await log.verify();
      expect(result.ok).to.equal(false);
      expect(result.reason).to.match(/removed/);
    });
  });
});

describe("node/vault audit log (PostgreSQL, several node instances)", () => {
  it("keeps one linear chain when three instances append at once, each with its own pool", async () => {
    const connectionString = await createTestDatabase();
    const stores = await Promise.all([0, 1, 2].map(() => openPostgresRecordStore({ connectionString })));
    try {
      const logs = stores.map((s) => createAuditLog(s));
      await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          logs[i % 3]!.append({ actor: `instance-${i % 3}`, action: "x", target: String(i) }),
        ),
      );
      expect(await logs[0]!.verify()).to.include({ ok: true, entries: 60 });
      const targets = (await logs[1]!.list({ limit: 100 })).map((e) => Number(e.target));
      expect(targets.sort((a, b) => a - b)).to.deep.equal(Array.from({ length: 60 }, (_, i) => i));
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });
});
