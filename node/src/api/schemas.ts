/**
 * TypeBox schemas of every request and response: they validate input (Ajv), serialise output
 * (fast-json-stringify drops any property not declared, so nothing leaks by accident) and generate
 * the OpenAPI document.
 */
import { Type, type Static, type TLiteral, type TSchema } from "@sinclair/typebox";
import type { DecisionName, RevocationReasonName } from "@kycnet/sdk/protocol";
import type { BodyLimits } from "./config.ts";
import type { ErrorCode } from "../errors.ts";
import { ERROR_CATALOGUE, problemType } from "./errors.ts";

type LiteralTuple<T extends readonly string[]> = { -readonly [K in keyof T]: TLiteral<T[K]> };

/**
 * String enums. Both give the same JSON schema for Ajv and OpenAPI; they differ only in how
 * TypeScript sees them, because Fastify resolves request types (StaticDecode) and reply types
 * (Static through an intersection) differently: a literal union types requests exactly, an
 * `Unsafe` enum types replies exactly.
 */
const requestEnum = <const T extends readonly string[]>(values: T) =>
  Type.Union(values.map((v) => Type.Literal(v)) as unknown as LiteralTuple<T>);
const responseEnum = <const T extends readonly string[]>(values: T) =>
  Type.Unsafe<T[number]>({ anyOf: values.map((v) => ({ type: "string", const: v })) });

/** The protocol's names, spelled out so the schemas' static types are exact; a test checks they match sdk/. */
export const REVOCATION_REASON_NAMES = [
  "CUSTOMER_REQUEST", "DOCUMENT_EXPIRED", "DATA_CORRECTED", "FRAUD_SUSPECTED", "ISSUER_LEFT_CONSORTIUM",
] as const satisfies readonly RevocationReasonName[];
export const DECISION_NAMES = ["PASS", "REVIEW", "REJECT"] as const satisfies readonly DecisionName[];

/** An array schema whose static type is readonly, so service results (readonly by contract) fit. */
const readonlyArray = <T extends TSchema>(item: T, options: Record<string, unknown> = {}) =>
  Type.Unsafe<readonly Static<T>[]>(Type.Array(item, options));

export const Bytes32 = Type.String({ pattern: "^0x[0-9a-fA-F]{64}$", description: "32 bytes, 0x-prefixed hex" });
export const ResourceId = Type.String({ pattern: "^[A-Za-z0-9_-]{1,64}$", description: "opaque id" });
export const IsoTime = Type.String({ format: "date-time" });

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
export const Problem = Type.Object({
  type: Type.String({ description: "the problem type, `urn:kycnet:problem:<code, kebab case>`, listed under `code`" }),
  title: Type.String({ description: "the problem type's title (the catalogue's, the same for every occurrence)" }),
  status: Type.Integer({ description: "the HTTP status, repeated" }),
  detail: Type.String({ description: "what went wrong; a 5xx gives a fixed text only (details go to the log)" }),
  instance: Type.String({ description: "`urn:kycnet:request:<request id>`, also in the x-request-id header" }),
  code: ProblemCode,
  errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
}, { $id: "ProblemDetails", title: "ProblemDetails", description: "RFC 9457 problem details" });

/** app.ts registers these with `addSchema`: the OpenAPI document then holds each once, under its `$id`. */
export const SHARED_SCHEMAS: readonly TSchema[] = [Problem];

const problemResponse = (description: string) => ({
  description,
  content: { "application/problem+json": { schema: Type.Ref(Problem) } },
});

/** Response schemas for a route: its success bodies plus problem+json for every error class. */
export function withProblems<T extends Record<number, TSchema>>(ok: T) {
  return {
    ...ok,
    "4xx": problemResponse("Client error (problem+json)"),
    "5xx": problemResponse("Server error (problem+json; details only in the node's log)"),
  };
}

// Onboarding
export const SessionIdParams = Type.Object({ id: ResourceId });
export const DocumentParams = Type.Object({ id: ResourceId, side: requestEnum(["front", "back"] as const) });

export const Address = Type.String({ pattern: "^0x[0-9a-fA-F]{40}$", description: "20-byte address, 0x-prefixed hex" });
const DecimalUint = Type.String({ pattern: "^(0|[1-9][0-9]{0,77})$", description: "unsigned integer as a decimal string" });

export const CreateSessionBody = Type.Object({
  subject: Address,
}, { additionalProperties: false });

export const SessionCreated = Type.Object({ sessionId: ResourceId, expiresAt: IsoTime });

export const ReuseSessionBody = Type.Object({
  subject: Address,
  attestationUid: Bytes32,
  grant: Type.Object({
    attestationUid: Bytes32,
    grantee: Address,
    purpose: Type.Integer({ minimum: 1, maximum: 255 }),
    fieldMask: Type.Integer({ minimum: 0, maximum: 0xffffffff }),
    validUntil: DecimalUint,
    nonce: DecimalUint,
    deadline: DecimalUint,
  }, { additionalProperties: false, description: "the ConsentGrant the subject key signed (EIP-712, docs/protocol.md §4)" }),
  signature: Type.String({ pattern: "^0x[0-9a-fA-F]{130}$", description: "65-byte EIP-712 signature by the subject key" }),
}, { additionalProperties: false });

export const ReuseSessionCreated = Type.Object({ sessionId: ResourceId, expiresAt: IsoTime, issuer: Type.String(), sourceUid: Bytes32 });

export const LivenessChallenge = Type.Object({
  challengeId: ResourceId,
  steps: readonlyArray(Type.String()),
  nonce: Type.String({ pattern: "^[A-Za-z0-9_-]{16,64}$", description: "single-use challenge nonce (base64url)" }),
  expiresAt: IsoTime,
});

export const Mime = requestEnum(["image/jpeg", "image/png"] as const);

export function selfieBody(limits: BodyLimits) {
  return Type.Object({
    challengeId: ResourceId,
    frames: Type.Array(
      Type.Object({
        image: Type.String({ minLength: 4, maxLength: Math.ceil(limits.frameBytes / 3) * 4, description: "standard base64 of the JPEG/PNG bytes" }),
        mime: Mime,
        capturedAtMs: Type.Integer({ minimum: 0, maximum: 8_640_000_000_000_000 }),
      }, { additionalProperties: false }),
      { minItems: 1, maxItems: limits.maxFrames },
    ),
  }, { additionalProperties: false });
}

export const Accepted = Type.Object({ accepted: Type.Literal(true) });

const Reason = Type.Object({ code: Type.String(), message: Type.String() });

export const DecisionView = Type.Object({
  outcome: responseEnum(DECISION_NAMES),
  reasons: readonlyArray(Reason),
  assuranceLevel: Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2)]),
  attestationUid: Type.Optional(Bytes32),
  reviewCaseId: Type.Optional(ResourceId),
});

export const SessionView = Type.Object({
  sessionId: ResourceId,
  state: responseEnum(["OPEN", "DECIDED", "EXPIRED"] as const),
  createdAt: IsoTime,
  expiresAt: IsoTime,
  documents: Type.Object({ front: Type.Boolean(), back: Type.Boolean() }),
  liveness: responseEnum(["NONE", "CHALLENGED", "FRAMES_RECEIVED"] as const),
  decision: Type.Optional(DecisionView),
});

// Review
const CASE_STATUSES = ["OPEN", "CLAIMED", "APPROVED", "REJECTED"] as const;
const CaseStatus = responseEnum(CASE_STATUSES);
export const CaseIdParams = Type.Object({ id: ResourceId });
export const CaseListQuery = Type.Object({
  status: Type.Optional(requestEnum(CASE_STATUSES)),
  limit: Type.Integer({ minimum: 1, maximum: 100, default: 20 }),
  cursor: Type.Optional(Type.String({ pattern: "^[A-Za-z0-9_-]{1,128}$" })),
}, { additionalProperties: false });
export const ReviewCaseView = Type.Object({
  caseId: ResourceId,
  sessionId: ResourceId,
  status: CaseStatus,
  reasons: readonlyArray(Reason),
  createdAt: IsoTime,
  reviewer: Type.Optional(Type.String()),
  decidedAt: Type.Optional(IsoTime),
  attestationUid: Type.Optional(Bytes32),
});
export const ReviewCasePage = Type.Object({ cases: readonlyArray(ReviewCaseView), nextCursor: Type.Optional(Type.String()) });
export const ReviewDecisionBody = Type.Object({
  comment: Type.String({ minLength: 1, maxLength: 2000, description: "kept with the case; never logged or audited" }),
}, { additionalProperties: false });

// Chain reads and admin
export const UidParams = Type.Object({ uid: Bytes32 });
export const ConsentParams = Type.Object({ id: Bytes32 });
export const AttestationStatusView = Type.Object({
  uid: Bytes32,
  status: responseEnum(["UNKNOWN", "VALID", "REVOKED", "EXPIRED", "PENDING"] as const),
  checkedAt: IsoTime,
});
export const ConsentStatusView = Type.Object({
  consentId: Bytes32,
  status: responseEnum(["NONE", "ACTIVE", "REVOKED", "EXPIRED"] as const),
  checkedAt: IsoTime,
});
export const RevokeBody = Type.Object({
  reason: requestEnum(REVOCATION_REASON_NAMES),
}, { additionalProperties: false });
export const ConsentRevokeBody = Type.Object({
  revocation: Type.Object({ consentId: Bytes32, nonce: DecimalUint, deadline: DecimalUint }, { additionalProperties: false }),
  signature: Type.String({ pattern: "^0x[0-9a-fA-F]{130}$", description: "the subject key's 65-byte EIP-712 signature" }),
}, { additionalProperties: false });
export const ConsentRevocationRelayed = Type.Object({ consentId: Bytes32, txHash: Bytes32 });

export const RevocationResult = Type.Object({
  uid: Bytes32,
  reason: responseEnum(REVOCATION_REASON_NAMES),
  txHash: Bytes32,
});
