/**
 * Whether independent readings of the same MRZ rows agree, field by field. A check digit says
 * whether a field adds up, not whether it was read right: a small photo can turn one name letter
 * into a look-alike (N for M) with every check digit passing and the recogniser sure of it. A
 * second reading of the same rows from a different crop (read.ts `secondReading`) that reads a
 * field otherwise is evidence that at least one of the two is wrong; which one is not known, so
 * the disagreement is reported (tamper.ts MRZ_READS_DISAGREE) and a field with a check digit is
 * never corrected from it. Only the name, which no check digit guards, is settled by a majority
 * when three readings were made (`nameMajority`): a letter two crops read alike against one.
 */
import { fieldSpan, type MrzFormat } from "./layout.ts";
import type { CheckedSpan, MrzData } from "./parse.ts";

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
  { key: "dateOfBirth", name: "date of birth", check: "dateOfBirth" },
  { key: "sex", name: "sex" },
  { key: "expiryDate", name: "expiry date", check: "expiryDate" },
  { key: "nationality", name: "nationality" },
  { key: "surname", name: "surname" },
  { key: "givenNames", name: "given names" },
  { key: "optionalData", name: "optional data", check: OPTIONAL_DATA_CHECK[format] },
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
  return fieldsOf(first.format)
    .filter(({ key, check }) => {
      if (first[key] === second[key]) return false;
      return check === undefined || (checkPasses(first, check) && checkPasses(second, check));
    })
    .map(({ name }) => name);
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

/** A name character the other readings agree on against the first reading. */
export interface NameVote {
  line: number;
  index: number;
  /** The first reading's character. */
  from: string;
  /** The character every other reading read there. */
  to: string;
}

/**
 * The name characters to take from the other readings of the same rows: where the other readings
 * (at least two) all read one character and the first reading read another, the first is outvoted
 * (two independent crops against one). Small rows are read from three crops (read.ts
 * `secondReading`), and a misread name letter in one of them (`SPECIHEN`, a filler read as C in
 * `ESPANOLA<<CARMEN`, a K among the fillers) is seldom read the same way in the other two.
 *
 * Only inside the name as the first reading read it, up to its last letter: past it the name's
 * end is the structure's to decide (mrz/repair.ts), and crops that read the fillers after a name
 * as letters would otherwise add them back. Only the name field: every other field is a code, a
 * number or a date that a check digit or a list guards, and a check digit is never argued into
 * validity. Empty when fewer than two other readings are given, or their lines are of another shape.
 */
export function nameMajority(
  format: MrzFormat,
  first: readonly string[],
  others: readonly (readonly string[])[],
): NameVote[] {
  if (others.length < 2) return [];
  const { line, start, end } = fieldSpan(format, "lastName");
  const name = first[line]?.slice(start, end) ?? "";
  const lastLetter = name.replace(/<+$/, "").length;
  const votes: NameVote[] = [];
  for (let index = start; index < start + lastLetter; index++) {
    const from = first[line]?.charAt(index) ?? "";
    const read = others.map((lines) => lines[line]?.charAt(index) ?? "");
    const [to] = read;
    if (to !== undefined && to !== "" && to !== from && read.every((c) => c === to))
      votes.push({ line, index, from, to });
  }
  return votes;
}
