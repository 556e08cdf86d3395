/**
 * The shred scan (issue 18, items 2 and 10): erasure that erases, checked the way an attacker with
 * the vault's files and the bank's HSM (PIN included) would check it. Real LevelDB on disk, real
 * SoftHSM2 token, copies of the LevelDB directory taken before each erasure ("backups"). For each
 * erased record the test scans the raw files (log, tables, manifest) for any fragment of its
 * ciphertext and for its personal values, reads its old envelopes out of the backups, and tries
 * them under every secret key OpenSC's pkcs11-tool finds on the token.
 *
 * What is promised (README "Security notes", node/src/vault/README.md):
 * - after `shredRecord`, the live files hold nothing of the record and the live HSM opens nothing;
 * - a backup taken before the erasure still opens with the live HSM until the record's period key is
 *   destroyed: the next year's first sweep for an open account, the first sweep after its deadline's
 *   month for a closed one. From then on nothing of it opens from any copy.
 */
import { execFile } from "node:child_process";
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { expect } from "chai";
import type { Hex } from "@kycnet/sdk/protocol";
import type { KeyManager, SealedRecord } from "../../../node/src/custody/key-manager.ts";
import { DEFAULT_KEY_LABELS, DEFAULT_MODULE_PATH } from "../../../node/src/custody/pkcs11/config.ts";
import { openPkcs11KeyManager } from "../../../node/src/custody/pkcs11/pkcs11-key-manager.ts";
import { provisionToken, writeSoftHsmConf } from "../../../node/src/custody/provision.ts";
import { createAuditLog } from "../../../node/src/vault/audit-log.ts";
import { sealedFromJson, type SealedJson } from "../../../node/src/vault/codec.ts";
import { openLevelRecordStore } from "../../../node/src/vault/store/level/level-record-store.ts";
import type { RecordStore } from "../../../node/src/vault/store/record-store.ts";
import { createVault, type RecordMeta, type Vault } from "../../../node/src/vault/vault.ts";
import { expectCode } from "../../support/expect-code.ts";
import { verifiedRecord } from "./fixtures.ts";

const PIN = "erasure-pin-1";
const TOKEN = "erasure-bank";
const CONTEXT = { chainId: 31337n, registry: `0x${"11".repeat(20)}` as Hex, issuer: `0x${"22".repeat(20)}` as Hex };

/** Every byte of every file of a LevelDB directory, by file name. */
function rawFiles(dir: string): Map<string, Buffer> {
  return new Map(readdirSync(dir).map((name) => [name, readFileSync(join(dir, name))]));
}

/** Base64 chunks of the envelope's ciphertext, iv and tag as the store writes them (JSON values). */
function fragments(envelope: SealedJson): string[] {
  const chunks = [envelope.iv, envelope.tag];
  for (let at = 0; at + 16 <= envelope.ciphertext.length; at += 16) chunks.push(envelope.ciphertext.slice(at, at + 16));
  return chunks;
}

/** The file names in which any of `needles` occurs. */
function filesContaining(files: Map<string, Buffer>, needles: readonly string[]): string[] {
  return [...files].filter(([, bytes]) => needles.some((n) => bytes.includes(Buffer.from(n, "utf8")))).map(([f]) => f);
}

/** `record/<id>` of a copied LevelDB directory, read from a scratch copy so the backup stays untouched. */
async function storedEnvelope(backup: string, id: string): Promise<SealedJson | null> {
  const scratch = mkdtempSync(join(tmpdir(), "kycnet-erasure-read-"));
  cpSync(backup, scratch, { recursive: true });
  const store = await openLevelRecordStore(scratch);
  try {
    const stored = (await store.get(`record/${id}`)) as { envelope: SealedJson | null } | undefined;
    return stored?.envelope ?? null;
  } finally {
    await store.close();
    rmSync(scratch, { recursive: true, force: true });
  }
}

describe("vault erasure: the shred scan (LevelDB files, SoftHSM2, backups)", function () {
  this.timeout(120_000);
  const hsmDir = mkdtempSync(join(tmpdir(), "kycnet-erasure-hsm-"));
  const softhsm2Conf = writeSoftHsmConf(hsmDir);
  const dbDir = mkdtempSync(join(tmpdir(), "kycnet-erasure-db-"));
  const backups: string[] = [];
  let keys: KeyManager;
  let store: RecordStore;
  let vault: Vault;
  let now = new Date("2026-03-01T09:00:00Z");

  const open = async () => {
    store = await openLevelRecordStore(dbDir);
    const audit = createAuditLog(store, () => now);
    vault = createVault({ store, keys, audit, clock: () => now, attestationContext: CONTEXT });
  };
  /** A cold copy of the whole LevelDB directory, as a nightly backup would take it. */
  const backup = async (): Promise<string> => {
    await store.close();
    const copy = mkdtempSync(join(tmpdir(), "kycnet-erasure-backup-"));
    cpSync(dbDir, copy, { recursive: true });
    backups.push(copy);
    await open();
    return copy;
  };
  /** Secret key labels as OpenSC's pkcs11-tool lists them: what anyone with the PIN can use. */
  const tokenKeyIds = async (): Promise<string[]> => {
    const { stdout } = await promisify(execFile)(
      "pkcs11-tool",
      [
        "--module",
        DEFAULT_MODULE_PATH,
        "--token-label",
        TOKEN,
        "--login",
        "--pin",
        PIN,
        "--list-objects",
        "--type",
        "secrkey",
      ],
      { env: { ...process.env, SOFTHSM2_CONF: softhsm2Conf } },
    );
    const prefix = `${DEFAULT_KEY_LABELS.kek}/`;
    const labels = [...stdout.matchAll(/^\s*label:\s*(\S+)\s*$/gm)].map((m) => m[1]!);
    expect(
      labels.every((l) => l.startsWith(prefix)),
      `only record keys on the token: ${labels.join(", ")}`,
    ).to.equal(true);
    return labels.map((l) => l.slice(prefix.length)).sort();
  };
  /** Tries `envelope` of record `id` under every secret key on the token; returns the key ids that open it. */
  const keysThatOpen = async (id: string, envelope: SealedJson): Promise<string[]> => {
    const opened: string[] = [];
    for (const keyId of await tokenKeyIds()) {
      const sealed: SealedRecord = { ...sealedFromJson(envelope), keyId };
      try {
        await keys.openRecord(id, sealed);
        opened.push(keyId);
      } catch (error) {
        expect((error as { code?: string }).code).to.equal("CIPHERTEXT_REJECTED");
      }
    }
    return opened;
  };
  const store3 = async (n: number) => {
    const { record, attestation } = verifiedRecord(n);
    const meta = await vault.storeVerifiedRecord({ record, attestation: attestation(1_772_000_000n), actor: "test" });
    const personal = [record.fields.fullName, record.fields.idNumber, record.fields.address];
    return { meta, personal };
  };

  let erased: { meta: RecordMeta; personal: string[] };
  let closed: { meta: RecordMeta; personal: string[] };
  let kept: { meta: RecordMeta; personal: string[] };
  let beforeErasure: string;
  let beforeDeadline: string;
  const envelopes: Record<string, SealedJson> = {};

  before(async () => {
    await provisionToken({
      modulePath: DEFAULT_MODULE_PATH,
      tokenLabel: TOKEN,
      soPin: "erasure-so-1",
      userPin: PIN,
      softhsm2Conf,
    });
    keys = await openPkcs11KeyManager({ modulePath: DEFAULT_MODULE_PATH, tokenLabel: TOKEN, pin: PIN, softhsm2Conf });
    await open();
    erased = await store3(1);
    closed = await store3(2);
    kept = await store3(3);
    beforeErasure = await backup();
    for (const r of [erased, closed, kept]) {
      const envelope = await storedEnvelope(beforeErasure, r.meta.id);
      expect(envelope?.keyId).to.equal("open/2026");
      envelopes[r.meta.id] = envelope!;
    }
  });
  after(async () => {
    await store.close();
    await keys.close();
    for (const dir of [hsmDir, dbDir, ...backups]) rmSync(dir, { recursive: true, force: true });
  });

  it("can see what it looks for: the backup holds the records' ciphertext, and the scan finds it", () => {
    const files = rawFiles(beforeErasure);
    for (const r of [erased, closed, kept])
      expect(filesContaining(files, fragments(envelopes[r.meta.id]!))).to.not.be.empty;
  });

  it("never writes a personal value in clear, in the live files or a backup", () => {
    for (const dir of [dbDir, beforeErasure])
      for (const r of [erased, closed, kept]) expect(filesContaining(rawFiles(dir), r.personal), dir).to.deep.equal([]);
  });

  describe("after an erasure request and an account closure", () => {
    before(async () => {
      now = new Date("2026-04-01T09:00:00Z");
      await vault.closeAccount(closed.meta.id, { closedAt: now, actor: "test" }); // deadline 2031-04-01
      await vault.shredRecord(erased.meta.id, { actor: "dpo", reason: "erasure-request" });
      beforeDeadline = await backup();
    });

    it("leaves nothing of the erased record in the live files, and the live vault refuses it", async () => {
      expect(filesContaining(rawFiles(dbDir), fragments(envelopes[erased.meta.id]!))).to.deep.equal([]);
      expect(await storedEnvelope(dbDir, erased.meta.id)).to.equal(null);
      await expectCode(vault.openRecord(erased.meta.id, "op", "test"), "RECORD_SHREDDED");
    });

    it("re-sealed the closed account under its deadline month's key, and the old ciphertext left the live files", async () => {
      expect((await storedEnvelope(dbDir, closed.meta.id))?.keyId).to.equal("until/2031-04");
      expect(filesContaining(rawFiles(dbDir), fragments(envelopes[closed.meta.id]!))).to.deep.equal([]);
      expect((await vault.openRecord(closed.meta.id, "op", "test")).fields.fullName).to.equal(closed.personal[0]);
    });

    it("still opens the erased record from a backup taken before, with the live HSM (the documented window)", async () => {
      expect(await keysThatOpen(erased.meta.id, envelopes[erased.meta.id]!)).to.deep.equal(["open/2026"]);
    });
  });

  describe("after the first sweep of the next year (open/2026 rotated out and destroyed)", () => {
    before(async () => {
      now = new Date("2027-01-02T03:00:00Z");
      expect(await vault.sweepRetention(now)).to.deep.equal([]);
    });

    it("opens nothing of 2026's envelopes from the old backup under any key left on the token", async () => {
      expect(await tokenKeyIds()).to.not.include("open/2026");
      for (const r of [erased, closed, kept])
        expect(await keysThatOpen(r.meta.id, envelopes[r.meta.id]!)).to.deep.equal([]);
    });

    it("moved the open account to this year's key: it still opens", async () => {
      expect((await storedEnvelope(dbDir, kept.meta.id))?.keyId).to.equal("open/2027");
      expect((await vault.openRecord(kept.meta.id, "op", "test")).fields.fullName).to.equal(kept.personal[0]);
    });
  });

  describe("after the sweep that follows the closed account's deadline month", () => {
    let closedEnvelope: SealedJson;
    before(async () => {
      closedEnvelope = (await storedEnvelope(beforeDeadline, closed.meta.id))!;
      expect(await keysThatOpen(closed.meta.id, closedEnvelope)).to.deep.equal(["until/2031-04"]);
      now = new Date("2031-05-01T00:00:00Z");
      expect(await vault.sweepRetention(now)).to.deep.equal([closed.meta.id]);
    });

    it("destroyed until/2031-04: nothing of the closed record opens from any backup or the live files", async () => {
      expect(await tokenKeyIds()).to.not.include("until/2031-04");
      expect(await keysThatOpen(closed.meta.id, closedEnvelope)).to.deep.equal([]);
      expect(await keysThatOpen(closed.meta.id, envelopes[closed.meta.id]!)).to.deep.equal([]);
      expect(await storedEnvelope(dbDir, closed.meta.id)).to.equal(null);
      expect(filesContaining(rawFiles(dbDir), fragments(closedEnvelope))).to.deep.equal([]);
    });

    it("keeps every personal value out of every file, and the open account readable", async () => {
      for (const dir of [dbDir, ...backups])
        for (const r of [erased, closed, kept])
          expect(filesContaining(rawFiles(dir), r.personal), dir).to.deep.equal([]);
      expect((await vault.openRecord(kept.meta.id, "op", "test")).fields.fullName).to.equal(kept.personal[0]);
    });
  });
});
