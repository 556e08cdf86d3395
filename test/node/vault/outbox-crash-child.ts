/**
 * Child process for outbox-crash.test.ts: stores records until the vault holds TARGET of them,
 * then anchors until the outbox is empty, printing progress. The parent kills it with SIGKILL at
 * random moments and starts it again on the same LevelDB directory.
 * argv: <leveldb dir> <rpc url> <addresses json> <private key> <target>
 */
import { NonceManager, Wallet } from "ethers";
import { MemoryKeyManager } from "../../../node/src/custody/memory/memory-key-manager.ts";
import { createEthersLedger } from "../../../node/src/ledger/ethers/ethers-ledger.ts";
import { createRpcProvider } from "../../../node/src/ledger/provider.ts";
import { createAuditLog } from "../../../node/src/vault/audit-log.ts";
import { createAnchoringWorker } from "../../../node/src/vault/outbox.ts";
import { openLevelRecordStore } from "../../../node/src/vault/store/level/level-record-store.ts";
import { createVault } from "../../../node/src/vault/vault.ts";
import { verifiedRecord } from "./fixtures.ts";

const [dir, url, addressesJson, privateKey, targetText] = process.argv.slice(2) as [
  string,
  string,
  string,
  string,
  string,
];
const target = Number(targetText);
const provider = createRpcProvider(url, { pollingIntervalMs: 50 });
const ledger = await createEthersLedger({
  runner: new NonceManager(new Wallet(privateKey, provider)),
  addresses: JSON.parse(addressesJson),
});
const store = await openLevelRecordStore(dir);
const audit = createAuditLog(store);
const attestationContext = {
  chainId: await ledger.chainId(),
  registry: ledger.addresses.attestations,
  issuer: await ledger.account(),
};
const vault = createVault({ store, keys: new MemoryKeyManager(), audit, attestationContext });
const worker = createAnchoringWorker({ store, audit, vault, ledger, maxBatch: 5 });

let stored = 0;
for await (const _ of vault.listRecords({ limit: 10_000 })) stored += 1;
const now = BigInt((await provider.getBlock("latest"))!.timestamp);
while (stored < target) {
  const { record, attestation } = verifiedRecord(stored);
  await vault.storeVerifiedRecord({ record, attestation: attestation(now), actor: "crash-test" });
  stored += 1;
  process.stdout.write(`stored ${stored}\n`);
  // Anchor as we go, so kills land in every phase: storing, moving to in-flight, sending, marking.
  if (stored % 3 === 0) await worker.flush();
}
await worker.flush();
const depth = await worker.depth();
process.stdout.write(`done ${JSON.stringify(depth)}\n`);
await store.close();
provider.destroy();
