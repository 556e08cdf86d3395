/**
 * A node's review side for the console tests and bench: LevelDB vault (temp dir) with the in-memory
 * key manager, the real review queue (four-eyes rule as given), the evidence store, the console
 * reads and sessions, the real onboarding use case when document and face engines are given, and
 * the real API app (buildApp) listening on loopback. The ledger and the API audit sink are the fakes
 * (the console only reads statuses from them); keys: reviewer-1, reviewer-2, operator-1, auditor-1.
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { Wallet } from "ethers";
import { encodePipelineVersion, type Hex } from "@kycnet/sdk/protocol";
import { buildApp } from "../../../../node/src/api/app.ts";
import { generateApiKey } from "../../../../node/src/api/auth.ts";
import { apiConfig } from "../../../../node/src/api/config.ts";
import type { ApiInstance } from "../../../../node/src/api/route-context.ts";
import { MemoryKeyManager } from "../../../../node/src/custody/memory/memory-key-manager.ts";
import { ChallengeIssuer, type FaceModel } from "../../../../node/src/ekyc/biometrics/index.ts";
import type { NationalIdRegistry } from "../../../../node/src/ekyc/checks/national-id/port.ts";
import { readDocument, type DocumentEngines } from "../../../../node/src/ekyc/document/index.ts";
import { createLogger } from "../../../../node/src/observability/logger.ts";
import { createMetrics } from "../../../../node/src/observability/metrics.ts";
import { createConsoleSessionStore } from "../../../../node/src/onboarding/adapters/console-sessions.ts";
import { createOperationsReads } from "../../../../node/src/onboarding/adapters/operations-reads.ts";
import type { LedgerClient } from "../../../../node/src/ledger/ledger-client.ts";
import { createAnchoringWorker } from "../../../../node/src/vault/outbox.ts";
import { createOnboardingService } from "../../../../node/src/onboarding/onboarding-service.ts";
import type { ApiServices, OnboardingService, Role } from "../../../../node/src/onboarding/ports.ts";
import { createConsoleReads } from "../../../../node/src/onboarding/review/console-reads.ts";
import { createReviewQueue, type ReviewQueueStore } from "../../../../node/src/onboarding/review/review-queue.ts";
import { caseView, createReviewService } from "../../../../node/src/onboarding/review/review-service.ts";
import { createStoredSessions } from "../../../../node/src/onboarding/adapters/stored-sessions.ts";
import { createAuditLog, type AuditLog } from "../../../../node/src/vault/audit-log.ts";
import { createEvidenceStore, type EvidenceStore } from "../../../../node/src/vault/evidence.ts";
import { openLevelRecordStore } from "../../../../node/src/vault/store/level/level-record-store.ts";
import type { RecordStore } from "../../../../node/src/vault/store/record-store.ts";
import { createVault, type Vault } from "../../../../node/src/vault/vault.ts";
import { FakeAuditSink, FakeLedger, FakeOnboarding, FakeReviewQueue, createFakeServices } from "../fakes.ts";

const BANK_A = `0x${"aa".repeat(20)}` as Hex;
const BANK_B = `0x${"bb".repeat(20)}` as Hex;
/** The console's members as the chain would list them: this bank active, bank B removed. */
const MEMBERS: Pick<LedgerClient, "account" | "findMember"> = {
  account: async () => BANK_A,
  findMember: async (account) => ({
    id: account === BANK_A ? 1 : 2,
    account,
    name: account === BANK_A ? "Bank A" : "Bank B",
    active: account === BANK_A,
    activeSince: 1n,
    removedAt: account === BANK_A ? 0n : 2n,
    peerId: new Uint8Array(),
    transportKey: new Uint8Array(),
  }),
};
/** A ledger the console's outbox must never reach (it is read, not run): any call fails loudly. */
const NO_CHAIN = new Proxy({} as LedgerClient, {
  get: (_target, name) => () => Promise.reject(new Error(`no chain in the console test (${String(name)})`)),
});

export const CONSOLE_KEY_IDS = ["reviewer-1", "reviewer-2", "operator-1", "auditor-1"] as const;
export type ConsoleKeyId = (typeof CONSOLE_KEY_IDS)[number];

export interface ConsoleNode {
  readonly url: string;
  readonly app: ApiInstance;
  readonly store: RecordStore;
  readonly audit: AuditLog;
  readonly vault: Vault;
  readonly queue: ReviewQueueStore;
  readonly evidence: EvidenceStore;
  readonly apiAudit: FakeAuditSink;
  readonly ledger: FakeLedger;
  /** Present when engines were given. */
  readonly onboarding: OnboardingService | null;
  readonly keys: Readonly<Record<ConsoleKeyId, string>>;
  close(): Promise<void>;
}

export async function startConsoleNode(options: {
  fourEyesReasons: readonly string[];
  engines?: { documents: DocumentEngines; faceModel: FaceModel; registry: NationalIdRegistry };
}): Promise<ConsoleNode> {
  const dir = await mkdtemp(join(tmpdir(), "kycnet-console-"));
  const store = await openLevelRecordStore(join(dir, "vault"));
  const audit = createAuditLog(store);
  const keys = new MemoryKeyManager();
  const vault = createVault({
    store,
    keys,
    audit,
    attestationContext: {
      chainId: 31337n,
      registry: `0x${"11".repeat(20)}`,
      issuer: Wallet.createRandom().address as Hex,
    },
  });
  const queue = createReviewQueue({ store, vault, audit, fourEyesReasons: options.fourEyesReasons });
  const evidence = createEvidenceStore({ store, keys, audit });
  const e = options.engines;
  const onboarding =
    e === undefined
      ? null
      : createOnboardingService({
          sessions: createStoredSessions({ store, keys }),
          readDocument: (images) => readDocument(images, { engines: e.documents }),
          faceModel: e.faceModel,
          challenges: new ChallengeIssuer(),
          registry: e.registry,
          sanctions: null,
          vault,
          review: queue,
          evidence,
          pipelineVersion: encodePipelineVersion("ekyc/console-test"),
          attestationValiditySeconds: 365 * 86_400,
        });
  const ledger = new FakeLedger();
  const apiAudit = new FakeAuditSink();
  const roles: Record<ConsoleKeyId, Role> = {
    "reviewer-1": "reviewer",
    "reviewer-2": "reviewer",
    "operator-1": "operator",
    "auditor-1": "auditor",
  };
  const generated = CONSOLE_KEY_IDS.map((id) => ({ id, ...generateApiKey(id, roles[id]) }));
  const services: ApiServices = {
    // The core-banking, webhook, report and data-subject ports the console does not use: fakes.
    ...createFakeServices(),
    onboarding: onboarding ?? new FakeOnboarding(new FakeReviewQueue()),
    review: createReviewService(queue, vault),
    ledger,
    attestations: ledger,
    consents: ledger,
    audit: apiAudit,
    console: {
      evidence: createConsoleReads({
        queue,
        evidence,
        view: caseView(vault),
        fourEyesReasons: options.fourEyesReasons,
      }),
      sessions: createConsoleSessionStore({ store, ttlMs: 3_600_000 }),
      // The real anchoring outbox over this store (never started: no chain here) and the audit log;
      // the members as a chain of two would answer.
      operations: createOperationsReads({
        outbox: createAnchoringWorker({ store, audit, vault, ledger: NO_CHAIN }),
        ledger: MEMBERS,
        audit,
        peers: [BANK_B],
      }),
    },
  };
  const quiet = new Writable({ write: (_chunk, _encoding, done) => done() });
  const app = await buildApp(
    {
      services,
      metrics: createMetrics({ processMetrics: false }),
      logger: createLogger({ level: "warn" }, quiet),
      readinessChecks: [{ name: "vault", check: async () => void (await store.get("audit-head")) }],
    },
    apiConfig({ apiKeys: generated.map((g) => g.entry), rateLimit: { max: 100_000, windowMs: 60_000 } }),
  );
  const url = await app.listen({ host: "127.0.0.1", port: 0 });
  return {
    url,
    app,
    store,
    audit,
    vault,
    queue,
    evidence,
    apiAudit,
    ledger,
    onboarding,
    keys: Object.fromEntries(generated.map((g) => [g.id, g.key])) as Record<ConsoleKeyId, string>,
    async close() {
      await app.close();
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
