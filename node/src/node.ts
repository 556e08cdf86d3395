/**
 * `createNode(config)`: the one composition root of a bank's node. It builds every component from
 * the configuration (or from `overrides`, which tests use to swap a port for a fake) and starts
 * and stops them in dependency order:
 *
 *   custody (HSM) → ledger (JSON-RPC, HSM signer) → vault (LevelDB) → anchoring outbox
 *   → eKYC pipeline (document engines, face model, registry, sanctions) → HTTP API
 */
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { NonceManager, type Signer } from "ethers";
import { KycnetError } from "@kycnet/sdk/errors";
import { encodePipelineVersion } from "@kycnet/sdk/protocol";
import { buildApp } from "./api/app.ts";
import type { OnboardingService } from "./onboarding/ports.ts";
import { apiConfig } from "./api/config.ts";
import { startServer, type RunningServer } from "./api/server.ts";
import type { NodeConfig } from "./config.ts";
import type { KeyManager } from "./custody/key-manager.ts";
import { MemoryKeyManager } from "./custody/memory/memory-key-manager.ts";
import { openPkcs11KeyManager } from "./custody/pkcs11/pkcs11-key-manager.ts";
import { ChallengeIssuer, startWorkerFaceModel, type FaceModel } from "./ekyc/biometrics/index.ts";
import { HttpNationalIdRegistry } from "./ekyc/checks/national-id/http-adapter.ts";
import type { NationalIdRegistry } from "./ekyc/checks/national-id/port.ts";
import { IndexedSanctionsList } from "./ekyc/checks/sanctions/indexed-list.ts";
import { loadSanctionsFiles } from "./ekyc/checks/sanctions/loaders/load-file.ts";
import type { SanctionsList } from "./ekyc/checks/sanctions/port.ts";
import { createDocumentEngines, readDocument, type DocumentResult } from "./ekyc/document/index.ts";
import { createOnboardingService } from "./onboarding/onboarding-service.ts";
import { createExchangeHost, type ExchangeHost } from "./exchange/host.ts";
import { loadOrCreatePeerKey, peerKeyFile } from "./exchange/identity.ts";
import { createMembershipGate } from "./exchange/membership.ts";
import { createMembershipWatcher } from "./exchange/membership-watcher.ts";
import { createRecordClient } from "./exchange/record-client.ts";
import { createRecordServer } from "./exchange/record-server.ts";
import { createSessionStore } from "./onboarding/sessions.ts";
import { createEthersLedger } from "./ledger/ethers/ethers-ledger.ts";
import type { ContractAddresses, LedgerClient } from "./ledger/ledger-client.ts";
import { createRpcProvider } from "./ledger/provider.ts";
import { createLogger, type Logger } from "./observability/logger.ts";
import { createMetrics, type Metrics } from "./observability/metrics.ts";
import { createLedgerServices } from "./onboarding/adapters/ledger-services.ts";
import { vaultRecordSource } from "./onboarding/adapters/record-source.ts";
import { createReviewService } from "./onboarding/review/review-service.ts";
import { createAuditLog, type AuditLog } from "./vault/audit-log.ts";
import { createAnchoringWorker, type AnchoringWorker } from "./vault/outbox.ts";
import { createReviewQueue } from "./onboarding/review/review-queue.ts";
import { openLevelRecordStore } from "./vault/store/level/level-record-store.ts";
import type { RecordStore } from "./vault/store/record-store.ts";
import { createVault, type Vault } from "./vault/vault.ts";

/** Ports a test (or an unusual deployment) may supply instead of building them from config. */
export interface NodeOverrides {
  readonly keys?: KeyManager;
  readonly faceModel?: FaceModel;
  readonly registry?: NationalIdRegistry;
  readonly sanctions?: SanctionsList | null;
  readonly readDocument?: (images: { front: Uint8Array; back?: Uint8Array }) => Promise<DocumentResult>;
  readonly logger?: Logger;
  /** Called with every pipeline stage's duration (benchmarks); metrics get them anyway. */
  readonly onStage?: (stage: string, ms: number) => void;
}

export interface KycnetNode {
  readonly config: NodeConfig;
  readonly keys: KeyManager;
  readonly ledger: LedgerClient;
  readonly vault: Vault;
  readonly audit: AuditLog;
  readonly outbox: AnchoringWorker;
  readonly metrics: Metrics;
  readonly logger: Logger;
  readonly onboarding: OnboardingService;
  readonly exchange: ExchangeHost;
  /** Set once started. */
  readonly api: RunningServer | null;
  start(): Promise<void>;
  stop(): Promise<void>;
}

/** Where a node keeps its sealed libp2p key (the consortium script creates it before deployment). */
export const peerKeyPath = (dataDir: string) => join(dataDir, "peer-key.json");

export class NodeStartError extends KycnetError {
  constructor(component: string, cause: unknown) {
    super("NODE_START_FAILED", `could not start ${component}`, { details: { component }, cause });
  }
}

async function openKeys(config: NodeConfig): Promise<KeyManager> {
  const custody = config.custody;
  if (custody.kind === "memory") {
    if (process.env.KYCNET_ALLOW_MEMORY_KEYS !== "1") {
      throw new KycnetError("CONFIG_INVALID", "custody.kind memory keeps keys in process memory: development only (set KYCNET_ALLOW_MEMORY_KEYS=1)");
    }
    return new MemoryKeyManager();
  }
  const pin = process.env[custody.pinEnv];
  if (pin === undefined || pin === "") throw new KycnetError("CONFIG_INVALID", `the HSM PIN variable ${custody.pinEnv} is not set`, { details: { variable: custody.pinEnv } });
  return openPkcs11KeyManager({
    modulePath: custody.modulePath, tokenLabel: custody.tokenLabel, pin,
    ...(custody.softhsm2Conf === undefined ? {} : { softhsm2Conf: custody.softhsm2Conf }),
    ...(custody.sessions === undefined ? {} : { sessions: custody.sessions }),
    ...(custody.keyLabels === undefined ? {} : { keyLabels: custody.keyLabels }),
  });
}

export async function createNode(config: NodeConfig, overrides: NodeOverrides = {}): Promise<KycnetNode> {
  const logger = overrides.logger ?? createLogger({ level: config.log.level, name: config.name });
  const metrics = createMetrics();
  const cleanups: Array<() => Promise<void>> = [];
  const step = async <T>(component: string, build: () => Promise<T>): Promise<T> => {
    logger.info({ component }, "starting");
    try {
      return await build();
    } catch (error) {
      for (const undo of cleanups.reverse()) await undo().catch(() => undefined);
      throw error instanceof KycnetError ? error : new NodeStartError(component, error);
    }
  };

  const keys = await step("custody", async () => overrides.keys ?? (await openKeys(config)));
  cleanups.push(() => keys.close());

  const provider = createRpcProvider(config.chain.rpcUrl, config.chain.chainId === undefined ? {} : { chainId: BigInt(config.chain.chainId) });
  cleanups.push(async () => provider.destroy());
  const signer: Signer = new NonceManager(keys.createSigner(provider));
  const ledger = await step("ledger", () => createEthersLedger({ runner: signer, addresses: config.chain.addresses as ContractAddresses, confirmations: config.chain.confirmations }));
  const account = await ledger.account();
  if (!(await ledger.isActiveMember(account))) logger.warn({ account }, "this node's account is not an active consortium member: it cannot anchor");

  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  const store: RecordStore = await step("vault", () => openLevelRecordStore(join(config.dataDir, "vault")));
  cleanups.push(() => store.close());
  const audit = createAuditLog(store);
  const vault = createVault({ store, keys, audit, attestationContext: { chainId: await ledger.chainId(), registry: ledger.addresses.attestations, issuer: account } });
  const review = createReviewQueue({ store, vault, audit });
  const outbox = createAnchoringWorker({
    store, audit, vault, ledger, maxBatch: config.anchoring.maxBatch, maxDelayMs: config.anchoring.maxDelayMs,
    onBatch: (b) => {
      metrics.setAnchoringLag(b.lagSeconds);
      logger.info({ count: b.count, batchRoot: b.batchRoot, txHash: b.txHash }, "anchored batch");
    },
    onError: (error) => logger.warn({ err: error }, "anchoring failed; will retry"),
  });

  const documentEngines = overrides.readDocument === undefined ? await step("document engines", () => createDocumentEngines()) : null;
  if (documentEngines !== null) cleanups.push(() => documentEngines.close());
  // The node's own model runs on a worker thread so inferences never stall the event loop.
  const ownFaceModel = overrides.faceModel === undefined ? await step("face model", () => startWorkerFaceModel()) : null;
  if (ownFaceModel !== null) cleanups.push(() => ownFaceModel.close());
  const faceModel = overrides.faceModel ?? (ownFaceModel as FaceModel);
  const registry = overrides.registry ?? new HttpNationalIdRegistry({ baseUrl: config.registry.url, deadlineMs: config.registry.deadlineMs });
  const sanctions = overrides.sanctions !== undefined ? overrides.sanctions
    : config.sanctions.lists.length === 0 ? null
    : await step("sanctions lists", async () => new IndexedSanctionsList(await loadSanctionsFiles(config.sanctions.lists),
      config.sanctions.threshold === undefined ? {} : { threshold: config.sanctions.threshold }));
  if (sanctions === null) logger.warn("no sanctions list loaded: every decision will say SANCTIONS_NOT_SCREENED");

  // Record exchange: a libp2p host whose identity key is sealed by the HSM, member-gated on chain.
  const identity = await step("peer identity", () => loadOrCreatePeerKey({ keys, ...peerKeyFile(peerKeyPath(config.dataDir)) }));
  const me = await ledger.findMember(account);
  if (me !== null && Buffer.compare(Buffer.from(me.peerId), Buffer.from(identity.peerIdBytes)) !== 0) {
    logger.warn({ peerId: identity.peerId.toString() }, "this node's libp2p peer id differs from the one published on chain: other members will refuse it");
  }
  const membership = createMembershipGate({ ledger, onError: (error) => logger.warn({ err: error }, "membership check failed") });
  const host = await step("exchange host", () => createExchangeHost({ privateKey: identity.privateKey, listen: config.exchange.listen, membership }));
  const recordServer = createRecordServer({
    host, ledger, keys, membership, source: vaultRecordSource(vault),
    onServed: (e) => logger.info({ status: e.status, consentId: e.consentId, memberId: e.memberId, ms: Math.round(e.ms), disclosureTx: e.disclosureTx }, "record request"),
  });
  const records = createRecordClient({ host, ledger, keys });
  // Membership changes on chain (a bank removed, a key rotated) cut connections within seconds.
  const watcher = createMembershipWatcher({
    provider, consortium: ledger.addresses.consortium, membership, host,
    onChange: (c) => logger.info(c, "consortium membership changed"), onError: (error) => logger.warn({ err: error }, "membership watch failed"),
  });
  const addressBook = new Map(config.exchange.peers.map((p) => [p.account.toLowerCase(), p.address]));

  const onboarding = createOnboardingService({
    sessions: createSessionStore(),
    readDocument: overrides.readDocument ?? ((images) => readDocument(images, { engines: documentEngines! })),
    faceModel, challenges: new ChallengeIssuer(), registry, sanctions, vault, review,
    pipelineVersion: encodePipelineVersion(config.attestation.pipelineVersion),
    attestationValiditySeconds: config.attestation.validityDays * 86_400,
    observeStage: (stage, ms) => {
      metrics.observeStage(stage, ms);
      overrides.onStage?.(stage, ms);
    },
    reuse: { ledger, provider, records, addressOf: (member) => addressBook.get(member.account.toLowerCase()) ?? null },
  });
  const ledgerServices = createLedgerServices({ vault, ledger, provider, audit, statusTtlMs: config.chain.blockPeriodMs });

  let api: RunningServer | null = null;
  let outboxTimer: NodeJS.Timeout | undefined;
  const node: KycnetNode = {
    config, keys, ledger, vault, audit, outbox, metrics, logger, onboarding, exchange: host,
    get api() { return api; },
    async start() {
      const app = await buildApp({
        services: {
          onboarding, review: createReviewService(review, vault), ledger: ledgerServices.reads, attestations: ledgerServices.admin, consents: ledgerServices.consents, audit: ledgerServices.audit,
        },
        metrics, logger,
        readinessChecks: [
          { name: "ledger", check: async () => { await ledger.chainId(); } },
          { name: "vault", check: async () => { await store.get("audit-head"); } },
          { name: "hsm", check: async () => { await keys.getAddress(); } },
        ],
      }, apiConfig({ apiKeys: config.api.apiKeys, ...(config.api.rateLimit === undefined ? {} : { rateLimit: config.api.rateLimit }) }));
      await host.start();
      await recordServer.start();
      await watcher.start();
      api = await startServer(app, { host: config.api.host, port: config.api.port });
      outbox.start();
      // Outbox depth for /metrics, without touching the hot path.
      outboxTimer = setInterval(() => {
        void outbox.depth().then((d) => metrics.setOutboxDepth(d.pending + d.inflight), () => undefined);
      }, 5_000);
      outboxTimer.unref();
      logger.info({ url: api.url, account, peer: host.multiaddrs().map(String) }, "node started");
    },
    async stop() {
      clearInterval(outboxTimer);
      await api?.stop();
      api = null;
      await watcher.stop();
      await recordServer.stop();
      await host.stop();
      await outbox.stop();
      for (const undo of cleanups.reverse()) await undo().catch((error: unknown) => logger.warn({ err: error }, "stop step failed"));
      cleanups.length = 0;
      logger.info("node stopped");
    },
  };
  return node;
}
