/**
 * The narrow ports the HTTP routes call. The node's composition root implements them against the
 * real pipeline, vault, outbox and ledger; tests use the in-memory fakes in test/node/api/fakes.ts.
 *
 * Contract for implementers: every failure is a `KycnetError` with a code from the catalogue in
 * errors.ts (SESSION_NOT_FOUND, SESSION_EXPIRED, SESSION_STATE_CONFLICT, CASE_NOT_FOUND,
 * CASE_STATE_CONFLICT, ATTESTATION_NOT_FOUND, LEDGER_UNAVAILABLE, ...), so the API can map it to a
 * status. Nothing returned here may carry personal data (names, id numbers, images, templates):
 * these values are serialised to HTTP clients and written to logs.
 */
import type { Hex, RevocationReasonName } from "@kycnet/sdk/protocol";
import type {
  DataSubjectRequestView,
  DsrKind,
  DsrStatus,
  AccountClosedView,
  ReportFormat,
  SignedDocument,
  AttestationStatusView,
  CaseListQuery,
  CaseKind,
  CaseStatus,
  ChipChallenge,
  ChipFileId,
  ChipUploadResult,
  CollectionConsentBody,
  CollectionConsentView,
  DocumentReadingView,
  FieldConfirmationBody,
  FieldConfirmationView,
  ConsentRevocationRelayed,
  ConsentStatusView,
  DecisionView,
  DocumentSide,
  ImageMime,
  IsoTime,
  LivenessChallenge,
  LivenessState,
  Reason,
  ReuseSessionCreated,
  ReviewCasePage,
  ReviewCaseView,
  RevocationResult,
  SessionCreated,
  SessionState,
  SessionView,
  VerifiedIdentityView,
  WebhookMessagePage,
  WebhookMessageQuery,
  WebhookMessageView,
} from "@kycnet/sdk/bank";

// The values these ports return are the API's wire shapes, declared once in the SDK (sdk/src/bank/wire.ts).
export type {
  DataSubjectRequestView,
  DsrKind,
  DsrStatus,
  AccountClosedView,
  ReportFormat,
  SignedDocument,
  AttestationStatusView,
  ChipChallenge,
  ChipFileId,
  ChipUploadResult,
  CollectionConsentBody,
  CollectionConsentView,
  DocumentReadingView,
  FieldConfirmationBody,
  FieldConfirmationView,
  ConsentStatusView,
  DocumentSide,
  ImageMime,
  IsoTime,
  LivenessChallenge,
  LivenessState,
  ReuseSessionCreated,
  ReviewCasePage,
  RevocationResult,
  SessionState,
  VerifiedIdentityView,
  WebhookMessagePage,
  WebhookMessageQuery,
  WebhookMessageView,
};
export type OnboardingSessionCreated = SessionCreated;
/** A coded reason for a decision; `message` is for humans and carries no personal data. */
export type DecisionReason = Reason;
export type OnboardingDecision = DecisionView;
export type OnboardingSessionView = SessionView;
export type ReviewCaseStatus = CaseStatus;
export type ReviewCase = ReviewCaseView;
export type ReviewCaseFilter = CaseListQuery;

export interface SelfieFrame {
  readonly bytes: Uint8Array;
  readonly mime: ImageMime;
  /** Client capture time in ms since the epoch; the liveness check verifies ordering and window. */
  readonly capturedAtMs: number;
}

/**
 * A consent grant as the customer's app signed it (docs/protocol.md §4), in JSON: uint64/uint256
 * values as decimal strings. A type alias (not an interface) so it also fits `Record<string, unknown>`.
 */
export type ConsentGrantInput = {
  readonly attestationUid: Hex;
  readonly grantee: Hex;
  readonly purpose: number;
  readonly fieldMask: number;
  readonly validUntil: string;
  readonly nonce: string;
  readonly deadline: string;
};

/** Re-onboarding from another member's attestation: the customer's signed consent for this bank. */
export type ReuseSessionRequest = {
  readonly attestationUid: Hex;
  readonly grant: ConsentGrantInput;
  /** The subject key's EIP-712 signature of the grant (65 bytes hex). */
  readonly signature: Hex;
};

/** The chip's elementary files as read (decoded from the upload) and its answer to the session's challenge. */
export interface ChipUploadInput {
  readonly files: Readonly<Partial<Record<ChipFileId, Uint8Array>>>;
  readonly activeAuthentication?: { readonly challenge: Uint8Array; readonly response: Uint8Array };
}

export interface OnboardingService {
  /**
   * Opens a full-eKYC session. `subject` is the customer's fresh per-attestation key address (from
   * the customer's app): it becomes the attestation's subject, the key that later signs consents.
   */
  createSession(subject: Hex): Promise<OnboardingSessionCreated>;
  /**
   * Opens a re-onboarding session (method REUSE): relays the consent, fetches and verifies the
   * record from the issuing member; the customer then answers a liveness challenge with a selfie.
   * Throws REUSE_NOT_POSSIBLE, EXCHANGE_*, CONTRACT_REVERT, LEDGER_UNAVAILABLE.
   */
  createReuseSession(subject: Hex, request: ReuseSessionRequest): Promise<ReuseSessionCreated>;
  /**
   * Records the customer's consent to the collection (Decree 13) in a full-eKYC session: it must
   * cover every record field, the card images and the selfie. Throws INVALID_ARGUMENT for a consent
   * that does not, SESSION_STATE_CONFLICT for a re-onboarding session (its signed grant is its
   * consent), a decided session or a consent already recorded.
   */
  recordCollectionConsent(sessionId: string, consent: CollectionConsentBody): Promise<CollectionConsentView>;
  /**
   * Stores one side of the ID card; throws SESSION_NOT_FOUND / SESSION_EXPIRED / SESSION_STATE_CONFLICT,
   * COLLECTION_CONSENT_REQUIRED before the consent (the same for the chip and the selfie frames).
   */
  uploadDocument(sessionId: string, side: DocumentSide, bytes: Uint8Array, mime: ImageMime): Promise<void>;
  /**
   * A single-use active-authentication challenge for the card's chip (eKYC level 2); a new one replaces
   * the session's previous one. Throws CHIP_NOT_CONFIGURED on a node without a trust list.
   */
  createChipChallenge(sessionId: string): Promise<ChipChallenge>;
  /**
   * Verifies the chip's files and its answer at once and keeps the result for the decision. Throws
   * CHIP_NOT_CONFIGURED, AA_CHALLENGE_UNKNOWN / AA_CHALLENGE_EXPIRED / AA_CHALLENGE_REPLAYED, SESSION_*;
   * a chip failing its checks is reported in the result (and refused by the decision), not thrown.
   */
  uploadChip(sessionId: string, upload: ChipUploadInput): Promise<ChipUploadResult>;
  /**
   * Reads the card uploaded so far (once; again only after a new upload) and returns each field
   * with its source and confidence, and the customer's answer if given. Unlike the other values of
   * this file it IS personal data, for the customer's own app: never logged. Throws
   * SESSION_STATE_CONFLICT without a front image or once decided.
   */
  readDocumentFields(sessionId: string): Promise<DocumentReadingView>;
  /**
   * The customer confirms the fields read, or corrects some (field-confirmation.ts): a correction of
   * a printed-text-only field is used; any other goes to a reviewer. Throws SESSION_STATE_CONFLICT
   * before the reading, INVALID_ARGUMENT for a value that is not a valid value of its field or a
   * field corrected twice.
   */
  confirmDocumentFields(sessionId: string, body: FieldConfirmationBody): Promise<FieldConfirmationView>;
  createLivenessChallenge(sessionId: string): Promise<LivenessChallenge>;
  uploadSelfieFrames(sessionId: string, challengeId: string, frames: readonly SelfieFrame[]): Promise<void>;
  /** Runs (or returns the already-made) decision; throws SESSION_STATE_CONFLICT when inputs are missing. */
  decide(sessionId: string): Promise<OnboardingDecision>;
  getSession(sessionId: string): Promise<OnboardingSessionView>;
}

export interface ReviewQueue {
  list(filter: ReviewCaseFilter): Promise<ReviewCasePage>;
  /** Throws CASE_NOT_FOUND, or CASE_STATE_CONFLICT when the case is not OPEN (or claimed by another). */
  claim(caseId: string, reviewer: string): Promise<ReviewCase>;
  /** The case must be CLAIMED by `reviewer`; else CASE_STATE_CONFLICT. */
  approve(caseId: string, reviewer: string, comment: string): Promise<ReviewCase>;
  reject(caseId: string, reviewer: string, comment: string): Promise<ReviewCase>;
}

/**
 * A case's evidence as the reviewer console shows it. Unlike every other value in this file it IS
 * personal data (names as read, sanctions matches): it goes only into the console's no-store pages
 * for a signed-in reviewer, never into logs, problems or the JSON API.
 */
export interface CaseEvidenceSummary {
  readonly fields: ReadonlyArray<{
    readonly field: string;
    readonly value: string;
    readonly source: string | null;
    readonly agreement: string;
    /** Each source's reading (qr, mrz, ocr, chip). */
    readonly readings: Readonly<Record<string, string>>;
  }>;
  readonly disagreements: ReadonlyArray<{ readonly field: string; readonly reason: string }>;
  readonly signals: ReadonlyArray<{ readonly code: string; readonly score: number; readonly reason: string }>;
  readonly face: {
    /** Which face the selfie was matched against. */
    readonly reference: "card" | "chip" | "source-template";
    readonly similarity: number | null;
    /** 0-100 (>= 90 accept, 70-90 review). */
    readonly score: number | null;
    readonly band: string | null;
    readonly reasons: readonly string[];
    readonly activeLivenessPassed: boolean | null;
    readonly passiveLivenessMin: number | null;
  };
  /** The registry's answer (status, and which fields differ: never the registry's values); null when not asked. */
  readonly registry: { readonly status: string; readonly detail: string } | null;
  /** null when no list was loaded. */
  readonly sanctions: {
    readonly listVersion: string;
    readonly threshold: number;
    readonly hits: ReadonlyArray<{
      readonly entryId: string;
      readonly source: string;
      readonly reference: string;
      readonly matchedName: string;
      readonly score: number;
      readonly dateOfBirth: string;
      readonly nationality: string;
    }>;
  } | null;
  readonly chip: { readonly status: string; readonly failures: readonly string[] } | null;
  /** Re-onboarding: the attestation the fields came from. */
  readonly source: { readonly uid: string; readonly issuer: string } | null;
  /** Full eKYC: the customer's consent to the collection (null: re-onboarding, or kept before consents were). */
  readonly collectionConsent: CollectionConsentView | null;
  /** The customer's answer to the fields read: their corrections with provenance (null: not asked). */
  readonly customerConfirmation: {
    readonly confirmedAt: string;
    readonly corrections: readonly FieldConfirmationView["corrections"][number][];
  } | null;
}

/** An image of a case's evidence: `front`, `back`, `chip-portrait`, `frame-<n>`. */
export type EvidenceImagePart = string;

export interface CaseDetail {
  readonly case: ReviewCase;
  /** Reasons the decision gave, coded. */
  readonly decisionReasons: readonly DecisionReason[];
  readonly decisionMethod: string;
  /** null for a case opened before evidence was kept, or whose record was erased. */
  readonly evidence: CaseEvidenceSummary | null;
  readonly images: readonly EvidenceImagePart[];
  /** Four-eyes: the first approval of a high-risk case, waiting for a second, different reviewer. */
  readonly firstApproval: { readonly reviewer: string; readonly at: string; readonly comment: string } | null;
  readonly needsFourEyes: boolean;
  readonly resolutionComment: string | null;
}

/** What the reviewer console reads, beyond the review queue: the evidence (personal data, audited reads). */
export interface ReviewEvidenceReads {
  /** The console's queue: filters by status, reason code and age; oldest first, as the queue is worked. */
  listCases(filter: ConsoleQueueFilter): Promise<ReviewCasePage>;
  /** The decision reason codes a case can carry (the queue's reason filter). */
  reasonCodes(): readonly string[];
  /** Throws CASE_NOT_FOUND. Opening the evidence is audited under `actor`. */
  getCase(caseId: string, actor: string): Promise<CaseDetail>;
  /** One image of a case, audited. Throws CASE_NOT_FOUND, EVIDENCE_NOT_FOUND. */
  getImage(caseId: string, part: string, actor: string): Promise<{ bytes: Uint8Array; mime: ImageMime }>;
}

/** What the console's operations page shows beyond readiness: queues, members, consent activity (no personal data). */
export interface OperationsReads {
  /** The anchoring outbox: records waiting (pending or in flight), the oldest one's queue time, records parked after failures. */
  anchoring(): Promise<{ readonly waiting: number; readonly oldestQueuedAt: string | null; readonly parked: number }>;
  /** The consortium's members this node knows (itself and its address book), as the chain has them now. */
  members(): Promise<
    ReadonlyArray<{ readonly account: Hex; readonly name: string; readonly active: boolean; readonly self: boolean }>
  >;
  /**
   * The latest consent and disclosure events from the audit log, newest first: consents to the
   * collection, consents relayed at re-onboarding, revocations relayed, records disclosed to another
   * member under consent. Ids, actions and outcomes only.
   */
  consentActivity(limit: number): Promise<
    ReadonlyArray<{
      readonly at: string;
      readonly action: string;
      readonly actor: string;
      readonly target: string;
      readonly outcome: string;
    }>
  >;
}

/** A console sign-in session, kept in the node's store so any instance accepts it. */
export interface ConsoleSession {
  readonly keyId: string;
  readonly role: Role;
  /** Sent back in every form (and the htmx header): the CSRF token bound to this session. */
  readonly csrfToken: string;
  readonly createdAt: string;
  readonly expiresAt: string;
}

export interface ConsoleSessionStore {
  /** A new session with fresh random id and CSRF token; `replacing` (the old cookie's session) is deleted first. */
  create(
    principal: { keyId: string; role: Role },
    replacing?: string,
  ): Promise<{ id: string; session: ConsoleSession }>;
  /** null for an unknown, malformed or expired id. */
  find(id: string): Promise<ConsoleSession | null>;
  delete(id: string): Promise<void>;
}

export interface LedgerReads {
  /** Throws ATTESTATION_NOT_FOUND when this node cannot locate the attestation's batch proof. */
  attestationStatus(uid: Hex): Promise<AttestationStatusView>;
  /** An unknown consent id is status NONE, not an error. */
  consentStatus(consentId: Hex): Promise<ConsentStatusView>;
}

export interface AttestationAdmin {
  /** Revokes at once (not batched); throws ATTESTATION_NOT_FOUND, CONTRACT_REVERT, LEDGER_UNAVAILABLE. */
  revoke(uid: Hex, reason: RevocationReasonName): Promise<RevocationResult>;
}

/** A customer's signed consent revocation (docs/protocol.md §4), relayed by this bank. */
export interface ConsentRevocationInput {
  readonly consentId: Hex;
  /** Decimal strings. */
  readonly nonce: string;
  readonly deadline: string;
}

export interface ConsentRelay {
  /** Sends the revocation at once (not batched); throws CONTRACT_REVERT, LEDGER_UNAVAILABLE, INVALID_ARGUMENT. */
  relayRevocation(revocation: ConsentRevocationInput, signature: Hex): Promise<ConsentRevocationRelayed>;
}

/** The bank's core-banking systems: they open the account from the identity this bank verified. */
export interface CoreBankingRecords {
  /**
   * The verified identity behind an attestation this bank issued, decrypted for `reader` (audited
   * as a record opening). Throws RECORD_NOT_FOUND (not this bank's, or unknown), RECORD_SHREDDED,
   * RECORD_STATE_CONFLICT while the case is still in review.
   */
  readIdentity(uid: Hex, reader: string): Promise<VerifiedIdentityView>;
  /**
   * The customer's account closed: starts the record's retention clock (its deadline is indexed for
   * the node's retention sweep). Throws RECORD_NOT_FOUND, RECORD_SHREDDED, INVALID_ARGUMENT (a
   * closing time in the future, or a retention class lowered).
   */
  closeAccount(
    uid: Hex,
    input: { closedAt?: Date; retentionClass?: "STANDARD" | "LARGE_OR_SUSPICIOUS" },
    actor: string,
  ): Promise<AccountClosedView>;
}

/** The operator's view of the webhook outbox: what waits, what was delivered, what was dead-lettered. */
export interface WebhookAdmin {
  list(query: WebhookMessageQuery): Promise<WebhookMessagePage>;
  /** Sends a dead-lettered message again (attempts reset); throws WEBHOOK_NOT_FOUND. */
  redrive(id: string, actor: string): Promise<WebhookMessageView>;
}

/** The auditor's report for a period, signed by the node's HSM chain key. */
export interface AuditReports {
  /** Throws INVALID_ARGUMENT for an empty, reversed or longer-than-366-days period. */
  report(query: { from: Date; to: Date; format: ReportFormat }): Promise<SignedDocument>;
  /**
   * The audit entries of [from, to), the entries linking them to the audit head anchored after
   * them, and those anchors, as signed JSON (onboarding/audit-export.ts). Throws INVALID_ARGUMENT
   * for an empty, reversed or over-long period, or one holding too many entries.
   */
  export(query: { from: Date; to: Date }): Promise<SignedDocument>;
}

/** Decree 13 requests made through the bank's app: access, correction, deletion; each audited with its deadline. */
export interface DataSubjectRequests {
  /** Throws RECORD_NOT_FOUND for an attestation this bank did not issue. A deletion the law forbids is REFUSED, not thrown. */
  submit(
    input: { attestationUid: Hex; kind: DsrKind; fields?: readonly string[] },
    actor: string,
  ): Promise<DataSubjectRequestView>;
  list(filter: { status?: DsrStatus }): Promise<DataSubjectRequestView[]>;
}

export type Role = "operator" | "reviewer" | "auditor" | "core-banking";

/**
 * REQUESTED is written before a write runs (if it cannot be written the write is refused), then one
 * of SUCCEEDED / FAILED; DENIED and REJECTED are writes stopped before they ran.
 */
export type AuditOutcome = "REQUESTED" | "SUCCEEDED" | "FAILED" | "DENIED" | "REJECTED";

export interface AuditEntry {
  /** API key id, or "anonymous" when no valid key was presented. */
  readonly actor: string;
  readonly role: Role | "none";
  /** Stable action name, e.g. "onboarding.document.upload". */
  readonly action: string;
  /** The resource acted on (session id, case id, uid), or "" when none. */
  readonly target: string;
  readonly outcome: AuditOutcome;
  /** Machine facts only: request id, HTTP status, error code. Never personal data. */
  readonly details: Readonly<Record<string, string | number | boolean>>;
}

export interface AuditSink {
  append(entry: AuditEntry): Promise<void>;
}

export interface ConsoleQueueFilter {
  readonly status?: CaseStatus;
  readonly reason?: string;
  /** Only cases of this kind (ONBOARDING, RESCREEN, DUPLICATE, SOURCE_REVOKED). */
  readonly kind?: CaseKind;
  /** Only cases created at or before this time. */
  readonly olderThan?: string;
  readonly limit: number;
  readonly cursor?: string;
}

/** Everything the API needs from the node. */
export interface ApiServices {
  readonly onboarding: OnboardingService;
  readonly review: ReviewQueue;
  readonly ledger: LedgerReads;
  readonly attestations: AttestationAdmin;
  readonly consents: ConsentRelay;
  readonly audit: AuditSink;
  readonly records: CoreBankingRecords;
  readonly webhooks: WebhookAdmin;
  readonly reports: AuditReports;
  readonly dataSubjects: DataSubjectRequests;
  /** The reviewer console (absent: /console is not served). */
  readonly console?: {
    readonly evidence: ReviewEvidenceReads;
    readonly sessions: ConsoleSessionStore;
    /** The operations page's queues, members and consent activity (absent: the page shows readiness only). */
    readonly operations?: OperationsReads;
  };
}
