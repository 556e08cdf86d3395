/**
 * Whether independent readings of the same MRZ rows agree, field by field. A check digit says
 * whether a field adds up, not whether it was read right: a small photo can turn one name letter
 * into a look-alike (N for M) with every check digit passing and the recogniser sure of it. A
 * second reading of the same rows from a different crop (read.ts `secondReading`) that reads a
 * field otherwise is evidence that at least one of the two is wrong; which one is not known, so
 * the disagreement is reported (tamper.ts MRZ_READS_DISAGREE). Only when three readings were made
 * is a character settled by a majority, two crops against one (`outvoted`), and never so that a
 * failing check digit passes.
 */
import type { FieldName } from "mrz";
import { detectFormat, fieldSpan, LAYOUTS, type MrzFormat } from "./layout.ts";
import {
  checkedPositions,
  isVisa,
  positionsIn,
  visaOptionalPositions,
  type CheckedSpan,
  type MrzData,
  type MrzPosition,
} from "./parse.ts";
import { repairMrz } from "./repair.ts";

/**
 * The check digit guarding the optional data of each shape: in TD1 and TD2 only the composite
 * covers them (TD1: the Vietnamese card's 12-digit id), in TD3 the personal number's own. A visa
 * has neither, so its optional data are never compared.
 */
const OPTIONAL_DATA_CHECK: Record<MrzFormat, CheckedSpan["name"]> = {
  TD1: "composite",
  TD2: "composite",
  TD3: "personalNumber",
};

/** The fields compared, as a reviewer reads them, and the check digit guarding each (if any). */
const fieldsOf = (
  format: MrzFormat,
): ReadonlyArray<{ key: keyof MrzData; name: string; check?: CheckedSpan["name"] }> => [
  { key: "documentCode", name: "document code" },
  { key: "issuingState", name: "issuing state" },
  { key: "documentNumber", name: "document number", check: "documentNumber" },
  // Dates as printed: two impossible or unknown dates both parse to null.
  { key: "dateOfBirthText", name: "date of birth", check: "dateOfBirth" },
  { key: "sex", name: "sex" },
  { key: "expiryDateText", name: "expiry date", check: "expiryDate" },
  { key: "nationality", name: "nationality" },
  { key: "surname", name: "surname" },
  { key: "givenNames", name: "given names" },
  { key: "optionalData", name: "optional data", check: OPTIONAL_DATA_CHECK[format] },
  // A TD1's second optional data (line 2), which the composite covers; "" in the other shapes.
  { key: "optionalData2", name: "optional data", check: "composite" },
];

const checkPasses = (data: MrzData, check: CheckedSpan["name"]): boolean =>
  data.checks.find((c) => c.name === check)?.valid === true;

/**
 * The fields the two readings read differently, where the difference is evidence: a field with a
 * check digit only when it passes in both readings (a second reading that fails a check is merely
 * the worse reading of the two; a visa's optional data, which no check digit covers, are never
 * compared); a field without one (names, state codes, sex) always.
 */
export function disagreeingFields(first: MrzData, second: MrzData): string[] {
  if (first.format !== second.format) return [];
  const fields = fieldsOf(first.format)
    .filter(({ key, check }) => {
      if (first[key] === second[key]) return false;
      return check === undefined || (checkPasses(first, check) && checkPasses(second, check));
    })
    .map(({ name }) => name);
  return [...new Set(fields)];
}

/** How a reviewer reads each check digit's name. */
const CHECK_NAMES: Record<CheckedSpan["name"], string> = {
  documentNumber: "document number",
  dateOfBirth: "date of birth",
  expiryDate: "expiry date",
  personalNumber: "personal number",
  composite: "composite check digit",
};

/**
 * The check digits that fail in a reading of the whole MRZ and pass in another reading of the same
 * rows that replaced it (read.ts: a thicker crop, rows found by their texture). Which of the two is
 * right is not known: a misread digit in the first, or a printed digit altered and misread back in
 * the second. So a failed check is never looked past in silence: it is reported as a disagreement.
 */
export function checksPassingOnlyIn(replaced: MrzData, kept: MrzData): string[] {
  if (replaced.format !== kept.format) return [];
  return replaced.checks
    .filter((check) => !check.valid && kept.checks.some((c) => c.name === check.name && c.valid))
    .map((check) => CHECK_NAMES[check.name]);
}

/** A character the other readings agree on against the first reading (`outvoted`). */
export interface Vote {
  line: number;
  index: number;
  /** The first reading's character. */
  from: string;
  /** The character every other reading read there. */
  to: string;
}

/** One reading of MRZ rows: its lines and what they parse to. */
export interface ReadLines {
  lines: readonly string[];
  data: MrzData;
  /**
   * Positions where the lines hold what a repair wrote, not what the crop read (mrz/repair.ts: a
   * name's end cleared, a look-alike substituted): they cast no vote.
   */
  repaired?: readonly MrzPosition[];
}

/** A reading with the recogniser's scores per character (read.ts `MrzReading`). */
export interface ScoredLines extends ReadLines {
  confidence: readonly (readonly number[])[];
  margin: readonly (readonly number[])[];
}

const key = ({ line, index }: MrzPosition): string => `${line}:${index}`;

/** A character's value in an ICAO 9303 check digit's sum, modulo 10 (`<` 0, digits, A–Z 10–35). */
const checkValue = (c: string): number => (c === "<" ? 0 : Number.parseInt(c, 36) % 10);

/**
 * The positions of `positions` where the other readings (at least two) all read one character,
 * none of them by a repair, and the first reading read another: two independent crops against one.
 */
function votesAt(positions: readonly MrzPosition[], first: ReadLines, others: readonly ReadLines[]): Vote[] {
  if (others.length < 2) return [];
  const repaired = new Set(others.flatMap((o) => (o.repaired ?? []).map(key)));
  return positions.flatMap(({ line, index }) => {
    const from = first.lines[line]?.charAt(index) ?? "";
    const read = others.map((o) => o.lines[line]?.charAt(index) ?? "");
    const [to] = read;
    return to !== undefined &&
      to !== "" &&
      to !== from &&
      read.every((c) => c === to) &&
      !repaired.has(key({ line, index }))
      ? [{ line, index, from, to }]
      : [];
  });
}

/**
 * The positions of a field no check digit guards, up to the last character the first reading read
 * in it that is not a filler: past it the field's end is the structure's to decide (mrz/repair.ts),
 * and crops that read the fillers after a name as letters (a guilloche) would add them back.
 */
function readPart(positions: readonly MrzPosition[], first: ReadLines): MrzPosition[] {
  const last = positions.findLastIndex(({ line, index }) => (first.lines[line]?.charAt(index) ?? "<") !== "<");
  return positions.slice(0, last + 1);
}

/**
 * The characters to take from the other readings of the same rows (read.ts `secondReading`: small
 * rows are read from three crops), where the others (at least two) all read one character, none by
 * a repair, and the first reading another. A misread in one crop (`SPECIHEN`, a filler read as C in
 * `ESPANOLA<<CARMEN`, a K among the fillers, a visa's document number `L89889Q10` whose check
 * digit passed by chance) is seldom read the same way by the other two. Where:
 * - **the name**, and **a visa's optional data**, which no check digit guards: up to the last
 *   character the first reading read there (`readPart`);
 * - **the characters a check digit guards** (the digit included), only when every check digit
 *   passes in every reading, and only between characters the check digit tells apart: `<`, 0, A, K
 *   and U weigh the same in its sum, so a filler read as K (or a 0 as a K) would pass in silence.
 *   The caller keeps the result only if every check digit passes as before (`applyVotes`: a
 *   composite digit covers several fields).
 * Never the document code, the state codes or the sex: a list guards those, and a crop that reads
 * the fillers of `D<<` as a letter in two crops would turn a known code into an unknown one.
 * Empty when fewer than two other readings are given.
 */
export function outvoted(first: ReadLines, others: readonly ReadLines[]): Vote[] {
  const { format } = first.data;
  const sameShape = others.filter((o) => o.data.format === format);
  const visa = isVisa(first.lines);
  const unguarded = [positionsIn([fieldSpan(format, "lastName")]), ...(visa ? [visaOptionalPositions(format)] : [])];
  const unguardedKeys = new Set(unguarded.flat().map(key));
  // A composite digit guards positions another check digit guards too: each is voted on once, and
  // the positions of the name or a visa's optional data only as unguarded (some issuers' document
  // number overflows into the optional data, which its check digit then covers).
  const guarded = [
    ...new Map(
      (first.data.valid && sameShape.every((o) => o.data.valid) ? checkedPositions(format, visa) : [])
        .filter((p) => !unguardedKeys.has(key(p)))
        .map((p) => [key(p), p]),
    ).values(),
  ];
  return [
    ...votesAt(
      unguarded.flatMap((field) => readPart(field, first)),
      first,
      sameShape,
    ),
    ...votesAt(guarded, first, sameShape).filter(({ from, to }) => checkValue(from) !== checkValue(to)),
  ];
}

/** The fields holding each position, as `disagreeingFields` names them (a check digit with its field). */
const FIELDS_AT: ReadonlyArray<[FieldName, string]> = [
  ["documentCode", "document code"],
  ["issuingState", "issuing state"],
  ["documentNumber", "document number"],
  ["documentNumberCheckDigit", "document number"],
  ["birthDate", "date of birth"],
  ["birthDateCheckDigit", "date of birth"],
  ["sex", "sex"],
  ["expirationDate", "expiry date"],
  ["expirationDateCheckDigit", "expiry date"],
  ["nationality", "nationality"],
  ["optional", "optional data"],
  ["optional1", "optional data"],
  ["optional2", "optional data"],
  ["personalNumber", "optional data"],
  ["personalNumberCheckDigit", "optional data"],
  ["compositeCheckDigit", "composite check digit"],
];

/**
 * The fields holding the positions (the characters votes changed, or where two readings differ),
 * as a reviewer reads them: the name's part by the first `<<` of `lines` (surname before it, given
 * names after), a visa's optional data as such, any other field by the position's own span. Every
 * vote's field is reported (read.ts `secondReading`) whether or not `disagreeingFields` compares
 * it (a visa's optional data).
 */
export function fieldsAt(lines: readonly string[], positions: readonly MrzPosition[]): string[] {
  const format = detectFormat(lines);
  const visa = isVisa(lines);
  const name = fieldSpan(format, "lastName");
  const split = (lines[name.line] ?? "").slice(name.start, name.end).indexOf("<<");
  const givenFrom = split < 0 ? name.end : name.start + split;
  const visaOptional = new Set(visa ? visaOptionalPositions(format).map(key) : []);
  const fields = positions.map((position) => {
    if (position.line === name.line && position.index >= name.start && position.index < name.end)
      return position.index < givenFrom ? "surname" : "given names";
    if (visaOptional.has(key(position))) return "optional data";
    const held = FIELDS_AT.find(([field]) => {
      const span = LAYOUTS[format][field]?.[0];
      return (
        span !== undefined && span.line === position.line && position.index >= span.start && position.index < span.end
      );
    });
    return held?.[1] ?? "MRZ";
  });
  return [...new Set(fields)];
}

/** Where two readings of the same shape hold different characters. */
export function differingPositions(a: readonly string[], b: readonly string[]): MrzPosition[] {
  return a.flatMap((line, l) => [...line].flatMap((c, index) => (b[l]?.[index] === c ? [] : [{ line: l, index }])));
}

/**
 * `first` with `votes` applied: each character taken from the other readings, with the lowest
 * confidence and margin they gave it (so an unsure vote still raises MRZ_LOW_CONFIDENCE), and the
 * lines parsed again. Null when they do not parse, or when a check digit would no longer pass or
 * fail as it did in `first` (the check digits are never argued with), or when the repairs would
 * change the lines again (mrz/repair.ts: a name's end the votes made).
 */
export function applyVotes(
  first: ScoredLines,
  others: readonly ScoredLines[],
  votes: readonly Vote[],
  parse: (lines: string[]) => MrzData | null,
): (ScoredLines & { lines: string[]; confidence: number[][]; margin: number[][] }) | null {
  const lines = [...first.lines],
    confidence = first.confidence.map((row) => [...row]),
    margin = first.margin.map((row) => [...row]);
  const lowest = (of: (o: ScoredLines) => readonly (readonly number[])[], line: number, index: number): number =>
    Math.min(...others.map((o) => of(o)[line]?.[index] ?? 0));
  for (const { line, index, to } of votes) {
    const row = lines[line] ?? "";
    lines[line] = row.slice(0, index) + to + row.slice(index + 1);
    const confidenceRow = confidence[line],
      marginRow = margin[line];
    if (confidenceRow !== undefined) confidenceRow[index] = lowest((o) => o.confidence, line, index);
    if (marginRow !== undefined) marginRow[index] = lowest((o) => o.margin, line, index);
  }
  // Votes apply character by character: two crops that read a given-name letter as `<` outvote it
  // into a second `<<`, and the name's end would then cut letters no crop cleared. Lines the
  // repairs would change again are no crop's reading.
  if (repairMrz(lines, first.data.format, margin).repairs.length > 0) return null;
  const data = parse(lines);
  const passed = (d: MrzData): string =>
    d.checks
      .map((c) => `${c.name}:${c.valid}`)
      .sort()
      .join();
  if (data === null || passed(data) !== passed(first.data)) return null;
  return { lines, confidence, margin, data };
}
