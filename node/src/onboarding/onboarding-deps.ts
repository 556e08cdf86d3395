/**
 * What the onboarding use cases are built from, and the context every stage of a decision runs
 * in. Its own module so the service (onboarding-service.ts) and the decision stages
 * (decision-runs.ts, record-keeping.ts) share it without importing each other.
 */
import type { Hex } from "@kycnet/sdk/protocol";
import type { ChallengeIssuer, FaceModel, FrameRecall } from "../ekyc/biometrics/index.ts";
import type { NationalIdRegistry } from "../ekyc/checks/national-id/port.ts";
import type { SanctionsList } from "../ekyc/checks/sanctions/port.ts";
import type { RuleSet } from "../ekyc/decision/rule-set.ts";
import type { DocumentImages, DocumentResult } from "../ekyc/document/index.ts";
import type { EvidenceStore } from "../vault/evidence.ts";
import type { Vault } from "../vault/vault.ts";
import type { ChipDeps } from "./chip-reading.ts";
import type { DuplicateIdentities } from "./duplicate-identities.ts";
import type { ReuseDeps } from "./reuse.ts";
import type { ReviewQueueStore } from "./review/review-queue.ts";
import type { SessionStore } from "./sessions.ts";

export interface OnboardingDeps {
  readonly sessions: SessionStore;
  /** Reads a card or a passport data page (document/ with its OCR engines loaded once by the node). */
  readonly readDocument: (images: DocumentImages) => Promise<DocumentResult>;
  readonly faceModel: FaceModel;
  readonly challenges: ChallengeIssuer;
  /**
   * The liveness check's memory of earlier sessions' frames, shared by the node's instances through
   * the store (adapters/stored-frame-memory.ts); absent: the challenge issuer's, in this process.
   */
  readonly frameMemory?: FrameRecall;
  readonly registry: NationalIdRegistry;
  /** null when no list is loaded: the decision then says SANCTIONS_NOT_SCREENED, never a silent pass. */
  readonly sanctions: SanctionsList | null;
  readonly vault: Vault;
  readonly review: ReviewQueueStore;
  /** Where each kept decision's evidence is sealed for review and audit (absent: only hashes are kept). */
  readonly evidence?: EvidenceStore;
  readonly rules?: RuleSet;
  /** e.g. "ekyc/0.1.0": goes on chain with every attestation. */
  readonly pipelineVersion: Hex;
  /** The policy period of an attestation (seconds); the on-chain expiry is rounded to a month start (attestation-validity.ts). */
  readonly attestationValiditySeconds: number;
  readonly observeStage?: (stage: string, ms: number) => void;
  /** Re-onboarding from another member's attestation (absent: this node only onboards). */
  readonly reuse?: ReuseDeps;
  /** Chip verification (eKYC level 2); absent when no trust list is configured: uploads are refused, level 1 only. */
  readonly chip?: ChipDeps;
  /** Duplicate identities within the bank (absent: not checked, e.g. in unit tests of other stages). */
  readonly duplicates?: DuplicateIdentities;
  readonly clock?: () => Date;
}

/** Runs one stage of a decision and reports how long it took (`observeStage`). */
export type Timed = <T>(stage: string, run: () => Promise<T>) => Promise<T>;

/** The dependencies plus the clock and stage timer every decision stage uses. */
export interface DecisionContext {
  readonly deps: OnboardingDeps;
  readonly clock: () => Date;
  readonly timed: Timed;
}
