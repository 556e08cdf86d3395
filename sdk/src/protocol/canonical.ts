/**
 * Canonical values of record fields (docs/protocol.md §2). The same person's data must always
 * produce the same bytes, whichever bank or source (QR, MRZ, OCR) produced them, or commitments
 * would not match. Every function rejects what it cannot canonicalise with an
 * InvalidArgumentError naming the field; nothing is guessed.
 */
import { InvalidArgumentError } from "../errors.ts";
import { canonicalIdNumber, documentNumberKind, isIcaoStateCode } from "./document-number.ts";
import { DOCUMENT_TYPES, RECORD_FIELDS, type RecordField, type RecordFields } from "./vocabulary.ts";

/** Upper bound on any canonical value, in UTF-16 units: addresses are the longest real field. */
export const MAX_FIELD_LENGTH = 512;

const foldSpaces = (s: string): string => s.normalize("NFC").trim().replace(/\s+/gu, " ");

function canonicalDate(field: RecordField, raw: string, optional: boolean): string {
  const value = raw.trim();
  if (value === "" && optional) return "";
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) throw new InvalidArgumentError(field, "must be a date YYYY-MM-DD");
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d || y < 1900) {
    throw new InvalidArgumentError(field, "is not a real calendar date");
  }
  return value;
}

function digits(field: RecordField, raw: string, length: number, optional: boolean): string {
  const value = raw.trim();
  if (value === "" && optional) return "";
  if (!new RegExp(`^\\d{${length}}$`).test(value)) throw new InvalidArgumentError(field, `must be ${length} digits`);
  return value;
}

function text(field: RecordField, raw: string, upper: boolean, optional = false): string {
  const value = foldSpaces(raw);
  if (value === "" && optional) return "";
  if (value === "") throw new InvalidArgumentError(field, "must not be empty");
  // Control characters have no place in a name or address and would make two records that print
  // the same commit differently.
  if (/\p{Cc}/u.test(value)) throw new InvalidArgumentError(field, "contains control characters");
  return upper ? value.toUpperCase() : value;
}

const canonicalisers: Readonly<Record<RecordField, (raw: string) => string>> = {
  idNumber: canonicalIdNumber,
  oldIdNumber: (v) => digits("oldIdNumber", v, 9, true),
  fullName: (v) => text("fullName", v, true),
  dateOfBirth: (v) => canonicalDate("dateOfBirth", v, false),
  sex: (v) => {
    const s = v.trim().toUpperCase();
    if (s !== "M" && s !== "F") throw new InvalidArgumentError("sex", "must be M or F");
    return s;
  },
  nationality: (v) => {
    const s = v.trim().toUpperCase();
    if (!isIcaoStateCode(s))
      throw new InvalidArgumentError("nationality", "must be an ICAO 9303 state code (ISO 3166-1 alpha-3, or D)");
    return s;
  },
  // "" is a value only a passport record may have (canonicalizeRecord): its data page has no address
  // and its MRZ no issue date. A single disclosed field must still verify, so the field accepts it.
  address: (v) => text("address", v, false, true),
  issueDate: (v) => canonicalDate("issueDate", v, true),
  expiryDate: (v) => canonicalDate("expiryDate", v, true),
  documentType: (v) => {
    const s = v.trim().toUpperCase();
    if (!(DOCUMENT_TYPES as readonly string[]).includes(s)) {
      throw new InvalidArgumentError("documentType", `must be one of ${DOCUMENT_TYPES.join(", ")}`);
    }
    return s;
  },
  faceTemplate: (v) => {
    const s = v.trim().toLowerCase();
    if (!/^0x[0-9a-f]{64}$/.test(s))
      throw new InvalidArgumentError("faceTemplate", "must be a 0x-prefixed SHA-256 hex digest");
    return s;
  },
};

/** Canonical form of one field's value. */
export function canonicalizeField(field: RecordField, raw: unknown): string {
  const canonicalise = canonicalisers[field];
  if (canonicalise === undefined) throw new InvalidArgumentError("field", `unknown field "${String(field)}"`);
  if (typeof raw !== "string") throw new InvalidArgumentError(field, "must be a string");
  if (raw.length > MAX_FIELD_LENGTH)
    throw new InvalidArgumentError(field, `longer than ${MAX_FIELD_LENGTH} characters`);
  return canonicalise(raw);
}

/** Fields a record may leave "" (absent from the input too), by document kind. */
const OPTIONAL_FIELDS: Readonly<Record<"CITIZEN_ID" | "PASSPORT", readonly RecordField[]>> = {
  CITIZEN_ID: ["oldIdNumber", "expiryDate"],
  PASSPORT: ["oldIdNumber", "expiryDate", "address", "issueDate"],
};

/**
 * The fields must agree on the kind of document: a passport number exactly when the type is
 * PASSPORT (so one leaf can never be read as the other kind), no old 9-digit id on a passport, and
 * an address and issue date on every card (a passport's data page holds neither).
 */
function assertDocumentKind(out: Readonly<Record<RecordField, string>>): void {
  const kind = documentNumberKind(out.idNumber);
  const passport = out.documentType === "PASSPORT";
  if ((kind === "PASSPORT") !== passport)
    throw new InvalidArgumentError(
      "idNumber",
      passport
        ? "a PASSPORT record needs a passport number P:<state>:<number>"
        : "must be 12 digits for this document type",
    );
  if (passport && out.oldIdNumber !== "") throw new InvalidArgumentError("oldIdNumber", "must be empty on a passport");
  const optional = OPTIONAL_FIELDS[passport ? "PASSPORT" : "CITIZEN_ID"];
  for (const field of RECORD_FIELDS)
    if (out[field] === "" && !optional.includes(field)) throw new InvalidArgumentError(field, "must not be empty");
}

/**
 * Canonical form of a whole record. Missing optional fields (`oldIdNumber`, `expiryDate`; on a
 * passport also `address` and `issueDate`) become ""; unknown keys are rejected so a typo cannot
 * silently drop a field from the commitment.
 */
export function canonicalizeRecord(input: Readonly<Record<string, unknown>>): RecordFields {
  if (input === null || typeof input !== "object") throw new InvalidArgumentError("record", "must be an object");
  for (const key of Object.keys(input)) {
    if (!(RECORD_FIELDS as readonly string[]).includes(key))
      throw new InvalidArgumentError(key, "is not a record field");
  }
  const passport = typeof input.documentType === "string" && input.documentType.trim().toUpperCase() === "PASSPORT";
  const optional = OPTIONAL_FIELDS[passport ? "PASSPORT" : "CITIZEN_ID"];
  const out = {} as Record<RecordField, string>;
  for (const field of RECORD_FIELDS) {
    const raw = input[field] ?? (optional.includes(field) ? "" : undefined);
    if (raw === undefined) throw new InvalidArgumentError(field, "is required");
    out[field] = canonicalizeField(field, raw);
  }
  assertDocumentKind(out);
  return Object.freeze(out);
}

/** Folds Vietnamese diacritics (and đ/Đ) for comparisons with ASCII-only sources such as the MRZ. */
export function foldDiacritics(value: string): string {
  return value.normalize("NFD").replace(/\p{M}/gu, "").replace(/đ/g, "d").replace(/Đ/g, "D");
}
