/**
 * Which MRZ fields the recogniser was unsure of, from each character's margin (read.ts
 * `MrzReading.margin`: its probability as a share of it and the likeliest other character the
 * position allows). A check digit says whether a field adds up, not whether it was read right: a
 * moiré or a small photo can turn fillers into letters or one digit into another and still pass,
 * and names and state codes have no check digit at all. A field holding a character whose margin
 * is low was a near tie between two characters it may hold, so its value is reported as unsure.
 *
 * The raw probability (`MrzReading.confidence`) does not serve here: it is low on letters the
 * recogniser would rather read as a look-alike digit the position cannot hold (the O of UTO read
 * right at 0.0007) and on blurred but right letters of generated cards (0.05), below most misreads.
 */
import type { FieldName } from "mrz";
import { LAYOUTS, type Span } from "./layout.ts";
import type { MrzData } from "./parse.ts";

/**
 * A field with a character under this margin is unsure. Measured with the MRZ reader alone on
 * 172 readings (the document README's "MRZ signals"): 60 generated
 * card backs (clean, mild, strong), 30 phone captures, 40 passport pages, and the real-photo set at
 * full size, 300 and 280 px wide. Every reading right to the character stayed at or above 0.75 on
 * the 60 card backs; 9 of the 12 readings that were wrong with every check digit passing fell under
 * 0.6 (moiré captures, the visa at 280 px, names at 280–300 px), the other three stayed at 0.62–0.78.
 * Right readings under 0.6: 1 of 30 phone captures, 4 of 40 passport pages (low light, defocus,
 * motion blur, a finger), 1 of 9 full-size real photos (a stock photo with a banner).
 */
export const UNSURE_MARGIN = 0.6;

/** Names of the fields as a reviewer reads them; a check digit counts with the field it protects. */
const FIELD_NAMES: Partial<Record<FieldName, string>> = {
  documentCode: "document code",
  issuingState: "issuing state",
  documentNumber: "document number",
  documentNumberCheckDigit: "document number",
  birthDate: "date of birth",
  birthDateCheckDigit: "date of birth",
  sex: "sex",
  expirationDate: "expiry date",
  expirationDateCheckDigit: "expiry date",
  nationality: "nationality",
  lastName: "name",
  firstName: "name",
  optional: "optional data",
  optional1: "optional data",
  optional2: "optional data",
  personalNumber: "personal number",
  personalNumberCheckDigit: "personal number",
  compositeCheckDigit: "composite check digit",
};

export interface UnsureField {
  field: string;
  /** The lowest margin of a character in it. */
  margin: number;
}

/**
 * The fields holding a character under UNSURE_MARGIN, each once, least sure first. Takes the two
 * parts of a reading (read.ts `MrzReading`) it needs, so that the reader can ask it too.
 */
export function unsureFields(reading: { margin: readonly number[][]; data: MrzData }): UnsureField[] {
  const lowest = new Map<string, number>();
  for (const [field, spans] of Object.entries(LAYOUTS[reading.data.format]) as Array<[FieldName, readonly Span[]]>) {
    const name = FIELD_NAMES[field];
    const span = spans[0];
    if (name === undefined || span === undefined) continue;
    const margins = reading.margin[span.line]?.slice(span.start, span.end) ?? [];
    const margin = Math.min(...margins);
    if (margin < UNSURE_MARGIN) lowest.set(name, Math.min(margin, lowest.get(name) ?? 1));
  }
  return [...lowest].map(([field, margin]) => ({ field, margin })).sort((a, b) => a.margin - b.margin);
}
