/**
 * Stable reason codes of eKYC decisions. Reviewers, auditors and the API switch on these; extend,
 * never rename. Each rule set maps every code to an outcome (PASS = informational only).
 */
export const REASON_CODES = [
  // document layer
  "DOCUMENT_EXPIRED",
  "DOCUMENT_EXPIRING_SOON",
  "DOCUMENT_FIELDS_DISAGREE",
  "DOCUMENT_TAMPER_SUSPECTED",
  "DOCUMENT_TAMPER_LIKELY",
  // biometric layer
  "FACE_MATCH_LOW",
  "FACE_MATCH_BORDERLINE",
  "LIVENESS_FAILED",
  "REPLAY_SUSPECTED",
  // national-ID registry (C06)
  "REGISTRY_MISMATCH",
  "REGISTRY_NOT_FOUND",
  "REGISTRY_UNAVAILABLE",
  "REGISTRY_OLD_ID_CONVERTED",
  // sanctions screening
  "SANCTIONS_HIT",
  "SANCTIONS_HIT_STRONG",
  "SANCTIONS_NOT_SCREENED",
  // risk factors
  "AGE_BELOW_MINIMUM",
  "AGE_MINOR",
  "DATE_OF_BIRTH_INVALID",
  // added in rule set 1.1.0
  "DOCUMENT_FIELD_MISSING",
  // added in rule set 1.2.0
  "DOCUMENT_TYPE_WITHDRAWN",
  // added in rule set 1.3.0: the NFC chip (eKYC level 2)
  "CHIP_INVALID",
  "CHIP_CARD_MISMATCH",
  // added in rule set 1.4.0: a card reported lost, stolen or cancelled since it was issued
  "REGISTRY_CARD_INVALID",
  // added in rule set 1.5.0: the customer corrected a field read from the card (seed 003, Bước 3)
  "FIELD_CORRECTED_MACHINE_READ",
  "FIELD_CORRECTED_PRINTED",
  // added in rule set 1.5.0: duplicate identities within the bank, and a re-onboarding's source revoked
  "DUPLICATE_ID_OTHER_FACE",
  "DUPLICATE_FACE_OTHER_ID",
  "SOURCE_ATTESTATION_REVOKED",
  // added in rule set 1.5.0: a foreign passport, whose holder the citizens' registry cannot confirm
  "REGISTRY_NOT_APPLICABLE",
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

export const OUTCOMES = ["PASS", "REVIEW", "REJECT"] as const;
export type Outcome = (typeof OUTCOMES)[number];

/** Severity order: the decision is the most severe outcome among its reasons. */
export const OUTCOME_RANK: Readonly<Record<Outcome, number>> = { PASS: 0, REVIEW: 1, REJECT: 2 };

/**
 * The reasons a customer, operator or reviewer is shown: those that changed the outcome (not the
 * informational PASS ones), each with its code and a plain-words message that carries no personal data.
 */
export function reasonsShown(
  reasons: ReadonlyArray<{ code: ReasonCode; outcome: Outcome; detail?: Readonly<Record<string, unknown>> }>,
): Array<{ code: string; message: string }> {
  return reasons
    .filter((r) => r.outcome !== "PASS")
    .map((r) => ({ code: r.code, message: messageOf(r.code, r.detail) }));
}

/**
 * The reasons as a reviewer sees them in the console: as `reasonsShown`, and for a duplicate identity
 * or a revoked source also what the reviewer must look at (the other attestations and the score, the
 * source and its revocation reason). Attestation uids name no person; they are still kept off the
 * customer-facing messages, which must not tell an applicant what else the bank holds.
 */
export function reasonsForReviewer(
  reasons: ReadonlyArray<{ code: ReasonCode; outcome: Outcome; detail?: Readonly<Record<string, unknown>> }>,
): Array<{ code: string; message: string }> {
  const shown = reasonsShown(reasons);
  const kept = reasons.filter((r) => r.outcome !== "PASS");
  return shown.map((r, i) => {
    const detail = kept[i]?.detail;
    const uids = (v: unknown) =>
      Array.isArray(v) ? v.filter((x): x is string => typeof x === "string" && /^0x[0-9a-f]{64}$/i.test(x)) : [];
    if ((r.code === "DUPLICATE_ID_OTHER_FACE" || r.code === "DUPLICATE_FACE_OTHER_ID") && detail !== undefined) {
      const score = typeof detail.similarity === "number" ? ` (face similarity ${detail.similarity})` : "";
      return { ...r, message: `${r.message}${score}: attestation ${uids(detail.attestations).join(", ")}` };
    }
    if (r.code === "SOURCE_ATTESTATION_REVOKED" && detail !== undefined) {
      const source = uids([detail.sourceUid]).join("");
      const reason = typeof detail.sourceReason === "string" ? detail.sourceReason.replace(/[^A-Z_]/g, "") : "";
      return { ...r, message: `${r.message}: source ${source} revoked as ${reason}` };
    }
    return r;
  });
}

/**
 * The code in words; a reason given once per field (CHIP_CARD_MISMATCH) names its field, and one
 * over several fields (REGISTRY_MISMATCH: which fields, `portrait` among them) names them: names,
 * never values.
 */
function messageOf(code: ReasonCode, detail: Readonly<Record<string, unknown>> | undefined): string {
  const words = code.toLowerCase().replaceAll("_", " ");
  const isName = (v: unknown): v is string => typeof v === "string" && /^[A-Za-z]{1,32}$/.test(v);
  const field = detail?.field;
  if (isName(field)) return `${words}: ${field}`;
  const fields = detail?.fields;
  if (Array.isArray(fields) && fields.length > 0 && fields.length <= 16 && fields.every(isName))
    return `${words}: ${fields.join(", ")}`;
  return words;
}
