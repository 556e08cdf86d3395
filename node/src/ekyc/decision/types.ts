/**
 * What the decision engine reads and writes. Inputs are deliberately narrow, structural views of
 * what the document, biometric, registry and screening stages produce, so those modules can be
 * adapted to them without depending on this one (and vice versa).
 */
import type { DocumentType } from "@kycnet/sdk/protocol";
import type { Outcome, ReasonCode } from "./reasons.ts";

/** From the document stage (QR / MRZ / OCR / chip, cross-checked). */
export interface DocumentAssessment {
  fields: {
    /** `YYYY-MM-DD`, or "" when the document stage could not read it (→ DOCUMENT_FIELD_MISSING). */
    dateOfBirth: string;
    /** `YYYY-MM-DD`, or "" for a card with no expiry. */
    expiryDate: string;
    documentType: DocumentType;
  };
  /** Fields whose sources (QR, MRZ, OCR, chip) disagree after canonicalisation. */
  disagreements: readonly { field: string; sources: readonly string[] }[];
  /** Signs of editing or recapture (EXIF software, recompression, resolution...). */
  tamperSignals: readonly { code: string; severity: "LOW" | "HIGH" }[];
  /** The NFC chip was read and its data verified (seed: eKYC level 2). */
  chipVerified: boolean;
  /**
   * Fields the customer corrected after the document step: `machineRead` when a machine-readable
   * source (QR, MRZ, chip) read the field, or none did (→ FIELD_CORRECTED_MACHINE_READ), else a
   * printed-text-only field whose corrected value was used (→ FIELD_CORRECTED_PRINTED).
   */
  corrections?: readonly { field: string; machineRead: boolean }[];
  /** Present when the chip was read: what failed its checks, and where the card disagrees with it. */
  chip?: {
    /** Failure codes of passive and active authentication (SOD_SIGNATURE_INVALID, AA_FAILED, ...). */
    failures: readonly string[];
    /** Fields whose card readings (QR, MRZ, printed) differ from the signed chip data. */
    mismatches: readonly { field: string; sources: readonly string[] }[];
  };
}

/** From the biometric stage. */
export interface BiometricAssessment {
  /** Selfie vs portrait (chip or card) similarity against calibrated thresholds. */
  similarityBand: "ACCEPT" | "REVIEW" | "REJECT";
  similarity?: number;
  livenessPassed: boolean;
  replaySuspected: boolean;
}

/** From the national-ID registry check; `IdentityCheckResult` (checks/national-id) fits this shape. */
export interface RegistryAssessment {
  /**
   * NOT_APPLICABLE: the document is a foreign passport, whose holder the national population
   * database (citizens only) cannot confirm; the registry is not asked (REGISTRY_NOT_APPLICABLE).
   */
  status: "MATCH" | "MISMATCH" | "CARD_INVALID" | "NOT_FOUND" | "UNAVAILABLE" | "NOT_APPLICABLE";
  fields?: readonly string[];
  /** CARD_INVALID: LOST, STOLEN or CANCELLED. */
  cardStatus?: string;
  suggestedIdNumber?: string;
  /**
   * MATCH / MISMATCH when a portrait was sent: whether the registry compared it with its photo.
   * false keeps a case from level 2 (the face was sent but nobody compared it).
   */
  faceCompared?: boolean;
  /** UNAVAILABLE: the error code (REGISTRY_TIMEOUT, ...). */
  code?: string;
}

/** From sanctions screening; `ScreeningResult` (checks/sanctions) fits this shape. */
export interface ScreeningAssessment {
  hits: readonly {
    entryId: string;
    score: number;
    dateOfBirth: "EXACT" | "YEAR" | "CONFLICT" | "UNKNOWN";
  }[];
  listVersion: string;
}

/**
 * Another record of this bank that the onboarding collides with (issue 21): the same ID number with
 * another face, or the same face under another number. Found by the application's duplicate index
 * with the rule set's `duplicates` thresholds; `otherUid` is that record's attestation uid.
 */
export interface DuplicateFinding {
  kind: "SAME_ID_OTHER_FACE" | "SAME_FACE_OTHER_ID";
  otherUid: string;
  similarity: number;
}

export interface DecisionInput {
  document: DocumentAssessment;
  biometric: BiometricAssessment;
  registry: RegistryAssessment;
  /** null: screening did not run (no list loaded): never a silent pass. */
  screening: ScreeningAssessment | null;
  /** Collisions with the bank's other records; absent or empty: none. */
  duplicates?: readonly DuplicateFinding[];
  /** The day the decision is made, `YYYY-MM-DD` (passed in: the engine is a pure function). */
  asOf: string;
}

export type ReasonDetail = Readonly<Record<string, string | number | boolean | readonly string[]>>;

export interface Reason {
  code: ReasonCode;
  outcome: Outcome;
  detail?: ReasonDetail;
}

export interface DecisionResult {
  decision: Outcome;
  /** Every rule that fired, in a stable order, including informational ones (outcome PASS). */
  reasons: readonly Reason[];
  /** The level the customer gets (if approved, for REVIEW); null on REJECT. */
  assuranceLevel: 1 | 2 | null;
  method: "FULL_EKYC" | "FULL_EKYC_NFC" | null;
  /** Daily transfer cap of that level in VND (decimal string); null on REJECT. */
  dailyLimitVnd: string | null;
  ruleSetVersion: string;
  asOf: string;
}
