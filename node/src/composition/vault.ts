/** Opens the vault (LevelDB or PostgreSQL, as configured) with its audit log, the review queue and the anchoring outbox over it. */
import type { Hex } from "@kycnet/sdk/protocol";
import type { NodeConfig } from "../config.ts";
import type { KeyManager } from "../custody/key-manager.ts";
import type { LedgerClient } from "../ledger/ledger-client.ts";
import type { Logger } from "../observability/logger.ts";
import { RULES_V1 } from "../ekyc/decision/rule-set.ts";
import { createDuplicateIdentities, type DuplicateIdentities } from "../onboarding/duplicate-identities.ts";
import { createReviewQueue, type ReviewQueueStore } from "../onboarding/review/review-queue.ts";
import { ownAttestationRevoker } from "../onboarding/source-revoked-cases.ts";
import { createAuditLog, type AuditLog } from "../vault/audit-log.ts";
import { createEvidenceStore, type EvidenceStore } from "../vault/evidence.ts";
import { createAnchoringWorker, type AnchoringWorker } from "../vault/outbox.ts";
import type { RecordStore } from "../vault/store/record-store.ts";
import { checkVault, type VaultCheckResult } from "../vault/vault-check.ts";
import { createVault, type Vault } from "../vault/vault.ts";
import type { Startup } from "./startup.ts";
import type { VaultStore } from "./store.ts";

export interface NodeVault {
  readonly store: RecordStore;
  readonly audit: AuditLog;
  readonly vault: Vault;
  readonly review: ReviewQueueStore;
  /** Each kept decision's evidence, sealed beside its record. */
  readonly evidence: EvidenceStore;
  readonly outbox: AnchoringWorker;
  /** Duplicate identities within the bank: the sealed index entries, loaded at start. */
  readonly duplicates: DuplicateIdentities;
  /** The start-up vault check; when not ok the node starts but does not report ready. */
  readonly check: VaultCheckResult;
}

export interface OpenVaultDeps {
  readonly keys: KeyManager;
  readonly ledger: LedgerClient;
  readonly account: Hex;
  readonly chainId: bigint;
  readonly logger: Logger;
  /** A stored record failed to open (decryption or integrity): counted for the alert rule. */
  readonly onRecordOpenFailure?: (code: string) => void;
}

export async function openNodeVault(
  config: NodeConfig,
  deps: OpenVaultDeps,
  opened: VaultStore,
  startup: Startup,
): Promise<NodeVault> {
  const { keys, ledger, logger } = deps;
  const { store, leadership } = opened;
  const audit = createAuditLog(store);
  const anchors = (fromBlock: number) => ledger.auditAnchors(deps.account, fromBlock);
  const check = await startup.step("vault-check", () => checkVault(store, audit, { anchors }));
  const { problems, ...figures } = check;
  if (check.ok) logger.info(figures, "vault checked");
  else logger.error({ ...figures, problems }, "vault check failed: the node will not report ready until restored");
  const attestationContext = { chainId: deps.chainId, registry: ledger.addresses.attestations, issuer: deps.account };
  const onOpenFailure = (id: string, code: string) => {
    logger.error({ recordId: id, code }, "stored record failed to open (audited as record.open-failed)");
    deps.onRecordOpenFailure?.(code);
  };
  const vault = createVault({ store, keys, audit, attestationContext, onOpenFailure });
  const review = createReviewQueue({
    store,
    vault,
    audit,
    fourEyesReasons: config.review.fourEyesReasons,
    revokeOwn: ownAttestationRevoker(vault, ledger),
  });
  const evidence = createEvidenceStore({ store, keys, audit });
  const outbox = createAnchoringWorker({
    store,
    audit,
    vault,
    ledger,
    maxBatch: config.anchoring.maxBatch,
    maxDelayMs: config.anchoring.maxDelayMs,
    ...(config.anchoring.auditAnchorIntervalMs === undefined
      ? {}
      : { auditAnchorIntervalMs: config.anchoring.auditAnchorIntervalMs }),
    ...(config.anchoring.chainClockSkewMs === undefined ? {} : { chainClockSkewMs: config.anchoring.chainClockSkewMs }),
    claimWrite: (ops) => leadership.fencedWrite(ops),
    onBatch: (b) =>
      logger.info(
        { count: b.count, batchRoot: b.batchRoot, txHash: b.txHash, lagSeconds: b.lagSeconds },
        "anchored batch",
      ),
    onError: (error) => logger.warn({ err: error }, "anchoring failed; will retry"),
  });
  const duplicates = createDuplicateIdentities({
    store,
    keys,
    audit,
    vault,
    policy: RULES_V1.duplicates,
    onSkipped: (recordId, why) => logger.warn({ recordId, why }, "duplicate-index entry skipped"),
  });
  const loaded = await startup.step("duplicate-index", () => duplicates.load());
  logger.info(
    { entries: loaded.entries, skipped: loaded.skipped, ms: Math.round(loaded.ms) },
    "duplicate index loaded",
  );
  return { store, audit, vault, review, evidence, outbox, duplicates, check };
}
