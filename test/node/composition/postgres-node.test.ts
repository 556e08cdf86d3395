/**
 * The node on PostgreSQL (vault.store.kind = "postgres") on real dependencies: a local chain with the
 * contracts, a SoftHSM token, the test run's PostgreSQL. PostgreSQL down at start stops the start
 * with the reason; lost while running, /ready says the vault is down and writes are refused with
 * STORE_UNAVAILABLE, and the node recovers by itself; two instances of one bank share the vault,
 * one of them anchors and runs the background workers, and the other takes over when it goes; a
 * session started on one instance goes on on the other.
 */
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { collectionConsent } from "@kycnet/sdk/customer";
import { expect } from "chai";
import { Wallet } from "ethers";
import type { Hex } from "@kycnet/sdk/protocol";
import { isKycnetError, type KycnetError } from "@kycnet/sdk/errors";
import type { NodeConfig } from "../../../node/src/config.ts";
import { loadOnnxFaceModel, type FaceModel } from "../../../node/src/ekyc/biometrics/index.ts";
import { createNode, peerKeyPath, type KycnetNode } from "../../../node/src/node.ts";
import { createLogger } from "../../../node/src/observability/logger.ts";
import { freePort, type LocalChain } from "../../../scripts/lib/local-chain.ts";
import { prepareOneBank } from "../../support/one-bank.ts";
import { createTestDatabase, sharedPostgres } from "../../support/postgres.ts";
import { verifiedRecord } from "../vault/fixtures.ts";

const silent = createLogger({ level: "silent" });

const until = async (what: string, ok: () => Promise<boolean> | boolean, timeoutMs = 20_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
};

async function ready(node: KycnetNode): Promise<{ status: number; checks: Record<string, string> }> {
  const response = await fetch(`${node.api!.url}/ready`);
  const body = (await response.json()) as { checks?: Record<string, string> };
  return { status: response.status, checks: body.checks ?? {} };
}

describe("node on PostgreSQL", function () {
  this.timeout(240_000);
  let chain: LocalChain;
  let dir: string;
  let base: NodeConfig;
  let model: FaceModel;
  const notUsed = async (): Promise<never> => {
    throw new Error("no card is read in this test");
  };
  const running: KycnetNode[] = [];
  const build = async (config: NodeConfig) => {
    const node = await createNode(config, { faceModel: model, readDocument: notUsed, logger: silent });
    running.push(node);
    return node;
  };

  /** The bank's config on a fresh database; `instance` gets its own data folder with the bank's peer key. */
  async function onPostgres(connectionString: string, instance: string): Promise<NodeConfig> {
    const url = new URL(connectionString);
    process.env.KYCNET_PG_PASSWORD = decodeURIComponent(url.password);
    const dataDir = join(dir, instance);
    mkdirSync(dataDir, { recursive: true });
    copyFileSync(peerKeyPath(base.dataDir), peerKeyPath(dataDir));
    return {
      ...base,
      dataDir,
      api: { ...base.api, port: 0 },
      exchange: { ...base.exchange, listen: ["/ip4/127.0.0.1/tcp/0"] },
      anchoring: { maxBatch: 16, maxDelayMs: 0 },
      vault: {
        store: {
          kind: "postgres",
          host: url.hostname,
          port: Number(url.port),
          database: url.pathname.slice(1),
          user: decodeURIComponent(url.username),
          maxConnections: 10,
          connectTimeoutMs: 1_000,
        },
      },
    };
  }

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "kycnet-pg-node-"));
    ({ chain, base } = await prepareOneBank(dir));
    model = await loadOnnxFaceModel();
    // The bank's peer key, made once by its first (LevelDB) start: every instance serves with it.
    const first = await build(base);
    await first.stop();
    running.length = 0;
  });
  afterEach(async () => {
    await Promise.all(running.splice(0).map((n) => n.stop().catch(() => undefined)));
  });
  after(async () => {
    await model?.close();
    await chain?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("does not start while PostgreSQL is down, naming host:port and never the password", async () => {
    const config = await onPostgres(await createTestDatabase(), "down-at-start");
    const port = await freePort();
    const down: NodeConfig = { ...config, vault: { store: { ...config.vault!.store, port } as never } };
    const error = (await build(down).catch((e: unknown) => e)) as KycnetError;
    expect(isKycnetError(error, "STORE_UNAVAILABLE"), String(error)).to.equal(true);
    expect(error.message).to.contain(`127.0.0.1:${port}`);
    const password = process.env.KYCNET_PG_PASSWORD!;
    expect(JSON.stringify({ message: error.message, details: error.details })).not.to.contain(password);
    // Nothing was left open: the same instance starts once the database is there.
    const node = await build(config);
    await node.start();
    expect((await ready(node)).status).to.equal(200);
  });

  it("refuses writes while PostgreSQL is lost, says why in /ready, and recovers by itself", async () => {
    const cluster = await sharedPostgres();
    const node = await build(await onPostgres(await createTestDatabase(), "lost-while-running"));
    await node.start();
    await until("leadership", () => node.leadership.term !== null);
    const { record, attestation } = verifiedRecord(1);
    const now = BigInt(Math.floor(Date.now() / 1000));
    const before = await node.vault.storeVerifiedRecord({ record, attestation: attestation(now), actor: "op" });
    await cluster.stop("immediate");
    try {
      const down = await ready(node);
      expect(down.status).to.equal(503);
      expect(down.checks.vault).to.equal("down");
      const second = verifiedRecord(2);
      const error = await node.vault
        .storeVerifiedRecord({ record: second.record, attestation: second.attestation(now), actor: "op" })
        .catch((e: unknown) => e);
      expect(isKycnetError(error, "STORE_UNAVAILABLE"), String(error)).to.equal(true);
    } finally {
      await cluster.start();
    }
    await until("ready again", async () => (await ready(node)).status === 200);
    // The write refused while it was down left nothing; the one before it gets anchored.
    expect(await node.audit.verify()).to.include({ ok: true });
    await until("leadership again", () => node.leadership.term !== null);
    await until("the earlier record anchored", async () => (await node.vault.getRecordMeta(before.id)).anchor !== null);
  });

  it("runs the background workers on the leader only, and on the other instance once the leader stops; a session goes on across instances", async () => {
    const connectionString = await createTestDatabase();
    const [a, b] = [
      await build(await onPostgres(connectionString, "workers-a")),
      await build(await onPostgres(connectionString, "workers-b")),
    ];
    await a.start();
    await b.start();
    await until("one leader", () => (a.leadership.term ?? b.leadership.term) !== null);
    const leader = a.leadership.term !== null ? a : b;
    const follower = leader === a ? b : a;
    const expected = ["anchoring", "revocation-cascade", "retention", "session-sweep"];
    if (leader.webhooks !== null) expected.push("webhooks");
    await until("the leader's workers", () => expected.every((w) => leader.leaderWorkers.running().includes(w)));
    await until("the leader's first retention sweep", () => leader.retention.lastSweep() !== null);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(follower.leaderWorkers.running()).to.deep.equal([]);
    expect(follower.retention.lastSweep()).to.equal(null);

    // A session started on one instance takes uploads and answers on the other.
    const { sessionId } = await leader.onboarding.createSession(Wallet.createRandom().address as Hex);
    // Recorded on one instance, seen by the other (the session lives in the shared store).
    await leader.onboarding.recordCollectionConsent(sessionId, collectionConsent({ version: "test-notice-1" }));
    await follower.onboarding.uploadDocument(
      sessionId,
      "front",
      new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1]),
      "image/jpeg",
    );
    expect((await leader.onboarding.getSession(sessionId)).documents.front).to.equal(true);

    await leader.stop();
    running.splice(running.indexOf(leader), 1);
    await until("the follower to lead", () => follower.leadership.term !== null, 5_000);
    await until("the follower's workers", () => expected.every((w) => follower.leaderWorkers.running().includes(w)));
    await until("the follower's first retention sweep", () => follower.retention.lastSweep() !== null);
    // The session outlives the instance it started on.
    const challenge = await follower.onboarding.createLivenessChallenge(sessionId);
    expect((await follower.onboarding.getSession(sessionId)).liveness).to.equal("CHALLENGED");
    expect(challenge.steps.length).to.be.greaterThan(0);
  });

  it("runs two instances on one vault: one anchors what both store, and the other takes over when it stops", async () => {
    const connectionString = await createTestDatabase();
    const [a, b] = [
      await build(await onPostgres(connectionString, "ha-a")),
      await build(await onPostgres(connectionString, "ha-b")),
    ];
    await a.start();
    await b.start();
    await until("one leader", () => (a.leadership.term ?? b.leadership.term) !== null);
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect([a, b].filter((n) => n.leadership.term !== null)).to.have.length(1);
    const leader = a.leadership.term !== null ? a : b;
    const follower = leader === a ? b : a;

    const now = BigInt(Math.floor(Date.now() / 1000));
    const store = async (node: KycnetNode, n: number) => {
      const { record, attestation } = verifiedRecord(n);
      return node.vault.storeVerifiedRecord({ record, attestation: attestation(now), actor: "op" });
    };
    const first = await Promise.all([10, 11, 12, 13].map((n) => store(n % 2 === 0 ? a : b, n)));
    const anchored = async (ids: readonly string[], by: KycnetNode) =>
      (await Promise.all(ids.map((id) => by.vault.getRecordMeta(id)))).every((m) => m.anchor !== null);
    await until("the first records anchored", () =>
      anchored(
        first.map((m) => m.id),
        follower,
      ),
    );

    const oldTerm = leader.leadership.term!;
    const stopped = Date.now();
    await leader.stop();
    running.splice(running.indexOf(leader), 1);
    await until("the follower to lead", () => follower.leadership.term !== null, 5_000);
    expect(follower.leadership.term).to.equal(oldTerm + 1);
    expect(Date.now() - stopped).to.be.below(5_000);
    const later = await store(follower, 14);
    await until("the later record anchored", () => anchored([later.id], follower));
    expect(await follower.audit.verify()).to.include({ ok: true });
  });
});
