/**
 * The HTTP contract between our adapter and a registry endpoint (the simulator implements the
 * server side). Versioned path, explicit status in every 200 body; JSON schemas are TypeBox so the
 * server validates requests and the client validates responses against the same definitions.
 */
import { Type, type Static } from "@sinclair/typebox";
import { CARD_STATUSES, COMPARED_FIELDS } from "./port.ts";

export const CHECK_PATH = "/v1/identity/check";
/** Header carrying the caller's idempotency key: retries of one check reuse it. */
export const REQUEST_ID_HEADER = "x-request-id";
/** Largest response body the adapter reads, in bytes; a registry answer is tiny. */
export const MAX_RESPONSE_BYTES = 16 * 1024;

export const CheckRequestSchema = Type.Object(
  {
    idNumber: Type.Optional(Type.String({ maxLength: 12 })),
    oldIdNumber: Type.Optional(Type.String({ maxLength: 9 })),
    fullName: Type.String({ maxLength: 512 }),
    dateOfBirth: Type.String({ maxLength: 10 }),
    sex: Type.Optional(Type.String({ maxLength: 1 })),
    address: Type.Optional(Type.String({ maxLength: 512 })),
  },
  { additionalProperties: false },
);

const SuggestedId = Type.Optional(Type.String({ pattern: "^[0-9]{12}$" }));
export const CheckResponseSchema = Type.Union([
  Type.Object({ status: Type.Literal("MATCH"), suggestedIdNumber: SuggestedId }, { additionalProperties: false }),
  Type.Object(
    {
      status: Type.Literal("MISMATCH"),
      fields: Type.Array(Type.Union(COMPARED_FIELDS.map((f) => Type.Literal(f))), {
        minItems: 1,
        maxItems: COMPARED_FIELDS.length,
      }),
      suggestedIdNumber: SuggestedId,
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
