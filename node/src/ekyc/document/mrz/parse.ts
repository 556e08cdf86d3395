/**
 * ICAO 9303 MRZ parser for TD1 (ID cards: 3 × 30) and TD3 (passports: 2 × 44).
 *
 * Own parser rather than the `mrz` package: `mrz` rejects any issuing state or nationality it
 * does not know (fictional specimen codes such as UTO fail before check digits are even
 * reported), returns no per-field positions for the confusion repair, and has no visa formats.
 * We report each check digit separately and validate country codes against our own ICAO list,
 * as a separate finding. The tests compare this parser with `mrz` on generated Vietnamese cards.
 */
import { isoDate } from "../canonical.ts";
import { MrzFormatError } from "../errors.ts";
import { isCheckDigitValid } from "./check-digit.ts";

export type MrzFormat = "TD1" | "TD3";

/** A field protected by a check digit: where it is (line, start, length) and where its digit is. */
export interface CheckedSpan {
  name: "documentNumber" | "dateOfBirth" | "expiryDate" | "personalNumber" | "composite";
  valid: boolean;
}

export interface MrzData {
  format: MrzFormat;
  documentCode: string;
  issuingState: string;
  documentNumber: string;
  /** Optional data of line 1 (TD1) or the personal number (TD3), fillers removed. */
  optionalData: string;
  optionalData2: string;
  /** YYYY-MM-DD, or null when not a real date. */
  dateOfBirth: string | null;
  sex: "M" | "F" | "X";
  /** YYYY-MM-DD, "" when the MRZ says no expiry, null when not a real date. */
  expiryDate: string | null;
  nationality: string;
  surname: string;
  givenNames: string;
  checks: CheckedSpan[];
  /** All check digits valid. */
  valid: boolean;
}

interface Layout {
  lines: number;
  length: number;
  /** [line, start, length] of each field, and the check digit position [line, index]. */
  documentNumber: [number, number, number];
  documentNumberCheck: [number, number];
  dateOfBirth: [number, number, number];
  dateOfBirthCheck: [number, number];
  sex: [number, number];
  expiryDate: [number, number, number];
  expiryDateCheck: [number, number];
  nationality: [number, number, number];
  optional1: [number, number, number];
  optional2: [number, number, number];
  name: [number, number, number];
  composite: Array<[number, number, number]>;
  compositeCheck: [number, number];
  personalNumberCheck?: [number, number];
}

export const LAYOUTS: Record<MrzFormat, Layout> = {
  TD1: {
    lines: 3, length: 30,
    documentNumber: [0, 5, 9], documentNumberCheck: [0, 14],
    optional1: [0, 15, 15],
    dateOfBirth: [1, 0, 6], dateOfBirthCheck: [1, 6], sex: [1, 7],
    expiryDate: [1, 8, 6], expiryDateCheck: [1, 14],
    nationality: [1, 15, 3], optional2: [1, 18, 11],
    composite: [[0, 5, 25], [1, 0, 7], [1, 8, 7], [1, 18, 11]], compositeCheck: [1, 29],
    name: [2, 0, 30],
  },
  TD3: {
    lines: 2, length: 44,
    name: [0, 5, 39],
    documentNumber: [1, 0, 9], documentNumberCheck: [1, 9],
    nationality: [1, 10, 3],
    dateOfBirth: [1, 13, 6], dateOfBirthCheck: [1, 19], sex: [1, 20],
    expiryDate: [1, 21, 6], expiryDateCheck: [1, 27],
    optional1: [1, 28, 14], personalNumberCheck: [1, 42], optional2: [1, 28, 0],
    composite: [[1, 0, 10], [1, 13, 7], [1, 21, 22]], compositeCheck: [1, 43],
  },
};

export function detectFormat(lines: readonly string[]): MrzFormat {
  if (lines.length === 3 && lines.every((l) => l.length === 30)) return "TD1";
  if (lines.length === 2 && lines.every((l) => l.length === 44)) return "TD3";
  throw new MrzFormatError(`expected 3 lines of 30 (TD1) or 2 lines of 44 (TD3), got ${lines.map((l) => l.length).join("/")}`);
}

const take = (lines: readonly string[], [line, start, length]: [number, number, number]): string => (lines[line] ?? "").slice(start, start + length);
const at = (lines: readonly string[], [line, index]: [number, number]): string => (lines[line] ?? "").charAt(index);
const stripFillers = (s: string): string => s.replace(/<+$/g, "").replace(/</g, " ").trim();

/** YYMMDD → YYYY-MM-DD. Birth dates pick the century that is not in the future; expiry is 20YY. */
function mrzDate(yymmdd: string, kind: "birth" | "expiry", now: Date): string | null {
  if (!/^\d{6}$/.test(yymmdd)) return null;
  const yy = Number(yymmdd.slice(0, 2)), mm = Number(yymmdd.slice(2, 4)), dd = Number(yymmdd.slice(4, 6));
  const thisYear = now.getUTCFullYear() % 100;
  const year = kind === "expiry" ? 2000 + yy : yy > thisYear ? 1900 + yy : 2000 + yy;
  return isoDate(year, mm, dd);
}

export function checkSpans(lines: readonly string[], format: MrzFormat): CheckedSpan[] {
  const l = LAYOUTS[format];
  const checks: CheckedSpan[] = [
    { name: "documentNumber", valid: isCheckDigitValid(take(lines, l.documentNumber), at(lines, l.documentNumberCheck)) },
    { name: "dateOfBirth", valid: isCheckDigitValid(take(lines, l.dateOfBirth), at(lines, l.dateOfBirthCheck)) },
    { name: "expiryDate", valid: isCheckDigitValid(take(lines, l.expiryDate), at(lines, l.expiryDateCheck)) },
  ];
  if (l.personalNumberCheck !== undefined) {
    const personal = take(lines, l.optional1);
    const digit = at(lines, l.personalNumberCheck);
    // An empty personal number may carry `<` as its check digit.
    checks.push({ name: "personalNumber", valid: (/^<+$/.test(personal) && digit === "<") || isCheckDigitValid(personal, digit) });
  }
  checks.push({ name: "composite", valid: isCheckDigitValid(l.composite.map((s) => take(lines, s)).join(""), at(lines, l.compositeCheck)) });
  return checks;
}

/** Parses MRZ lines (already cleaned to A–Z, 0–9 and `<`). Throws MrzFormatError on a bad shape. */
export function parseMrz(lines: readonly string[], now: Date = new Date()): MrzData {
  const format = detectFormat(lines);
  if (lines.some((line) => !/^[A-Z0-9<]+$/.test(line))) throw new MrzFormatError("characters outside A-Z, 0-9 and <");
  const l = LAYOUTS[format];
  const documentCode = stripFillers(take(lines, format === "TD1" ? [0, 0, 2] : [0, 0, 2]));
  const issuingState = stripFillers(take(lines, [0, 2, 3]));
  const name = take(lines, l.name);
  const [surname = "", given = ""] = name.split("<<");
  const expiryRaw = take(lines, l.expiryDate);
  const sexChar = at(lines, l.sex);
  const checks = checkSpans(lines, format);
  return {
    format,
    documentCode,
    issuingState,
    documentNumber: stripFillers(take(lines, l.documentNumber)),
    optionalData: stripFillers(take(lines, l.optional1)),
    optionalData2: stripFillers(take(lines, l.optional2)),
    dateOfBirth: mrzDate(take(lines, l.dateOfBirth), "birth", now),
    sex: sexChar === "M" ? "M" : sexChar === "F" ? "F" : "X",
    expiryDate: expiryRaw === "<<<<<<" ? "" : mrzDate(expiryRaw, "expiry", now),
    nationality: stripFillers(take(lines, l.nationality)),
    surname: stripFillers(surname),
    givenNames: stripFillers(name.slice(surname.length + 2)).replace(/\s+/g, " ") || stripFillers(given),
    checks,
    valid: checks.every((c) => c.valid),
  };
}
