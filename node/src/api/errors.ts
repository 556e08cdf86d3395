/**
 * The API's one error catalogue: every `ErrorCode` (the SDK's and the node's, node/src/errors.ts)
 * mapped to an HTTP status and an RFC 9457 problem title. It is a record over the whole union, so
 * `tsc` fails when a code can be thrown but has no entry here, or an entry names no code.
 * `problemFromError` turns any thrown value into a problem body:
 * 4xx problems explain what was wrong (the error's own message, which by kycnet's rule never carries
 * personal data); 5xx problems say only the catalogue's fixed text and the request id, the rest goes
 * to the log.
 */
import { isKycnetError, KycnetError } from "@kycnet/sdk/errors";
import type { ErrorCode } from "../errors.ts";

/** The statuses the API answers with: 4xx when the caller can fix it, 5xx when the node or a dependency failed. */
export type ClientErrorStatus = 400 | 401 | 403 | 404 | 405 | 409 | 410 | 413 | 414 | 415 | 422 | 429;
export type ServerErrorStatus = 500 | 502 | 503 | 504;

/** A 5xx entry must carry the fixed public text shown instead of the error's own message. */
export type CatalogueEntry =
  | { readonly status: ClientErrorStatus; readonly title: string; readonly publicDetail?: undefined }
  | { readonly status: ServerErrorStatus; readonly title: string; readonly publicDetail: string };

export type ErrorCatalogue = { readonly [Code in ErrorCode]: CatalogueEntry };

const hsmUnavailable: CatalogueEntry = {
  status: 503,
  title: "Key custody unavailable",
  publicDetail: "The node's HSM is not available; no write was performed. Retry later.",
};
const registryUnavailable: CatalogueEntry = {
  status: 503,
  title: "National ID registry unavailable",
  publicDetail: "The national ID registry could not be reached. Retry later.",
};
const modelUnavailable: CatalogueEntry = {
  status: 503,
  title: "Verification engine unavailable",
  publicDetail: "A verification model is not available on this node. Retry later.",
};
const nodeMisconfigured: CatalogueEntry = {
  status: 500,
  title: "Node misconfigured",
  publicDetail: "The node's configuration or deployment is incomplete; the incident is logged.",
};
const sanctionsUnavailable: CatalogueEntry = {
  status: 503,
  title: "Sanctions screening unavailable",
  publicDetail: "The node's sanctions list could not be loaded. Retry later.",
};
const unprocessableImage = (title: string): CatalogueEntry => ({ status: 422, title });

export const ERROR_CATALOGUE: ErrorCatalogue = {
  // Request shape and protocol
  INVALID_ARGUMENT: { status: 400, title: "Invalid argument" },
  VALIDATION_FAILED: { status: 400, title: "Request failed validation" },
  MALFORMED_BODY: { status: 400, title: "Malformed request body" },
  BAD_URL: { status: 400, title: "Malformed URL" },
  UNAUTHENTICATED: { status: 401, title: "Authentication required" },
  FORBIDDEN: { status: 403, title: "Role not allowed" },
  ROUTE_NOT_FOUND: { status: 404, title: "No such route" },
  METHOD_NOT_ALLOWED: { status: 405, title: "Method not allowed" },
  BODY_TOO_LARGE: { status: 413, title: "Request body too large" },
  URI_TOO_LONG: { status: 414, title: "URL path parameter too long" },
  PAYLOAD_TOO_LARGE: { status: 413, title: "Payload too large" },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, title: "Unsupported media type" },
  IMAGE_TYPE_MISMATCH: { status: 415, title: "Image bytes do not match the declared type" },
  RATE_LIMITED: { status: 429, title: "Too many requests" },

  // Onboarding sessions and review cases
  SESSION_NOT_FOUND: { status: 404, title: "Onboarding session not found" },
  UPLOAD_BUDGET_FULL: {
    status: 503,
    title: "Upload budget full",
    publicDetail: "The node holds as many uploaded images as its memory budget allows. Retry shortly.",
  },
  // A full-eKYC session takes no image before the customer's consent to the collection (Decree 13).
  COLLECTION_CONSENT_REQUIRED: { status: 409, title: "Customer's consent to the collection not recorded" },
  SESSION_EXPIRED: { status: 410, title: "Onboarding session expired" },
  SESSION_STATE_CONFLICT: { status: 409, title: "Onboarding session is not in a state that allows this" },
  CASE_NOT_FOUND: { status: 404, title: "Review case not found" },
  CASE_STATE_CONFLICT: { status: 409, title: "Review case is not in a state that allows this" },
  // The card gave too little to ask the registry; the registry check is then UNAVAILABLE, not thrown.
  REGISTRY_QUERY_INCOMPLETE: { status: 422, title: "ID card lacks the fields the national ID check needs" },

  // Document stage
  DOCUMENT_IMAGE_INVALID: unprocessableImage("Document image cannot be read"),
  DOCUMENT_IMAGE_TOO_LARGE: { status: 413, title: "Document image too large" },
  DOCUMENT_IMAGE_TOO_SMALL: unprocessableImage("Document image too small"),
  DOCUMENT_NOT_FOUND: unprocessableImage("No identity document found in the image"),
  DOCUMENT_KIND_MISMATCH: unprocessableImage("The image holds another kind of document than the session's"),
  QR_PAYLOAD_INVALID: unprocessableImage("ID card QR code is invalid"),
  MRZ_FORMAT_INVALID: unprocessableImage("ID card MRZ is invalid"),
  CHIP_FILE_MALFORMED: { status: 422, title: "Chip file malformed" },
  CHIP_ALGORITHM_UNSUPPORTED: { status: 422, title: "Chip uses an unsupported algorithm" },
  CHIP_TRUST_LIST_INVALID: {
    status: 500,
    title: "Node misconfigured",
    publicDetail:
      "The node's CSCA trust list cannot be used; chip verification is unavailable. The operator has been told.",
  },
  AA_CHALLENGE_UNKNOWN: { status: 422, title: "No active-authentication challenge was issued" },
  AA_CHALLENGE_EXPIRED: { status: 410, title: "Active-authentication challenge expired" },
  AA_CHALLENGE_REPLAYED: { status: 409, title: "Active-authentication challenge already answered" },
  CHIP_NOT_CONFIGURED: { status: 409, title: "Chip verification not configured on this node (level 1 only)" },

  // Biometrics and liveness
  FACE_IMAGE_INVALID: unprocessableImage("Face image cannot be read"),
  FACE_IMAGE_TOO_LARGE: { status: 413, title: "Face image too large" },
  FACE_NOT_FOUND: unprocessableImage("No face found"),
  FACE_MULTIPLE: unprocessableImage("More than one face found"),
  FACE_TOO_SMALL: unprocessableImage("Face too small"),
  FACE_TEMPLATE_INVALID: unprocessableImage("Face template invalid"),
  CHALLENGE_UNKNOWN: unprocessableImage("Unknown liveness challenge"),
  CHALLENGE_REUSED: { status: 409, title: "Liveness challenge already used" },
  CHALLENGE_EXPIRED: { status: 410, title: "Liveness challenge expired" },
  CHALLENGE_FRAMES_INVALID: unprocessableImage("Selfie frames invalid"),

  // Chain
  ATTESTATION_NOT_FOUND: { status: 404, title: "Attestation not found" },
  CONTRACT_REVERT: { status: 409, title: "The chain refused the operation" },
  LEDGER_UNAVAILABLE: {
    status: 503,
    title: "Chain unavailable",
    publicDetail:
      "The chain could not be reached. Reads and immediate writes fail until it is back; accepted records stay queued for anchoring.",
  },
  LEDGER_TX_FAILED: {
    status: 503,
    title: "Chain transaction failed",
    publicDetail: "The transaction was not confirmed. Retry later.",
  },
  LEDGER_READ_ONLY: {
    status: 500,
    title: "Node misconfigured",
    publicDetail: "This node has no signing account configured.",
  },

  ATTESTATION_NOT_ANCHORED: { status: 409, title: "Attestation not anchored yet" },
  ATTESTATION_NOT_VALID: unprocessableImage("Attestation not valid on chain"),
  CONSENT_NOT_FOUND: { status: 404, title: "Consent not found" },
  CHAIN_UNREACHABLE: {
    status: 503,
    title: "Chain unavailable",
    publicDetail: "The chain could not be reached. Retry later.",
  },
  CONTRACTS_NOT_FOUND: nodeMisconfigured,
  WRONG_CHAIN: nodeMisconfigured,
  ARTIFACT_NOT_FOUND: nodeMisconfigured,
  // The SDK's check of an export an auditor holds; the node never answers it.
  AUDIT_EXPORT_INVALID: { status: 422, title: "Audit export not valid" },
  AUDIT_FAILED: {
    status: 502,
    title: "Chain answer unusable",
    publicDetail: "The chain gave an answer that could not be used. Retry later.",
  },

  // Re-onboarding and the record exchange with other members (their answers are never echoed)
  REUSE_NOT_POSSIBLE: unprocessableImage("Re-onboarding not possible"),
  DOCUMENT_EXPIRED: unprocessableImage("The identity card in the verified record has expired"),
  COMMITMENT_MISMATCH: unprocessableImage("Disclosed field does not match its commitment"),
  PEER_NOT_MEMBER: unprocessableImage("The issuing bank is not an active member"),
  EXCHANGE_REFUSED: {
    status: 502,
    title: "The issuing bank refused the record request",
    publicDetail: "The issuing bank refused to disclose the record.",
  },
  EXCHANGE_PROTOCOL: {
    status: 502,
    title: "Record exchange failed",
    publicDetail: "The issuing bank's node answered outside the protocol.",
  },
  EXCHANGE_DIAL_FAILED: {
    status: 502,
    title: "Issuing bank unreachable",
    publicDetail: "The issuing bank's node could not be reached. Retry later.",
  },
  EXCHANGE_TIMEOUT: {
    status: 504,
    title: "Issuing bank timed out",
    publicDetail: "The issuing bank's node did not answer in time. Retry later.",
  },
  DISCLOSURE_INVALID: {
    status: 502,
    title: "Disclosed record failed verification",
    publicDetail: "The issuing bank sent data that does not match the chain.",
  },
  RECORD_NOT_DISCLOSABLE: { status: 409, title: "Record cannot be disclosed" },
  PEER_KEY_INVALID: {
    status: 500,
    title: "Node identity unusable",
    publicDetail: "The node's stored libp2p key cannot be read; the incident is logged.",
  },

  // Webhooks
  WEBHOOK_NOT_FOUND: { status: 404, title: "Webhook message not found" },

  // Vault
  RECORD_NOT_FOUND: { status: 404, title: "Record not found" },
  EVIDENCE_NOT_FOUND: { status: 404, title: "Evidence not found" },
  RECORD_SHREDDED: { status: 410, title: "Record destroyed at the end of its retention" },
  RECORD_STATE_CONFLICT: { status: 409, title: "Record is not in a state that allows this" },
  RECORD_INTEGRITY: {
    status: 500,
    title: "Record integrity failure",
    publicDetail: "A stored record failed an integrity check; the incident is logged.",
  },
  STORE_UNAVAILABLE: {
    status: 503,
    title: "Vault unavailable",
    publicDetail: "The node's vault storage is not available. Retry later.",
  },
  STORE_LOCKED: {
    status: 503,
    title: "Vault locked",
    publicDetail: "The node's vault is held by another process. Retry later.",
  },
  STORE_SCHEMA_MISMATCH: {
    status: 503,
    title: "Vault schema mismatch",
    publicDetail:
      "The vault's database schema is newer than this node or was altered; the node does not serve until it matches.",
  },
  STORE_CORRUPT: {
    status: 503,
    title: "Vault damaged",
    publicDetail:
      "The node's vault files failed an integrity check; the node does not serve until an operator restores them.",
  },
  NOT_LEADER: {
    status: 503,
    title: "Not the anchoring leader",
    publicDetail: "Another instance of this bank's node leads anchoring now. Retry later.",
  },
  AUDIT_LOG_CORRUPT: {
    status: 503,
    title: "Audit log unavailable",
    publicDetail: "The audit log failed its integrity check, so writes are refused.",
  },
  CIPHERTEXT_MALFORMED: {
    status: 500,
    title: "Record integrity failure",
    publicDetail: "A stored record could not be decrypted; the incident is logged.",
  },
  CIPHERTEXT_REJECTED: {
    status: 500,
    title: "Record integrity failure",
    publicDetail: "A stored record could not be decrypted; the incident is logged.",
  },

  // Custody (every HSM failure refuses the write)
  SIGNATURE_UNRECOVERABLE: hsmUnavailable,
  HSM_MODULE_NOT_FOUND: hsmUnavailable,
  HSM_TOKEN_NOT_FOUND: hsmUnavailable,
  HSM_PIN_INCORRECT: hsmUnavailable,
  HSM_PIN_LOCKED: hsmUnavailable,
  HSM_KEY_NOT_FOUND: hsmUnavailable,
  HSM_WRONG_KEY_TYPE: hsmUnavailable,
  HSM_OPERATION_FAILED: hsmUnavailable,
  HSM_MODULE_BUSY: hsmUnavailable,
  KEY_MANAGER_CLOSED: hsmUnavailable,

  // External checks and engines
  REGISTRY_TIMEOUT: registryUnavailable,
  REGISTRY_SERVER_ERROR: registryUnavailable,
  REGISTRY_NETWORK_ERROR: registryUnavailable,
  REGISTRY_CIRCUIT_OPEN: registryUnavailable,
  REGISTRY_BAD_RESPONSE: registryUnavailable,
  REGISTRY_ABORTED: registryUnavailable,
  FACE_MODEL_UNAVAILABLE: modelUnavailable,
  FACE_MODEL_CLOSED: modelUnavailable,
  OCR_ENGINE_UNAVAILABLE: modelUnavailable,
  SANCTIONS_LIST_MALFORMED: sanctionsUnavailable,
  SANCTIONS_LIST_ENCODING: sanctionsUnavailable,
  SANCTIONS_LIST_EMPTY: sanctionsUnavailable,
  SANCTIONS_LIST_TOO_LARGE: sanctionsUnavailable,
  DECISION_RULES_INVALID: nodeMisconfigured,

  // The customer's own wallet and subject key (SDK codes: a customer app built on this API shows them)
  RANDOM_SOURCE_UNAVAILABLE: {
    status: 500,
    title: "No secure random source",
    publicDetail: "This platform offers no secure random source; nothing was generated.",
  },
  WALLET_WRONG_PASSPHRASE: { status: 403, title: "Wrong wallet passphrase" },
  WALLET_MALFORMED: { status: 422, title: "Wallet file malformed" },
  WALLET_ENTRY_NOT_FOUND: { status: 404, title: "No key for this attestation in the wallet" },
  WALLET_ENTRY_EXISTS: { status: 409, title: "The wallet already holds this attestation" },
  NOT_CONSENT_SUBJECT: { status: 403, title: "Not the consent's subject" },
  SUBJECT_TRANSACTION_FAILED: {
    status: 503,
    title: "Chain transaction failed",
    publicDetail: "The subject key's transaction was not confirmed. Retry later.",
  },

  // The node itself
  CONFIG_NOT_FOUND: nodeMisconfigured,
  CONFIG_INVALID: nodeMisconfigured,
  PORT_IN_USE: nodeMisconfigured,
  NODE_START_FAILED: {
    status: 503,
    title: "Node starting or stopped",
    publicDetail: "A component of the node failed to start. Retry later.",
  },
  SERVER_BUSY: {
    status: 503,
    title: "Node busy",
    publicDetail: "The node is at its limit of concurrent uploads and decisions. Retry shortly.",
  },
  AUDIT_UNAVAILABLE: {
    status: 503,
    title: "Audit log unavailable",
    publicDetail: "The audit log cannot be written, so writes are refused. Retry later.",
  },
  INTERNAL: {
    status: 500,
    title: "Internal error",
    publicDetail: "An unexpected error occurred. Quote the instance when reporting it.",
  },
};

/** One failing field of a schema validation, as a JSON-pointer-like path ("body/frames/0/mime"). */
export interface FieldViolation {
  readonly field: string;
  readonly message: string;
}

/** RFC 9457 problem details plus kycnet's stable `code`. */
export interface Problem {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly instance: string;
  readonly code: ErrorCode;
  readonly errors?: readonly FieldViolation[];
}

const MAX_DETAIL_LENGTH = 300;

/** The problem `type` of a code: `urn:kycnet:problem:` and the code in kebab case, stable as the code is. */
export function problemType(code: ErrorCode): string {
  return `urn:kycnet:problem:${code.toLowerCase().replaceAll("_", "-")}`;
}

export function requestInstance(requestId: string): string {
  return `urn:kycnet:request:${requestId}`;
}

/**
 * True when the catalogue has `code`. Needed at run time although the types promise it: a
 * BankApiError carries a remote code, and a plain object would also answer for "constructor".
 */
export function isCatalogued(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CATALOGUE, code);
}

export function catalogueEntry(code: string): CatalogueEntry {
  return isCatalogued(code) ? ERROR_CATALOGUE[code] : ERROR_CATALOGUE.INTERNAL;
}

/**
 * Builds the problem for `code`. `detail` is used only for 4xx entries; 5xx entries always show
 * their fixed public text, whatever the caller passes. A code outside the catalogue becomes INTERNAL.
 */
export function buildProblem(
  code: ErrorCode,
  requestId: string,
  detail?: string,
  errors?: readonly FieldViolation[],
): Problem {
  const effectiveCode: ErrorCode = isCatalogued(code) ? code : "INTERNAL";
  const entry = ERROR_CATALOGUE[effectiveCode];
  const shown = entry.status >= 500 || detail === undefined ? (entry.publicDetail ?? entry.title) : detail;
  return {
    type: problemType(effectiveCode),
    title: entry.title,
    status: entry.status,
    detail: shown.length > MAX_DETAIL_LENGTH ? `${shown.slice(0, MAX_DETAIL_LENGTH)}…` : shown,
    instance: requestInstance(requestId),
    code: effectiveCode,
    ...(errors && errors.length > 0 ? { errors } : {}),
  };
}

/** The problem for a thrown value; unknown errors and unknown codes become a bare 500. */
export function problemFromError(error: unknown, requestId: string): Problem {
  if (isKycnetError(error, "CONTRACT_REVERT")) {
    // The revert's name says what the chain refused; its arguments (addresses, ids) stay in the log.
    const revert = typeof error.details.revert === "string" ? error.details.revert : "unknown";
    return buildProblem("CONTRACT_REVERT", requestId, `the contract reverted with ${revert}`);
  }
  if (isKycnetError(error)) return buildProblem(error.code, requestId, error.message);
  return buildProblem("INTERNAL", requestId);
}

/** A KycnetError raised by the API layer itself (auth, media checks). */
export class ApiError extends KycnetError {
  constructor(code: ErrorCode, message: string, details: Record<string, unknown> = {}) {
    super(code, message, { details });
  }
}

export class UnauthenticatedError extends KycnetError {
  constructor(reason: string) {
    super("UNAUTHENTICATED", reason);
  }
}

export class ForbiddenError extends KycnetError {
  constructor(role: string, allowed: readonly string[]) {
    super("FORBIDDEN", `role ${role} may not call this route (allowed: ${allowed.join(", ")})`, {
      details: { role, allowed: [...allowed] },
    });
  }
}

export class AuditUnavailableError extends KycnetError {
  constructor(cause: unknown) {
    super("AUDIT_UNAVAILABLE", "the audit log could not be written", { cause });
  }
}
