/**
 * Corruption of the LevelDB files while the node is stopped (adversarial suite, issue 18): one
 * flipped byte in the write-ahead log, one in a table file. LevelDB itself opens both without a word
 * (it drops the damaged log bytes, and serves the changed table block); the node's start-up vault
 * check names the damage, logs it at error level, sets the metric, and /ready answers 503 with the
 * reason. The log as it was before opening is kept for the operator. Real chain, real node, LevelDB.
 */
import { execFile } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import type { NodeConfig } from "../../../node/src/config.ts";
import type { KycnetNode } from "../../../node/src/node.ts";
import { openLevelRecordStore } from "../../../node/src/vault/store/level/level-record-store.ts";
import { startSingleNodeFixture, type SingleNodeFixture } from "../../support/single-node.ts";
import { verifiedRecord } from "./fixtures.ts";

const KYCNET = join(import.meta.dirname, "../../../bin/kycnet");

interface Readiness {
  status: string;
  checks: Record<string, string>;
  reasons?: Record<string, string>;
}

/** Flips one byte in the middle of the newest file of the vault whose name ends with `suffix`. */
function flipByte(vaultDir: string, suffix: string): string {
  const file = readdirSync(vaultDir)
    .filter((f) => f.endsWith(suffix))
    .sort()
    .at(-1);
  if (file === undefined) throw new Error(`no ${suffix} file in ${vaultDir}`);
  const bytes = readFileSync(join(vaultDir, file));
  bytes[Math.floor(bytes.length / 2)]! ^= 0x20;
  writeFileSync(join(vaultDir, file), bytes);
  return file;
}

describe("vault corruption: flipped bytes in LevelDB's files are detected and the node is not ready", function () {
  this.timeout(180_000);
  let fixture: SingleNodeFixture;
  before(async () => {
    fixture = await startSingleNodeFixture("corruption");
  });
  after(async () => {
    await fixture?.stop();
  });
  const freshConfig = () => fixture.freshConfig();
  const startNode = (config: NodeConfig) => fixture.startNode(config);

  /** Starts a node, stores records through its vault, stops it. */
  async function nodeWithRecords(config: NodeConfig, count: number): Promise<void> {
    const { node } = await startNode(config);
    try {
      for (let i = 0; i < count; i++) {
        const { record, attestation } = verifiedRecord(i);
        const now = BigInt(Math.floor(Date.now() / 1000));
        await node.vault.storeVerifiedRecord({ record, attestation: attestation(now), actor: "op" });
      }
    } finally {
      await node.stop();
    }
  }

  async function expectNotReady(node: KycnetNode, logs: Array<Record<string, unknown>>, damage: RegExp) {
    const response = await fetch(`${node.api!.url}/ready`);
    const body = (await response.json()) as Readiness;
    expect(response.status, JSON.stringify(body)).to.equal(503);
    expect(body.checks["vault-integrity"]).to.equal("down");
    expect(body.reasons?.["vault-integrity"]).to.match(damage);
    const metrics = await (await fetch(`${node.api!.url}/metrics`)).text();
    expect(metrics).to.match(/^kycnet_vault_check_ok 0$/m);
    expect(metrics).to.match(/^kycnet_vault_check_problems [1-9]/m);
    const failed = logs.find((l) => l.msg === "vault check failed: the node will not report ready until restored");
    expect(failed, "an error-level log line").to.not.equal(undefined);
    expect(failed!.level).to.equal(50);
    expect(JSON.stringify(failed!.problems)).to.match(damage);
  }

  it("a clean restart is ready, and its check starts from the checkpoint", async () => {
    const config = freshConfig();
    await nodeWithRecords(config, 3);
    const { node, logs } = await startNode(config);
    try {
      const response = await fetch(`${node.api!.url}/ready`);
      const body = (await response.json()) as Readiness;
      expect(body.checks["vault-integrity"], JSON.stringify(body)).to.equal("up");
      expect(body.reasons).to.equal(undefined);
      const checked = logs.find((l) => l.msg === "vault checked");
      expect(checked).to.deep.include({ ok: true, incremental: true, records: 3 });
      expect(await (await fetch(`${node.api!.url}/metrics`)).text()).to.match(/^kycnet_vault_check_ok 1$/m);
    } finally {
      await node.stop();
    }
  });

  it("a flipped byte in the write-ahead log: the dropped bytes are named, the log is kept, /ready is 503", async () => {
    const config = freshConfig();
    await nodeWithRecords(config, 5);
    const vaultDir = join(config.dataDir, "vault");
    const log = flipByte(vaultDir, ".log");
    const damaged = readFileSync(join(vaultDir, log));

    const { node, logs } = await startNode(config);
    try {
      await expectNotReady(node, logs, /write-ahead log damaged.*dropping \d+ bytes/);
      // What LevelDB dropped is still on disk, for the operator to restore from.
      const kept = join(config.dataDir, "vault.logs-before-open", log);
      expect(existsSync(kept)).to.equal(true);
      expect(readFileSync(kept).equals(damaged)).to.equal(true);
    } finally {
      await node.stop();
    }
  });

  it("a flipped byte in a table file: the failing block is named, /ready is 503", async () => {
    const config = freshConfig();
    await nodeWithRecords(config, 5);
    // Move everything into table files (what LevelDB does by itself as the log grows).
    const store = await openLevelRecordStore(join(config.dataDir, "vault"));
    await store.compact();
    await store.close();
    const table = flipByte(join(config.dataDir, "vault"), ".ldb");

    const damage = new RegExp(`table file ${table}: .*(fails its checksum|runs past)`);
    const { node, logs } = await startNode(config);
    try {
      await expectNotReady(node, logs, damage);
    } finally {
      await node.stop();
    }

    // The operator's offline check says the same (exit 1: a finding), in full as from the checkpoint.
    const configFile = `${config.dataDir}.json`;
    writeFileSync(configFile, JSON.stringify(config));
    const cli = await new Promise<{ code: number; stdout: string }>((resolve) =>
      execFile(KYCNET, ["vault", "check", "--full", "--json", "--config", configFile], (error, stdout) =>
        resolve({ code: error === null ? 0 : Number(error.code), stdout }),
      ),
    );
    expect(cli.code, cli.stdout).to.equal(1);
    const report = JSON.parse(cli.stdout) as { ok: boolean; problems: string[]; incremental: boolean };
    expect(report).to.deep.include({ ok: false, incremental: false });
    expect(report.problems.join("\n")).to.match(damage);
  });
});
