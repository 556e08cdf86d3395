/**
 * `createNode(config)`: the one composition root of a bank's node. It builds every component from
 * the configuration (or from `overrides`, which tests use to swap a port for a fake) and starts
 * and stops them in dependency order:
 *
 *   custody (HSM) → vault store (LevelDB or PostgreSQL) → ledger (JSON-RPC, HSM signer) → vault
 *   → anchoring outbox (run by the anchoring leader)
 *   → eKYC pipeline (document engines, face model, registry, sanctions) → record exchange
 *   → use cases (onboarding, review, ledger reads) → HTTP API
 *
 * Each stage is opened by its own module in composition/; this file only orders them.
 */
import { startServer, type RunningServer } from "./api/server.ts";
import { buildNodeApp, nodeReadinessChecks } from "./composition/api.ts";
import { openKeys } from "./composition/custody.ts";
import { openRevocationCascade } from "./composition/cascade.ts";
import { openExchange } from "./composition/exchange.ts";
import { openLedger } from "./composition/ledger.ts";
import { nodeGaugeSources } from "./composition/metrics.ts";
import { openPipelineEngines, type PipelineOverrides } from "./composition/pipeline.ts";
import { listening } from "./composition/listen.ts";
import { createSanctionsUpkeep } from "./composition/sanctions.ts";
import { createStartup } from "./composition/startup.ts";
import { createUseCases } from "./composition/use-cases.ts";
import { createLeaderWorkers, type LeaderWorker, type LeaderWorkers } from "./ha/leader-workers.ts";
import { createChainPoller } from "./ledger/chain-poller.ts";
import { createStoredSessions } from "./onboarding/adapters/stored-sessions.ts";
import { createStoredFrameMemory } from "./onboarding/adapters/stored-frame-memory.ts";
import { loadThresholds } from "./ekyc/biometrics/index.ts";
import type { SessionStore } from "./onboarding/sessions.ts";
import { openRetentionSchedule } from "./composition/retention.ts";
import { openNodeVault } from "./composition/vault.ts";
import { openWebhooks } from "./composition/webhooks.ts";
import { withDecisionAudit } from "./composition/decision-audit.ts";
import { createAuditExports } from "./onboarding/audit-export.ts";
import { createAuditReports } from "./onboarding/audit-report.ts";
import { openVaultStore } from "./composition/store.ts";
import type { NodeConfig } from "./config.ts";
import type { KeyManager } from "./custody/key-manager.ts";
import type { ExchangeHost } from "./exchange/host.ts";
import type { Leadership } from "./ha/leadership.ts";
import type { LedgerClient } from "./ledger/ledger-client.ts";
import { createLogger, type Logger } from "./observability/logger.ts";
import { createMetrics, type Metrics } from "./observability/metrics.ts";
import type { OnboardingService } from "./onboarding/ports.ts";
import type { AuditLog } from "./vault/audit-log.ts";
import type { AnchoringWorker } from "./vault/outbox.ts";
import type { RetentionSchedule } from "./vault/retention-schedule.ts";
import type { Vault } from "./vault/vault.ts";
import type { WebhookDelivery } from "./webhooks/webhook-delivery.ts";

export { peerKeyPath } from "./composition/exchange.ts";

/** Readiness wants gas for this many full anchoring batches unless `chain.minAnchoringTransactions` says otherwise. */
const DEFAULT_MIN_ANCHORING_TRANSACTIONS = 10;
/**
 * Gas of one full anchoring batch: 8,518 gas per record measured in batches (bench/results/gas.json,
 * kycnetGasPerRecord), rounded up to 10,000, plus 100,000 for the transaction and the batch's slot.
 */
const anchoringGasPerTransaction = (maxBatch: number) => 100_000n + 10_000n * BigInt(maxBatch);

/** Ports a test (or an unusual deployment) may supply instead of building them from config. */
export interface NodeOverrides extends PipelineOverrides {
  readonly keys?: KeyManager;
  readonly logger?: Logger;
  /** Called with every pipeline stage's duration (benchmarks); metrics get them anyway. */
  readonly onStage?: (stage: string, ms: number) => void;
  /** The date re-onboarding checks a record's card expiry against (tests: a card that expired since the issuing bank's check). */
  readonly reuseClock?: () => Date;
}

export interface KycnetNode {
  readonly config: NodeConfig;
  readonly keys: KeyManager;
  readonly ledger: LedgerClient;
  readonly vault: Vault;
  readonly audit: AuditLog;
  readonly outbox: AnchoringWorker;
  /** Whether this instance anchors (always on LevelDB; the elected one of several on PostgreSQL). */
  readonly leadership: Leadership;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly onboarding: OnboardingService;
  readonly exchange: ExchangeHost;
  /** The core-banking webhook delivery; null when the config names no receiver. */
  readonly webhooks: WebhookDelivery | null;
  /** The retention sweep, run every `retention.sweepIntervalMs` once started. */
  readonly retention: RetentionSchedule;
  /** The onboarding sessions, sealed in the vault's store and shared by every instance. */
  readonly sessions: SessionStore;
  /** The background workers, which run while this instance leads. */
  readonly leaderWorkers: LeaderWorkers;
  /** Set once started. */
  readonly api: RunningServer | null;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** How often the leader deletes expired onboarding sessions and their images. */
const SESSION_SWEEP_INTERVAL_MS = 60_000;

export async function createNode(config: NodeConfig, overrides: NodeOverrides = {}): Promise<KycnetNode> {
  const logger = overrides.logger ?? createLogger({ level: config.log.level, name: config.name });
  const metrics = createMetrics();
  const startup = createStartup(logger);

  const keys = await startup.step(
    "custody",
    async () => overrides.keys ?? (await openKeys(config, (op) => metrics.countHsmOperation(op))),
  );
  startup.onClose(() => keys.close());
  const vaultStore = await openVaultStore(config, startup, logger);
  const { provider, ledger, account, chainId } = await openLedger(config, keys, startup, logger, vaultStore);
  const nodeVault = await openNodeVault(
    config,
    { keys, ledger, account, chainId, logger, onRecordOpenFailure: (code) => metrics.countRecordOpenFailure(code) },
    vaultStore,
    startup,
  );
  const { store, audit, vault, outbox } = nodeVault;
  metrics.recordVaultCheck({ ...nodeVault.check, problems: nodeVault.check.problems.length });
  const engines = await openPipelineEngines(config, overrides, startup, logger);
  const sanctionsUpkeep =
    engines.sanctionsFromFiles === null
      ? null
      : createSanctionsUpkeep(config, {
          loaded: engines.sanctionsFromFiles,
          vault: nodeVault,
          metrics,
          logger,
        });
  metrics.watch(
    nodeGaugeSources({
      outbox,
      registry: engines.registry,
      sanctions: engines.sanctions,
      sanctionsUpkeep,
      review: nodeVault.review,
      balance: () => provider.getBalance(account),
    }),
  );
  const exchange = await openExchange(config, { keys, ledger, provider, account, vault, logger, metrics }, startup);

  const webhooks = await openWebhooks(config.webhooks, { store, audit, metrics, logger });
  const retention = openRetentionSchedule(config, { vault, metrics, logger });
  const sessions = createStoredSessions({
    store,
    keys,
    ...(config.sessions?.uploadBudgetBytes === undefined
      ? {}
      : { uploadBudgetBytes: config.sessions.uploadBudgetBytes }),
  });
  // Shared by the instances, so a recording replayed at one after another saw it is refused.
  const frameMemory = createStoredFrameMemory({ store, keys, capacity: loadThresholds().liveness.memory.sessions });
  const useCases = createUseCases(config, {
    sessions,
    frameMemory,
    ledger,
    provider,
    vault: nodeVault,
    engines,
    exchange,
    observeStage: (stage, ms) => {
      metrics.observeStage(stage, ms);
      overrides.onStage?.(stage, ms);
    },
    ...(overrides.reuseClock === undefined ? {} : { reuseClock: overrides.reuseClock }),
  });
  const documentSigner = {
    address: account,
    signMessage: (bytes: Uint8Array) => keys.createSigner(null).signMessage(bytes),
  };
  const reports = createAuditReports({ bank: config.name, audit, signer: documentSigner });
  const exports = createAuditExports({
    bank: config.name,
    audit,
    signer: documentSigner,
    chain: { chainId, attestations: ledger.addresses.attestations },
    anchors: () => ledger.auditAnchors(account),
  });
  const services = webhooks.withEvents({
    ...useCases,
    onboarding: withDecisionAudit(useCases.onboarding, audit),
    webhooks: webhooks.admin,
    reports: { report: (query) => reports.report(query), export: (query) => exports.export(query) },
  });

  // Follows revocations of the sources this bank re-onboarded from (issue 21).
  const cascade = openRevocationCascade(config, { provider, ledger, vault: nodeVault, services, logger });

  // Once per bank, on the leading instance only (ha/leader-workers.ts; on LevelDB always this one).
  const sessionSweep = createChainPoller(
    async () => {
      const swept = await sessions.sweepExpired();
      await frameMemory.sweepKeys();
      return swept;
    },
    SESSION_SWEEP_INTERVAL_MS,
    (error) => logger.warn({ err: error }, "session expiry sweep failed"),
  );
  const leaderWorkers = createLeaderWorkers(
    new Map<string, LeaderWorker>([
      ["anchoring", outbox],
      ["revocation-cascade", cascade],
      ["retention", retention],
      ["session-sweep", sessionSweep],
      ...(webhooks.delivery === null ? [] : [["webhooks", webhooks.delivery] as [string, LeaderWorker]]),
      ...(sanctionsUpkeep === null
        ? []
        : [["sanctions-rescreen", sanctionsUpkeep.rescreening] as [string, LeaderWorker]]),
    ]),
    (worker, error) => logger.warn({ err: error, worker }, "background worker failed to start or stop"),
  );

  let api: RunningServer | null = null;
  const node: KycnetNode = {
    leaderWorkers,
    sessions,
    config,
    keys,
    ledger,
    vault,
    audit,
    outbox,
    leadership: vaultStore.leadership,
    metrics,
    logger,
    onboarding: services.onboarding,
    exchange: exchange.host,
    webhooks: webhooks.delivery,
    retention,
    get api() {
      return api;
    },
    async start() {
      const app = await buildNodeApp(config, {
        services,
        readinessChecks: nodeReadinessChecks({
          rpc: provider,
          chainId,
          store,
          keys,
          vaultCheck: nodeVault.check,
          funds: {
            account,
            gasPerTransaction: anchoringGasPerTransaction(config.anchoring.maxBatch),
            transactions: config.chain.minAnchoringTransactions ?? DEFAULT_MIN_ANCHORING_TRANSACTIONS,
          },
        }),
        metrics,
        logger,
      });
      const { host, port } = config.api;
      try {
        await listening("exchange.listen", config.exchange.listen.join(", "), () => exchange.start());
        api = await listening("api.port", `${host}:${port}`, () => startServer(app, { host, port }));
      } catch (error) {
        // Nothing half-started stays behind: the libp2p host (if it listens) and the app close.
        await exchange.stop().catch(() => undefined);
        await app.close().catch(() => undefined);
        throw error;
      }
      // Only the leader runs the background workers (always this process on LevelDB).
      vaultStore.leadership.start((term) => {
        if (term !== null)
          logger.info({ term, holder: vaultStore.leadership.holder }, "leading: running the background workers");
        else logger.info({ holder: vaultStore.leadership.holder }, "not leading: background workers stopped");
        leaderWorkers.onLeadership(term);
      });
      sanctionsUpkeep?.start();
      logger.info({ url: api.url, account, peer: exchange.host.multiaddrs().map(String) }, "node started");
    },
    async stop() {
      await api?.stop();
      api = null;
      await exchange.stop();
      await vaultStore.leadership.stop();
      await leaderWorkers.stop();
      await sanctionsUpkeep?.stop();
      await startup.closeAll((error) => logger.warn({ err: error }, "stop step failed"));
      logger.info("node stopped");
    },
  };
  return node;
}
