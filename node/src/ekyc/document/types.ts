/** Result types of document verification (what `readDocument` returns). */
import { DOCUMENT_READ_FIELDS } from "@kycnet/sdk/protocol";

/** Canonical record fields a card can give (docs/protocol.md §2; faceTemplate comes from biometrics). */
export const DOCUMENT_FIELDS = [...DOCUMENT_READ_FIELDS, "documentType"] as const;
export type DocumentFieldName = (typeof DOCUMENT_FIELDS)[number];

export type DocumentSource = "qr" | "mrz" | "ocr";
export type DocumentType = "CCCD" | "CCCD_CHIP" | "CMND" | "PASSPORT";

/**
 * How the sources relate for one field: `agree` (≥ 2 sources, all equal after canonicalisation),
 * `disagree` (at least two differ), `single` (one source only), `missing` (no source).
 */
export type Agreement = "agree" | "disagree" | "single" | "missing";

export interface FieldResult {
  /** Canonical value (protocol §2), "" when unknown. */
  value: string;
  /** The source the value was taken from, null when missing. */
  source: DocumentSource | null;
  agreement: Agreement;
  /** Every source's canonical reading of this field. */
  readings: Partial<Record<DocumentSource, string>>;
}

export interface Disagreement {
  field: DocumentFieldName;
  readings: Partial<Record<DocumentSource, string>>;
  reason: string;
}

export type SignalCode =
  | "EDITING_SOFTWARE"
  | "MRZ_CHECK_DIGIT_FAILED"
  | "QR_MRZ_MISMATCH"
  | "QR_PRINT_MISMATCH"
  | "MRZ_PRINT_MISMATCH"
  | "RECOMPRESSED"
  | "RESOLUTION_INCONSISTENT"
  | "LOW_RESOLUTION"
  | "PORTRAIT_GHOST_MISMATCH"
  | "ID_NUMBER_INCONSISTENT"
  | "QR_UNREADABLE"
  | "QR_PAYLOAD_INVALID"
  | "MRZ_UNREADABLE"
  | "MRZ_LOW_CONFIDENCE"
  | "MRZ_READS_DISAGREE"
  | "MRZ_STATE_CODE_UNKNOWN"
  | "DOCUMENT_EXPIRED";

/** A tamper or validity signal: `score` in [0, 1]; ≥ 0.5 means "send to review". */
export interface Signal {
  code: SignalCode;
  score: number;
  reason: string;
}

export interface DocumentChecks {
  /** Expired at `now` (false for a card with no expiry). */
  expired: boolean;
  /** Whole years at `now`, null when the date of birth is unknown. */
  ageYears: number | null;
  adult: boolean | null;
}

export interface DocumentTimings {
  decodeMs: number;
  qrMs: number;
  mrzMs: number;
  ocrMs: number;
  tamperMs: number;
  totalMs: number;
}

export interface DocumentResult {
  documentType: DocumentType | null;
  fields: Record<DocumentFieldName, FieldResult>;
  disagreements: Disagreement[];
  signals: Signal[];
  checks: DocumentChecks;
  /** Raw evidence for audit: the QR text, the MRZ lines as read (after repair), repairs made. */
  evidence: {
    qrText: string | null;
    mrzLines: string[] | null;
    mrzRepairs: string[];
    ocrLines: Record<string, string>;
  };
  timings: DocumentTimings;
}
