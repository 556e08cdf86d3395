/**
 * Anchoring throughput: records stored in a LevelDB vault (sealed by a SoftHSM2 token) and
 * anchored by the outbox worker through a local JSON-RPC chain, transactions signed by the same
 * token; with batch size 1 (one transaction per record) as the same-run baseline. Used by
 * bench/anchoring.ts and bench/node.ts.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { HDNodeWallet, Mnemonic, NonceManager, parseEther, randomBytes } from "ethers";
import { DEFAULT_MODULE_PATH } from "../../node/src/custody/pkcs11/config.ts";
import { openPkcs11KeyManager } from "../../node/src/custody/pkcs11/pkcs11-key-manager.ts";
import { provisionToken, writeSoftHsmConf } from "../../node/src/custody/provision.ts";
import { deployKycnet } from "../../node/src/ledger/deploy.ts";
import { createEthersLedger } from "../../node/src/ledger/ethers/ethers-ledger.ts";
import { createRpcProvider } from "../../node/src/ledger/provider.ts";
import { createAuditLog } from "../../node/src/vault/audit-log.ts";
import { createAnchoringWorker } from "../../node/src/vault/outbox.ts";
import { openLevelRecordStore } from "../../node/src/vault/store/level/level-record-store.ts";
import { createVault } from "../../node/src/vault/vault.ts";
import type { Hex } from "@kycnet/sdk/protocol";
import { startLocalChain } from "../../scripts/lib/local-chain.ts";
import { verifiedRecord } from "../../test/node/vault/fixtures.ts";

export type AnchoringRun = {
  name: string;
  records: number;
  maxBatch: number;
  batches: number;
  storePerMin: number;
  anchorPerMin: number;
  anchorSeconds: number;
};

export async function measureAnchoring(
  records: number,
  baselineRecords = 64,
): Promise<{ baseline: AnchoringRun; batched: AnchoringRun }> {
  const dir = mkdtempSync(join(tmpdir(), "kycnet-bench-anchor-"));
  const chain = await startLocalChain();
  try {
    const softhsm2Conf = writeSoftHsmConf(join(dir, "softhsm"));
    const token = await provisionToken({
      modulePath: DEFAULT_MODULE_PATH,
      tokenLabel: "bench-bank",
      soPin: "bench-so-1234",
      userPin: "bench-1234",
      softhsm2Conf,
    });
    const keys = await openPkcs11KeyManager({
      modulePath: DEFAULT_MODULE_PATH,
      tokenLabel: "bench-bank",
      pin: "bench-1234",
      softhsm2Conf,
    });
    const provider = createRpcProvider(chain.url, { chainId: chain.chainId, pollingIntervalMs: 50 });
    const dev = new NonceManager(
      HDNodeWallet.fromMnemonic(
        Mnemonic.fromPhrase("test test test test test test test test test test test junk"),
        "m/44'/60'/0'/0/0",
      ).connect(provider),
    );
    await (await dev.sendTransaction({ to: token.address, value: parseEther("100") })).wait();
    const addresses = await deployKycnet(dev, {
      members: [
        {
          account: token.address as Hex,
          name: "Bench Bank",
          peerId: randomBytes(38),
          transportKey: new Uint8Array(Buffer.from(token.transportPublicKey.slice(2), "hex")),
        },
      ],
      threshold: 1,
    });
    const ledger = await createEthersLedger({ runner: new NonceManager(keys.createSigner(provider)), addresses });
    const now = BigInt((await provider.getBlock("latest"))!.timestamp);

    const run = async (name: string, count: number, maxBatch: number) => {
      const store = await openLevelRecordStore(join(dir, name));
      const audit = createAuditLog(store);
      const vault = createVault({
        store,
        keys,
        audit,
        attestationContext: { chainId: chain.chainId, registry: addresses.attestations, issuer: token.address as Hex },
      });
      const worker = createAnchoringWorker({ store, audit, vault, ledger, maxBatch });
      let t = performance.now();
      for (let i = 0; i < count; i++) {
        const { record, attestation } = verifiedRecord(i);
        await vault.storeVerifiedRecord({ record, attestation: attestation(now), actor: "bench" });
      }
      const storeMs = performance.now() - t;
      t = performance.now();
      const result = await worker.flush();
      const anchorMs = performance.now() - t;
      if (result.anchored !== count) throw new Error(`anchored ${result.anchored} of ${count}`);
      await store.close();
      return {
        name,
        records: count,
        maxBatch,
        batches: result.batches,
        storePerMin: Math.round((count / storeMs) * 60_000),
        anchorPerMin: Math.round((count / anchorMs) * 60_000),
        anchorSeconds: Number((anchorMs / 1000).toFixed(2)),
      };
    };

    const baseline = await run("one-record-per-transaction", baselineRecords, 1);
    const batched = await run("batches-of-256", records, 256);
    await keys.close();
    provider.destroy();
    return { baseline, batched };
  } finally {
    await chain.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}
