/**
 * Every error code the node reports, by the folder whose failure it names, registered with the
 * SDK's `KycnetErrorCodes` so that `ErrorCode` (from `@kycnet/sdk/errors`) covers the SDK's codes
 * and these. A `KycnetError` thrown anywhere in the node must carry one of them (the compiler
 * refuses any other), and the HTTP catalogue (api/errors.ts) must map each of them to a status.
 *
 * Adding a failure: add its code to its folder's union here, then its entry to `ERROR_CATALOGUE`;
 * `tsc` names whichever of the two is missing.
 */
import type { ErrorCode } from "@kycnet/sdk/errors";
import type { ChallengeErrorCode, FaceErrorCode } from "./ekyc/biometrics/errors.ts";

/** api/: problems of the request itself, and of the HTTP layer's own guards. */
export type ApiErrorCode =
  | "VALIDATION_FAILED"
  | "MALFORMED_BODY"
  | "BAD_URL"
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "ROUTE_NOT_FOUND"
  | "METHOD_NOT_ALLOWED"
  | "BODY_TOO_LARGE"
  | "URI_TOO_LONG"
  | "UNSUPPORTED_MEDIA_TYPE"
  | "IMAGE_TYPE_MISMATCH"
  | "RATE_LIMITED"
  | "SERVER_BUSY"
  | "AUDIT_UNAVAILABLE"
  // anything uncoded, or a code this catalogue does not know at run time
  | "INTERNAL";

/** onboarding/: sessions, re-onboarding and the review queue. */
export type OnboardingErrorCode =
  | "SESSION_NOT_FOUND"
  | "SESSION_EXPIRED"
  | "SESSION_STATE_CONFLICT"
  // the images open sessions hold reached the node's upload budget (sessions.ts)
  | "UPLOAD_BUDGET_FULL"
  // a full-eKYC session takes no image before the customer's consent to the collection (collection-consent.ts)
  | "COLLECTION_CONSENT_REQUIRED"
  | "CASE_NOT_FOUND"
  | "CASE_STATE_CONFLICT"
  | "REUSE_NOT_POSSIBLE"
  | "DOCUMENT_EXPIRED"
  | "REGISTRY_QUERY_INCOMPLETE";

/** ekyc/document/: the card photos and the engines that read them. */
export type DocumentErrorCode =
  | "DOCUMENT_IMAGE_INVALID"
  | "DOCUMENT_IMAGE_TOO_LARGE"
  | "DOCUMENT_IMAGE_TOO_SMALL"
  | "DOCUMENT_NOT_FOUND"
  | "DOCUMENT_KIND_MISMATCH"
  | "QR_PAYLOAD_INVALID"
  | "MRZ_FORMAT_INVALID"
  | "OCR_ENGINE_UNAVAILABLE"
  // document/chip/: ICAO 9303 chip files and active authentication
  | "CHIP_FILE_MALFORMED"
  | "CHIP_ALGORITHM_UNSUPPORTED"
  | "CHIP_TRUST_LIST_INVALID"
  | "AA_CHALLENGE_UNKNOWN"
  | "AA_CHALLENGE_EXPIRED"
  | "AA_CHALLENGE_REPLAYED"
  | "CHIP_NOT_CONFIGURED";

/** ekyc/checks/: the national ID registry and the sanctions lists. */
export type ChecksErrorCode =
  | "REGISTRY_TIMEOUT"
  | "REGISTRY_SERVER_ERROR"
  | "REGISTRY_NETWORK_ERROR"
  | "REGISTRY_CIRCUIT_OPEN"
  | "REGISTRY_BAD_RESPONSE"
  | "REGISTRY_ABORTED"
  | "SANCTIONS_LIST_MALFORMED"
  | "SANCTIONS_LIST_ENCODING"
  | "SANCTIONS_LIST_EMPTY"
  | "SANCTIONS_LIST_TOO_LARGE";

/** ekyc/decision/: the rule set the decision engine is given. */
export type DecisionErrorCode = "DECISION_RULES_INVALID";

/** custody/: the HSM and the envelopes it seals. */
export type CustodyErrorCode =
  | "HSM_MODULE_NOT_FOUND"
  | "HSM_TOKEN_NOT_FOUND"
  | "HSM_PIN_INCORRECT"
  | "HSM_PIN_LOCKED"
  | "HSM_KEY_NOT_FOUND"
  | "HSM_WRONG_KEY_TYPE"
  | "HSM_OPERATION_FAILED"
  | "HSM_MODULE_BUSY"
  | "KEY_MANAGER_CLOSED"
  | "SIGNATURE_UNRECOVERABLE"
  | "PAYLOAD_TOO_LARGE"
  | "CIPHERTEXT_MALFORMED"
  | "CIPHERTEXT_REJECTED";

/** ledger/: the chain and the contracts' artifacts. */
export type LedgerErrorCode =
  | "CONTRACT_REVERT"
  | "LEDGER_UNAVAILABLE"
  | "LEDGER_TX_FAILED"
  | "LEDGER_READ_ONLY"
  | "ARTIFACT_NOT_FOUND"
  | "ATTESTATION_NOT_ANCHORED";

/** exchange/: the record exchange with other members over libp2p. */
export type ExchangeErrorCode =
  | "EXCHANGE_REFUSED"
  | "EXCHANGE_PROTOCOL"
  | "EXCHANGE_DIAL_FAILED"
  | "EXCHANGE_TIMEOUT"
  | "DISCLOSURE_INVALID"
  | "PEER_NOT_MEMBER"
  | "PEER_KEY_INVALID"
  | "ATTESTATION_NOT_VALID"
  | "RECORD_NOT_DISCLOSABLE";

/** vault/: records, their store and the audit log. */
export type VaultErrorCode =
  | "RECORD_NOT_FOUND"
  | "RECORD_SHREDDED"
  | "RECORD_STATE_CONFLICT"
  | "RECORD_INTEGRITY"
  // a case's evidence part that was never kept, or was erased with its record
  | "EVIDENCE_NOT_FOUND"
  | "STORE_UNAVAILABLE"
  // a LevelDB vault held by another process (a running node, or a second one on the same data)
  | "STORE_LOCKED"
  | "STORE_SCHEMA_MISMATCH"
  // the store's own files failed a checksum, or LevelDB dropped damaged bytes on open
  | "STORE_CORRUPT"
  // several instances of one bank: work only the anchoring leader may do (ha/leadership.ts)
  | "NOT_LEADER"
  | "AUDIT_LOG_CORRUPT";

/** webhooks/: the core-banking webhook outbox. */
export type WebhookErrorCode = "WEBHOOK_NOT_FOUND";

/** config.ts, node.ts: configuration and start-up. */
export type NodeSetupErrorCode =
  | "CONFIG_NOT_FOUND"
  | "CONFIG_INVALID"
  | "NODE_START_FAILED"
  // the API or libp2p listen address is taken by another process
  | "PORT_IN_USE";

export type NodeErrorCode =
  | ApiErrorCode
  | OnboardingErrorCode
  | DocumentErrorCode
  | FaceErrorCode
  | ChallengeErrorCode
  | ChecksErrorCode
  | DecisionErrorCode
  | CustodyErrorCode
  | LedgerErrorCode
  | ExchangeErrorCode
  | VaultErrorCode
  | WebhookErrorCode
  | NodeSetupErrorCode;

declare module "@kycnet/sdk/errors" {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- declaration merging adds the node's codes
  interface KycnetErrorCodes extends Record<NodeErrorCode, true> {}
}

export type { ErrorCode };
