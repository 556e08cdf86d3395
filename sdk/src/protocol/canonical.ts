/**
 * Canonical values of record fields (docs/protocol.md §2). The same person's data must always
 * produce the same bytes, whichever bank or source (QR, MRZ, OCR) produced them, or commitments
 * would not match. Every function rejects what it cannot canonicalise with an
 * InvalidArgumentError naming the field; nothing is guessed.
 */
import { InvalidArgumentError } from "../errors.ts";
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

function text(field: RecordField, raw: string, upper: boolean): string {
  const value = foldSpaces(raw);
  if (value === "") throw new InvalidArgumentError(field, "must not be empty");
  // Control characters have no place in a name or address and would make two records that print
  // the same commit differently.
  if (/\p{Cc}/u.test(value)) throw new InvalidArgumentError(field, "contains control characters");
  return upper ? value.toUpperCase() : value;
}

const canonicalisers: Readonly<Record<RecordField, (raw: string) => string>> = {
  idNumber: (v) => digits("idNumber", v, 12, false),
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
    if (!/^[A-Z]{3}$/.test(s)) throw new InvalidArgumentError("nationality", "must be an ISO 3166-1 alpha-3 code");
    return s;
  },
  address: (v) => text("address", v, false),
  issueDate: (v) => canonicalDate("issueDate", v, false),
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

/**
 * Canonical form of a whole record. Missing optional fields (`oldIdNumber`, `expiryDate`) become
 * ""; unknown keys are rejected so a typo cannot silently drop a field from the commitment.
 */
export function canonicalizeRecord(input: Readonly<Record<string, unknown>>): RecordFields {
  if (input === null || typeof input !== "object") throw new InvalidArgumentError("record", "must be an object");
  for (const key of Object.keys(input)) {
    if (!(RECORD_FIELDS as readonly string[]).includes(key))
      throw new InvalidArgumentError(key, "is not a record field");
  }
  const out = {} as Record<RecordField, string>;
  for (const field of RECORD_FIELDS) {
    const raw = input[field] ?? (field === "oldIdNumber" || field === "expiryDate" ? "" : undefined);
    if (raw === undefined) throw new InvalidArgumentError(field, "is required");
    out[field] = canonicalizeField(field, raw);
  }
  return Object.freeze(out);
}

/** Folds Vietnamese diacritics (and đ/Đ) for comparisons with ASCII-only sources such as the MRZ. */
export function foldDiacritics(value: string): string {
  return value.normalize("NFD").replace(/\p{M}/gu, "").replace(/đ/g, "d").replace(/Đ/g, "D");
}
