/** Opens the vault (LevelDB or PostgreSQL, as configured) with its audit log, the review queue and the anchoring outbox over it. */
import { mkdir } from "node:fs/promises";
import type { Hex } from "@kycnet/sdk/protocol";
import type { NodeConfig } from "../config.ts";
import type { KeyManager } from "../custody/key-manager.ts";
import type { LedgerClient } from "../ledger/ledger-client.ts";
import type { Logger } from "../observability/logger.ts";
import { createReviewQueue, type ReviewQueueStore } from "../onboarding/review/review-queue.ts";
import { createAuditLog, type AuditLog } from "../vault/audit-log.ts";
import { createAnchoringWorker, type AnchoringWorker } from "../vault/outbox.ts";
import type { RecordStore } from "../vault/store/record-store.ts";
import { createVault, type Vault } from "../vault/vault.ts";
import type { Startup } from "./startup.ts";
import { openConfiguredStore } from "./store.ts";

export interface NodeVault {
  readonly store: RecordStore;
  readonly audit: AuditLog;
  readonly vault: Vault;
  readonly review: ReviewQueueStore;
  readonly outbox: AnchoringWorker;
}

export interface OpenVaultDeps {
  readonly keys: KeyManager;
  readonly ledger: LedgerClient;
  readonly account: Hex;
  readonly chainId: bigint;
  readonly logger: Logger;
}

export async function openNodeVault(config: NodeConfig, deps: OpenVaultDeps, startup: Startup): Promise<NodeVault> {
  const { keys, ledger, logger } = deps;
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const store = await startup.step("vault", () => openConfiguredStore(config));
  startup.onClose(() => store.close());
  const audit = createAuditLog(store);
  const attestationContext = { chainId: deps.chainId, registry: ledger.addresses.attestations, issuer: deps.account };
  const vault = createVault({ store, keys, audit, attestationContext });
  const review = createReviewQueue({ store, vault, audit });
  const outbox = createAnchoringWorker({
    store,
    audit,
    vault,
    ledger,
    maxBatch: config.anchoring.maxBatch,
    maxDelayMs: config.anchoring.maxDelayMs,
    onBatch: (b) =>
      logger.info(
        { count: b.count, batchRoot: b.batchRoot, txHash: b.txHash, lagSeconds: b.lagSeconds },
        "anchored batch",
      ),
    onError: (error) => logger.warn({ err: error }, "anchoring failed; will retry"),
  });
  return { store, audit, vault, review, outbox };
}
