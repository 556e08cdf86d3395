/**
 * The node's /ready checks on real dependencies: a JSON-RPC chain started and then stopped, a LevelDB
 * store opened and then closed, and a key manager opened and then closed.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { nodeReadinessChecks } from "../../../node/src/composition/api.ts";
import { MemoryKeyManager } from "../../../node/src/custody/memory/memory-key-manager.ts";
import { createRpcProvider } from "../../../node/src/ledger/provider.ts";
import { checkReadiness } from "../../../node/src/observability/readiness.ts";
import { openLevelRecordStore } from "../../../node/src/vault/store/level/level-record-store.ts";
import { startLocalChain, type LocalChain } from "../../../scripts/lib/local-chain.ts";

describe("node readiness checks", function () {
  this.timeout(120_000);
  let chain: LocalChain;
  let dir: string;
  before(async () => {
    chain = await startLocalChain();
    dir = await mkdtemp(join(tmpdir(), "kycnet-ready-"));
  });
  after(async () => {
    await chain?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("is ready with every dependency up, and names each one that goes down", async () => {
    const rpc = createRpcProvider(chain.url);
    const store = await openLevelRecordStore(join(dir, "vault"));
    const keys = new MemoryKeyManager();
    const checks = nodeReadinessChecks({ rpc, chainId: chain.chainId, store, keys });
    try {
      const up = await checkReadiness(checks, 2_000);
      expect(up.failures.map((f) => String(f.error))).to.deep.equal([]);
      expect(up.checks).to.deep.equal({ ledger: "up", vault: "up", hsm: "up" });

      await store.close();
      await keys.close();
      await chain.stop();
      const down = await checkReadiness(checks, 2_000);
      expect(down.ready).to.equal(false);
      expect(down.checks).to.deep.equal({ ledger: "down", vault: "down", hsm: "down" });
    } finally {
      rpc.destroy();
    }
  });

  it("reports the ledger down when the endpoint now serves another chain than the node started on", async () => {
    const other = await startLocalChain();
    const rpc = createRpcProvider(other.url);
    const store = await openLevelRecordStore(join(dir, "other"));
    try {
      const checks = nodeReadinessChecks({ rpc, chainId: other.chainId + 1n, store, keys: new MemoryKeyManager() });
      const report = await checkReadiness(checks, 2_000);
      expect(report.checks).to.deep.equal({ ledger: "down", vault: "up", hsm: "up" });
      expect(String(report.failures[0]!.error)).to.contain(`expected ${other.chainId + 1n}`);
    } finally {
      rpc.destroy();
      await store.close();
      await other.stop();
    }
  });
});
