/**
 * The status every `/kycnet/record/1.0.0` response carries. Its own module because both the wire
 * codecs (messages.ts) and the typed errors (errors.ts) name it, and the codecs throw those errors.
 */

/** Every response carries exactly one of these; extend, never rename. */
export const RECORD_STATUSES = [
  "OK",
  "NOT_MEMBER",
  "CONSENT_NOT_FOUND",
  "CONSENT_NOT_ACTIVE",
  "NOT_GRANTEE",
  "FIELDS_NOT_GRANTED",
  "ATTESTATION_NOT_VALID",
  "RECORD_NOT_FOUND",
  "BAD_REQUEST",
  "BUSY",
  "INTERNAL",
] as const;
export type RecordStatus = (typeof RECORD_STATUSES)[number];
