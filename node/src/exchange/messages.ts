/**
 * Wire types of `/kycnet/record/1.0.0` and their strict JSON codecs. Each message is one
 * length-prefixed (unsigned varint) UTF-8 JSON object. Decoders treat every byte as hostile: exact
 * key sets, bounded sizes, hex and mask checks; anything else is an ExchangeProtocolError (client)
 * or a BAD_REQUEST answer (server).
 */
import { ALL_FIELDS_MASK, RECORD_FIELDS, type FieldDisclosure, type Hex, type RecordField } from "@kycnet/sdk/protocol";
import { ExchangeProtocolError } from "./errors.ts";
import { RECORD_STATUSES, type RecordStatus } from "./record-status.ts";

export const RECORD_PROTOCOL = "/kycnet/record/1.0.0";
export const WIRE_VERSION = 1;

/** A request is ~250 bytes; anything over this is refused before it is buffered. */
export const MAX_REQUEST_BYTES = 1024;
/** Eleven fields with proofs plus a 512-d template is ~12 KiB sealed; leave room, stay bounded. */
export const MAX_RESPONSE_BYTES = 256 * 1024;
/** Largest face template accepted inside a payload (the biometrics format caps at 4096 dims). */
export const MAX_TEMPLATE_BYTES = 8 + 2 + 255 + 2 + 4 * 4096;
const MAX_FIELD_VALUE_CHARS = 2048;
const MAX_PROOF_LENGTH = 32;
const MAX_MESSAGE_CHARS = 200;

export { RECORD_STATUSES, type RecordStatus } from "./record-status.ts";

export interface RecordRequest {
  readonly v: 1;
  readonly consentId: Hex;
  readonly attestationUid: Hex;
  /** Field mask of the fields wanted (docs/protocol.md §2). */
  readonly fields: number;
  /** 32 random bytes chosen by the requester; logged on chain with the disclosure. */
  readonly requestId: Hex;
}

export interface RecordResponse {
  readonly v: 1;
  /** Null only when the request could not be parsed far enough to read it. */
  readonly requestId: Hex | null;
  readonly status: RecordStatus;
  /** Short reason for humans; never personal data. */
  readonly message: string;
  /** Base64 of the payload sealed to the requester's transport key; present exactly when OK. */
  readonly sealed?: string;
}

/** The plaintext inside `sealed`. */
export interface DisclosurePayload {
  readonly v: 1;
  readonly consentId: Hex;
  readonly attestationUid: Hex;
  readonly requestId: Hex;
  readonly fields: readonly FieldDisclosure[];
  /** Base64 of the face template's canonical bytes, present exactly when `faceTemplate` was disclosed. */
  readonly faceTemplate: string | null;
}

const BYTES32 = /^0x[0-9a-f]{64}$/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

const encoder = new TextEncoder();
const decoder = new TextDecoder("utf-8", { fatal: true });

export const encodeMessage = (message: RecordRequest | RecordResponse | DisclosurePayload): Uint8Array =>
  encoder.encode(JSON.stringify(message));

function parseObject(bytes: Uint8Array, max: number, what: string): Record<string, unknown> {
  if (bytes.byteLength > max) throw new ExchangeProtocolError(`${what} exceeds ${max} bytes`);
  let value: unknown;
  try {
    value = JSON.parse(decoder.decode(bytes));
  } catch (cause) {
    throw new ExchangeProtocolError(`${what} is not UTF-8 JSON`, { cause });
  }
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw new ExchangeProtocolError(`${what} is not a JSON object`);
  return value as Record<string, unknown>;
}

function exactKeys(
  obj: Record<string, unknown>,
  required: readonly string[],
  optional: readonly string[],
  what: string,
): void {
  for (const key of required) if (!(key in obj)) throw new ExchangeProtocolError(`${what}.${key} is missing`);
  for (const key of Object.keys(obj)) {
    if (!required.includes(key) && !optional.includes(key))
      throw new ExchangeProtocolError(`${what} has unknown key ${JSON.stringify(key.slice(0, 40))}`);
  }
}

function bytes32(value: unknown, name: string): Hex {
  if (typeof value !== "string" || !BYTES32.test(value))
    throw new ExchangeProtocolError(`${name} must be 32 bytes of lower-case 0x hex`);
  return value as Hex;
}

function version(value: unknown, what: string): 1 {
  if (value !== WIRE_VERSION) throw new ExchangeProtocolError(`${what}.v must be ${WIRE_VERSION}`);
  return 1;
}

export function fieldMaskValue(value: unknown, name: string): number {
  if (typeof value !== "number" || !Number.isInteger(value) || value <= 0 || (value & ~ALL_FIELDS_MASK) !== 0) {
    throw new ExchangeProtocolError(`${name} must be a non-zero field mask within 0x${ALL_FIELDS_MASK.toString(16)}`);
  }
  return value;
}

export function decodeRequest(bytes: Uint8Array): RecordRequest {
  const obj = parseObject(bytes, MAX_REQUEST_BYTES, "request");
  exactKeys(obj, ["v", "consentId", "attestationUid", "fields", "requestId"], [], "request");
  return Object.freeze({
    v: version(obj.v, "request"),
    consentId: bytes32(obj.consentId, "request.consentId"),
    attestationUid: bytes32(obj.attestationUid, "request.attestationUid"),
    fields: fieldMaskValue(obj.fields, "request.fields"),
    requestId: bytes32(obj.requestId, "request.requestId"),
  });
}

/** Reads the request id from a request that failed validation, so the refusal can still name it. */
export function salvageRequestId(bytes: Uint8Array): Hex | null {
  try {
    const obj = parseObject(bytes, MAX_REQUEST_BYTES, "request");
    return typeof obj.requestId === "string" && BYTES32.test(obj.requestId) ? (obj.requestId as Hex) : null;
  } catch {
    return null;
  }
}

export function decodeResponse(bytes: Uint8Array): RecordResponse {
  const obj = parseObject(bytes, MAX_RESPONSE_BYTES, "response");
  exactKeys(obj, ["v", "requestId", "status", "message"], ["sealed"], "response");
  const status = obj.status;
  if (typeof status !== "string" || !(RECORD_STATUSES as readonly string[]).includes(status)) {
    throw new ExchangeProtocolError("response.status is not a known status");
  }
  if (typeof obj.message !== "string" || obj.message.length > MAX_MESSAGE_CHARS)
    throw new ExchangeProtocolError("response.message must be a short string");
  const requestId = obj.requestId === null ? null : bytes32(obj.requestId, "response.requestId");
  if ((status === "OK") !== (obj.sealed !== undefined))
    throw new ExchangeProtocolError("response.sealed must be present exactly when status is OK");
  if (obj.sealed !== undefined && (typeof obj.sealed !== "string" || !BASE64.test(obj.sealed))) {
    throw new ExchangeProtocolError("response.sealed must be base64");
  }
  return Object.freeze({
    v: version(obj.v, "response"),
    requestId,
    status: status as RecordStatus,
    message: obj.message,
    ...(obj.sealed === undefined ? {} : { sealed: obj.sealed }),
  });
}

function disclosure(value: unknown, index: number): FieldDisclosure {
  const what = `payload.fields[${index}]`;
  if (value === null || typeof value !== "object" || Array.isArray(value))
    throw new ExchangeProtocolError(`${what} is not an object`);
  const obj = value as Record<string, unknown>;
  exactKeys(obj, ["name", "value", "salt", "proof"], [], what);
  if (typeof obj.name !== "string" || !(RECORD_FIELDS as readonly string[]).includes(obj.name))
    throw new ExchangeProtocolError(`${what}.name is not a record field`);
  if (typeof obj.value !== "string" || obj.value.length > MAX_FIELD_VALUE_CHARS)
    throw new ExchangeProtocolError(`${what}.value must be a bounded string`);
  if (!Array.isArray(obj.proof) || obj.proof.length > MAX_PROOF_LENGTH)
    throw new ExchangeProtocolError(`${what}.proof must be at most ${MAX_PROOF_LENGTH} hashes`);
  return Object.freeze({
    name: obj.name as RecordField,
    value: obj.value,
    salt: bytes32(obj.salt, `${what}.salt`),
    proof: Object.freeze(obj.proof.map((p, i) => bytes32(p, `${what}.proof[${i}]`))),
  });
}

export function decodePayload(bytes: Uint8Array): DisclosurePayload {
  const obj = parseObject(bytes, MAX_RESPONSE_BYTES, "payload");
  exactKeys(obj, ["v", "consentId", "attestationUid", "requestId", "fields", "faceTemplate"], [], "payload");
  if (!Array.isArray(obj.fields) || obj.fields.length > RECORD_FIELDS.length)
    throw new ExchangeProtocolError("payload.fields must list at most 11 disclosures");
  const template = obj.faceTemplate;
  if (
    template !== null &&
    (typeof template !== "string" || !BASE64.test(template) || template.length > Math.ceil(MAX_TEMPLATE_BYTES / 3) * 4)
  ) {
    throw new ExchangeProtocolError("payload.faceTemplate must be null or bounded base64");
  }
  return Object.freeze({
    v: version(obj.v, "payload"),
    consentId: bytes32(obj.consentId, "payload.consentId"),
    attestationUid: bytes32(obj.attestationUid, "payload.attestationUid"),
    requestId: bytes32(obj.requestId, "payload.requestId"),
    fields: Object.freeze(obj.fields.map(disclosure)),
    faceTemplate: template,
  });
}

/** The associated data both sides bind the sealed payload to: consentId || requestId (64 bytes). */
export function payloadAad(consentId: Hex, requestId: Hex): Uint8Array {
  return Buffer.concat([Buffer.from(consentId.slice(2), "hex"), Buffer.from(requestId.slice(2), "hex")]);
}
