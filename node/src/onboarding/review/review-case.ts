/**
 * The shape of a case waiting for a reviewer: the decision that sent it to review and references
 * to its evidence (kept encrypted in the vault, named here only by reference and hash). The queue
 * itself (storage, claim/approve/reject, audit log) lives with the vault; this module only
 * defines the contract and builds a case from a REVIEW decision.
 */
import type { CaseKind } from "@kycnet/sdk/bank";
import { InvalidArgumentError } from "@kycnet/sdk/errors";
import type { DecisionResult } from "../../ekyc/decision/types.ts";

export const EVIDENCE_KINDS = [
  "DOCUMENT_FRONT",
  "DOCUMENT_BACK",
  "SELFIE",
  "LIVENESS_FRAMES",
  "CHIP_DATA",
  "REGISTRY_RESPONSE",
  "SCREENING_RESULT",
  /** Another record of the bank the onboarding collides with (duplicate identities): vaultRef is its id. */
  "DUPLICATE_MATCH",
] as const;
export type EvidenceKind = (typeof EVIDENCE_KINDS)[number];

export interface EvidenceRef {
  kind: EvidenceKind;
  /** Opaque id of the encrypted object in the vault. */
  vaultRef: string;
  /** Lower-case hex SHA-256 (0x-prefixed) of the plaintext evidence, to prove what was reviewed. */
  sha256: string;
}

export type ReviewStatus = "OPEN" | "CLAIMED" | "APPROVED" | "REJECTED";

/** ONBOARDING, RESCREEN, DUPLICATE or SOURCE_REVOKED (the SDK's wire declares them); cases stored before kinds existed are ONBOARDING. */
export { CASE_KINDS, type CaseKind } from "@kycnet/sdk/bank";

export interface ReviewResolution {
  outcome: "APPROVED" | "REJECTED";
  reviewer: string;
  comment: string;
  /** ISO 8601 timestamp. */
  at: string;
}

export interface ReviewCase {
  caseId: string;
  /** Absent on cases stored before kinds existed: ONBOARDING. */
  kind?: CaseKind;
  /** ISO 8601 timestamp. */
  createdAt: string;
  status: ReviewStatus;
  decision: DecisionResult;
  evidence: readonly EvidenceRef[];
  claimedBy?: string;
  resolution?: ReviewResolution;
}

/** A new OPEN case for a REVIEW decision; anything else is a caller error. */
export function openReviewCase(args: {
  caseId: string;
  createdAt: string;
  decision: DecisionResult;
  evidence: readonly EvidenceRef[];
  kind?: CaseKind;
}): ReviewCase {
  if (args.decision.decision !== "REVIEW")
    throw new InvalidArgumentError("decision", "only REVIEW decisions open a review case");
  if (!/^[\w-]{1,64}$/.test(args.caseId)) throw new InvalidArgumentError("caseId", "must be 1-64 word characters");
  if (Number.isNaN(Date.parse(args.createdAt)))
    throw new InvalidArgumentError("createdAt", "must be an ISO 8601 timestamp");
  for (const [i, e] of args.evidence.entries()) {
    if (!(EVIDENCE_KINDS as readonly string[]).includes(e.kind))
      throw new InvalidArgumentError(`evidence[${i}].kind`, "unknown evidence kind");
    if (typeof e.vaultRef !== "string" || e.vaultRef === "" || e.vaultRef.length > 256)
      throw new InvalidArgumentError(`evidence[${i}].vaultRef`, "must be a non-empty string");
    if (!/^0x[0-9a-f]{64}$/.test(e.sha256))
      throw new InvalidArgumentError(`evidence[${i}].sha256`, "must be a 0x-prefixed lower-case SHA-256");
  }
  return {
    caseId: args.caseId,
    kind: args.kind ?? "ONBOARDING",
    createdAt: args.createdAt,
    status: "OPEN",
    decision: args.decision,
    evidence: [...args.evidence],
  };
}
