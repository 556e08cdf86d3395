/**
 * The shared vocabulary of kycnet (docs/protocol.md §1–2): numbers that go on chain and into
 * signatures. Contracts, node and SDK all use these values. Extend, never renumber.
 */

export const Method = { FULL_EKYC: 1, FULL_EKYC_NFC: 2, REUSE: 3, IN_PERSON: 4 } as const;
export type MethodName = keyof typeof Method;
export type MethodCode = (typeof Method)[MethodName];

export const AssuranceLevel = { LEVEL_1: 1, LEVEL_2: 2 } as const;
export type AssuranceLevelCode = (typeof AssuranceLevel)[keyof typeof AssuranceLevel];

/** Daily transaction caps per assurance level in VND (seed 003, eKYC levels). */
export const DAILY_LIMIT_VND: Readonly<Record<AssuranceLevelCode, bigint>> = {
  1: 100_000_000n,
  2: 500_000_000n,
};

export const Purpose = { ONBOARDING: 1, PERIODIC_REVIEW: 2, TRANSACTION_LIMIT_UPGRADE: 3 } as const;
export type PurposeName = keyof typeof Purpose;
export type PurposeCode = (typeof Purpose)[PurposeName];

export const RevocationReason = {
  CUSTOMER_REQUEST: 1,
  DOCUMENT_EXPIRED: 2,
  DATA_CORRECTED: 3,
  FRAUD_SUSPECTED: 4,
  ISSUER_LEFT_CONSORTIUM: 5,
} as const;
export type RevocationReasonName = keyof typeof RevocationReason;
export type RevocationReasonCode = (typeof RevocationReason)[RevocationReasonName];

export const Decision = { PASS: "PASS", REVIEW: "REVIEW", REJECT: "REJECT" } as const;
export type DecisionName = keyof typeof Decision;

/** The record fields read from the identity document itself (the customer sees and may correct them). */
export const DOCUMENT_READ_FIELDS = [
  "idNumber",
  "oldIdNumber",
  "fullName",
  "dateOfBirth",
  "sex",
  "nationality",
  "address",
  "issueDate",
  "expiryDate",
] as const;
/** Canonical record fields; the index of a name is its bit in a field mask. */
export const RECORD_FIELDS = [...DOCUMENT_READ_FIELDS, "documentType", "faceTemplate"] as const;
export type RecordField = (typeof RECORD_FIELDS)[number];
export type RecordFields = Readonly<Record<RecordField, string>>;

export const ALL_FIELDS_MASK = (1 << RECORD_FIELDS.length) - 1; // 0x7FF

export const DOCUMENT_TYPES = ["CCCD", "CCCD_CHIP", "CMND", "PASSPORT"] as const;
export type DocumentType = (typeof DOCUMENT_TYPES)[number];

/** Reverse lookup: the name of a numeric code in one of the enums above, or undefined. */
export function nameOf<T extends Record<string, number>>(table: T, code: number): keyof T | undefined {
  return (Object.keys(table) as Array<keyof T>).find((k) => table[k] === code);
}

/** Status of an attestation at a time (AttestationRegistry.statusOf). */
export const AttestationStatus = { UNKNOWN: 0, VALID: 1, REVOKED: 2, EXPIRED: 3 } as const;
export type AttestationStatusName = keyof typeof AttestationStatus;

/** Status of a consent at a time (ConsentRegistry.statusAt). */
export const ConsentStatus = { NONE: 0, ACTIVE: 1, REVOKED: 2, EXPIRED: 3 } as const;
export type ConsentStatusName = keyof typeof ConsentStatus;
