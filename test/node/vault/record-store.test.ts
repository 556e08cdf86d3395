import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { openLevelRecordStore } from "../../../node/src/vault/store/level/level-record-store.ts";
import { createMemoryRecordStore } from "../../../node/src/vault/store/memory/memory-record-store.ts";
import { openPostgresRecordStore } from "../../../node/src/vault/store/postgres/postgres-record-store.ts";
import { createTestDatabase } from "../../support/postgres.ts";
import { isKycnetError } from "@kycnet/sdk/errors";
import { describeRecordStoreCompliance } from "./record-store.compliance.ts";

const dirs: string[] = [];
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describeRecordStoreCompliance("LevelDB on disk", async () => {
  const dir = mkdtempSync(join(tmpdir(), "kycnet-level-"));
  dirs.push(dir);
  return { store: await openLevelRecordStore(dir), reopen: () => openLevelRecordStore(dir) };
});

describeRecordStoreCompliance("memory", async () => ({ store: createMemoryRecordStore() }));

describeRecordStoreCompliance("PostgreSQL", async () => {
  const connectionString = await createTestDatabase();
  const open = () => openPostgresRecordStore({ connectionString });
  return { store: await open(), reopen: open };
});

describe("LevelDB record store", () => {
  it("fails with STORE_LOCKED, saying so, when the database is locked by another opener", async () => {
    const dir = mkdtempSync(join(tmpdir(), "kycnet-level-"));
    dirs.push(dir);
    const first = await openLevelRecordStore(dir);
    try {
      const error = await openLevelRecordStore(dir).catch((e: unknown) => e);
      expect(isKycnetError(error, "STORE_LOCKED"), String(error)).to.equal(true);
      expect(String(error)).to.contain("locked by another process").and.contain(dir);
    } finally {
      await first.close();
    }
  });
});
