/**
 * The schemas of every route. The request and response shapes are declared once, in the SDK
 * (`@kycnet/sdk/bank`, shared with the bank client); they validate input (Ajv), serialise output
 * (fast-json-stringify drops any property not declared, so nothing leaks by accident) and generate
 * the OpenAPI document. Problem details (every error response) are declared here.
 */
import { Type, type TSchema } from "@sinclair/typebox";

export {
  Accepted, AttestationStatusView, CaseIdParams, CaseListQuery, ConsentParams, ConsentRevocationRelayed, ConsentRevokeBody,
  ConsentStatusView, CreateSessionBody, DECISION_NAMES, DecisionView, DocumentParams, LivenessChallenge, REVOCATION_REASON_NAMES,
  ReuseSessionBody, ReuseSessionCreated, RevocationResult, ReviewCasePage, ReviewCaseView, ReviewDecisionBody, RevokeBody,
  SessionCreated, SessionIdParams, SessionView, UidParams, selfieBody, type SelfieBody,
} from "@kycnet/sdk/bank";

export const Problem = Type.Object({
  type: Type.String(),
  title: Type.String(),
  status: Type.Integer(),
  detail: Type.String(),
  instance: Type.String(),
  code: Type.String({ description: "stable kycnet error code" }),
  errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
}, { title: "Problem", description: "RFC 9457 problem details" });

const problemResponse = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: Problem } },
});

/** Response schemas for a route: its success bodies plus problem+json for every error class. */
export function withProblems<T extends Record<number, TSchema>>(ok: T) {
  return {
    ...ok,
    "4xx": problemResponse("Client error (problem+json)"),
    "5xx": problemResponse("Server error (problem+json; details only in the node's log)"),
  };
}
