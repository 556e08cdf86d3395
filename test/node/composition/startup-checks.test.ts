/**
 * Start-up checks on real dependencies: a local chain with the contracts, a SoftHSM token, LevelDB,
 * real listening sockets. Each wrong setting or busy resource stops `createNode`/`start` with a
 * typed error that names what is wrong (URL, chain ids, port, path), and an unfunded account makes
 * /ready say "funds: down".
 */
import { execFile } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { HDNodeWallet, Mnemonic, parseEther } from "ethers";
import { isKycnetError, type KycnetError } from "@kycnet/sdk/errors";
import { nodeReadinessChecks } from "../../../node/src/composition/api.ts";
import type { NodeConfig } from "../../../node/src/config.ts";
import { MemoryKeyManager } from "../../../node/src/custody/memory/memory-key-manager.ts";
import { loadOnnxFaceModel, type FaceModel } from "../../../node/src/ekyc/biometrics/index.ts";
import { createRpcProvider } from "../../../node/src/ledger/provider.ts";
import { createNode, type KycnetNode } from "../../../node/src/node.ts";
import { createLogger } from "../../../node/src/observability/logger.ts";
import { checkReadiness } from "../../../node/src/observability/readiness.ts";
import { freePort, type LocalChain } from "../../../scripts/lib/local-chain.ts";
import { prepareOneBank } from "../../support/one-bank.ts";

const ROOT = join(import.meta.dirname, "../../..");
const silent = createLogger({ level: "silent" });
const rejection = (promise: Promise<unknown>) =>
  promise.then(
    () => null,
    (error: unknown) => error,
  );

function expectCode(error: unknown, code: string): KycnetError {
  expect(isKycnetError(error), String(error)).to.equal(true);
  expect((error as KycnetError).code, String(error)).to.equal(code);
  return error as KycnetError;
}

async function occupy(port: number): Promise<Server> {
  const server = createServer();
  server.listen(port, "127.0.0.1");
  await once(server, "listening");
  return server;
}

describe("node start-up checks", function () {
  this.timeout(180_000);
  let chain: LocalChain;
  let dir: string;
  let base: NodeConfig;
  let model: FaceModel;
  const notUsed = async (): Promise<never> => {
    throw new Error("no card is read in this test");
  };
  // Each case gets its own data folder: the vault and the peer key file are per folder.
  let n = 0;
  const variant = (change: (c: NodeConfig) => NodeConfig): NodeConfig =>
    change({ ...base, dataDir: join(dir, `variant-${++n}`) });
  const build = (config: NodeConfig) => createNode(config, { faceModel: model, readDocument: notUsed, logger: silent });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "kycnet-startup-checks-"));
    ({ chain, base } = await prepareOneBank(dir));
    model = await loadOnnxFaceModel();
  });
  after(async () => {
    await model?.close();
    await chain?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("refuses a chainId that is not the chain's, naming both ids and the URL", async () => {
    const error = await rejection(build(variant((c) => ({ ...c, chain: { ...c.chain, chainId: 84710 } }))));
    const e = expectCode(error, "WRONG_CHAIN");
    expect(e.message).to.contain("84710").and.contain(String(chain.chainId)).and.contain(chain.url);
  });

  it("refuses an unreachable chain, naming its URL", async () => {
    const url = `http://127.0.0.1:${await freePort()}`;
    const error = await rejection(build(variant((c) => ({ ...c, chain: { ...c.chain, rpcUrl: url } }))));
    const e = expectCode(error, "CHAIN_UNREACHABLE");
    expect(e.message).to.contain(url).and.contain("ECONNREFUSED");
  });

  it("refuses a missing sanctions list file, naming the path and the cause", async () => {
    const missing = join(dir, "no-such-un-list.xml");
    const error = await rejection(
      build(
        variant((c) => ({
          ...c,
          sanctions: { ...c.sanctions, lists: [{ format: "UN_CONSOLIDATED_XML", path: missing }] },
        })),
      ),
    );
    const e = expectCode(error, "NODE_START_FAILED");
    expect(e.message).to.contain("sanctions lists").and.contain(missing).and.contain("ENOENT");
  });

  it("refuses an API port in use, naming the setting and the port, and leaves nothing behind", async () => {
    const port = await freePort();
    const blocker = await occupy(port);
    const config = variant((c) => ({ ...c, api: { ...c.api, port } }));
    try {
      const node = await build(config);
      const e = expectCode(await rejection(node.start()), "PORT_IN_USE");
      expect(e.message).to.equal(`api.port: 127.0.0.1:${port} is already in use by another process`);
      await node.stop();
    } finally {
      blocker.close();
    }
    // The same folder opens again: the vault lock and the HSM sessions were released.
    const again = await build({ ...config, api: { ...config.api, port: 0 } });
    await again.start();
    await again.stop();
  });

  it("refuses a libp2p port in use, naming the setting and the address, without a stack trace", async () => {
    const port = await freePort();
    const blocker = await occupy(port);
    const address = `/ip4/127.0.0.1/tcp/${port}`;
    try {
      const node = await build(
        variant((c) => ({ ...c, api: { ...c.api, port: 0 }, exchange: { ...c.exchange, listen: [address] } })),
      );
      const e = expectCode(await rejection(node.start()), "PORT_IN_USE");
      expect(e.message).to.equal(`exchange.listen: ${address} is already in use by another process`);
      await node.stop();
    } finally {
      blocker.close();
    }
  });

  describe("with the node running", () => {
    let running: KycnetNode;
    let configFile: string;
    before(async () => {
      const config = variant((c) => ({
        ...c,
        api: { ...c.api, port: 0 },
        exchange: { ...c.exchange, listen: ["/ip4/127.0.0.1/tcp/0"] },
      }));
      configFile = join(dir, "running.json");
      writeFileSync(configFile, JSON.stringify(config));
      running = await build(config);
      await running.start();
    });
    after(async () => {
      await running?.stop();
    });

    it("`kycnet vault verify-audit` says the vault is locked by another process (exit 3)", async () => {
      const result = await new Promise<{ code: number; stderr: string }>((resolve) =>
        execFile(join(ROOT, "bin/kycnet"), ["vault", "verify-audit", "--config", configFile], (error, out, stderr) =>
          resolve({ code: error === null ? 0 : Number(error.code), stderr: stderr + out }),
        ),
      );
      expect(result.code, result.stderr).to.equal(3);
      expect(result.stderr).to.contain("STORE_LOCKED").and.contain("locked by another process");
      expect(result.stderr).to.not.match(/\n\s+at /);
    });

    // Last of the lock cases: LevelDB's in-process lock table closes the LOCK file's descriptor when it
    // refuses a second open, and closing any descriptor drops the process's fcntl lock on the file.
    it("a second node on the same data folder is refused: the vault is locked by another process", async () => {
      const e = expectCode(await rejection(build(running.config)), "STORE_LOCKED");
      expect(e.message).to.contain("locked by another process").and.contain(running.config.dataDir);
    });

    it("/ready is ready with the funded account, and lists the funds check", async () => {
      const response = await fetch(`${running.api!.url}/ready`);
      const body = (await response.json()) as { status: string; checks: Record<string, string> };
      expect(response.status, JSON.stringify(body)).to.equal(200);
      expect(body.checks).to.include({ ledger: "up", funds: "up" });
    });
  });

  it("reports funds down while the account cannot pay for anchoring, and up once it is funded", async () => {
    const rpc = createRpcProvider(chain.url, { chainId: chain.chainId });
    const keys = new MemoryKeyManager();
    const account = await keys.getAddress();
    const { openLevelRecordStore } = await import("../../../node/src/vault/store/level/level-record-store.ts");
    const store = await openLevelRecordStore(join(dir, "funds-vault"));
    const seen: bigint[] = [];
    const checks = nodeReadinessChecks({
      rpc,
      chainId: chain.chainId,
      store,
      keys,
      funds: { account, gasPerTransaction: 2_660_000n, transactions: 10, onBalance: (b) => seen.push(b) },
    });
    try {
      const unfunded = await checkReadiness(checks, 5_000);
      expect(unfunded.ready).to.equal(false);
      expect(unfunded.checks).to.include({ ledger: "up", funds: "down" });
      expect(String(unfunded.failures[0]!.error)).to.contain("below").and.contain("fund the node's account");
      const faucet = HDNodeWallet.fromMnemonic(
        Mnemonic.fromPhrase("test test test test test test test test test test test junk"),
        "m/44'/60'/0'/0/9",
      ).connect(rpc);
      await (await faucet.sendTransaction({ to: account, value: parseEther("1") })).wait();
      const funded = await checkReadiness(checks, 5_000);
      expect(funded.checks).to.include({ funds: "up" });
      expect(seen).to.deep.equal([0n, parseEther("1")]);
    } finally {
      await store.close();
      await keys.close();
      rpc.destroy();
    }
  });
});
