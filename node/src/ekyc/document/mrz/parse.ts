/**
 * ICAO 9303 MRZ parser for TD1, TD2 and TD3, on the `mrz` package: it reports every check digit
 * and every field with its position, and (since version 5) an unknown issuing state or
 * nationality only as a failed field of its own, so fictional specimen codes such as UTO still get
 * their check digits checked. We add what it leaves out: dates as YYYY-MM-DD with the century
 * chosen, the raw codes even when unknown, and a shape check that throws MrzFormatError (the
 * package would also accept French and Swiss formats we do not read). A failed check digit is a
 * reported signal, never corrected here (repair.ts makes its one confirmed substitution before).
 * Visas (document code V) share the TD3 and TD2 shapes (MRV-A 2 × 44, MRV-B 2 × 36) but carry no
 * composite and no personal-number check digit (ICAO 9303 part 7): the package, which does not
 * know them, checks those positions as TD3/TD2 would, so they are left out for visas.
 */
import { parse, type FieldName, type ParseResult } from "mrz";
import { isoDate } from "../canonical.ts";
import { MrzFormatError } from "../errors.ts";
import { detectFormat, fieldSpan, LAYOUTS, type MrzFormat, type Span } from "./layout.ts";

export type { MrzFormat } from "./layout.ts";

/** The result of one check digit: the field it protects and whether it matches. */
export interface CheckedSpan {
  name: "documentNumber" | "dateOfBirth" | "expiryDate" | "personalNumber" | "composite";
  valid: boolean;
}

export interface MrzData {
  format: MrzFormat;
  documentCode: string;
  issuingState: string;
  documentNumber: string;
  /** Optional data of line 1 (TD1), of line 2 (TD2) or the personal number (TD3), fillers removed. */
  optionalData: string;
  /** Optional data of line 2 (TD1 only; "" otherwise). */
  optionalData2: string;
  /** YYYY-MM-DD, or null when not a real date. */
  dateOfBirth: string | null;
  /**
   * The date of birth as printed (YYMMDD, fillers kept): readings compare by it, since every
   * impossible or unknown date (`<<<<<<`, or a year alone) parses to null.
   */
  dateOfBirthText: string;
  sex: "M" | "F" | "X";
  /** YYYY-MM-DD, "" when the MRZ says no expiry, null when not a real date. */
  expiryDate: string | null;
  /** The expiry date as printed (YYMMDD, fillers kept). */
  expiryDateText: string;
  nationality: string;
  surname: string;
  givenNames: string;
  /**
   * The name fills its field to the last character, so it may have been cut there (ICAO 9303 cuts a
   * long name at the field's end: 30 characters on TD1, 31 on TD2, 39 on TD3).
   */
  nameCut: boolean;
  checks: CheckedSpan[];
  /** All check digits valid. */
  valid: boolean;
  /** Whether each code is an ICAO state code the `mrz` package knows: a finding apart from `valid`. */
  knownCodes: { issuingState: boolean; nationality: boolean };
}

const CHECK_DIGITS: Partial<Record<FieldName, CheckedSpan["name"]>> = {
  documentNumberCheckDigit: "documentNumber",
  birthDateCheckDigit: "dateOfBirth",
  expirationDateCheckDigit: "expiryDate",
  personalNumberCheckDigit: "personalNumber",
  compositeCheckDigit: "composite",
};

const OPTIONAL_DATA: Record<MrzFormat, FieldName> = { TD1: "optional1", TD2: "optional", TD3: "personalNumber" };

/** Check digits a machine readable visa (MRV-A, MRV-B) does not have. */
const NOT_ON_VISAS: ReadonlySet<CheckedSpan["name"]> = new Set(["personalNumber", "composite"]);

/** A check digit's own span first, then the characters it protects. */
function checkDigitSpans(format: MrzFormat, name: CheckedSpan["name"]): readonly Span[] {
  const field = (Object.keys(CHECK_DIGITS) as FieldName[]).find((f) => CHECK_DIGITS[f] === name);
  return field === undefined ? [] : (LAYOUTS[format][field] ?? []);
}

/** The lines a check digit and the characters it protects sit on (0-based). */
export function checkLines(format: MrzFormat, name: CheckedSpan["name"]): number[] {
  return [...new Set(checkDigitSpans(format, name).map((span) => span.line))];
}

/** A position in MRZ lines: row `line` (0-based), character `index`. */
export interface MrzPosition {
  line: number;
  index: number;
}

/** Every position of the spans, in order. */
export const positionsIn = (spans: readonly Span[]): MrzPosition[] =>
  spans.flatMap(({ line, start, end }) => Array.from({ length: end - start }, (_, i) => ({ line, index: start + i })));

/**
 * The positions a check digit of the document guards, each digit included: every check digit of
 * its shape, a visa's (no composite, no personal-number digit) only its three.
 */
export function checkedPositions(format: MrzFormat, visa: boolean): MrzPosition[] {
  const names = [...new Set(Object.values(CHECK_DIGITS))].filter((name) => !(visa && NOT_ON_VISAS.has(name)));
  return names.flatMap((name) => positionsIn(checkDigitSpans(format, name)));
}

/**
 * A visa's optional data, which no check digit guards (ICAO 9303 part 7): the optional-data field
 * of its shape and the positions where a passport or a TD2 document has the check digits a visa
 * does not.
 */
export function visaOptionalPositions(format: MrzFormat): MrzPosition[] {
  const digits = [...NOT_ON_VISAS].flatMap((name) => checkDigitSpans(format, name).slice(0, 1));
  return positionsIn([fieldSpan(format, OPTIONAL_DATA[format]), ...digits]);
}

const stripFillers = (s: string): string => s.replace(/<+$/g, "").replace(/</g, " ").trim();

/** YYMMDD → YYYY-MM-DD. Birth dates pick the century that is not in the future; expiry is 20YY. */
function mrzDate(yymmdd: string, kind: "birth" | "expiry", now: Date): string | null {
  if (!/^\d{6}$/.test(yymmdd)) return null;
  const yy = Number(yymmdd.slice(0, 2)),
    mm = Number(yymmdd.slice(2, 4)),
    dd = Number(yymmdd.slice(4, 6));
  const thisYear = now.getUTCFullYear() % 100;
  const year = kind === "expiry" ? 2000 + yy : yy > thisYear ? 1900 + yy : 2000 + yy;
  return isoDate(year, mm, dd);
}

/** Runs the `mrz` package on lines of a known shape; throws MrzFormatError if it reads another format. */
function parseWithPackage(lines: readonly string[], format: MrzFormat): ParseResult {
  if (lines.some((line) => !/^[A-Z0-9<]+$/.test(line))) throw new MrzFormatError("characters outside A-Z, 0-9 and <");
  const result = parse([...lines]);
  // A 2 × 36 MRZ with digits at the end of line 1 is the French national ID format, not TD2.
  if (result.format !== format) throw new MrzFormatError(`read as ${result.format}, not ${format}`);
  return result;
}

/** A visa: the document code starts with V (ICAO 9303 part 7). */
export const isVisa = (lines: readonly string[]): boolean => (lines[0] ?? "").startsWith("V");

function checksOf(result: ParseResult, visa: boolean): CheckedSpan[] {
  return result.details.flatMap((d) => {
    const name = d.field === null ? undefined : CHECK_DIGITS[d.field];
    return name === undefined || (visa && NOT_ON_VISAS.has(name)) ? [] : [{ name, valid: d.valid }];
  });
}

/** Each check digit of lines already cleaned to A–Z, 0–9 and `<` (repair.ts tries substitutions with it). */
export function checkSpans(lines: readonly string[], format: MrzFormat): CheckedSpan[] {
  return checksOf(parseWithPackage(lines, format), isVisa(lines));
}

/** The name fills its field to the last character (`MrzData.nameCut`) in MRZ lines of a known shape. */
export function nameFillsField(lines: readonly string[], format: MrzFormat = detectFormat(lines)): boolean {
  const { line, start, end } = fieldSpan(format, "lastName");
  const name = (lines[line] ?? "").slice(start, end);
  return name.length > 0 && !name.endsWith("<");
}

/** Parses MRZ lines (already cleaned to A–Z, 0–9 and `<`). Throws MrzFormatError on a bad shape. */
export function parseMrz(lines: readonly string[], now: Date = new Date()): MrzData {
  const format = detectFormat(lines);
  const result = parseWithPackage(lines, format);
  const raw = (field: FieldName): string => {
    const { line, start, end } = fieldSpan(format, field);
    return (lines[line] ?? "").slice(start, end);
  };
  const known = (field: FieldName): boolean => result.details.find((d) => d.field === field)?.valid === true;
  const name = raw("lastName");
  const surname = name.split("<<")[0] ?? "";
  const expiryRaw = raw("expirationDate");
  const sexChar = raw("sex");
  const checks = checksOf(result, isVisa(lines));
  const optional = OPTIONAL_DATA[format];
  return {
    format,
    documentCode: stripFillers(raw("documentCode")),
    issuingState: stripFillers(raw("issuingState")),
    // The package joins a long document number that overflows into the optional data (TD1, TD2).
    documentNumber: result.fields.documentNumber ?? stripFillers(raw("documentNumber")),
    optionalData: result.fields[optional] ?? stripFillers(raw(optional)),
    optionalData2:
      LAYOUTS[format].optional2 === undefined ? "" : (result.fields.optional2 ?? stripFillers(raw("optional2"))),
    dateOfBirth: mrzDate(raw("birthDate"), "birth", now),
    dateOfBirthText: raw("birthDate"),
    sex: sexChar === "M" ? "M" : sexChar === "F" ? "F" : "X",
    expiryDate: expiryRaw === "<<<<<<" ? "" : mrzDate(expiryRaw, "expiry", now),
    expiryDateText: expiryRaw,
    nationality: stripFillers(raw("nationality")),
    surname: result.fields.lastName ?? stripFillers(surname),
    givenNames: result.fields.firstName ?? stripFillers(name.slice(surname.length + 2)).replace(/\s+/g, " "),
    nameCut: nameFillsField(lines, format),
    checks,
    valid: checks.every((c) => c.valid),
    knownCodes: { issuingState: known("issuingState"), nationality: known("nationality") },
  };
}
