/**
 * The backup and restore of docs/deployment.md on the real PostgreSQL: a vault written by the node's
 * own components is dumped with pg_dump while a writer keeps going, restored with pg_restore into a
 * fresh database, and reopened by the store: the records open, the audit chain verifies, and the
 * restored database takes writes again (its migrations are recorded, so nothing re-runs).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { Wallet } from "ethers";
import type { Hex } from "@kycnet/sdk/protocol";
import { MemoryKeyManager } from "../../../node/src/custody/memory/memory-key-manager.ts";
import { createAuditLog } from "../../../node/src/vault/audit-log.ts";
import { openPostgresRecordStore } from "../../../node/src/vault/store/postgres/postgres-record-store.ts";
import { createVault } from "../../../node/src/vault/vault.ts";
import { dumpDatabase, restoreDatabase } from "../../../scripts/postgres/backup.ts";
import { createTestDatabase } from "../../support/postgres.ts";
import { verifiedRecord } from "./fixtures.ts";

describe("PostgreSQL vault backup and restore (pg_dump, pg_restore)", function () {
  this.timeout(120_000);
  const dir = mkdtempSync(join(tmpdir(), "kycnet-pg-backup-"));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it("restores a dump taken under writes into a fresh database that opens, verifies and takes writes", async () => {
    const keys = new MemoryKeyManager(); // the HSM: a backup is useless without it
    const context = {
      chainId: 31337n,
      registry: `0x${"11".repeat(20)}` as Hex,
      issuer: Wallet.createRandom().address as Hex,
    };
    const sourceUrl = await createTestDatabase();
    const source = await openPostgresRecordStore({ connectionString: sourceUrl });
    const audit = createAuditLog(source);
    const vault = createVault({ store: source, keys, audit, attestationContext: context });
    const now = BigInt(Math.floor(Date.now() / 1000));
    const stored = [];
    for (let i = 0; i < 5; i++) {
      const { record, attestation } = verifiedRecord(i);
      const meta = await vault.storeVerifiedRecord({ record, attestation: attestation(now), actor: "op" });
      stored.push({ meta, fields: record.fields });
    }
    const file = join(dir, "vault.dump");
    // The dump is one snapshot: writes that go on meanwhile are in it whole or not at all.
    let writing = true;
    const writer = (async () => {
      for (let i = 100; writing; i++) await audit.append({ actor: "op", action: "x", target: String(i) });
    })();
    await dumpDatabase(sourceUrl, file).finally(() => (writing = false));
    await writer;

    const restoredUrl = await createTestDatabase();
    await restoreDatabase(restoredUrl, file);
    const restored = await openPostgresRecordStore({ connectionString: restoredUrl });
    try {
      const restoredAudit = createAuditLog(restored);
      const verification = await restoredAudit.verify();
      expect(verification.ok, verification.reason).to.equal(true);
      expect(verification.entries).to.be.at.least(5);
      const restoredVault = createVault({ store: restored, keys, audit: restoredAudit, attestationContext: context });
      for (const { meta, fields } of stored) {
        const opened = await restoredVault.openRecord(meta.id, "op", "restore drill");
        expect(opened.fields).to.deep.equal(fields);
      }
      await restoredAudit.append({ actor: "op", action: "restore.checked", target: "drill" });
      expect(await restoredAudit.verify()).to.include({ ok: true });
    } finally {
      await restored.close();
      await source.close();
    }
  });
});
