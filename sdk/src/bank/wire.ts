/**
 * The bank node API's request and response shapes, declared once. Each is a TypeBox schema (the
 * node validates requests, serialises replies and generates its OpenAPI document from it) with a
 * static type of the same name (the node's service ports and this package's bank client use it).
 * Problem details (errors) are not here: the node's error catalogue owns them.
 */
import { Type, type Static, type TLiteral, type TSchema, type TUnion } from "@sinclair/typebox";
import {
  DOCUMENT_READ_FIELDS,
  RECORD_FIELDS,
  type DecisionName,
  type Hex,
  type RevocationReasonName,
} from "../protocol/index.ts";

/** Exported only so the declaration files keep each enum's literal types (they would widen to string). */
export type LiteralTuple<T extends readonly string[]> = { -readonly [K in keyof T]: TLiteral<T[K]> };

/**
 * String enums, as a plain `{type: "string", enum}` (a union of single-value schemas would show in
 * Swagger UI as its first value only). Both give the same JSON schema for Ajv and OpenAPI; they
 * differ only in how TypeScript sees them, because Fastify resolves request types (StaticDecode) and
 * reply types (Static through an intersection) differently: a literal union types requests exactly,
 * an `Unsafe` enum types replies exactly. The request one is therefore typed as the literal union
 * it validates (nothing reads TypeBox's kind of these schemas: Ajv checks them by their JSON).
 */
const stringEnum = <const T extends readonly string[]>(values: T) =>
  Type.Unsafe<T[number]>({ type: "string", enum: [...values] });
const requestEnum = <const T extends readonly string[]>(values: T): TUnion<LiteralTuple<T>> =>
  stringEnum(values) as unknown as TUnion<LiteralTuple<T>>;
const responseEnum = stringEnum;

/** An array schema whose static type is readonly, so service results (readonly by contract) fit. */
const readonlyArray = <T extends TSchema>(item: T, options: Record<string, unknown> = {}) =>
  Type.Unsafe<readonly Static<T>[]>(Type.Array(item, options));

/** The protocol's names, spelled out so the schemas' static types are exact; a test checks they match the protocol. */
export const REVOCATION_REASON_NAMES = [
  "CUSTOMER_REQUEST",
  "DOCUMENT_EXPIRED",
  "DATA_CORRECTED",
  "FRAUD_SUSPECTED",
  "ISSUER_LEFT_CONSORTIUM",
] as const satisfies readonly RevocationReasonName[];
export const DECISION_NAMES = ["PASS", "REVIEW", "REJECT"] as const satisfies readonly DecisionName[];

// Scalars. Requests see hex values as plain strings (Fastify types a request through StaticDecode,
// which cannot see through `Unsafe`; routes normalise and cast them); replies as `Hex`. Same schema.
export const Bytes32 = Type.String({ pattern: "^0x[0-9a-fA-F]{64}$", description: "32 bytes, 0x-prefixed hex" });
const HexBytes32 = Type.Unsafe<Hex>(Bytes32);
export const ResourceId = Type.String({ pattern: "^[A-Za-z0-9_-]{1,64}$", description: "opaque id" });
/** An ISO-8601 UTC timestamp, e.g. "2026-11-23T12:00:00.000Z". */
export const IsoTime = Type.String({ format: "date-time" });
export type IsoTime = Static<typeof IsoTime>;
export const Address = Type.String({ pattern: "^0x[0-9a-fA-F]{40}$", description: "20-byte address, 0x-prefixed hex" });
const DecimalUint = Type.String({
  pattern: "^(0|[1-9][0-9]{0,77})$",
  description: "unsigned integer as a decimal string",
});
const Signature65 = (description: string) => Type.String({ pattern: "^0x[0-9a-fA-F]{130}$", description });

// Onboarding
export const SessionIdParams = Type.Object({ id: ResourceId });
/** A CCCD's two sides, or a foreign national's passport data page (one photo, in a session of its own). */
export const DOCUMENT_SIDES = ["front", "back", "passport"] as const;
export type DocumentSide = (typeof DOCUMENT_SIDES)[number];
export const DocumentParams = Type.Object({ id: ResourceId, side: requestEnum(DOCUMENT_SIDES) });

export const CreateSessionBody = Type.Object(
  {
    subject: Address,
  },
  { additionalProperties: false },
);
export type CreateSessionBody = Static<typeof CreateSessionBody>;

export const SessionCreated = Type.Object({ sessionId: ResourceId, expiresAt: IsoTime });
export type SessionCreated = Readonly<Static<typeof SessionCreated>>;

// Consent to the first collection (Decree 13/2023/ND-CP, art. 11): before a full-eKYC session takes
// any image, the customer's consent is recorded: the purpose, what is collected, the notice shown.
/** What a full-eKYC session collects: every record field, and the images and chip data it reads them from. */
export const COLLECTED_DATA = [...RECORD_FIELDS, "cardImages", "selfieImages", "chipData"] as const;
export type CollectedData = (typeof COLLECTED_DATA)[number];
/** The one purpose an onboarding session collects for (the protocol's purpose name). */
export const COLLECTION_PURPOSES = ["ONBOARDING"] as const;
export type CollectionPurpose = (typeof COLLECTION_PURPOSES)[number];
export const CollectionConsentBody = Type.Object(
  {
    /** The version of the privacy notice the app showed the customer (the bank's own versioning). */
    noticeVersion: Type.String({ pattern: "^[A-Za-z0-9._:-]{1,64}$", description: "version of the notice shown" }),
    purpose: requestEnum(COLLECTION_PURPOSES),
    /** What the customer agreed to have collected: every record field and the card and selfie images at least. */
    fields: Type.Array(requestEnum(COLLECTED_DATA), {
      minItems: 1,
      maxItems: COLLECTED_DATA.length,
      uniqueItems: true,
    }),
  },
  { additionalProperties: false },
);
export type CollectionConsentBody = Static<typeof CollectionConsentBody>;
export const CollectionConsentView = Type.Object({
  sessionId: ResourceId,
  noticeVersion: Type.String(),
  purpose: responseEnum(COLLECTION_PURPOSES),
  fields: readonlyArray(responseEnum(COLLECTED_DATA)),
  /** The node's time when it recorded the consent. */
  recordedAt: IsoTime,
});
export type CollectionConsentView = Readonly<Static<typeof CollectionConsentView>>;

/**
 * A consent grant as the customer's app signed it (docs/protocol.md §4), in JSON: uint64/uint256
 * values as decimal strings.
 */
export const ConsentGrantBody = Type.Object(
  {
    attestationUid: Bytes32,
    grantee: Address,
    purpose: Type.Integer({ minimum: 1, maximum: 255 }),
    fieldMask: Type.Integer({ minimum: 0, maximum: 0xffffffff }),
    validUntil: DecimalUint,
    nonce: DecimalUint,
    deadline: DecimalUint,
  },
  {
    additionalProperties: false,
    description: "the ConsentGrant the subject key signed (EIP-712, docs/protocol.md §4)",
  },
);
export type ConsentGrantBody = Readonly<Static<typeof ConsentGrantBody>>;

/** Re-onboarding from another member's attestation: the customer's signed consent for this bank. */
export const ReuseSessionBody = Type.Object(
  {
    subject: Address,
    attestationUid: Bytes32,
    grant: ConsentGrantBody,
    signature: Signature65("65-byte EIP-712 signature by the subject key"),
  },
  { additionalProperties: false },
);
export type ReuseSessionBody = Readonly<Static<typeof ReuseSessionBody>>;

export const ReuseSessionCreated = Type.Object({
  sessionId: ResourceId,
  expiresAt: IsoTime,
  /** The issuing member's name as registered on chain. */
  issuer: Type.String(),
  sourceUid: HexBytes32,
});
export type ReuseSessionCreated = Readonly<Static<typeof ReuseSessionCreated>>;

export const LivenessChallenge = Type.Object({
  challengeId: ResourceId,
  /** Actions the customer performs in order: TURN_LEFT, TURN_RIGHT (30 degrees or more), BLINK, SMILE. */
  steps: readonlyArray(Type.String()),
  /**
   * When to prompt each step: milliseconds after the first frame. A step performed before its
   * prompt, or more than 2 s after it, fails the challenge.
   */
  promptsAtMs: readonlyArray(Type.Integer({ minimum: 0 })),
  nonce: Type.String({ pattern: "^[A-Za-z0-9_-]{16,64}$", description: "single-use challenge nonce (base64url)" }),
  expiresAt: IsoTime,
});
export type LivenessChallenge = Readonly<Static<typeof LivenessChallenge>>;

export const IMAGE_MIMES = ["image/jpeg", "image/png"] as const;
export type ImageMime = (typeof IMAGE_MIMES)[number];
export const Mime = requestEnum(IMAGE_MIMES);

/** The node's bounds on a selfie upload (its body limits). */
export interface SelfieLimits {
  readonly frameBytes: number;
  readonly maxFrames: number;
}

export function selfieBody(limits: SelfieLimits) {
  return Type.Object(
    {
      challengeId: ResourceId,
      frames: Type.Array(
        Type.Object(
          {
            image: Type.String({
              minLength: 4,
              maxLength: Math.ceil(limits.frameBytes / 3) * 4,
              description: "standard base64 of the JPEG/PNG bytes",
            }),
            mime: Mime,
            capturedAtMs: Type.Integer({ minimum: 0, maximum: 8_640_000_000_000_000 }),
          },
          { additionalProperties: false },
        ),
        { minItems: 1, maxItems: limits.maxFrames },
      ),
    },
    { additionalProperties: false },
  );
}
export type SelfieBody = Static<ReturnType<typeof selfieBody>>;

// Chip (NFC, ICAO 9303): eKYC level 2
/**
 * The elementary files a customer's phone reads from the card's chip, and the largest each may be
 * (bytes, as read): the node's chip verifier refuses anything larger before decoding it.
 */
export const CHIP_FILE_IDS = ["SOD", "DG1", "DG2", "COM", "DG13", "DG14", "DG15"] as const;
export type ChipFileId = (typeof CHIP_FILE_IDS)[number];
export const CHIP_FILE_MAX_BYTES: Readonly<Record<ChipFileId, number>> = {
  SOD: 64 * 1024,
  DG1: 32 * 1024,
  DG2: 512 * 1024,
  COM: 32 * 1024,
  DG13: 32 * 1024,
  DG14: 32 * 1024,
  DG15: 32 * 1024,
};
const base64Of = (maxBytes: number, description: string) =>
  Type.String({
    minLength: 4,
    maxLength: Math.ceil(maxBytes / 3) * 4,
    pattern: "^[A-Za-z0-9+/]+={0,2}$",
    description: `${description}: standard base64 of the bytes exactly as read, at most ${maxBytes} bytes`,
  });
const chipFile = (id: ChipFileId, description: string) => base64Of(CHIP_FILE_MAX_BYTES[id], description);

/** A single-use active-authentication challenge (ICAO's RND.IFD) for the chip to sign. */
export const ChipChallenge = Type.Object({
  challenge: Type.String({ pattern: "^[0-9a-f]{16}$", description: "8 random bytes, hex: send to the chip" }),
  expiresAt: IsoTime,
});
export type ChipChallenge = Readonly<Static<typeof ChipChallenge>>;

export const ChipUploadBody = Type.Object(
  {
    files: Type.Object(
      {
        SOD: chipFile("SOD", "EF.SOD"),
        DG1: chipFile("DG1", "EF.DG1 (MRZ)"),
        DG2: chipFile("DG2", "EF.DG2 (portrait)"),
        COM: Type.Optional(chipFile("COM", "EF.COM")),
        DG13: Type.Optional(chipFile("DG13", "EF.DG13 (CCCD personal data)")),
        DG14: Type.Optional(chipFile("DG14", "EF.DG14 (security infos)")),
        DG15: Type.Optional(chipFile("DG15", "EF.DG15 (active-authentication public key)")),
      },
      { additionalProperties: false },
    ),
    /** The chip's answer to this session's challenge (INTERNAL AUTHENTICATE); required when DG15 is sent. */
    activeAuthentication: Type.Optional(
      Type.Object(
        {
          challenge: Type.String({ pattern: "^[0-9a-fA-F]{16}$", description: "the challenge the chip signed, hex" }),
          response: base64Of(1024, "the chip's answer"),
        },
        { additionalProperties: false },
      ),
    ),
  },
  { additionalProperties: false },
);
export type ChipUploadBody = Static<typeof ChipUploadBody>;

export const CHIP_AA_RESULTS = ["PASSED", "FAILED", "NOT_SUPPORTED", "NOT_PERFORMED"] as const;
/** What the node found in the chip data: no personal data, only checks. */
export const ChipUploadResult = Type.Object({
  status: responseEnum(["VALID", "INVALID"] as const),
  /** Each failed check's code (SOD_SIGNATURE_INVALID, DS_NOT_TRUSTED, DG_HASH_MISMATCH, AA_FAILED, ...). */
  failures: readonlyArray(Type.Object({ code: Type.String(), dataGroup: Type.Union([Type.Integer(), Type.Null()]) })),
  activeAuthentication: responseEnum(CHIP_AA_RESULTS),
  dataGroupsVerified: readonlyArray(Type.Integer()),
});
export type ChipUploadResult = Readonly<Static<typeof ChipUploadResult>>;

export const Accepted = Type.Object({ accepted: Type.Literal(true) });
export type Accepted = Static<typeof Accepted>;

/** A coded reason for a decision; `message` is for humans and carries no personal data. */
export const Reason = Type.Object({ code: Type.String(), message: Type.String() });
export type Reason = Readonly<Static<typeof Reason>>;

export const DecisionView = Type.Object({
  outcome: responseEnum(DECISION_NAMES),
  reasons: readonlyArray(Reason),
  /** 1 or 2 when the outcome is PASS, else 0. */
  assuranceLevel: Type.Union([Type.Literal(0), Type.Literal(1), Type.Literal(2)]),
  /** The attestation UID, known before anchoring (content-derived) when the outcome is PASS. */
  attestationUid: Type.Optional(HexBytes32),
  /** Set for REVIEW outcomes: the review case a reviewer acts on. */
  reviewCaseId: Type.Optional(ResourceId),
  /** The daily transfer cap of the level in VND (decimal string), from the rule set; absent on REJECT. */
  dailyLimitVnd: Type.Optional(Type.String({ pattern: "^[0-9]{1,30}$" })),
});
export type DecisionView = Readonly<Static<typeof DecisionView>>;

export const SESSION_STATES = ["OPEN", "DECIDED", "EXPIRED"] as const;
export type SessionState = (typeof SESSION_STATES)[number];
export const LIVENESS_STATES = ["NONE", "CHALLENGED", "FRAMES_RECEIVED"] as const;
export type LivenessState = (typeof LIVENESS_STATES)[number];

export const SessionView = Type.Object({
  sessionId: ResourceId,
  state: responseEnum(SESSION_STATES),
  createdAt: IsoTime,
  expiresAt: IsoTime,
  documents: Type.Object({
    front: Type.Boolean(),
    back: Type.Boolean(),
    passport: Type.Optional(Type.Boolean()),
    chip: Type.Optional(Type.Boolean()),
  }),
  liveness: responseEnum(LIVENESS_STATES),
  decision: Type.Optional(DecisionView),
});
export type SessionView = Readonly<Static<typeof SessionView>>;

// The customer confirms what was read (seed 003, Bước 3): the fields read from the card, each with
// where its value came from and how sure the node is, then the customer's confirmation or corrections.
/** The fields a customer sees and may correct (documentType is the node's classification, not a reading). */
export const READ_FIELDS = DOCUMENT_READ_FIELDS;
export type ReadField = (typeof READ_FIELDS)[number];
/** Where a value came from: the QR code, the MRZ, the printed text (OCR), the verified chip; null when nothing read it. */
export const FIELD_SOURCES = ["QR", "MRZ", "PRINTED_TEXT", "CHIP"] as const;
export type FieldSource = (typeof FIELD_SOURCES)[number];
/**
 * What a correction of the field does, under the node's rules: KEPT (read from printed text only:
 * the corrected value is used, with its provenance kept) or REVIEW (read by a machine-readable
 * source, the QR, the MRZ or the chip, or read by none: the value read is kept and the customer's
 * correction sends the case to a reviewer).
 */
export const CORRECTION_OUTCOMES = ["KEPT", "REVIEW"] as const;
export type CorrectionOutcome = (typeof CORRECTION_OUTCOMES)[number];
export const FieldReading = Type.Object({
  field: responseEnum(READ_FIELDS),
  /** Canonical value (docs/protocol.md §2), "" when nothing read it. */
  value: Type.String(),
  source: Type.Union([responseEnum(FIELD_SOURCES), Type.Null()]),
  /** Every source that read this field. */
  sources: readonlyArray(responseEnum(FIELD_SOURCES)),
  /** 0-1, by source and agreement (docs/api.md: a fixed scale, not a calibrated probability). */
  confidence: Type.Number({ minimum: 0, maximum: 1 }),
  /** What a correction of this field would do. */
  onCorrection: responseEnum(CORRECTION_OUTCOMES),
});
export type FieldReading = Readonly<Static<typeof FieldReading>>;
export const FieldCorrection = Type.Object({
  field: responseEnum(READ_FIELDS),
  /** The value read. */
  read: Type.String(),
  /** The customer's value, canonicalised. */
  corrected: Type.String(),
  /** The source of the value read, null when nothing read it. */
  source: Type.Union([responseEnum(FIELD_SOURCES), Type.Null()]),
  outcome: responseEnum(CORRECTION_OUTCOMES),
});
export type FieldCorrection = Readonly<Static<typeof FieldCorrection>>;
export const FieldConfirmationView = Type.Object({
  confirmedAt: IsoTime,
  corrections: readonlyArray(FieldCorrection),
  /** A correction sends the case to a reviewer (the decision says REVIEW with FIELD_CORRECTED_MACHINE_READ). */
  review: Type.Boolean(),
});
export type FieldConfirmationView = Readonly<Static<typeof FieldConfirmationView>>;
export const DocumentReadingView = Type.Object({
  documentType: Type.Union([Type.String(), Type.Null()]),
  fields: readonlyArray(FieldReading),
  /** The customer's answer, once given (a new reading, after a new upload, clears it). */
  confirmation: Type.Union([FieldConfirmationView, Type.Null()]),
});
export type DocumentReadingView = Readonly<Static<typeof DocumentReadingView>>;
export const FieldConfirmationBody = Type.Object(
  {
    /** Empty: the customer confirms every field as read. At most one correction per field. */
    corrections: Type.Array(
      Type.Object(
        { field: requestEnum(READ_FIELDS), value: Type.String({ maxLength: 512 }) },
        { additionalProperties: false },
      ),
      { maxItems: READ_FIELDS.length },
    ),
  },
  { additionalProperties: false },
);
export type FieldConfirmationBody = Static<typeof FieldConfirmationBody>;

// Review
export const CASE_STATUSES = ["OPEN", "CLAIMED", "APPROVED", "REJECTED"] as const;
export type CaseStatus = (typeof CASE_STATUSES)[number];
/**
 * ONBOARDING: a new customer's decision (approving anchors the record, rejecting destroys it).
 * RESCREEN: a standing customer hit by a changed sanctions list; the record stays as it is, and the
 * outcome (cleared or confirmed) is for the bank's own systems to act on.
 * DUPLICATE: a new customer whose ID number is held here under another face, or whose face is held
 * here under another number; resolved like ONBOARDING (approve anchors, reject destroys).
 * SOURCE_REVOKED: a re-onboarded customer whose source attestation was revoked (policy REVIEW);
 * approving keeps this bank's attestation, rejecting revokes it on chain with the source's reason.
 */
export const CASE_KINDS = ["ONBOARDING", "RESCREEN", "DUPLICATE", "SOURCE_REVOKED"] as const;
export type CaseKind = (typeof CASE_KINDS)[number];
export const CaseIdParams = Type.Object({ id: ResourceId });
export const CASE_PAGE_DEFAULT = 20;
export const CaseListQuery = Type.Object(
  {
    status: Type.Optional(requestEnum(CASE_STATUSES)),
    /** 1..100; absent means CASE_PAGE_DEFAULT (the node fills the default in before the route sees it). */
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: CASE_PAGE_DEFAULT })),
    /** Opaque cursor from a previous page's `nextCursor`. */
    cursor: Type.Optional(Type.String({ pattern: "^[A-Za-z0-9_-]{1,128}$" })),
  },
  { additionalProperties: false },
);
/** The query as a service sees it: the default filled in, so `limit` is always there. */
export type CaseListQuery = Readonly<Static<typeof CaseListQuery> & { limit: number }>;
export const ReviewCaseView = Type.Object({
  caseId: ResourceId,
  kind: responseEnum(CASE_KINDS),
  /** The onboarding session; for a RESCREEN case, the re-screening run (one per list publication). */
  sessionId: ResourceId,
  status: responseEnum(CASE_STATUSES),
  reasons: readonlyArray(Reason),
  createdAt: IsoTime,
  /** Key id of the reviewer holding or having decided the case. */
  reviewer: Type.Optional(Type.String()),
  decidedAt: Type.Optional(IsoTime),
  /** Set once approved: the attestation queued for anchoring. */
  attestationUid: Type.Optional(HexBytes32),
});
export type ReviewCaseView = Readonly<Static<typeof ReviewCaseView>>;
export const ReviewCasePage = Type.Object({
  cases: readonlyArray(ReviewCaseView),
  nextCursor: Type.Optional(Type.String()),
});
export type ReviewCasePage = Readonly<Static<typeof ReviewCasePage>>;
export const ReviewDecisionBody = Type.Object(
  {
    comment: Type.String({ minLength: 1, maxLength: 2000, description: "kept with the case; never logged or audited" }),
  },
  { additionalProperties: false },
);
export type ReviewDecisionBody = Static<typeof ReviewDecisionBody>;

// Chain reads and admin
export const UidParams = Type.Object({ uid: Bytes32 });
export const ConsentParams = Type.Object({ id: Bytes32 });
/** PENDING: accepted by the node and queued in its outbox, not yet anchored on chain. */
export const AttestationStatusView = Type.Object({
  uid: HexBytes32,
  status: responseEnum(["UNKNOWN", "VALID", "REVOKED", "EXPIRED", "PENDING"] as const),
  checkedAt: IsoTime,
});
export type AttestationStatusView = Readonly<Static<typeof AttestationStatusView>>;
export const ConsentStatusView = Type.Object({
  consentId: HexBytes32,
  status: responseEnum(["NONE", "ACTIVE", "REVOKED", "EXPIRED"] as const),
  checkedAt: IsoTime,
});
export type ConsentStatusView = Readonly<Static<typeof ConsentStatusView>>;
export const RevokeBody = Type.Object(
  {
    reason: requestEnum(REVOCATION_REASON_NAMES),
  },
  { additionalProperties: false },
);
export type RevokeBody = Static<typeof RevokeBody>;
/** A customer's signed consent revocation (docs/protocol.md §4); uint values as decimal strings. */
export const ConsentRevocationBody = Type.Object(
  { consentId: Bytes32, nonce: DecimalUint, deadline: DecimalUint },
  { additionalProperties: false },
);
export type ConsentRevocationBody = Readonly<Static<typeof ConsentRevocationBody>>;
export const ConsentRevokeBody = Type.Object(
  {
    revocation: ConsentRevocationBody,
    signature: Signature65("the subject key's 65-byte EIP-712 signature"),
  },
  { additionalProperties: false },
);
export type ConsentRevokeBody = Readonly<Static<typeof ConsentRevokeBody>>;
export const ConsentRevocationRelayed = Type.Object({ consentId: HexBytes32, txHash: HexBytes32 });
export type ConsentRevocationRelayed = Readonly<Static<typeof ConsentRevocationRelayed>>;

export const RevocationResult = Type.Object({
  uid: HexBytes32,
  reason: responseEnum(REVOCATION_REASON_NAMES),
  txHash: HexBytes32,
});
export type RevocationResult = Readonly<Static<typeof RevocationResult>>;

// Core banking: the verified identity behind an attestation, and the webhook outbox
/** The identity the bank verified, as committed in its attestation (the face template is not handed out). */
export const IDENTITY_FIELD_NAMES = RECORD_FIELDS.filter(
  (f): f is Exclude<(typeof RECORD_FIELDS)[number], "faceTemplate"> => f !== "faceTemplate",
);
export const VerifiedIdentityView = Type.Object({
  uid: HexBytes32,
  /** ACTIVE: approved (queued for anchoring or anchored). */
  status: responseEnum(["ACTIVE"] as const),
  anchored: Type.Boolean(),
  verifiedAt: IsoTime,
  /** Canonical values (docs/protocol.md §2); empty string for an absent optional field. */
  fields: Type.Object({
    idNumber: Type.String(),
    oldIdNumber: Type.String(),
    fullName: Type.String(),
    dateOfBirth: Type.String(),
    sex: Type.String(),
    nationality: Type.String(),
    address: Type.String(),
    issueDate: Type.String(),
    expiryDate: Type.String(),
    documentType: Type.String(),
  }),
});
export type VerifiedIdentityView = Readonly<Static<typeof VerifiedIdentityView>>;

export const WEBHOOK_MESSAGE_STATUSES = ["PENDING", "DELIVERED", "DEAD"] as const;
export type WebhookMessageStatus = (typeof WEBHOOK_MESSAGE_STATUSES)[number];
export const WebhookMessageIdParams = Type.Object({ id: Type.String({ pattern: "^msg_[0-9a-f]{32}$" }) });
export const WebhookMessageQuery = Type.Object(
  {
    status: Type.Optional(requestEnum(WEBHOOK_MESSAGE_STATUSES)),
    limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 100, default: 50 })),
    /** The last id of the previous page. */
    after: Type.Optional(Type.String({ pattern: "^msg_[0-9a-f]{32}$" })),
  },
  { additionalProperties: false },
);
export type WebhookMessageQuery = Readonly<Static<typeof WebhookMessageQuery> & { limit: number }>;
export const WebhookMessageView = Type.Object({
  id: Type.String(),
  type: Type.String(),
  status: responseEnum(WEBHOOK_MESSAGE_STATUSES),
  createdAt: IsoTime,
  attempts: Type.Integer({ minimum: 0 }),
  nextAttemptAt: Type.Optional(IsoTime),
  /** The last failure as a code (HTTP_503, ECONNREFUSED, TIMEOUT), never the receiver's answer. */
  lastError: Type.Optional(Type.String()),
  deliveredAt: Type.Optional(IsoTime),
});
export type WebhookMessageView = Readonly<Static<typeof WebhookMessageView>>;
export const WebhookMessagePage = Type.Object({
  messages: readonlyArray(WebhookMessageView),
  counts: Type.Object({ PENDING: Type.Integer(), DELIVERED: Type.Integer(), DEAD: Type.Integer() }),
});
export type WebhookMessagePage = Readonly<Static<typeof WebhookMessagePage>>;

/** Retention after closure (seed 003): 5 years, or 10 for transactions over 400M VND or suspected laundering. */
export const RETENTION_CLASSES = ["STANDARD", "LARGE_OR_SUSPICIOUS"] as const;
export const CloseAccountBody = Type.Object(
  {
    /** When the account closed; default now; never in the future. */
    closedAt: Type.Optional(IsoTime),
    /** Default: the record's class (STANDARD); a class can be raised, never lowered. */
    retentionClass: Type.Optional(requestEnum(RETENTION_CLASSES)),
  },
  { additionalProperties: false },
);
export type CloseAccountBody = Readonly<Static<typeof CloseAccountBody>>;
export const AccountClosedView = Type.Object({
  uid: HexBytes32,
  closedAt: IsoTime,
  retentionClass: responseEnum(RETENTION_CLASSES),
  /** The first instant the record may be destroyed; the node's retention sweep shreds it then. */
  retainUntil: IsoTime,
});
export type AccountClosedView = Readonly<Static<typeof AccountClosedView>>;

// The auditor's report
export const REPORT_FORMATS = ["json", "csv"] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];
export const AuditReportQuery = Type.Object(
  {
    /** Start of the period, inclusive (ISO 8601). */
    from: IsoTime,
    /** End of the period, exclusive (ISO 8601). */
    to: IsoTime,
    format: Type.Optional(requestEnum(REPORT_FORMATS)),
  },
  { additionalProperties: false },
);
export type AuditReportQuery = Readonly<Static<typeof AuditReportQuery>>;
/** The audit log export's period (Decree 13's breach notice): entries of [from, to), with their anchors. */
export const AuditExportQuery = Type.Object(
  {
    /** Start of the period, inclusive (ISO 8601). */
    from: IsoTime,
    /** End of the period, exclusive (ISO 8601). */
    to: IsoTime,
  },
  { additionalProperties: false },
);
export type AuditExportQuery = Readonly<Static<typeof AuditExportQuery>>;
/**
 * A document signed by the node's HSM chain key: `signature` is the EIP-191 personal-message
 * signature of the UTF-8 bytes of `document` by `signer` (the bank's member account), so anyone
 * with the text and the member list can check who issued it (`verifySignedDocument` in the SDK's
 * auditor module).
 */
export const SignedDocument = Type.Object({
  format: responseEnum(REPORT_FORMATS),
  document: Type.String(),
  /** SHA-256 of the document's UTF-8 bytes, hex: a name for it in correspondence. */
  sha256: Type.String({ pattern: "^[0-9a-f]{64}$" }),
  signer: Type.Unsafe<Hex>(Address),
  signature: Type.Unsafe<Hex>(Signature65("EIP-191 signature of the document's UTF-8 bytes")),
});
export type SignedDocument = Readonly<Static<typeof SignedDocument>>;

// Data-subject requests (Decree 13/2023/ND-CP): access, correction, deletion, made through the bank's app
export const DSR_KINDS = ["ACCESS", "CORRECTION", "DELETION"] as const;
export type DsrKind = (typeof DSR_KINDS)[number];
export const DSR_STATUSES = ["OPEN", "COMPLETED", "REFUSED"] as const;
export type DsrStatus = (typeof DSR_STATUSES)[number];
export const DataSubjectRequestBody = Type.Object(
  {
    /** The attestation the customer's app holds: it names the record without personal data. */
    attestationUid: Bytes32,
    kind: requestEnum(DSR_KINDS),
    /** CORRECTION: which fields the customer says are wrong (names only; the new values go through re-verification). */
    fields: Type.Optional(Type.Array(requestEnum(IDENTITY_FIELD_NAMES), { maxItems: 10, uniqueItems: true })),
  },
  { additionalProperties: false },
);
export type DataSubjectRequestBody = Readonly<Static<typeof DataSubjectRequestBody>>;
export const RecordAccessEntry = Type.Object({
  at: IsoTime,
  /** A staff or system key id, "exchange" for a disclosure to another member bank under the customer's consent. */
  actor: Type.String(),
  purpose: Type.String(),
});
export const DataSubjectRequestView = Type.Object({
  requestId: ResourceId,
  kind: responseEnum(DSR_KINDS),
  attestationUid: HexBytes32,
  status: responseEnum(DSR_STATUSES),
  receivedAt: IsoTime,
  /** When the bank must have answered (Decree 13: 72 hours). */
  deadline: IsoTime,
  answeredAt: Type.Optional(IsoTime),
  fields: Type.Optional(readonlyArray(Type.String())),
  /** REFUSED: why, with the legal basis. */
  refusal: Type.Optional(
    Type.Object({ code: Type.String(), legalBasis: Type.String(), retainUntil: Type.Optional(IsoTime) }),
  ),
  /** ACCESS: what the bank holds (field names, not values: the app shows the values it already has) and every access to it. */
  access: Type.Optional(
    Type.Object({
      recordStatus: Type.String(),
      fieldsHeld: readonlyArray(Type.String()),
      verifiedAt: IsoTime,
      anchored: Type.Boolean(),
      retention: Type.Object({
        class: Type.String(),
        closedAt: Type.Optional(IsoTime),
        retainUntil: Type.Optional(IsoTime),
      }),
      accesses: readonlyArray(RecordAccessEntry),
      /** The customer's consent to the first collection, as recorded with the record (absent for a record kept before it was). */
      collectionConsent: Type.Optional(
        Type.Object({
          noticeVersion: Type.String(),
          purpose: Type.String(),
          fields: readonlyArray(Type.String()),
          recordedAt: IsoTime,
        }),
      ),
    }),
  ),
});
export type DataSubjectRequestView = Readonly<Static<typeof DataSubjectRequestView>>;
export const DataSubjectRequestQuery = Type.Object(
  { status: Type.Optional(requestEnum(DSR_STATUSES)) },
  { additionalProperties: false },
);
export type DataSubjectRequestQuery = Readonly<Static<typeof DataSubjectRequestQuery>>;
export const DataSubjectRequestList = Type.Object({ requests: readonlyArray(DataSubjectRequestView) });
export type DataSubjectRequestList = Readonly<Static<typeof DataSubjectRequestList>>;
