/**
 * A typed client for a bank node's HTTP API, for the bank's own systems (branch apps, back
 * office). Errors come back as `BankApiError` with the API's stable problem code; transient
 * failures (connection errors, 429, 502-504) of idempotent calls are retried with backoff.
 */
import { KycnetError } from "../errors.ts";
import type { ConsentGrant, ConsentRevocation, Hex, RevocationReasonName } from "../protocol/index.ts";
import { BANK_API_ROUTES, type OperationId } from "./routes.ts";

export type Outcome = "PASS" | "REVIEW" | "REJECT";
export interface Reason { readonly code: string; readonly message: string }
export interface SessionCreated { readonly sessionId: string; readonly expiresAt: string }
export interface ReuseSessionCreated extends SessionCreated { readonly issuer: string; readonly sourceUid: Hex }
export interface LivenessChallenge { readonly challengeId: string; readonly steps: readonly string[]; readonly nonce: string; readonly expiresAt: string }
export interface Decision { readonly outcome: Outcome; readonly reasons: readonly Reason[]; readonly assuranceLevel: 0 | 1 | 2; readonly attestationUid?: Hex; readonly reviewCaseId?: string }
export interface SessionView {
  readonly sessionId: string; readonly state: "OPEN" | "DECIDED" | "EXPIRED"; readonly createdAt: string; readonly expiresAt: string;
  readonly documents: { readonly front: boolean; readonly back: boolean }; readonly liveness: "NONE" | "CHALLENGED" | "FRAMES_RECEIVED"; readonly decision?: Decision;
}
export interface ReviewCase {
  readonly caseId: string; readonly sessionId: string; readonly status: "OPEN" | "CLAIMED" | "APPROVED" | "REJECTED"; readonly reasons: readonly Reason[];
  readonly createdAt: string; readonly reviewer?: string; readonly decidedAt?: string; readonly attestationUid?: Hex;
}
export interface AttestationStatusView { readonly uid: Hex; readonly status: "UNKNOWN" | "VALID" | "REVOKED" | "EXPIRED" | "PENDING"; readonly checkedAt: string }
export interface ConsentStatusView { readonly consentId: Hex; readonly status: "NONE" | "ACTIVE" | "REVOKED" | "EXPIRED"; readonly checkedAt: string }
export interface SelfieFrameInput { readonly bytes: Uint8Array; readonly mime: "image/jpeg" | "image/png"; readonly capturedAtMs: number }

/**
 * A problem+json answer (RFC 9457) or a transport failure, with the API's stable code. The code is
 * what the node answered (its catalogue's), `NODE_UNREACHABLE` or `HTTP_<status>`: not one this
 * program throws, hence `KycnetError<string>`.
 */
export class BankApiError extends KycnetError<string> {
  readonly status: number;
  constructor(code: string, status: number, message: string, options: { details?: Record<string, unknown>; cause?: unknown } = {}) {
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

const RETRYABLE_STATUS = new Set([429, 502, 503, 504]);
// Safe to send twice: reads, and calls the API documents as idempotent.
const IDEMPOTENT = new Set<OperationId>(["getOnboardingSession", "listReviewCases", "getAttestationStatus", "getConsentStatus", "decideOnboarding", "uploadDocument"]);

export function createBankClient(options: BankClientOptions) {
  const base = new URL(options.baseUrl);
  const doFetch = options.fetch ?? fetch;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const attempts = Math.max(1, options.attempts ?? 3);

  async function call<T>(operation: OperationId, params: Record<string, string>, body?: { json?: unknown; bytes?: Uint8Array; mime?: string }, query?: Record<string, string>): Promise<T> {
    const route = BANK_API_ROUTES[operation];
    const path = route.path.replace(/\{(\w+)\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ""));
    const url = new URL(path, base);
    for (const [k, v] of Object.entries(query ?? {})) url.searchParams.set(k, v);
    const headers: Record<string, string> = { authorization: `Bearer ${options.apiKey}`, accept: "application/json, application/problem+json" };
    let payload: string | Uint8Array | undefined;
    if (body?.json !== undefined) {
      headers["content-type"] = "application/json";
      payload = JSON.stringify(body.json);
    } else if (body?.bytes !== undefined) {
      headers["content-type"] = body.mime ?? "application/octet-stream";
      payload = body.bytes;
    }
    const tries = IDEMPOTENT.has(operation) ? attempts : 1;
    let lastError: unknown;
    for (let attempt = 1; attempt <= tries; attempt++) {
      let response: Response;
      try {
        response = await doFetch(url, { method: route.method, headers, ...(payload === undefined ? {} : { body: payload as NonNullable<RequestInit["body"]> }), signal: AbortSignal.timeout(timeoutMs) });
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
  }

  return {
    createSession: (subject: Hex) => call<SessionCreated>("createOnboardingSession", {}, { json: { subject } }),
    createReuseSession: (input: { subject: Hex; attestationUid: Hex; grant: ConsentGrant; signature: string }) =>
      call<ReuseSessionCreated>("createReuseSession", {}, {
        json: {
          subject: input.subject, attestationUid: input.attestationUid, signature: input.signature,
          grant: { ...input.grant, validUntil: input.grant.validUntil.toString(), nonce: input.grant.nonce.toString(), deadline: input.grant.deadline.toString() },
        },
      }),
    uploadDocument: (sessionId: string, side: "front" | "back", bytes: Uint8Array, mime: "image/jpeg" | "image/png") =>
      call<{ accepted: true }>("uploadDocument", { id: sessionId, side }, { bytes, mime }),
    createLivenessChallenge: (sessionId: string) => call<LivenessChallenge>("createLivenessChallenge", { id: sessionId }),
    uploadSelfie: (sessionId: string, challengeId: string, frames: readonly SelfieFrameInput[]) =>
      call<{ accepted: true }>("uploadSelfieFrames", { id: sessionId }, {
        json: { challengeId, frames: frames.map((f) => ({ image: Buffer.from(f.bytes).toString("base64"), mime: f.mime, capturedAtMs: f.capturedAtMs })) },
      }),
    decide: (sessionId: string) => call<Decision>("decideOnboarding", { id: sessionId }),
    getSession: (sessionId: string) => call<SessionView>("getOnboardingSession", { id: sessionId }),
    listReviewCases: (filter: { status?: ReviewCase["status"]; limit?: number; cursor?: string } = {}) =>
      call<{ cases: ReviewCase[]; nextCursor?: string }>("listReviewCases", {}, undefined, Object.fromEntries(
        Object.entries({ status: filter.status, limit: filter.limit?.toString(), cursor: filter.cursor }).filter(([, v]) => v !== undefined)) as Record<string, string>),
    claimReviewCase: (caseId: string) => call<ReviewCase>("claimReviewCase", { id: caseId }),
    approveReviewCase: (caseId: string, comment: string) => call<ReviewCase>("approveReviewCase", { id: caseId }, { json: { comment } }),
    rejectReviewCase: (caseId: string, comment: string) => call<ReviewCase>("rejectReviewCase", { id: caseId }, { json: { comment } }),
    attestationStatus: (uid: Hex) => call<AttestationStatusView>("getAttestationStatus", { uid }),
    revokeAttestation: (uid: Hex, reason: RevocationReasonName) => call<{ uid: Hex; reason: string; txHash: Hex }>("revokeAttestation", { uid }, { json: { reason } }),
    consentStatus: (consentId: Hex) => call<ConsentStatusView>("getConsentStatus", { id: consentId }),
    /** Relays a revocation the customer's app signed (sdk/customer revokeConsent). */
    relayConsentRevocation: (consentId: Hex, revocation: ConsentRevocation, signature: string) =>
      call<{ consentId: Hex; txHash: Hex }>("relayConsentRevocation", { id: consentId }, {
        json: { revocation: { consentId: revocation.consentId, nonce: revocation.nonce.toString(), deadline: revocation.deadline.toString() }, signature },
      }),
  };
}

export type BankClient = ReturnType<typeof createBankClient>;

async function readProblem(response: Response): Promise<BankApiError> {
  let problem: { code?: unknown; detail?: unknown; title?: unknown; errors?: unknown } = {};
  try {
    problem = (await response.json()) as typeof problem;
  } catch {
    // not JSON: keep the status alone
  }
  const code = typeof problem.code === "string" ? problem.code : `HTTP_${response.status}`;
  const message = typeof problem.detail === "string" ? problem.detail : typeof problem.title === "string" ? problem.title : response.statusText;
  return new BankApiError(code, response.status, message, Array.isArray(problem.errors) ? { details: { errors: problem.errors } } : {});
}

function backoff(attempt: number, retryAfter?: string | null): Promise<void> {
  const seconds = retryAfter !== null && retryAfter !== undefined && /^\d+$/.test(retryAfter) ? Math.min(Number(retryAfter), 10) : 0;
  const ms = Math.max(seconds * 1000, 200 * 2 ** (attempt - 1));
  return new Promise((resolve) => setTimeout(resolve, ms));
}
