/**
 * The HTTP contract between our adapter and a registry endpoint (the simulator implements the
 * server side). Versioned path, explicit status in every 200 body; JSON schemas are TypeBox so the
 * server validates requests and the client validates responses against the same definitions.
 */
import { Type, type Static } from "@sinclair/typebox";
import { CARD_STATUSES, COMPARED_FIELDS } from "./port.ts";
import { MAX_PORTRAIT_BYTES } from "./query.ts";

export const CHECK_PATH = "/v1/identity/check";
/** Header carrying the caller's idempotency key: retries of one check reuse it. */
export const REQUEST_ID_HEADER = "x-request-id";
/** Largest response body the adapter reads, in bytes; a registry answer is tiny. */
export const MAX_RESPONSE_BYTES = 16 * 1024;
/** Longest base64 text of a portrait of MAX_PORTRAIT_BYTES. */
export const MAX_PORTRAIT_BASE64 = 4 * Math.ceil(MAX_PORTRAIT_BYTES / 3);
/** Largest request body a registry accepts: the portrait's base64 plus the text fields. */
export const MAX_REQUEST_BYTES = MAX_PORTRAIT_BASE64 + 8 * 1024;

export const CheckRequestSchema = Type.Object(
  {
    idNumber: Type.Optional(Type.String({ maxLength: 12 })),
    oldIdNumber: Type.Optional(Type.String({ maxLength: 9 })),
    fullName: Type.String({ maxLength: 512 }),
    dateOfBirth: Type.String({ maxLength: 10 }),
    sex: Type.Optional(Type.String({ maxLength: 1 })),
    address: Type.Optional(Type.String({ maxLength: 512 })),
    /** The portrait (JPEG or PNG) in standard base64; the registry compares it with its photo of the citizen. */
    portrait: Type.Optional(
      Type.String({ minLength: 4, maxLength: MAX_PORTRAIT_BASE64, pattern: "^[A-Za-z0-9+/]+={0,2}$" }),
    ),
  },
  { additionalProperties: false },
);
export type CheckRequest = Static<typeof CheckRequestSchema>;

const SuggestedId = Type.Optional(Type.String({ pattern: "^[0-9]{12}$" }));
/** Present when the request carried a portrait: whether the registry compared it with its photo. */
const FaceCompared = Type.Optional(Type.Boolean());
export const CheckResponseSchema = Type.Union([
  Type.Object(
    { status: Type.Literal("MATCH"), suggestedIdNumber: SuggestedId, faceCompared: FaceCompared },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      status: Type.Literal("MISMATCH"),
      fields: Type.Array(Type.Union(COMPARED_FIELDS.map((f) => Type.Literal(f))), {
        minItems: 1,
        maxItems: COMPARED_FIELDS.length,
      }),
      suggestedIdNumber: SuggestedId,
      faceCompared: FaceCompared,
    },
    { additionalProperties: false },
  ),
  Type.Object(
    { status: Type.Literal("CARD_INVALID"), cardStatus: Type.Union(CARD_STATUSES.map((s) => Type.Literal(s))) },
    { additionalProperties: false },
  ),
  Type.Object({ status: Type.Literal("NOT_FOUND") }, { additionalProperties: false }),
]);
export type CheckResponse = Static<typeof CheckResponseSchema>;
