/**
 * The character set of each MRZ position, and conservative repairs of recogniser errors in lines
 * of the right length (the reader decodes with these character sets, so step 1 matters only for
 * lines from elsewhere):
 * 1. letters in numeric positions become their look-alike digits (O → 0, I → 1, ...) and
 *    digits in alphabetic positions (country codes, sex) their look-alike letters;
 * 2. if check digits still fail, at most ONE look-alike substitution is tried, of a character
 *    the recogniser was unsure of, kept only when it makes every check digit valid (two
 *    substitutions can fake a "valid" read).
 * Wrong printed check digits on genuine documents exist: a failure is reported, never "fixed"
 * by anything beyond that single confirmed substitution.
 */
import type { FieldName } from "mrz";
import { fieldSpan, SHAPES, type MrzFormat } from "./layout.ts";
import { UNSURE_MARGIN } from "./confidence.ts";
import { checkSpans } from "./parse.ts";

const TO_DIGIT: Record<string, string> = {
  O: "0",
  Q: "0",
  D: "0",
  U: "0",
  I: "1",
  L: "1",
  T: "1",
  Z: "2",
  S: "5",
  B: "8",
  G: "6",
  A: "4",
};
const TO_LETTER: Record<string, string> = { "0": "O", "1": "I", "2": "Z", "5": "S", "8": "B", "6": "G", "4": "A" };
/**
 * Look-alike pairs for the single confirmed substitution: letter ↔ digit and letter ↔ letter
 * only. Digit ↔ digit swaps (3/8, 1/7, 5/6) are left out on purpose: a wrong digit is exactly
 * what an altered or misprinted check digit looks like, and "repairing" it would hide that.
 */
const LOOK_ALIKES: Record<string, string[]> = {
  "0": ["O", "D", "Q"],
  O: ["0", "D", "Q"],
  D: ["0", "O"],
  Q: ["0", "O"],
  "1": ["I", "L"],
  I: ["1", "L"],
  L: ["1", "I"],
  "2": ["Z"],
  Z: ["2"],
  "5": ["S"],
  S: ["5"],
  "8": ["B"],
  B: ["8"],
  "6": ["G"],
  G: ["6"],
  "4": ["A"],
  A: ["4"],
};

export interface Repair {
  line: number;
  index: number;
  from: string;
  to: string;
  why: string;
}

/** Fields whose every position holds a digit (or `<`): dates and the check digits of ICAO 9303. */
const NUMERIC_FIELDS: FieldName[] = [
  "birthDate",
  "birthDateCheckDigit",
  "expirationDate",
  "expirationDateCheckDigit",
  "documentNumberCheckDigit",
  "compositeCheckDigit",
];
/** Fields whose every position holds a letter (or `<`): codes, sex, and names (which never hold digits). */
const ALPHABETIC_FIELDS: FieldName[] = ["issuingState", "nationality", "sex", "lastName"];

/** Positions that must hold digits (or `<`) and positions that must hold letters, per format. */
function positionKinds(format: MrzFormat): { digits: Array<[number, number]>; letters: Array<[number, number]> } {
  const positions = (field: FieldName): Array<[number, number]> => {
    const { line, start, end } = fieldSpan(format, field);
    return Array.from({ length: end - start }, (_, i) => [line, start + i]);
  };
  const digits = NUMERIC_FIELDS.flatMap(positions);
  // Both characters of the document code: ICAO 9303 allows a letter at the first and a letter
  // or a filler (which LETTERS holds) at the second, never a digit.
  const letters: Array<[number, number]> = [[0, 0], [0, 1], ...ALPHABETIC_FIELDS.flatMap(positions)];
  return { digits, letters };
}

const DIGITS = "0123456789<",
  LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ<",
  CODE_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ";
export const MRZ_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789<";

/**
 * The characters ICAO 9303 allows at each position of each line: digits (or `<`) in dates and
 * check digits, letters (or `<`) in codes, sex and names, anything of the alphabet elsewhere.
 */
export function characterSets(format: MrzFormat): string[][] {
  const sets = rivalSets(format);
  // A state code begins with a letter: its fillers only ever follow its letters (ICAO 9303 part 3:
  // Germany is D<<). Measured: the Utopia card at 640 px read `I<<UT0D2I45…`, a filler inserted
  // before the state code and the document number shifted, both its check digits passing by
  // chance, in silence. Not the document code's first character: a filler read there is how rows
  // read backwards or out of order show they are no MRZ (read.ts `plausibility`), and forcing a
  // letter there made a card read upside down pass for a two-row document.
  for (const field of ["issuingState", "nationality"] as const) {
    const { line, start } = fieldSpan(format, field);
    (sets[line] as string[])[start] = CODE_LETTERS;
  }
  return sets;
}

/**
 * The characters each position's reading is weighed against for its margin (ocr/ctc.ts
 * `decodeFixedLengthScored`): `characterSets`, but a state code's first position keeps the
 * filler, which it may not hold yet may have been seen there: a letter forced where the recogniser
 * saw a filler is unsure (MRZ_LOW_CONFIDENCE), not read as sure.
 */
export function rivalSets(format: MrzFormat): string[][] {
  const { lines, length } = SHAPES[format];
  const sets = Array.from({ length: lines }, () => Array.from({ length }, () => MRZ_ALPHABET));
  const { digits, letters } = positionKinds(format);
  for (const [line, index] of digits) (sets[line] as string[])[index] = DIGITS;
  for (const [line, index] of letters) (sets[line] as string[])[index] = LETTERS;
  const sex = fieldSpan(format, "sex");
  (sets[sex.line] as string[])[sex.start] = "MFX<";
  return sets;
}

function setChar(lines: string[], line: number, index: number, c: string): void {
  const s = lines[line] ?? "";
  lines[line] = s.slice(0, index) + c + s.slice(index + 1);
}

/**
 * ICAO 9303 name fields (part 3, 4.6): name parts are joined by one `<` (a space, a hyphen or a
 * comma between two components becomes one filler; apostrophes are dropped), the primary and the
 * secondary identifier by two, and the rest of the field is filler. So three fillers in a row end
 * the name, and anything after them is not the document's (a watermark, a guilloche line or a
 * stain read as a letter: measured on a stock photo of the Czech specimen passport, whose
 * watermark put stray A and S in the filler). Structural, like the character set of a position:
 * no check digit is involved.
 *
 * Two fillers after the given names have begun end the name too: on small photos the filler after
 * the given names was read as C, K, S or X (`VZOR<<K<<`, `DIL<<C<C<<`, `SIDNAN<<XSXXX<S<<`), most of
 * them read sure. But some issuers do print a second `<<`, and a letter misread as `<` (`ANNA<<MARIA`
 * for `ANNA<MARIA`) would cut a real name part off: where a letter cleared there was read sure
 * (margin at least UNSURE_MARGIN), the name is reported unsure (`settledMargins`), never cut in
 * silence; the letters cleared stay in the repairs for the reviewer.
 */
const THREE_FILLERS = /[A-Z]<<</;
const TWO_FILLERS = /[A-Z]<</g;

/** Where the name's end leaves only fillers: positions [from, to) of row `line`. */
export interface NameTail {
  line: number;
  from: number;
  to: number;
  /** A letter read sure was cleared at a second `<<`: the name is in doubt (`settledMargins`). */
  clearedSure: boolean;
}

/**
 * The name's end in the name field `field`: past the three fillers, or past the two that follow
 * the given names (the second `[A-Z]<<`, or the first when the field begins with `<<`: no primary
 * identifier), whichever comes first; null when the name runs to the end of its field.
 * `afterThree`: where three fillers alone would end it (the field's length when they do not).
 */
function nameEnd(field: string): { at: number; why: string; afterThree: number } | null {
  const three = THREE_FILLERS.exec(field);
  const afterThree = three === null ? field.length : three.index + 4;
  const givenNamesEnd = [...field.matchAll(TWO_FILLERS)][field.startsWith("<<") ? 0 : 1];
  const afterTwo = givenNamesEnd === undefined ? field.length : givenNamesEnd.index + 3;
  if (afterTwo < afterThree) return { at: afterTwo, why: "two fillers after the given names", afterThree };
  return three === null ? null : { at: afterThree, why: "three fillers", afterThree };
}

function clearAfterNameEnd(
  lines: string[],
  format: MrzFormat,
  margin: readonly (readonly number[])[] | undefined,
  repairs: Repair[],
): NameTail | null {
  const { line, start, end } = fieldSpan(format, "lastName");
  const found = nameEnd((lines[line] ?? "").slice(start, end));
  if (found === null) return null;
  let clearedSure = false;
  for (let index = start + found.at; index < end; index++) {
    const c = (lines[line] ?? "").charAt(index);
    if (c === "<") continue;
    setChar(lines, line, index, "<");
    repairs.push({ line, index, from: c, to: "<", why: `character after the end of the name (${found.why})` });
    // A letter three fillers would not have cleared, read sure; without the recogniser's margins
    // (lines from elsewhere) nothing was read sure.
    if (index < start + found.afterThree && (margin?.[line]?.[index] ?? 0) >= UNSURE_MARGIN) clearedSure = true;
  }
  return { line, from: start + found.at, to: end, clearedSure };
}

export interface RepairedMrz {
  lines: string[];
  repairs: Repair[];
  /** Where the name's end left only fillers (null: the name runs to the end of its field). */
  nameTail: NameTail | null;
}

/**
 * Applies the name's end (clearAfterNameEnd), then steps 1 and 2, to lines of the right shape;
 * returns the repaired lines, what changed and the name's tail. `margin`: the recogniser's margin
 * of each character (read.ts `MrzReading.margin`), without which only three fillers end a name.
 */
export function repairMrz(
  input: readonly string[],
  format: MrzFormat,
  margin?: readonly (readonly number[])[],
): RepairedMrz {
  const lines = [...input];
  const repairs: Repair[] = [];
  const nameTail = clearAfterNameEnd(lines, format, margin, repairs);
  const { digits, letters } = positionKinds(format);
  for (const [line, index] of digits) {
    const c = (lines[line] ?? "").charAt(index);
    const d = TO_DIGIT[c];
    if (d !== undefined) {
      setChar(lines, line, index, d);
      repairs.push({ line, index, from: c, to: d, why: "letter in a numeric position" });
    }
  }
  for (const [line, index] of letters) {
    const c = (lines[line] ?? "").charAt(index);
    const a = TO_LETTER[c];
    if (a !== undefined) {
      setChar(lines, line, index, a);
      repairs.push({ line, index, from: c, to: a, why: "digit in an alphabetic position" });
    }
  }
  if (checkSpans(lines, format).every((c) => c.valid)) return { lines, repairs, nameTail };
  // Step 2: one look-alike substitution, accepted only if all checks pass. It must keep the
  // position's kind: numeric positions stay digits, alphabetic ones letters (a letter in a date
  // would otherwise "fix" a check digit through its value 10–35). And it must be a character the
  // recogniser was unsure of (`margin` under UNSURE_MARGIN), when margins are known: a character
  // read sure is evidence, as the printed check digit is. Without it, generated CCCD backs read
  // clean with one check digit of their second row altered came out valid 24 times in 300: a
  // digit of the optional data, read sure, became its look-alike letter (5 → S, 8 → B) so that
  // the composite passed. Substitutions of sure characters still count as candidates: where one
  // passes the checks too, the unsure one is no more likely the misread (3,000 generated MRZs, one
  // check digit altered, one look-alike read unsure: 18 read valid when they did not count, 6 now;
  // 112 with no margin rule).
  const numeric = new Set(digits.map(([l, i]) => `${l}:${i}`));
  const alphabetic = new Set(letters.map(([l, i]) => `${l}:${i}`));
  const isDigit = (ch: string) => ch >= "0" && ch <= "9";
  let found: Repair | null = null;
  let candidates = 0;
  for (let line = 0; line < lines.length; line++) {
    const text = lines[line] ?? "";
    for (let index = 0; index < text.length; index++) {
      const c = text.charAt(index);
      const key = `${line}:${index}`;
      for (const alt of LOOK_ALIKES[c] ?? []) {
        if ((numeric.has(key) && !isDigit(alt)) || (alphabetic.has(key) && isDigit(alt))) continue;
        const trial = [...lines];
        setChar(trial, line, index, alt);
        if (checkSpans(trial, format).every((s) => s.valid)) {
          candidates++;
          found ??= {
            line,
            index,
            from: c,
            to: alt,
            why: "single look-alike substitution confirmed by check digits",
          };
        }
      }
    }
  }
  // Two different substitutions that both validate: ambiguous, keep the read as it is.
  const unsure = found !== null && (margin?.[found.line]?.[found.index] ?? 0) < UNSURE_MARGIN;
  if (found !== null && candidates === 1 && unsure) {
    setChar(lines, found.line, found.index, found.to);
    repairs.push(found);
  }
  return { lines, repairs, nameTail };
}

/**
 * Each character's margin (read.ts `MrzReading.margin`) with the name's tail (`repairMrz`) counted
 * as sure: the structure, not the recogniser, says those positions hold fillers, so a stray mark
 * read there with a low margin, and cleared, is no doubt about the name (mrz/confidence.ts would
 * otherwise report the name as unsure). Where a letter read sure was cleared at a second `<<`
 * (`NameTail.clearedSure`), the tail's margins are 0 instead: the recogniser saw a letter where
 * the structure says filler, so the name is reported unsure and goes to a reviewer.
 */
export function settledMargins(margin: readonly (readonly number[])[], tail: NameTail | null): number[][] {
  const settled = margin.map((line) => [...line]);
  const row = tail === null ? undefined : settled[tail.line];
  if (tail !== null && row !== undefined) row.fill(tail.clearedSure ? 0 : 1, tail.from, tail.to);
  return settled;
}
