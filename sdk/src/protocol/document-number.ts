/**
 * The `idNumber` field holds one of two kinds of document number (docs/protocol.md §2), and its
 * canonical value says which, so a disclosed `idNumber` alone is never ambiguous and the two kinds
 * can never commit to the same leaf:
 * - a Vietnamese citizen id (CCCD): 12 ASCII digits;
 * - a passport: `P:` + the ICAO 9303 issuing state + `:` + the document number, as printed in the
 *   TD3 MRZ (fillers removed). A passport number is unique only within its issuing state, so the
 *   state is part of the value. The `P:` prefix and the colons make a 12-digit string impossible.
 */
import { InvalidArgumentError } from "../errors.ts";

/** The document number kinds the `idNumber` field can hold. */
export type DocumentNumberKind = "CITIZEN_ID" | "PASSPORT";

/**
 * ICAO 9303 part 3 state codes: three letters, or `D` (Germany, printed `D<<`). Codes such as
 * `UTO` (the specimen state) or `XXA` (stateless) are codes too: the format is checked, not a list.
 */
const ISSUING_STATE = /^(?:[A-Z]{3}|D)$/;
/** A TD3 document number is 9 characters; shorter numbers are padded with fillers, which go. */
const PASSPORT_NUMBER = /^[A-Z0-9]{1,9}$/;
const CITIZEN_ID = /^\d{12}$/;
const PASSPORT_ID = /^P:([A-Z]{1,3}):([A-Z0-9]{1,9})$/;

/** True for an ICAO 9303 state code (nationality or issuing state). */
export const isIcaoStateCode = (value: string): boolean => ISSUING_STATE.test(value);

/** The canonical `idNumber` of a passport: `P:<issuing state>:<document number>`. */
export function passportIdNumber(issuingState: string, documentNumber: string): string {
  const state = issuingState.trim().toUpperCase();
  const number = documentNumber.trim().toUpperCase();
  if (!ISSUING_STATE.test(state))
    throw new InvalidArgumentError("issuingState", "must be an ICAO 9303 state code (3 letters, or D)");
  if (!PASSPORT_NUMBER.test(number))
    throw new InvalidArgumentError("documentNumber", "must be 1 to 9 characters A-Z or 0-9");
  return `P:${state}:${number}`;
}

/** The issuing state and document number of a canonical passport `idNumber`, or null for any other value. */
export function parsePassportIdNumber(idNumber: string): { issuingState: string; documentNumber: string } | null {
  const m = PASSPORT_ID.exec(idNumber);
  if (m === null || !ISSUING_STATE.test(m[1] as string)) return null;
  return { issuingState: m[1] as string, documentNumber: m[2] as string };
}

/** Which kind a canonical `idNumber` is, or null when it is neither. */
export function documentNumberKind(idNumber: string): DocumentNumberKind | null {
  if (CITIZEN_ID.test(idNumber)) return "CITIZEN_ID";
  return parsePassportIdNumber(idNumber) === null ? null : "PASSPORT";
}

/** Canonical `idNumber`: 12 digits as they are, a passport number upper-cased; anything else is refused. */
export function canonicalIdNumber(raw: string): string {
  const value = raw.trim();
  if (CITIZEN_ID.test(value)) return value;
  const upper = value.toUpperCase();
  if (parsePassportIdNumber(upper) !== null) return upper;
  throw new InvalidArgumentError(
    "idNumber",
    "must be 12 digits (citizen id) or P:<issuing state>:<passport number> (passport)",
  );
}
