/** Opens the vault (LevelDB or PostgreSQL, as configured) with its audit log, the review queue and the anchoring outbox over it. */
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
import type { VaultStore } from "./store.ts";

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

export function openNodeVault(config: NodeConfig, deps: OpenVaultDeps, opened: VaultStore): NodeVault {
  const { keys, ledger, logger } = deps;
  const { store, leadership } = opened;
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
    claimWrite: (ops) => leadership.fencedWrite(ops),
    onBatch: (b) =>
      logger.info(
        { count: b.count, batchRoot: b.batchRoot, txHash: b.txHash, lagSeconds: b.lagSeconds },
        "anchored batch",
      ),
    onError: (error) => logger.warn({ err: error }, "anchoring failed; will retry"),
  });
  return { store, audit, vault, review, outbox };
}
