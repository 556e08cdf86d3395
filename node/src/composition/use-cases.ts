/**
 * The use cases behind the API: onboarding (full eKYC and re-onboarding), the review queue, and the
 * ledger-facing reads, revocations, consent relay and audit sink.
 */
import type { JsonRpcProvider } from "ethers";
import { encodePipelineVersion, type Hex } from "@kycnet/sdk/protocol";
import type { NodeConfig } from "../config.ts";
import { ChallengeIssuer, type FrameRecall } from "../ekyc/biometrics/index.ts";
import type { LedgerClient } from "../ledger/ledger-client.ts";
import { createCoreBankingRecords } from "../onboarding/adapters/core-banking-records.ts";
import { createDataSubjectRequests } from "../onboarding/data-subject-requests.ts";
import { createLedgerServices } from "../onboarding/adapters/ledger-services.ts";
import { createOnboardingService } from "../onboarding/onboarding-service.ts";
import type { ApiServices } from "../onboarding/ports.ts";
import { createConsoleSessionStore } from "../onboarding/adapters/console-sessions.ts";
import { createConsoleReads } from "../onboarding/review/console-reads.ts";
import { createOperationsReads } from "../onboarding/adapters/operations-reads.ts";
import { caseView, createReviewService } from "../onboarding/review/review-service.ts";
import type { SessionStore } from "../onboarding/sessions.ts";
import type { NodeExchange } from "./exchange.ts";
import type { PipelineEngines } from "./pipeline.ts";
import type { NodeVault } from "./vault.ts";

export interface UseCaseDeps {
  readonly ledger: LedgerClient;
  readonly provider: JsonRpcProvider;
  readonly vault: NodeVault;
  readonly engines: PipelineEngines;
  readonly exchange: Pick<NodeExchange, "records" | "addressOf">;
  /** The onboarding sessions, in the vault's store (onboarding/adapters/stored-sessions.ts). */
  readonly sessions: SessionStore;
  /** The liveness check's frames of earlier sessions, in the vault's store (onboarding/adapters/stored-frame-memory.ts). */
  readonly frameMemory: FrameRecall;
  /** Every pipeline stage's duration (metrics, benchmarks). */
  readonly observeStage: (stage: string, ms: number) => void;
  /** The date the card expiry is checked against at re-onboarding (default: now). */
  readonly reuseClock?: () => Date;
}

/** Every port but the webhook outbox (composition/webhooks.ts, which also wraps these) and the signed reports (node.ts: they need the HSM key). */
export function createUseCases(config: NodeConfig, deps: UseCaseDeps): Omit<ApiServices, "webhooks" | "reports"> {
  const { ledger, provider, engines } = deps;
  const { vault, review, audit, evidence, store } = deps.vault;
  const onboarding = createOnboardingService({
    sessions: deps.sessions,
    readDocument: engines.readDocument,
    faceModel: engines.faceModel,
    challenges: new ChallengeIssuer(),
    frameMemory: deps.frameMemory,
    registry: engines.registry,
    sanctions: engines.sanctions,
    vault,
    review,
    evidence,
    duplicates: deps.vault.duplicates,
    pipelineVersion: encodePipelineVersion(config.attestation.pipelineVersion),
    attestationValiditySeconds: config.attestation.validityDays * 86_400,
    observeStage: deps.observeStage,
    reuse: {
      ledger,
      provider,
      records: deps.exchange.records,
      addressOf: deps.exchange.addressOf,
      minimumSourceLevel: config.reuse.minimumSourceLevel,
      ...(deps.reuseClock === undefined ? {} : { clock: deps.reuseClock }),
    },
    ...(engines.chipTrust === null ? {} : { chip: { trust: engines.chipTrust } }),
  });
  const ledgerServices = createLedgerServices({
    vault,
    ledger,
    provider,
    audit,
    statusTtlMs: config.chain.blockPeriodMs,
  });
  return {
    onboarding,
    review: createReviewService(review, vault),
    ledger: ledgerServices.reads,
    attestations: ledgerServices.admin,
    consents: ledgerServices.consents,
    audit: ledgerServices.audit,
    records: createCoreBankingRecords(vault),
    dataSubjects: createDataSubjectRequests({ store: deps.vault.store, vault, audit }),
    console: {
      evidence: createConsoleReads({
        queue: review,
        evidence,
        view: caseView(vault),
        fourEyesReasons: config.review.fourEyesReasons,
      }),
      sessions: createConsoleSessionStore({ store, ttlMs: config.review.consoleSessionMinutes * 60_000 }),
      operations: createOperationsReads({
        outbox: deps.vault.outbox,
        ledger,
        audit,
        peers: config.exchange.peers.map((p) => p.account as Hex),
      }),
    },
  };
}
