/**
 * The audit trail against the chain (adversarial suite, issue 18 items 4 and 10), on a real node:
 * real chain, SoftHSM, LevelDB. Someone who can write the vault edits an entry and recomputes every
 * later hash and the head (a "re-chained" edit), or cuts the log and rewrites its head: the hash chain
 * alone still verifies, but the heads anchored on chain do not match. `kycnet vault verify-audit`
 * exits 1 naming the entry, and a restarted node is not ready, with the reason. What the anchors do
 * not protect (entries after the last one) is shown too.
 */
import { execFile } from "node:child_process";
import { cpSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { JsonRpcProvider, sha256, toUtf8Bytes } from "ethers";
import { verifyAuditExport, type AuditExportDocument } from "@kycnet/sdk/auditor";
import { createBankClient, type SignedDocument } from "@kycnet/sdk/bank";
import { auditEntryHash, type Hex } from "@kycnet/sdk/protocol";
import type { NodeConfig } from "../../../node/src/config.ts";
import { createAuditLog, type AuditEntry } from "../../../node/src/vault/audit-log.ts";
import { openLevelRecordStore } from "../../../node/src/vault/store/level/level-record-store.ts";
import type { RecordStore, StoredValue, WriteOp } from "../../../node/src/vault/store/record-store.ts";
import { startSingleNodeFixture, type SingleNodeFixture } from "../../support/single-node.ts";
import { expectCode } from "../../support/expect-code.ts";
import { verifiedRecord } from "./fixtures.ts";

const KYCNET = join(import.meta.dirname, "../../../bin/kycnet");

const kycnet = (args: readonly string[], env: Record<string, string> = {}) =>
  new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
    execFile(KYCNET, args, { env: { ...process.env, ...env }, timeout: 120_000 }, (error, stdout, stderr) =>
      resolve({ code: error === null ? 0 : Number(error.code), stdout, stderr }),
    ),
  );
const entryKey = (seq: number) => `audit/${String(seq).padStart(12, "0")}`;

interface VerifyAuditJson {
  ok: boolean;
  entries: number;
  anchors: number;
  anchoredCount: number;
  unanchoredEntries: number;
  problems: string[];
}

async function allEntries(store: RecordStore): Promise<AuditEntry[]> {
  const out: AuditEntry[] = [];
  for await (const [, value] of store.range({ prefix: "audit/" })) out.push(value as unknown as AuditEntry);
  return out;
}

/** Changes entry `seq` with `edit`, then recomputes its hash, every later entry's links and hashes, and the head. */
async function rechain(store: RecordStore, seq: number, edit: (entry: AuditEntry) => AuditEntry): Promise<void> {
  const entries = await allEntries(store);
  const ops: WriteOp[] = [];
  let prevHash = entries[seq - 2]?.hash ?? "0".repeat(64);
  for (const original of entries.slice(seq - 1)) {
    const changed = original.seq === seq ? edit(original) : original;
    const { hash: _old, ...body } = { ...changed, prevHash };
    const hash = auditEntryHash(body);
    ops.push({ type: "put", key: entryKey(body.seq), value: { ...body, hash } as unknown as StoredValue });
    prevHash = hash;
  }
  ops.push({ type: "put", key: "audit-head", value: { seq: entries.length, hash: prevHash } });
  await store.write(ops);
}

/** Deletes every entry after `keep` and points the head at entry `keep`, as a careful intruder would. */
async function truncate(store: RecordStore, keep: number): Promise<void> {
  const entries = await allEntries(store);
  await store.write([
    ...entries.slice(keep).map((e): WriteOp => ({ type: "del", key: entryKey(e.seq) })),
    { type: "put", key: "audit-head", value: { seq: keep, hash: entries[keep - 1]!.hash } },
  ]);
}

describe("audit trail anchored on chain: re-chained edits and truncation are caught", function () {
  this.timeout(240_000);
  let fixture: SingleNodeFixture;
  let config: NodeConfig;
  let configFile: string;
  let pristine: string;
  let anchoredCount: number;
  let anchorCount: number;
  let totalEntries: number;
  const vaultDir = () => join(config.dataDir, "vault");

  const verifyAudit = () =>
    new Promise<{ code: number; report: VerifyAuditJson; stdout: string }>((resolve) =>
      execFile(KYCNET, ["vault", "verify-audit", "--json", "--config", configFile], (error, stdout) =>
        resolve({
          code: error === null ? 0 : Number(error.code),
          report: JSON.parse(stdout) as VerifyAuditJson,
          stdout,
        }),
      ),
    );

  /** The vault as the node left it, before any tampering. */
  const restore = () => {
    rmSync(vaultDir(), { recursive: true, force: true });
    cpSync(pristine, vaultDir(), { recursive: true });
  };

  async function tamper(change: (store: RecordStore) => Promise<void>): Promise<void> {
    restore();
    const store = await openLevelRecordStore(vaultDir());
    try {
      await change(store);
    } finally {
      await store.close();
    }
  }

  async function readiness() {
    const { node, logs } = await fixture.startNode(config);
    try {
      const response = await fetch(`${node.api!.url}/ready`);
      const body = (await response.json()) as { checks: Record<string, string>; reasons?: Record<string, string> };
      return { body, checked: logs.find((l) => String(l.msg).startsWith("vault check")) };
    } finally {
      await node.stop();
    }
  }

  before(async () => {
    fixture = await startSingleNodeFixture("audit-anchor");
    // A short interval, for the audit-only anchor below; later starts use the default (15 minutes).
    config = fixture.freshConfig();
    const first = { ...config, anchoring: { ...config.anchoring, auditAnchorIntervalMs: 1_000 } };
    const { node } = await fixture.startNode(first);
    try {
      await node.outbox.stop(); // every pass below is the test's own
      const now = BigInt(Math.floor(Date.now() / 1000));
      for (let i = 0; i < 3; i++) {
        const { record, attestation } = verifiedRecord(i);
        await node.vault.storeVerifiedRecord({ record, attestation: attestation(now), actor: "op" });
      }
      await node.outbox.flush(); // one batch, carrying the head as it was when claimed
      for (let i = 0; i < 3; i++) await node.audit.append({ actor: "op", action: "test.event", target: String(i) });
      await new Promise((resolve) => setTimeout(resolve, 1_100));
      await node.outbox.flush(false); // nothing to anchor but the log grew: an audit-only anchor
      const head = await node.audit.head();
      const anchors = await node.ledger.auditAnchors(await node.ledger.account());
      // At least the batch's and the audit-only one (a pass at start may have anchored one already).
      expect(anchors.length).to.be.at.least(2);
      anchorCount = anchors.length;
      expect(anchors.at(-1)).to.include({ count: head.seq, head: head.hash });
      anchoredCount = head.seq;
      // Entries written after the last anchor: not protected by the chain.
      for (let i = 0; i < 2; i++) await node.audit.append({ actor: "op", action: "test.later", target: String(i) });
      totalEntries = (await node.audit.head()).seq;
    } finally {
      await node.stop();
    }
    configFile = `${config.dataDir}.json`;
    writeFileSync(configFile, JSON.stringify(config));
    pristine = `${config.dataDir}-pristine`;
    cpSync(vaultDir(), pristine, { recursive: true });
  });
  after(async () => {
    await fixture?.stop();
  });

  it("the untouched log: verify-audit passes, naming the anchors and the entries not yet anchored", async () => {
    restore();
    const { code, report } = await verifyAudit();
    expect(code, JSON.stringify(report)).to.equal(0);
    expect(report).to.deep.include({
      ok: true,
      entries: totalEntries,
      anchors: anchorCount,
      anchoredCount,
      unanchoredEntries: totalEntries - anchoredCount,
    });
    const { body, checked } = await readiness();
    expect(body.checks["vault-integrity"], JSON.stringify(body)).to.equal("up");
    expect(checked).to.deep.include({ ok: true });
    expect(checked!.anchorsChecked).to.be.at.least(1);
  });

  it("an entry edited before the last anchor, every later hash recomputed: caught by the anchors", async () => {
    await tamper((store) => rechain(store, 2, (e) => ({ ...e, actor: "someone-else" })));
    // The hash chain alone cannot see it: that is what the anchors are for.
    const chainOnly = await chainOnlyVerify();
    expect(chainOnly.ok).to.equal(true);

    const { code, report } = await verifyAudit();
    expect(code, JSON.stringify(report)).to.equal(1);
    expect(report.ok).to.equal(false);
    expect(report.problems.join("\n")).to.match(/audit log changed: entry \d+ has hash [0-9a-f]{64}, the chain holds/);

    const { body } = await readiness();
    expect(body.checks["vault-integrity"]).to.equal("down");
    expect(body.reasons?.["vault-integrity"]).to.match(/audit log changed: entry \d+/);
  });

  it("the log cut back before the last anchor, its head rewritten: caught as a truncation", async () => {
    await tamper((store) => truncate(store, anchoredCount - 2));
    expect((await chainOnlyVerify()).ok).to.equal(true);

    const { code, report } = await verifyAudit();
    expect(code, JSON.stringify(report)).to.equal(1);
    expect(report.problems.join("\n")).to.match(
      new RegExp(`audit log truncated: entry ${anchoredCount} is missing, but the chain holds its head`),
    );

    const { body } = await readiness();
    expect(body.checks["vault-integrity"]).to.equal("down");
    expect(body.reasons?.["vault-integrity"]).to.match(/audit log truncated/);
  });

  it("NOT protected: an entry after the last anchor, re-chained, passes (documented in docs/audit-trail.md)", async () => {
    await tamper((store) => rechain(store, anchoredCount + 1, (e) => ({ ...e, target: "changed" })));
    const { code, report } = await verifyAudit();
    expect(code, JSON.stringify(report)).to.equal(0);
    expect(report.unanchoredEntries).to.equal(totalEntries - anchoredCount);
  });

  it("the signed export of a period, over the API and the CLI: its anchors are found on chain; an edit re-signed with the bank's own HSM key is refused", async () => {
    restore();
    const bank = fixture.setup.banks[0]!;
    const { node } = await fixture.startNode(config);
    const from = new Date(Date.now() - 3_600_000);
    const to = new Date(Date.now() + 3_600_000);
    let tamperedFile: string;
    let provider: JsonRpcProvider | undefined;
    try {
      const client = createBankClient({ baseUrl: node.api!.url, apiKey: bank.apiKeys.auditor });
      const signed = await client.getAuditExport({ from, to });
      provider = new JsonRpcProvider(config.chain.rpcUrl);
      const options = { provider, registry: fixture.setup.addresses.attestations, expectedSigner: bank.account };
      const check = await verifyAuditExport(signed, options);
      expect(check.anchorsOnChain).to.equal(true);
      expect(check.provenThrough).to.equal(anchoredCount);
      expect(check.document.anchors).to.have.length(anchorCount);
      expect(check.unprovenEntries).to.be.at.least(totalEntries - anchoredCount);

      // An insider with the HSM re-chains an anchored entry and signs again: the anchors give it away.
      const document = JSON.parse(signed.document) as AuditExportDocument;
      const entries = [...document.entries];
      for (let i = 1; i < entries.length; i++) {
        const body = { ...entries[i]!, prevHash: entries[i - 1]!.hash, ...(i === 1 ? { actor: "someone-else" } : {}) };
        const { hash: _old, ...rest } = body;
        entries[i] = { ...rest, hash: auditEntryHash(rest) };
      }
      const bySeq = new Map(entries.map((e) => [e.seq, e.hash]));
      // Even the anchors' heads rewritten to match: the chain holds the old ones.
      const anchors = document.anchors.map((a) => ({ ...a, head: bySeq.get(a.count) ?? a.head }));
      const text = `${JSON.stringify({ ...document, entries, anchors }, null, 2)}\n`;
      const bytes = toUtf8Bytes(text);
      const tampered: SignedDocument = {
        ...signed,
        document: text,
        sha256: sha256(bytes).slice(2),
        signature: (await node.keys.createSigner(null).signMessage(bytes)) as Hex,
      };
      const error = await expectCode(verifyAuditExport(tampered, options), "AUDIT_EXPORT_INVALID");
      expect(error.message).to.match(/no such AuditAnchored by 0x[0-9a-fA-F]{40} in tx/);
      tamperedFile = `${config.dataDir}-tampered-export.json`;
      writeFileSync(tamperedFile, JSON.stringify(tampered));
    } finally {
      provider?.destroy();
      await node.stop();
    }

    // The CLI on a saved export: exit 1 with the finding; and fetching a fresh one, exit 0.
    const addresses = `${config.dataDir}-addresses.json`;
    writeFileSync(addresses, JSON.stringify(fixture.setup.addresses));
    const chainArgs = ["--rpc", config.chain.rpcUrl, "--addresses", addresses];
    const refused = await kycnet(["audit", ...chainArgs, "export", "--file", tamperedFile, "--signer", bank.account]);
    expect(refused.code, refused.stderr).to.equal(1);
    expect(refused.stderr).to.match(/AUDIT_EXPORT_INVALID: .*no such AuditAnchored/);

    const { node: again } = await fixture.startNode(config);
    try {
      const fresh = await kycnet(
        [
          "audit",
          ...chainArgs,
          "--json",
          "export",
          "--node",
          again.api!.url,
          "--from",
          from.toISOString(),
          "--to",
          to.toISOString(),
          "--signer",
          bank.account,
        ],
        { KYCNET_API_KEY: bank.apiKeys.auditor },
      );
      expect(fresh.code, fresh.stderr).to.equal(0);
      const body = JSON.parse(fresh.stdout) as {
        verification: { valid: boolean; anchorsOnChain: boolean; provenThrough: number };
      };
      expect(body.verification).to.include({ valid: true, anchorsOnChain: true, provenThrough: anchoredCount });
    } finally {
      await again.stop();
    }
  });

  /** The hash chain check alone (what verify-audit did before the anchors), on the tampered vault. */
  async function chainOnlyVerify() {
    const store = await openLevelRecordStore(vaultDir());
    try {
      return await createAuditLog(store).verify();
    } finally {
      await store.close();
    }
  }
});
