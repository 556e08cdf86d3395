/**
 * A typed client for a bank node's HTTP API, for the bank's own systems (branch apps, back
 * office). Errors come back as `BankApiError` with the API's stable problem code; transient
 * failures (connection errors, 429, 502-504) of idempotent calls are retried with backoff.
 */
import { KycnetError } from "../errors.ts";
import type { ConsentGrant, ConsentRevocation, Hex, RevocationReasonName } from "../protocol/index.ts";
import { BANK_API_ROUTES, type OperationId } from "./routes.ts";
import type {
  DataSubjectRequestBody,
  DataSubjectRequestList,
  DataSubjectRequestView,
  DsrStatus,
  AccountClosedView,
  CloseAccountBody,
  ReportFormat,
  SignedDocument,
  VerifiedIdentityView,
  Accepted,
  AttestationStatusView,
  CaseStatus,
  ChipChallenge,
  ChipUploadBody,
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
  LivenessChallenge,
  ReuseSessionCreated,
  ReviewCasePage,
  ReviewCaseView,
  RevocationResult,
  SelfieBody,
  SessionCreated,
  SessionView,
} from "./wire.ts";

/** One selfie frame as the client takes it: raw image bytes (sent base64 in JSON). */
export interface SelfieFrameInput {
  readonly bytes: Uint8Array;
  readonly mime: ImageMime;
  readonly capturedAtMs: number;
}

/**
 * A problem+json answer (RFC 9457) or a transport failure, with the API's stable code. The code is
 * what the node answered (its catalogue's), `NODE_UNREACHABLE` or `HTTP_<status>`: not one this
 * program throws, hence `KycnetError<string>`.
 */
export class BankApiError extends KycnetError<string> {
  readonly status: number;
  constructor(
    code: string,
    status: number,
    message: string,
    options: { details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(code, message, options);
    this.status = status;
  }
}

export interface BankClientOptions {
  /** e.g. http://127.0.0.1:8080 */
  readonly baseUrl: string;
  readonly apiKey: string;
  /** Per request (default 30 s: a decision runs OCR and face models). */
  readonly timeoutMs?: number;
  /** Attempts for idempotent calls (default 3). */
  readonly attempts?: number;
  readonly fetch?: typeof fetch;
}

/**
 * A bank node's HTTP API, one method per operation. Every method rejects with `BankApiError`: the
 * API's problem code and status (e.g. SESSION_NOT_FOUND 404, CASE_STATE_CONFLICT 409), or
 * NODE_UNREACHABLE (status 0) when no answer came. Idempotent operations are retried on transient
 * failures first; the others are sent once. A method never resolves with a problem body.
 */
export interface BankClient {
  /** Opens a full-eKYC session for the customer's fresh subject key. */
  createSession(subject: Hex): Promise<SessionCreated>;
  /** Opens a re-onboarding session from another member's attestation, under the customer's signed consent. */
  createReuseSession(input: {
    subject: Hex;
    attestationUid: Hex;
    grant: ConsentGrant;
    signature: string;
  }): Promise<ReuseSessionCreated>;
  /**
   * Records the customer's consent to the collection (Decree 13), which a full-eKYC session needs
   * before it takes any image: build it with `collectionConsent` from `@kycnet/sdk/customer`, from
   * what the app showed the customer. Uploads before it are refused with COLLECTION_CONSENT_REQUIRED.
   */
  recordCollectionConsent(sessionId: string, consent: CollectionConsentBody): Promise<CollectionConsentView>;
  uploadDocument(sessionId: string, side: DocumentSide, bytes: Uint8Array, mime: ImageMime): Promise<Accepted>;
  /** Reads the card uploaded so far: the fields, each with its source and confidence, for the customer to check. */
  readDocumentFields(sessionId: string): Promise<DocumentReadingView>;
  /** The customer's confirmation of the fields read, with corrections (none: confirmed as read). */
  confirmDocumentFields(sessionId: string, body: FieldConfirmationBody): Promise<FieldConfirmationView>;
  createLivenessChallenge(sessionId: string): Promise<LivenessChallenge>;
  /** A single-use active-authentication challenge for the chip to sign (eKYC level 2). */
  createChipChallenge(sessionId: string): Promise<ChipChallenge>;
  /** The chip's files as read and its answer to the challenge (build the body with `packageChipFiles`). */
  uploadChip(sessionId: string, body: ChipUploadBody): Promise<ChipUploadResult>;
  uploadSelfie(sessionId: string, challengeId: string, frames: readonly SelfieFrameInput[]): Promise<Accepted>;
  /** Runs (or returns the already-made) decision. */
  decide(sessionId: string): Promise<DecisionView>;
  getSession(sessionId: string): Promise<SessionView>;
  listReviewCases(filter?: { status?: CaseStatus; limit?: number; cursor?: string }): Promise<ReviewCasePage>;
  claimReviewCase(caseId: string): Promise<ReviewCaseView>;
  approveReviewCase(caseId: string, comment: string): Promise<ReviewCaseView>;
  rejectReviewCase(caseId: string, comment: string): Promise<ReviewCaseView>;
  attestationStatus(uid: Hex): Promise<AttestationStatusView>;
  revokeAttestation(uid: Hex, reason: RevocationReasonName): Promise<RevocationResult>;
  consentStatus(consentId: Hex): Promise<ConsentStatusView>;
  /** Relays a revocation the customer's app signed (sdk/customer revokeConsent). */
  relayConsentRevocation(
    consentId: Hex,
    revocation: ConsentRevocation,
    signature: string,
  ): Promise<ConsentRevocationRelayed>;
  /** Core banking: the verified identity behind this bank's attestation (each read is audited by the node). */
  getVerifiedRecord(uid: Hex): Promise<VerifiedIdentityView>;
  /** Core banking: the customer's account closed; the record's retention period starts. */
  closeAccount(uid: Hex, body?: CloseAccountBody): Promise<AccountClosedView>;
  /** The auditor's report for [from, to), signed by the node (check it with `verifySignedDocument`). */
  getAuditReport(query: { from: Date; to: Date; format?: ReportFormat }): Promise<SignedDocument>;
  /** The audit log export for [from, to) with its anchors, signed by the node (check it with `verifyAuditExport`). */
  getAuditExport(query: { from: Date; to: Date }): Promise<SignedDocument>;
  /** The customer's Decree 13 request (access, correction, deletion), made through the bank's app. */
  submitDataSubjectRequest(body: DataSubjectRequestBody): Promise<DataSubjectRequestView>;
  /** Data-subject requests with their status and deadline (operator, auditor). */
  listDataSubjectRequests(filter?: { status?: DsrStatus }): Promise<DataSubjectRequestList>;
}

const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);
// Safe to send twice: reads, and calls the API documents as idempotent.
const IDEMPOTENT = new Set<OperationId>([
  "getOnboardingSession",
  "listReviewCases",
  "getAttestationStatus",
  "getConsentStatus",
  "getVerifiedRecord",
  "getAuditReport",
  "getAuditExport",
  "listDataSubjectRequests",
  "decideOnboarding",
  "uploadDocument",
  "readDocumentFields",
]);

type RequestBody = { json?: unknown; bytes?: Uint8Array; mime?: string };
type Call = <T>(
  operation: OperationId,
  params: Record<string, string>,
  body?: RequestBody,
  query?: Record<string, string>,
) => Promise<T>;

export function createBankClient(options: BankClientOptions): BankClient {
  const call = createCaller(options);
  return {
    createSession: (subject) => call<SessionCreated>("createOnboardingSession", {}, { json: { subject } }),
    createReuseSession: (input) =>
      call<ReuseSessionCreated>(
        "createReuseSession",
        {},
        {
          json: {
            subject: input.subject,
            attestationUid: input.attestationUid,
            signature: input.signature,
            grant: {
              ...input.grant,
              validUntil: input.grant.validUntil.toString(),
              nonce: input.grant.nonce.toString(),
              deadline: input.grant.deadline.toString(),
            },
          },
        },
      ),
    recordCollectionConsent: (sessionId, consent) =>
      call<CollectionConsentView>("recordCollectionConsent", { id: sessionId }, { json: consent }),
    uploadDocument: (sessionId, side, bytes, mime) =>
      call<Accepted>("uploadDocument", { id: sessionId, side }, { bytes, mime }),
    readDocumentFields: (sessionId) => call<DocumentReadingView>("readDocumentFields", { id: sessionId }),
    confirmDocumentFields: (sessionId, body) =>
      call<FieldConfirmationView>("confirmDocumentFields", { id: sessionId }, { json: body }),
    createLivenessChallenge: (sessionId) => call<LivenessChallenge>("createLivenessChallenge", { id: sessionId }),
    createChipChallenge: (sessionId) => call<ChipChallenge>("createChipChallenge", { id: sessionId }),
    uploadChip: (sessionId, body) => call<ChipUploadResult>("uploadChip", { id: sessionId }, { json: body }),
    uploadSelfie: (sessionId, challengeId, frames) => {
      const json: SelfieBody = {
        challengeId,
        frames: frames.map((f) => ({
          image: Buffer.from(f.bytes).toString("base64"),
          mime: f.mime,
          capturedAtMs: f.capturedAtMs,
        })),
      };
      return call<Accepted>("uploadSelfieFrames", { id: sessionId }, { json });
    },
    decide: (sessionId) => call<DecisionView>("decideOnboarding", { id: sessionId }),
    getSession: (sessionId) => call<SessionView>("getOnboardingSession", { id: sessionId }),
    listReviewCases: (filter = {}) =>
      call<ReviewCasePage>(
        "listReviewCases",
        {},
        undefined,
        Object.fromEntries(
          Object.entries({ status: filter.status, limit: filter.limit?.toString(), cursor: filter.cursor }).filter(
            ([, v]) => v !== undefined,
          ),
        ) as Record<string, string>,
      ),
    claimReviewCase: (caseId) => call<ReviewCaseView>("claimReviewCase", { id: caseId }),
    approveReviewCase: (caseId, comment) =>
      call<ReviewCaseView>("approveReviewCase", { id: caseId }, { json: { comment } }),
    rejectReviewCase: (caseId, comment) =>
      call<ReviewCaseView>("rejectReviewCase", { id: caseId }, { json: { comment } }),
    attestationStatus: (uid) => call<AttestationStatusView>("getAttestationStatus", { uid }),
    revokeAttestation: (uid, reason) => call<RevocationResult>("revokeAttestation", { uid }, { json: { reason } }),
    consentStatus: (consentId) => call<ConsentStatusView>("getConsentStatus", { id: consentId }),
    relayConsentRevocation: (consentId, revocation, signature) =>
      call<ConsentRevocationRelayed>(
        "relayConsentRevocation",
        { id: consentId },
        {
          json: {
            revocation: {
              consentId: revocation.consentId,
              nonce: revocation.nonce.toString(),
              deadline: revocation.deadline.toString(),
            },
            signature,
          },
        },
      ),
    getVerifiedRecord: (uid) => call<VerifiedIdentityView>("getVerifiedRecord", { uid }),
    closeAccount: (uid, body = {}) => call<AccountClosedView>("closeAccount", { uid }, { json: body }),
    getAuditReport: (query) =>
      call<SignedDocument>("getAuditReport", {}, undefined, {
        from: query.from.toISOString(),
        to: query.to.toISOString(),
        format: query.format ?? "json",
      }),
    getAuditExport: (query) =>
      call<SignedDocument>("getAuditExport", {}, undefined, {
        from: query.from.toISOString(),
        to: query.to.toISOString(),
      }),
    submitDataSubjectRequest: (body) => call<DataSubjectRequestView>("submitDataSubjectRequest", {}, { json: body }),
    listDataSubjectRequests: (filter = {}) =>
      call<DataSubjectRequestList>(
        "listDataSubjectRequests",
        {},
        undefined,
        filter.status === undefined ? {} : { status: filter.status },
      ),
  };
}

/** Sends one operation: builds the request from the route table, retries what may be retried, reads problems. */
function createCaller(options: BankClientOptions): Call {
  const base = new URL(options.baseUrl);
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const attempts = Math.max(1, options.attempts ?? 3);

  return async function call<T>(
    operation: OperationId,
    params: Record<string, string>,
    body?: RequestBody,
    query?: Record<string, string>,
  ): Promise<T> {
    const route = BANK_API_ROUTES[operation];
    const { url, init } = buildRequest(base, options.apiKey, route, params, body, query);
    const tries = IDEMPOTENT.has(operation) ? attempts : 1;
    let lastError: unknown;
    for (let attempt = 1; attempt <= tries; attempt++) {
      let response: Response;
      try {
        response = await doFetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
      } catch (cause) {
        lastError = new BankApiError("NODE_UNREACHABLE", 0, `cannot reach the node at ${base.origin}`, { cause });
        if (attempt < tries) await backoff(attempt);
        continue;
      }
      if (response.ok) return (await response.json()) as T;
      const problem = await readProblem(response);
      lastError = problem;
      if (!RETRYABLE_STATUS.has(response.status) || attempt === tries) throw problem;
      await backoff(attempt, response.headers.get("retry-after"));
    }
    throw lastError;
  };
}

function buildRequest(
  base: URL,
  apiKey: string,
  route: { method: string; path: string },
  params: Record<string, string>,
  body?: RequestBody,
  query?: Record<string, string>,
): { url: URL; init: RequestInit } {
  const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ""));
  const url = new URL(path, base);
  for (const [k, v] of Object.entries(query ?? {})) url.searchParams.set(k, v);
  const headers: Record<string, string> = {
    authorization: `Bearer ${apiKey}`,
    accept: "application/json, application/problem+json",
  };
  let payload: string | Uint8Array | undefined;
  if (body?.json !== undefined) {
    headers["content-type"] = "application/json";
    payload = JSON.stringify(body.json);
  } else if (body?.bytes !== undefined) {
    headers["content-type"] = body.mime ?? "application/octet-stream";
    payload = body.bytes;
  }
  const bodyInit = payload === undefined ? {} : { body: payload as NonNullable<RequestInit["body"]> };
  return { url, init: { method: route.method, headers, ...bodyInit } };
}

async function readProblem(response: Response): Promise<BankApiError> {
  let problem: { code?: unknown; detail?: unknown; title?: unknown; errors?: unknown } = {};
  try {
    problem = (await response.json()) as typeof problem;
  } catch {
    // not JSON: keep the status alone
  }
  const code = typeof problem.code === "string" ? problem.code : `HTTP_${response.status}`;
  const message =
    typeof problem.detail === "string"
      ? problem.detail
      : typeof problem.title === "string"
        ? problem.title
        : response.statusText;
  return new BankApiError(
    code,
    response.status,
    message,
    Array.isArray(problem.errors) ? { details: { errors: problem.errors } } : {},
  );
}

function backoff(attempt: number, retryAfter?: string | null): Promise<void> {
  const seconds =
    retryAfter !== null && retryAfter !== undefined && /^\d+$/.test(retryAfter) ? Math.min(Number(retryAfter), 10) : 0;
  const ms = Math.max(seconds * 1000, 200 * 2 ** (attempt - 1));
  return new Promise((resolve) => setTimeout(resolve, ms));
}
