/**
 * The schemas of every route. The request and response shapes are declared once, in the SDK
 * (`@kycnet/sdk/bank`, shared with the bank client); they validate input (Ajv), serialise output
 * (fast-json-stringify drops any property not declared, so nothing leaks by accident) and generate
 * the OpenAPI document. Problem details (every error response) are declared here.
 */
import { Type, type TSchema } from "@sinclair/typebox";
import type { ErrorCode } from "../errors.ts";
import { ERROR_CATALOGUE, problemType } from "./errors.ts";

export {
  DataSubjectRequestBody,
  DataSubjectRequestList,
  DataSubjectRequestQuery,
  DataSubjectRequestView,
  AuditExportQuery,
  AuditReportQuery,
  SignedDocument,
  AccountClosedView,
  Accepted,
  CloseAccountBody,
  CASE_PAGE_DEFAULT,
  AttestationStatusView,
  CaseIdParams,
  CaseListQuery,
  CHIP_FILE_MAX_BYTES,
  ChipChallenge,
  ChipUploadBody,
  ChipUploadResult,
  CollectionConsentBody,
  CollectionConsentView,
  DocumentReadingView,
  FieldConfirmationBody,
  FieldConfirmationView,
  ConsentParams,
  ConsentRevocationRelayed,
  ConsentRevokeBody,
  ConsentStatusView,
  CreateSessionBody,
  DECISION_NAMES,
  DecisionView,
  DocumentParams,
  LivenessChallenge,
  REVOCATION_REASON_NAMES,
  ReuseSessionBody,
  ReuseSessionCreated,
  RevocationResult,
  ReviewCasePage,
  ReviewCaseView,
  ReviewDecisionBody,
  RevokeBody,
  SessionCreated,
  SessionIdParams,
  SessionView,
  UidParams,
  VerifiedIdentityView,
  WebhookMessageIdParams,
  WebhookMessagePage,
  WebhookMessageQuery,
  WebhookMessageView,
  selfieBody,
  type SelfieBody,
} from "@kycnet/sdk/bank";

/**
 * The problem types, one per catalogue code: its `type` URI, HTTP status and title. Each is a
 * branch of `code` (OpenAPI has no other place for per-value documentation), so the list is
 * generated from ERROR_CATALOGUE and can never drift from what the API answers.
 */
const ProblemCode = Type.Unsafe<ErrorCode>({
  type: "string",
  description: "kycnet's stable error code; its problem type is `urn:kycnet:problem:` and the code in kebab case",
  oneOf: (Object.keys(ERROR_CATALOGUE) as ErrorCode[]).map((code) => ({
    type: "string",
    enum: [code],
    title: ERROR_CATALOGUE[code].title,
    description: `HTTP ${ERROR_CATALOGUE[code].status} · type ${problemType(code)}`,
  })),
});

/** RFC 9457 problem details; one shared component, referenced by every route's 4xx and 5xx answers. */
export const Problem = Type.Object(
  {
    type: Type.String({
      description: "the problem type, `urn:kycnet:problem:<code, kebab case>`, listed under `code`",
    }),
    title: Type.String({ description: "the problem type's title (the catalogue's, the same for every occurrence)" }),
    status: Type.Integer({ description: "the HTTP status, repeated" }),
    detail: Type.String({ description: "what went wrong; a 5xx gives a fixed text only (details go to the log)" }),
    instance: Type.String({ description: "`urn:kycnet:request:<request id>`, also in the x-request-id header" }),
    code: ProblemCode,
    errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
  },
  { $id: "ProblemDetails", title: "ProblemDetails", description: "RFC 9457 problem details" },
);

/** app.ts registers these with `addSchema`: the OpenAPI document then holds each once, under its `$id`. */
export const SHARED_SCHEMAS: readonly TSchema[] = [Problem];

const problemResponse = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: Type.Ref(Problem) } },
});

/** The problem+json answers every route may give, one per error class. */
export function problemResponses() {
  return {
    "4xx": problemResponse("Client error (problem+json)"),
    "5xx": problemResponse("Server error (problem+json; details only in the node's log)"),
  };
}

/** Response schemas for a route: its success bodies plus problem+json for every error class. */
export function withProblems<T extends Record<number, TSchema>>(ok: T) {
  return { ...ok, ...problemResponses() };
}
