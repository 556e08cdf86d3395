/**
 * Finds and reads the MRZ on a card or passport photo with PaddleOCR (ocr/paddle.ts): detect
 * text lines on a 640 px copy, keep the long thin ones (MRZ lines are the longest text on a
 * card), recognise the last three on the full-resolution image (squeezed first where check digits
 * will confirm the reading, `readOneWay`), and decode each line to exactly 30 (TD1), 36 (TD2,
 * MRV-B visas) or 44 (TD3 passports, MRV-A visas) characters with the ICAO character set of every
 * position (digits in dates, letters in names). Fixed-length decoding puts back the characters
 * greedy decoding drops (a letter before `<`, one `<` of a run); nothing is guessed that the check
 * digits could not then refute.
 * Fallbacks: the card upside down (the same boxes read the other way), a copy turned level when
 * the rows run 4–45° off level and nothing valid was read (mrz/level.ts), a quarter turn when the
 * long lines run up and down, a larger detection pass for small or far-away cards, rows the
 * detector missed or boxed short predicted from the block's geometry (mrz/predicted-rows.ts); when
 * nothing valid was read, small rows read again from a thicker crop, then rows found by their
 * texture (mrz/texture-rows.ts), then a small photo searched again sharpened (mrz/sharpened.ts).
 * Where a misread that passes its check digits is likely (small rows, an unsure field), the rows
 * are read again from other crops and the fields the readings disagree on are reported; so is a
 * check digit that failed in a whole block and passes in the reading that replaced it. Only a
 * character two crops of small rows read alike against the third is taken from them, still
 * reported, and never so that a check digit's result changes (mrz/agreement.ts `outvoted`).
 */
import { MrzFormatError } from "../errors.ts";
import { decodeFixedLengthScored, greedyDecode, greedyStarts, type CtcFrames } from "../ocr/ctc.ts";
import type { PaddleOcr } from "../ocr/paddle.ts";
import type { GrayImage } from "../ocr/gray.ts";
import { mergeRows, reversed, type TextBox } from "../ocr/text-boxes.ts";
import {
  applyVotes,
  checksPassingOnlyIn,
  differingPositions,
  disagreeingFields,
  fieldsAt,
  outvoted,
  type ScoredLines,
  type Vote,
} from "./agreement.ts";
import { budgeted, BudgetSpent, newSearchTrace, type MrzSearchTrace } from "./budget.ts";
import { unsureFields } from "./confidence.ts";
import { LAYOUTS, SHAPES } from "./layout.ts";
import { blockGeometry, predictedBlocks, predictedBox, type AnchorRow } from "./predicted-rows.ts";
import { alignRow } from "./row-alignment.ts";
import { alignedBlocks, rowCuts, type RowCut } from "./row-block.ts";
import { isSmallPhoto, sharpenedCopy } from "./sharpened.ts";
import { DETECTOR_THICKNESS_PER_CROP, textureRows } from "./texture-rows.ts";
import { dominantAngle, turned } from "./level.ts";
import { checkLines, isVisa, parseMrz, type MrzData, type MrzFormat } from "./parse.ts";
import { characterSets, MRZ_ALPHABET, repairMrz, rivalSets, settledMargins, type Repair } from "./repair.ts";

export interface MrzReading {
  lines: string[];
  /**
   * Per line, each character's confidence from the recogniser (`decodeFixedLengthScored`): the
   * highest probability it gave that character in a frame of its path.
   */
  confidence: number[][];
  /**
   * Per line, each character's share against the likeliest other character its position allows
   * (`decodeFixedLengthScored`'s margin): low when two characters the field may hold competed.
   * The MRZ_LOW_CONFIDENCE signal (mrz/confidence.ts) reads it.
   */
  margin: number[][];
  data: MrzData;
  repairs: Repair[];
  attempt: string;
  /**
   * Median height in pixels of the MRZ rows' boxes on the working image (the detector's box, its
   * margin included: about 1.4 × the character height). The resolution signal (tamper.ts) reads it.
   */
  rowHeightPx: number;
  /**
   * Fields another, independent reading of the same rows read otherwise (mrz/agreement.ts), each
   * passing its check digits in both, an outvoted character's field included: empty when the
   * readings agree or no second reading was needed (`secondReading`). The MRZ_READS_DISAGREE
   * signal (tamper.ts) reads it.
   */
  disagreements: string[];
}

/**
 * Long side of the copy the detector sees, and of the larger copy for small text. 512 instead of
 * 640 for large photos was measured ≈ 35 % cheaper for the detector but changed the boxes enough
 * to drop a name letter (no check digit guards names) on 1 of 60 honest generated cards: kept 640.
 */
const NATIVE_SIDE = 640,
  ENLARGED_SIDE = 1280;

/** MRZ rows turned by more than this are read from a copy of the photo turned level first. */
const LEVELLED_DEGREES = 4;

/** Boxes considered for MRZ rows, longest first. */
const MAX_BOXES = 200;

/** MRZ lines: at least 55 % as long as the longest line found and at least 8 times longer than high. */
export function mrzRows(boxes: readonly TextBox[]): TextBox[] {
  // Row merging compares boxes pairwise: a photo of noise can yield thousands of specks, so only
  // the longest boxes (where MRZ lines and their pieces are) take part.
  const rows = mergeRows([...boxes].sort((a, b) => b.length - a.length).slice(0, MAX_BOXES));
  const longest = Math.max(0, ...rows.map((b) => b.length));
  return rows.filter((b) => b.length >= 0.55 * longest && b.length / Math.max(1, b.thickness) >= 8);
}

/** Rows in reading order: top to bottom as seen along the text direction. */
function inReadingOrder(rows: readonly TextBox[]): TextBox[] {
  const [first] = rows;
  if (first === undefined) return [];
  const across = (b: TextBox) => -b.cx * first.uy + b.cy * first.ux;
  return [...rows].sort((a, b) => across(a) - across(b));
}

interface Decoded {
  format: MrzFormat;
  lines: string[];
  confidence: number[][];
  margin: number[][];
}

/** Decodes the last `count` rows as `format`, or null when a row has too few frames. */
function decodeAs(frames: readonly CtcFrames[], format: MrzFormat): Decoded | null {
  const { lines: count, length } = SHAPES[format];
  if (frames.length < count) return null;
  const sets = characterSets(format),
    rivals = rivalSets(format);
  const chosen = frames.slice(frames.length - count);
  const lines: string[] = [],
    confidence: number[][] = [],
    margin: number[][] = [];
  for (const [i, f] of chosen.entries()) {
    const line = decodeFixedLengthScored(f, length, sets[i], rivals[i]);
    if (line === null) return null;
    lines.push(line.text);
    confidence.push(line.confidence);
    margin.push(line.margin);
  }
  return { format, lines, confidence, margin };
}

/**
 * Characters a 2 × 36 block's rows (a TD2 card, an MRV-B visa) may read beyond their length and
 * still be decoded whole, forced into it: they have no cut path (`trimmedDecoding` cuts TD3 rows,
 * `trimmedCardDecoding` TD1's). Without it such rows fit only TD3 and are stretched to 44
 * characters: a review measured 60 generated MRV-B visas with one stray character read as valid
 * MRV-A visas 29 times (10 read wrong when forced into 36), and 60 TD2 cards refused (32 exact).
 * Forced, they can read wrong in silence (a second review: 6 of 100 TD2 cards joined with 1–6 page
 * characters); a TD2 cut path would end both, and is not built.
 */
const TD2_OVERLONG = 6;

/**
 * The shapes the rows can be: TD1 when three MRZ rows were found; TD3 (2 × 44) or TD2 (2 × 36)
 * for two, the one nearer the greedy lengths first (with more rows, the bottom ones). A shape
 * counts only if its rows read like an MRZ: filler `<` in all rows but at most one, at least a
 * third of the shape's length (greedy decoding runs fillers together), and no longer than it
 * (TD2's: TD2_OVERLONG more). A row read longer holds other text (a page's words joined to the
 * row by the detector): forced into the shape's length, the fixed-length decoding drops
 * characters wherever the model likes least, and the check digits pass by chance (measured with
 * generated passports joined with 1–3 characters of a page: 24 of 300 read valid and wrong in
 * silence, 5 with an altered check digit read valid). Such rows of a TD1 or TD3 are cut instead
 * (`trimmedDecoding`, `trimmedCardDecoding`), under the rules of a printed block. Trying a second
 * shape costs no recognition, only a decoding of the same frames.
 */
export function formatsFor(texts: readonly string[]): MrzFormat[] {
  const plausible = (format: MrzFormat): boolean => {
    const { lines: count, length } = SHAPES[format];
    const rows = texts.slice(texts.length - count);
    // Greedy decoding drops repeated `<`, so a line of fillers reads much shorter than it is.
    return (
      rows.length === count &&
      rows.filter((t) => t.includes("<")).length >= count - 1 &&
      rows.every((t) => t.length >= length / 3 && t.length <= length + (format === "TD2" ? TD2_OVERLONG : 0))
    );
  };
  const lastTwo = texts.slice(-2);
  const twoLines: MrzFormat[] =
    lastTwo.reduce((sum, t) => sum + t.length, 0) / Math.max(1, lastTwo.length) > 40 ? ["TD3", "TD2"] : ["TD2", "TD3"];
  const order: MrzFormat[] =
    texts.length >= 3 && lastTwo.every((t) => t.length > 37) ? [...twoLines, "TD1"] : ["TD1", ...twoLines];
  return order.filter(plausible);
}

function parseOrNull(lines: string[], now: Date): MrzData | null {
  try {
    return parseMrz(lines, now);
  } catch (error) {
    if (error instanceof MrzFormatError) return null;
    throw error;
  }
}

/**
 * Height of a detected line box (on the detector's copy) below which lines may be missed or
 * merged: MRZ lines of a card filling a phone photo come out ≈ 22 px at 640.
 */
const SMALL_TEXT_PX = 10;

/** No detected line is tall enough on the detector's copy: worth looking again at a larger copy. */
function textTooSmall(boxes: readonly TextBox[], image: GrayImage, longSide: number): boolean {
  const scale = longSide / Math.max(image.width, image.height);
  return boxes.every((b) => b.thickness * scale < SMALL_TEXT_PX);
}

/**
 * First letter of the document code each shape may carry (ICAO 9303 parts 4–7): P passports and V
 * visas (MRV-A) in TD3; I, A, C official travel documents in TD1 and TD2, and MRV-B visas (V) in
 * TD2. A passport read as two rows of 36 is a TD3 whose rows were cut short (measured: the tilted
 * Canadian photo turned 12° more, its rows found short on the levelled copy, read as a TD2 whose
 * composite digit passed by chance, with half its name).
 */
const DOCUMENT_CODES: Record<MrzFormat, RegExp> = { TD1: /^[IAC]/, TD2: /^[IACV]/, TD3: /^[PV]/ };

/**
 * How much a parsed reading looks like a real MRZ: a document code of its format
 * (DOCUMENT_CODES), a real date of birth, then the number of valid check digits. Read backwards, an
 * MRZ still "passes" the checks of its all-filler fields, so the checks alone do not decide.
 */
function plausibility(data: MrzData): number {
  return (
    (DOCUMENT_CODES[data.format].test(data.documentCode) ? 100 : 0) +
    (data.dateOfBirth !== null ? 50 : 0) +
    data.checks.filter((c) => c.valid).length
  );
}

/** A document code and a real date of birth: upright, so failing check digits are the card's own. */
export const isFinal = (data: MrzData): boolean => plausibility(data) >= 150;

/**
 * Final, or a document code of its format with every check digit valid: upright all the same, so
 * its fields are worth comparing with other readings of its rows (`secondReading`) even when its
 * printed date of birth is no date: unknown (`<<<<<<`, or a year alone, as ICAO 9303 writes it on
 * a refugee's or a stateless person's travel document) or impossible (the Czech specimen
 * passport's 29 February 2011, whose surname read SPECIHEN at 280 px in silence before).
 */
const comparable = (data: MrzData): boolean =>
  isFinal(data) || (data.valid && DOCUMENT_CODES[data.format].test(data.documentCode));

/**
 * Half the characters of every line read with a confidence of at least this: an MRZ the
 * recogniser could read (its lines' medians were ≥ 0.98 on generated cards turned by 90° and 270°), not
 * rows of something else forced into the MRZ's shape (a card sideways read along its columns:
 * medians 0.00–0.25, yet a document code and a date of birth).
 */
const LEGIBLE_MEDIAN_CONFIDENCE = 0.5;

export function legible(reading: MrzReading): boolean {
  return reading.confidence.every((line) => {
    const sorted = [...line].sort((a, b) => a - b);
    return (sorted[Math.floor(sorted.length / 2)] ?? 0) >= LEGIBLE_MEDIAN_CONFIDENCE;
  });
}

/** The image turned a quarter clockwise: a card photographed sideways, its lines made horizontal. */
export function rotateQuarter(image: GrayImage): GrayImage {
  const { width, height, data } = image;
  const out = new Uint8Array(width * height);
  // Output (x, y), width = old height: comes from old (y, height - 1 - x).
  for (let y = 0; y < width; y++)
    for (let x = 0; x < height; x++) out[y * height + x] = data[(height - 1 - x) * width + y] as number;
  return { data: out, width: height, height: width };
}

/**
 * Some of the MRZ-shaped rows run up and down, though not most long lines: a passport opened flat
 * and turned a quarter, whose facing page's lines run across (measured: the UK passport scan
 * turned 90° and 270°, 4 of its 13 MRZ-shaped rows up and down).
 */
function someVertical(rows: readonly TextBox[]): boolean {
  return rows.some((b) => Math.abs(b.uy) > Math.abs(b.ux));
}

/** Most of the long text lines run up and down: the card lies sideways in the photo. */
function mostlyVertical(boxes: readonly TextBox[]): boolean {
  const longest = boxes.reduce((max, b) => Math.max(max, b.length), 0); // (no spread: boxes may be many)
  const long = boxes.filter((b) => b.length >= 0.55 * longest);
  return long.length > 0 && long.filter((b) => Math.abs(b.uy) > Math.abs(b.ux)).length * 2 > long.length;
}

function medianThickness(boxes: readonly TextBox[]): number {
  const sorted = boxes.map((b) => b.thickness).sort((a, b) => a - b);
  return Math.round((sorted[Math.floor(sorted.length / 2)] ?? 0) * 10) / 10;
}

/**
 * Width of the squeezed recognition, as a fraction of a row's natural width: the recogniser's cost
 * is linear in the width, and at 0.6 an MRZ character still spans about 2.5 frames, enough for CTC
 * to separate a run of fillers. Only rows whose reading the check digits then confirm keep a
 * squeezed reading; the rest are read at full width (`readOneWay`).
 */
export const SQUEEZED_WIDTH = 0.6;

/**
 * Rows thinner than this on the image (the detector's box, ≈ 1.4 × the character height) are never
 * squeezed: small characters, already enlarged to the recogniser's 48 px, lose the strokes that
 * tell them apart. Measured: the real-photo TD1 specimen downscaled to 300 px wide (rows ≈ 14 px)
 * read squeezed dropped a letter of its first row, and the document-number overflow rule of TD1
 * let the shifted row pass its check digits. Photos of a card filling the frame give rows of
 * 22–50 px.
 */
export const MIN_SQUEEZED_ROW_PX = 20;

/**
 * The upscaling pass for small text: rows under MIN_SQUEEZED_ROW_PX are recognised stretched to
 * 1.4 × their natural width (up to the recogniser's widest crop), so that each of their
 * characters, enlarged from ≈ 8–14 px to the recogniser's 48 px height, spans more CTC frames.
 * Measured on the real-photo development set downscaled to 250 and 280 px wide (characters
 * ≈ 6–9 px): 16 of 18 images fully valid and 9 exact, against 15 and 7 at their natural width
 * (the TD1 specimen at 280 px lost a letter of its first row; the UK passport at 250 px read a
 * filler of its second row as A). 1.8 measured the same as 1.4: the widest crop caps both.
 */
export const SMALL_ROW_WIDTH = 1.4;

/** The width scale a row is recognised at unsqueezed: SMALL_ROW_WIDTH (× `factor`) when it is small, else 1. */
const naturalWidth = (box: TextBox, factor = 1): number =>
  box.thickness < MIN_SQUEEZED_ROW_PX ? SMALL_ROW_WIDTH * factor : 1;

/** The best reading of the rows' frames over the shapes they may be (null: none parses). */
function bestDecoding(
  frames: readonly CtcFrames[],
  boxes: readonly TextBox[],
  attempt: string,
  now: Date,
): MrzReading | null {
  let best: MrzReading | null = null;
  for (const format of formatsFor(frames.map(greedyDecode))) {
    const decoded = decodeAs(frames, format);
    if (decoded === null) continue;
    const { lines, repairs, nameTail } = repairMrz(decoded.lines, decoded.format, decoded.margin);
    const data = parseOrNull(lines, now);
    if (data === null) continue;
    const reading = {
      lines,
      confidence: decoded.confidence,
      margin: settledMargins(decoded.margin, nameTail),
      data,
      repairs,
      attempt,
      rowHeightPx: medianThickness(boxes.slice(-SHAPES[format].lines)),
      disagreements: [],
    };
    if (data.valid && isFinal(data)) return reading;
    if (best === null || plausibility(data) > plausibility(best.data)) best = reading;
  }
  return best;
}

/** Most blocks of cut rows tried (`decodedBlocks`): more, and the rows are not read so. */
const MAX_TRIMMED_COMBINATIONS = 640;

/**
 * Some row reads more characters than an MRZ row of `length`: it holds other text, and is cut
 * (`formatsFor` gives it no shape to be forced into).
 */
const readsLonger = (rows: readonly CtcFrames[], length: number): boolean =>
  rows.some((f) => greedyStarts(f).length > length);

/** See `checkDigitsSure`. */
const SURE_CHECK_DIGIT_CONFIDENCE = 0.5;

/** Furthest an MRZ's cut rows may begin apart along the rows, in character pitches (`printedBlock`). */
const BLOCK_ALIGNMENT = 0.5;

/**
 * The MRZ in rows that carry other text on the same line (a passport photographed on a printed
 * page: the page's words beside each MRZ row, joined to it by the detector, before it, after it or
 * both). Each row is tried as it is and cut where an MRZ row can begin and end (mrz/row-block.ts
 * `rowCuts`; TD3_ROW_BEGINS, TD3_ROW_ENDS). A cut is kept only where it reads no more characters
 * than an MRZ row (more is other text that the fixed-length decoding would squeeze into the row,
 * dropping a character of the document number where the page's word was, or keeping the page's
 * word after a name that fills its row: measured with generated passports), and the two rows' cuts
 * only where they begin at the same place on the image, as the rows of one printed block do
 * (BLOCK_ALIGNMENT). Best aligned first, then the cuts nearest an MRZ row's length
 * (`decodedBlocks`).
 */
function trimmedDecoding(
  frames: readonly CtcFrames[],
  boxes: readonly TextBox[],
  attempt: string,
  now: Date,
): MrzReading | null {
  // Passports only (TD3, the longest rows): a TD3 row trimmed to 36 characters can pass for a TD2
  // (measured: the ICAO specimen passport at 300 px, read as a TD2 whose composite check passed by
  // chance), and a TD1's three rows are cut as a block of three (`trimmedCardDecoding`).
  const format = "TD3";
  const { lines: count, length } = SHAPES[format];
  if (frames.length < count || boxes.length < count) return null;
  const rows = frames.slice(-count),
    rowBoxes = boxes.slice(-count);
  if (!readsLonger(rows, length)) return null;
  const direction = rowBoxes[0] as TextBox;
  const cuts = rows.map((f, i) =>
    rowCuts(
      f,
      rowBoxes[i] as TextBox,
      length,
      direction,
      TD3_ROW_BEGINS[i] as RegExp,
      TD3_ROW_ENDS[i] as RegExp,
    ).filter((cut) => cut.characters <= length),
  );
  // The ends are not compared: greedy decoding runs a name's fillers together, so the first
  // row's last character is found short of its end.
  const offLength = (block: readonly RowCut[]): number => block.reduce((sum, cut) => sum + length - cut.characters, 0);
  const blocks = alignedBlocks(cuts, BLOCK_TOLERANCE * medianThickness(rowBoxes), { ends: false })
    .filter(printedBlock)
    .sort((a, b) => beginSpread(a) - beginSpread(b) || offLength(a) - offLength(b));
  return decodedBlocks(blocks, format, `${attempt}-trimmed`, rowBoxes, now);
}

/**
 * One printed block: every row's cut begins within BLOCK_ALIGNMENT character pitches of the second
 * row's (a cut one character off reads a shifted number that can pass its check digit and the
 * composite by chance: measured on the Azerbaijani page at full size; on a card, a name row cut one
 * character early reads a letter of the words before it into the name, which no check digit
 * guards). The pitch is the second row's, which ends at its composite check digit in every shape.
 */
function printedBlock(block: readonly RowCut[]): boolean {
  const numbers = block[1];
  if (numbers === undefined) return false;
  const pitch = (numbers.end - numbers.begin) / Math.max(1, numbers.characters - 1);
  return block.every((cut) => Math.abs(cut.begin - numbers.begin) <= BLOCK_ALIGNMENT * pitch);
}

/** How far apart the cuts' first characters lie along the rows, and their last. */
const beginSpread = (block: readonly RowCut[]): number =>
    Math.max(...block.map((c) => c.begin)) - Math.min(...block.map((c) => c.begin)),
  endSpread = (block: readonly RowCut[]): number =>
    Math.max(...block.map((c) => c.end)) - Math.min(...block.map((c) => c.end));

/**
 * The MRZ of `format` that blocks of cut rows read, valid and with every check digit read sure
 * (`validCandidateReading`, `checkDigitsSure`): the first such block's, best first. Choosing among
 * many cuts, a reading proves itself only where no other cut reads otherwise: each other valid
 * reading's differing fields are reported as disagreements (MRZ_READS_DISAGREE), whichever
 * fields they are. Null when none reads valid, and when there are more than MAX_TRIMMED_COMBINATIONS
 * blocks (rows that cut so many ways are not read so). Each cut is decoded once.
 */
export function decodedBlocks(
  blocks: readonly (readonly RowCut[])[],
  format: MrzFormat,
  attempt: string,
  rowBoxes: readonly TextBox[],
  now: Date,
): MrzReading | null {
  if (blocks.length > MAX_TRIMMED_COMBINATIONS) return null;
  const { length } = SHAPES[format];
  const sets = characterSets(format),
    rivals = rivalSets(format);
  const decodedCuts = new Map<RowCut, ReturnType<typeof decodeFixedLengthScored>>();
  const decode = (cut: RowCut, i: number): ReturnType<typeof decodeFixedLengthScored> => {
    if (!decodedCuts.has(cut)) decodedCuts.set(cut, decodeFixedLengthScored(cut.frames, length, sets[i], rivals[i]));
    return decodedCuts.get(cut) ?? null;
  };
  let found: MrzReading | null = null;
  const disagreements = new Set<string>();
  for (const block of blocks) {
    const decoded = block.map(decode);
    if (decoded.some((line) => line === null)) continue;
    const read = decoded as { text: string; confidence: number[]; margin: number[] }[];
    const reading = validCandidateReading(read, format, attempt, rowBoxes, now);
    if (reading === null || !checkDigitsSure(reading.confidence, format)) continue;
    if (found === null) found = reading;
    else
      for (const field of fieldsAt(found.lines, differingPositions(found.lines, reading.lines)))
        disagreements.add(field);
  }
  return found === null ? null : { ...found, disagreements: [...disagreements] };
}

/**
 * Rows read from boxes other than the detector's as they are (a combination of trimmed rows, or
 * predicted rows: mrz/predicted-rows.ts) as a reading, when it is a valid MRZ with a document code
 * and a date of birth (choosing among many trims or placements, a partial or failing reading proves
 * nothing); else null. `attempt` names the way it was read.
 */
function validCandidateReading(
  decoded: readonly { text: string; confidence: number[]; margin: number[] }[],
  format: MrzFormat,
  attempt: string,
  rowBoxes: readonly TextBox[],
  now: Date,
): MrzReading | null {
  const margin = decoded.map((l) => l.margin);
  const { lines, repairs, nameTail } = repairMrz(
    decoded.map((l) => l.text),
    format,
    margin,
  );
  const data = parseOrNull(lines, now);
  if (data === null || !data.valid || !isFinal(data)) return null;
  return {
    lines,
    confidence: decoded.map((l) => l.confidence),
    margin: settledMargins(margin, nameTail),
    data,
    repairs,
    attempt,
    rowHeightPx: medianThickness(rowBoxes),
    disagreements: [],
  };
}

/**
 * Where each TD1 row may begin and end (ICAO 9303 part 5): the first with its document code (I, A,
 * C; the I often read as 1 beside the digits of a date) and ends with optional data; the second
 * begins with the date of birth and ends with the composite check digit; the third, the name,
 * begins with a letter and ends with a letter or a filler.
 */
const TD1_ROW_BEGINS = [/[IAC1]/, /[0-9]/, /[A-Z]/],
  TD1_ROW_ENDS = [/[0-9A-Z<]/, /[0-9]/, /[A-Z<]/];

/**
 * Where each TD3 row may be cut to begin and end: the first at a passport's document code P or a
 * visa's V (MRV-A), ending with a name's letter or a filler; the second with the document number,
 * ending with a passport's composite check digit or a visa's optional data (a filler or a digit).
 * V was left out while fewer rules held a block together: a V of the page's word before a
 * passport's P lies one character off, and a visa has no composite to catch a cut read by chance
 * (the first review measured V cuts as 6 of 8 altered check digits read valid). Under the rules of
 * a printed block (`printedBlock`, the cut's length, sure check digits) it costs nothing measured:
 * 100 generated passports joined with 4–10 page characters, and 100 with 1–6, read as before (97
 * and 100 exact, none wrong, no altered check digit valid), and visas so joined went from none
 * read to 96 and 100 exact, none wrong, none altered read valid.
 */
const TD3_ROW_BEGINS = [/[PV]/, /[A-Z0-9]/],
  TD3_ROW_ENDS = [/[A-Z<]/, /[0-9<]/];

/**
 * Largest distance between the rows' first (and last) characters along the rows for them to be
 * one block, as a fraction of the rows' median thickness (about 2 MRZ characters).
 */
const BLOCK_TOLERANCE = 0.8;

/**
 * An ID card's MRZ whose rows the detector joined with other words on their lines (a card's front
 * photographed beside its back): each row as it is and cut (mrz/row-block.ts), combined only
 * where the three cuts form one block, the best aligned first; kept only when every check digit
 * is valid and read sure (`checkDigitsSure`), with a document code and a date of birth.
 */
function trimmedCardDecoding(
  frames: readonly CtcFrames[],
  boxes: readonly TextBox[],
  attempt: string,
  now: Date,
): MrzReading | null {
  const { lines: count, length } = SHAPES.TD1;
  if (frames.length < count || boxes.length < count) return null;
  const rows = frames.slice(-count),
    rowBoxes = boxes.slice(-count);
  // Only when a row reads longer than an MRZ row (as `trimmedDecoding` asks): a card whose printed
  // check digit is wrong, read as it is, is never cut (measured when more than 3 extra characters
  // were asked: none of 168 generated card backs, tampered ones included, is cut; without the
  // condition, the 6 with an altered check digit were. Asking for 1, every figure of
  // `bench:documents` on generated cards is unchanged).
  if (!readsLonger(rows, length)) return null;
  const direction = rowBoxes[0] as TextBox;
  // A cut reads no more characters than an MRZ row, as a passport's (`trimmedDecoding`).
  const cuts = rows.map((f, i) =>
    rowCuts(
      f,
      rowBoxes[i] as TextBox,
      length,
      direction,
      TD1_ROW_BEGINS[i] as RegExp,
      TD1_ROW_ENDS[i] as RegExp,
    ).filter((cut) => cut.characters <= length),
  );
  const spread = (block: readonly RowCut[]): number => beginSpread(block) + endSpread(block);
  const blocks = alignedBlocks(cuts, BLOCK_TOLERANCE * medianThickness(rowBoxes))
    .filter(printedBlock)
    .sort((a, b) => spread(a) - spread(b));
  return decodedBlocks(blocks, "TD1", `${attempt}-trimmed`, rowBoxes, now);
}

/**
 * Each check digit of the format's layout read with a confidence of at least
 * SURE_CHECK_DIGIT_CONFIDENCE. Where a reading is chosen among several (a TD1's three rows cut out
 * of any three long rows, a passport's or a page's; rows predicted from the block's geometry,
 * mrz/predicted-rows.ts; small rows read from a second crop, `thickerReading`) or read from rows no
 * text detector found (`textureReading`: anything long and striped), its check digits must be
 * digits the recogniser saw, not letters forced into digits by the positions' character sets, whose
 * check would pass once in ten tries.
 */
function checkDigitsSure(confidence: readonly (readonly number[])[], format: MrzFormat): boolean {
  return Object.entries(LAYOUTS[format]).every(([field, spans]) => {
    const span = spans?.[0];
    if (!field.endsWith("CheckDigit") || span === undefined) return true;
    return (confidence[span.line]?.[span.start] ?? 0) >= SURE_CHECK_DIGIT_CONFIDENCE;
  });
}

/**
 * A reading from rows or crops other than the search's own (predicted rows, texture rows, a thicker
 * crop) is kept only when it proves itself: a valid MRZ with a document code and a date of birth,
 * every check digit read sure (`checkDigitsSure`), and legible. A partial or failing reading of
 * guessed rows proves nothing.
 */
function acceptedRetry(reading: MrzReading): boolean {
  return (
    reading.data.valid &&
    isFinal(reading.data) &&
    legible(reading) &&
    checkDigitsSure(reading.confidence, reading.data.format)
  );
}

/** The reading when it is a valid MRZ, else the trimmed rows' reading when one is, else the reading. */
function orTrimmed(
  reading: MrzReading | null,
  frames: readonly CtcFrames[],
  boxes: readonly TextBox[],
  attempt: string,
  now: Date,
): MrzReading | null {
  if (reading !== null && reading.data.valid && isFinal(reading.data)) return reading;
  // Only rows where an MRZ shows (fillers) are worth trimming: lines of prose are not.
  if (!frames.some((f) => greedyDecode(f).includes("<<"))) return reading;
  return trimmedDecoding(frames, boxes, attempt, now) ?? trimmedCardDecoding(frames, boxes, attempt, now) ?? reading;
}

/**
 * The row that holds the name, which no check digit protects, if the rows are an MRZ: the last
 * of three (TD1), the first of the last two (TD2, TD3).
 */
const likelyNameRow = (rowCount: number): number => (rowCount >= 3 ? rowCount - 1 : rowCount - 2);

/**
 * Which of `rowCount` recognised rows a reading needs at full width: the rows holding characters
 * no check digit protects in its shape (the name row; every row of a visa, whose optional data
 * carry none), and the rows holding a failed check digit or the characters it protects. Every
 * row when the reading is not a plausible MRZ (no document code or date of birth).
 */
export function rowsNeedingFullWidth(reading: MrzReading | null, rowCount: number): number[] {
  const all = Array.from({ length: rowCount }, (_, i) => i);
  if (reading === null || !isFinal(reading.data)) return all;
  const { format } = reading.data;
  const offset = rowCount - SHAPES[format].lines;
  if (isVisa(reading.lines)) return all.slice(offset);
  const rows = new Set<number>([offset + (format === "TD1" ? 2 : 0)]);
  for (const check of reading.data.checks)
    if (!check.valid) for (const line of checkLines(format, check.name)) rows.add(offset + line);
  return [...rows].sort((a, b) => a - b);
}

/**
 * A squeezed row holding a character the recogniser gave less than this probability is read again
 * at full width, whatever its check digits say. Measured on generated card backs turned by 20°
 * (-20°, 200°, 290°; 18 readings): every squeezed row that read wrong yet passed its check digits
 * (5 rows: a shifted filler, a composite check passing by chance) held a character at 0.06 or
 * less, while no row read right fell under 0.45; read at full width, all five were right.
 */
export const MIN_SQUEEZED_CONFIDENCE = 0.2;
/** How sure a full-width reading of such rows must be to replace their squeezed reading. */
export const SURE_CONFIDENCE = 0.5;

/** The lowest confidence of a character in the given rows (of `rowCount` recognised) of the reading. */
function weakest(reading: MrzReading, rows: readonly number[], rowCount: number): number {
  const offset = rowCount - reading.confidence.length;
  return Math.min(...rows.flatMap((row) => reading.confidence[row - offset] ?? []));
}

/** Rows (indices into the `rowCount` recognised) with a character under MIN_SQUEEZED_CONFIDENCE. */
export function unsureRows(reading: MrzReading | null, rowCount: number): number[] {
  if (reading === null) return [];
  const offset = rowCount - reading.confidence.length;
  return reading.confidence.flatMap((line, j) => (Math.min(...line) < MIN_SQUEEZED_CONFIDENCE ? [offset + j] : []));
}

/**
 * Where each reading's rows lie: the image they were read on (the photo, or turned a quarter), their
 * boxes and the crop read, for other readings of the same rows (`thickerReading`, `secondReading`)
 * and for whether they were a whole block (`wholeBlock`). Not kept for trimmed rows, whose frames
 * were cut from a longer box.
 */
const rowSources = new WeakMap<MrzReading, RowSource>();

interface RowSource {
  image: GrayImage;
  boxes: readonly TextBox[];
  /** The crop the reading was read from (OWN_CROP, or THICKER_CROP). */
  crop: Crop;
}

function remembered(reading: MrzReading | null, image: GrayImage, boxes: readonly TextBox[]): MrzReading | null {
  if (reading !== null && !reading.attempt.endsWith("-trimmed"))
    rowSources.set(reading, { image, boxes: boxes.slice(-SHAPES[reading.data.format].lines), crop: OWN_CROP });
  return reading;
}

/**
 * Reads the rows one way up in two passes: first every row squeezed (SQUEEZED_WIDTH) but the likely
 * name row and rows too small to squeeze (MIN_SQUEEZED_ROW_PX); then, at full width, the squeezed rows the reading needs so
 * (`rowsNeedingFullWidth`) and those the recogniser was unsure of (`unsureRows`). A CCCD whose check digits all pass costs 2 × 0.6 + 1 row widths
 * instead of 3. The second reading replaces the first when it is at least as plausible: a printed
 * check digit that is wrong is read wrong twice and still reported, never corrected. `onlyIfValid`:
 * the first reading is returned as it is when a check digit fails (no second pass). `unsqueezed`:
 * no row squeezed, each read at once at its `naturalWidth` (rows not from the detector:
 * `textureReading`).
 */
export async function readOneWay(
  engine: PaddleOcr,
  image: GrayImage,
  boxes: readonly TextBox[],
  attempt: string,
  now: Date,
  options: { onlyIfValid?: boolean; unsqueezed?: boolean } = {},
): Promise<{ reading: MrzReading | null; texts: string[] }> {
  const scales = boxes.map((box, i) =>
    box.thickness < MIN_SQUEEZED_ROW_PX || i === likelyNameRow(boxes.length) || options.unsqueezed === true
      ? naturalWidth(box)
      : SQUEEZED_WIDTH,
  );
  const frames = await engine.readLines(image, boxes, MRZ_ALPHABET, { widthScales: scales });
  const first = bestDecoding(frames, boxes, attempt, now);
  const texts = frames.map(greedyDecode);
  // Rows with no MRZ shape, not even fillers in a row read at full width, are printed text: not
  // worth a second look. A squeezed reading of a noisy MRZ can lose its shape, so fillers in the
  // full-width row are enough to look again (measured: a strongly noisy card read null otherwise).
  // A small row is read unsqueezed at SMALL_ROW_WIDTH, its full width too (measured: the
  // Azerbaijani passport on a printed page at 400–640 px wide, whose rows, joined with the page's
  // words, fit no shape's length and were never cut).
  const fillersUnsqueezed = frames.some((f, i) => (scales[i] as number) >= 1 && greedyDecode(f).includes("<<"));
  if (first === null && formatsFor(texts).length === 0 && !fillersUnsqueezed) return { reading: null, texts };
  // The caller has another way to read these rows (mrz/layout-rows.ts): no second pass for a
  // reading whose check digits fail.
  if (options.onlyIfValid === true && first?.data.valid !== true) return { reading: first, texts };
  const needed = rowsNeedingFullWidth(first, boxes.length).filter((i) => (scales[i] as number) < 1);
  const unsure = unsureRows(first, boxes.length).filter((i) => (scales[i] as number) < 1);
  const retry = [...new Set([...needed, ...unsure])].sort((a, b) => a - b);
  if (retry.length === 0)
    return { reading: remembered(orTrimmed(first, frames, boxes, attempt, now), image, boxes), texts };
  const again = await engine.readLines(
    image,
    retry.map((i) => boxes[i] as TextBox),
    MRZ_ALPHABET,
  );
  const merged = [...frames];
  retry.forEach((row, k) => {
    merged[row] = again[k] as CtcFrames;
  });
  const second = bestDecoding(merged, boxes, attempt, now);
  // Rows read again only because the recogniser was unsure of them, the first reading already
  // complete: the second replaces it when more plausible, or as plausible and sure of those rows
  // (SURE_CONFIDENCE) and surer than the first. Measured: on the 20° turned cards the full-width
  // rows' weakest character was 0.75–0.96 (and right); on two moiré phone captures 0.11–0.25, and
  // on one of them wrong with every check digit passing where the squeezed rows were right.
  const onlyUnsure = needed.length === 0;
  const surer = (a: MrzReading, b: MrzReading): boolean => {
    const [wa, wb] = [weakest(a, unsure, boxes.length), weakest(b, unsure, boxes.length)];
    return wa >= SURE_CONFIDENCE && wa > wb;
  };
  const better = (a: MrzReading, b: MrzReading): boolean =>
    plausibility(a.data) > plausibility(b.data) ||
    (plausibility(a.data) === plausibility(b.data) && (!onlyUnsure || surer(a, b)));
  const reading = second !== null && (first === null || better(second, first)) ? second : first;
  return {
    reading: remembered(orTrimmed(reading, merged, boxes, attempt, now), image, boxes),
    texts: merged.map(greedyDecode),
  };
}

/**
 * How many rows per way up are searched for the MRZ, from the bottom (the MRZ is the last text of
 * a card or data page) upwards, three consecutive rows at a time. More than three because a photo
 * often has text below the document: a page it lies on, a caption or a watermark banner along the
 * bottom edge (measured: a stock photo of the Czech specimen passport, whose banner line was read
 * as the MRZ's last row; a photo of a passport lying on a printed page).
 */
const MAX_ROWS_SEARCHED = 9;

/**
 * The recogniser with each row's frames kept per width scale: groups of rows overlap, and a row
 * is never recognised twice at the same width.
 */
function rememberingRows(engine: PaddleOcr): PaddleOcr & { framesOf(box: TextBox): CtcFrames | undefined } {
  const known = new Map<TextBox, Map<number, CtcFrames>>();
  return {
    /**
     * The row's frames, at its natural width where it was read so (a squeezed reading loses
     * fillers), else at the width it was read at: each covers the box's length evenly.
     */
    framesOf: (box) => known.get(box)?.get(naturalWidth(box)) ?? known.get(box)?.values().next().value,
    findLines: (image, longSide) => engine.findLines(image, longSide),
    async readLines(image, boxes, alphabet, options = {}) {
      const scaleOf = (i: number): number => options.widthScales?.[i] ?? 1;
      const missing = boxes
        .map((_, i) => i)
        .filter((i) => known.get(boxes[i] as TextBox)?.get(scaleOf(i)) === undefined);
      if (missing.length > 0) {
        const frames = await engine.readLines(
          image,
          missing.map((i) => boxes[i] as TextBox),
          alphabet,
          { widthScales: missing.map(scaleOf) },
        );
        missing.forEach((i, k) => {
          const box = boxes[i] as TextBox;
          const byScale = known.get(box) ?? new Map<number, CtcFrames>();
          byScale.set(scaleOf(i), frames[k] as CtcFrames);
          known.set(box, byScale);
        });
      }
      return boxes.map((box, i) => known.get(box)?.get(scaleOf(i)) as CtcFrames);
    },
  };
}

/** Reads the rows both ways up and returns the best reading (null: no MRZ among them). */
async function readRows(
  recogniser: PaddleOcr,
  image: GrayImage,
  rows: readonly TextBox[],
  name: string,
  now: Date,
  options: { unsqueezed?: boolean } = {},
): Promise<MrzReading | null> {
  if (rows.length < 2) return null;
  const engine = rememberingRows(recogniser);
  let best = null as MrzReading | null; // (assigned in a loop: keep TypeScript from narrowing it to null)
  const ways = [
    { upsideDown: false, ordered: rows, end: rows.length },
    { upsideDown: true, ordered: rows.map(reversed).reverse(), end: rows.length },
  ];
  const lowest = Math.max(0, rows.length - MAX_ROWS_SEARCHED);
  // The bottom group both ways up first: a card upside down must not be read as a shorter shape
  // from a group higher up of its backward rows.
  for (let round = 0; ways.some((w) => w.end - lowest >= 2); round++) {
    for (const way of ways) {
      if (way.end - lowest < 2) continue;
      // Only three consecutive rows in reading order can be the MRZ (TD1: 3, TD3: 2): a page full
      // of long lines costs three recognitions per group, not one per line.
      const boxes = way.ordered.slice(Math.max(lowest, way.end - 3), way.end);
      const above = rows.length - way.end;
      const attempt = `${name}${way.upsideDown ? "-upside-down" : ""}${above > 0 ? `-rows-${above}-up` : ""}`;
      const { reading, texts } = await readOneWay(engine, image, boxes, attempt, now, options);
      if (reading !== null && reading.data.valid && isFinal(reading.data)) return reading;
      if (reading !== null && (best === null || plausibility(reading.data) > plausibility(best.data))) best = reading;
      // An upright read whose check digits fail is a genuinely bad or altered MRZ, not an
      // upside-down card or a line of other text: report it rather than read on. Unless it left
      // rows out: three rows of a TD1 read backwards can pass for a two-row shape with a document
      // code.
      const usedEveryRow = best !== null && SHAPES[best.data.format].lines === boxes.length;
      if (best !== null && isFinal(best.data) && usedEveryRow) return best;
      // Next group: one row up when the group's top row has fillers (the MRZ may begin there and
      // end below); the three rows above when no row had any (printed text, a page); ending at the
      // lowest row with fillers when rows without any lie below it (a caption banner under the
      // MRZ, whose first row read squeezed without a filler: measured on the Czech stock photo
      // turned 180° and 270°, first row "PACZESPECMENAAVNORAAAAAA", never read again before);
      // none when the bottom row had fillers (it was read as the MRZ's bottom already).
      const fillers = texts.map((t) => t.includes("<<"));
      const lastFillers = fillers.lastIndexOf(true);
      way.end =
        fillers[0] === true
          ? way.end - 1
          : lastFillers > 0 && lastFillers < fillers.length - 1
            ? way.end - (fillers.length - 1 - lastFillers)
            : fillers.some(Boolean)
              ? lowest
              : way.end - boxes.length;
    }
    if (round > MAX_ROWS_SEARCHED) break; // (each round moves every way at least one row up)
  }
  return best;
}

/** Groups of rows with fillers (from the lowest up) a block is predicted from. */
const MAX_ANCHOR_GROUPS = 2;

/**
 * Farthest a predicted row may be moved onto ink (`alignRow`), in line pitches: further, it has
 * found a neighbouring row or other print, and the prediction is read as it is.
 */
const MAX_ALIGNMENT_SHIFT = 0.35;

/** Rows of one MRZ block shorter than this share of its longest row were boxed short. */
const EQUAL_ROWS = 0.85;

/**
 * The reading is a whole TD1 or TD3, read from equally long rows: the detector found the whole
 * block, so a failing check digit is the document's own (reported, not looked past). A TD2 may be
 * two rows of a TD1 whose third was missed.
 */
function wholeBlock(reading: MrzReading): boolean {
  return isFinal(reading.data) && reading.data.format !== "TD2" && equalRows(reading);
}

/** The reading's rows are about equally long: none was boxed short. */
function equalRows(reading: MrzReading): boolean {
  const boxes = rowSources.get(reading)?.boxes ?? [];
  const longest = Math.max(0, ...boxes.map((b) => b.length));
  return boxes.every((b) => b.length >= EQUAL_ROWS * longest);
}

/**
 * The MRZ read from rows predicted by the block's geometry (mrz/predicted-rows.ts), for an MRZ the
 * detector found only partly: a row under an emblem or a stamp not found, rows boxed short where
 * their fillers lie on a guilloche. The anchors are the lowest MRZ-shaped rows whose reading holds
 * a filler; each shape's rows are placed a line pitch apart around them, as long as the shape's
 * characters, a missing row moved onto its ink where a line of ink is near. A reading is kept
 * only when every check digit is valid and read sure (`checkDigitsSure`), with a document code
 * and a date of birth, and legible: the boxes were guessed, so nothing less proves they hold the
 * MRZ. Null otherwise; with the reading, the boxes it was read from (for `secondReading`).
 */
async function predictedDecoding(
  engine: ReturnType<typeof rememberingRows>,
  image: GrayImage,
  rows: readonly TextBox[],
  name: string,
  now: Date,
  trace: MrzSearchTrace,
): Promise<{ reading: MrzReading; boxes: TextBox[] } | null> {
  const candidates = rows.slice(-MAX_ROWS_SEARCHED);
  if (candidates.length === 0) return null;
  trace.predictedRuns++;
  // The rows the search read already keep their frames; the others are read at their natural width.
  const unread = candidates.filter((box) => engine.framesOf(box) === undefined);
  await engine.readLines(image, unread, MRZ_ALPHABET, { widthScales: unread.map((b) => naturalWidth(b)) });
  const anchors: AnchorRow[] = candidates
    .map((box) => ({ box, frames: engine.framesOf(box) as CtcFrames }))
    .filter((row) => greedyDecode(row.frames).includes("<"));
  // The lowest rows with fillers first, each with the one above it: the MRZ is the lowest block,
  // unless a card's other side lies below it.
  for (let lowest = anchors.length; lowest >= Math.max(1, anchors.length - MAX_ANCHOR_GROUPS + 1); lowest--) {
    const found = await predictedFrom(engine, image, anchors.slice(Math.max(0, lowest - 2), lowest), name, now);
    if (found !== null) return found;
  }
  return null;
}

/** `predictedDecoding` from one group of anchors (the lowest last). */
async function predictedFrom(
  engine: PaddleOcr,
  image: GrayImage,
  anchors: readonly AnchorRow[],
  name: string,
  now: Date,
): Promise<{ reading: MrzReading; boxes: TextBox[] } | null> {
  const geometry = blockGeometry(anchors);
  if (geometry === null) return null;
  // Each predicted row is read once, whichever placements share it.
  const known = new Map<string, CtcFrames>();
  for (const block of predictedBlocks(geometry, ["TD1", "TD3", "TD2"])) {
    const { format } = block;
    const boxes = block.rowsAcross.map((across, i) => {
      const box = predictedBox(geometry, format, across);
      if (block.anchored[i] === true) return box;
      const aligned = alignRow(image, box);
      if (aligned === null) return box;
      const shift = Math.abs(-(aligned.cx - box.cx) * box.uy + (aligned.cy - box.cy) * box.ux);
      return shift <= MAX_ALIGNMENT_SHIFT * geometry.linePitch ? aligned : box;
    });
    const keys = block.rowsAcross.map((across) => `${format}:${Math.round(across)}`);
    const missing = boxes.filter((_, i) => !known.has(keys[i] as string));
    const read = await engine.readLines(image, missing, MRZ_ALPHABET, {
      widthScales: missing.map((b) => naturalWidth(b)),
    });
    missing.forEach((box, k) => known.set(keys[boxes.indexOf(box)] as string, read[k] as CtcFrames));
    const decoded = decodeAs(
      keys.map((key) => known.get(key) as CtcFrames),
      format,
    );
    if (decoded === null) continue;
    const reading = validCandidateReading(
      decoded.lines.map((text, i) => ({
        text,
        confidence: decoded.confidence[i] as number[],
        margin: decoded.margin[i] as number[],
      })),
      format,
      `${name}-predicted`,
      boxes,
      now,
    );
    if (reading !== null && acceptedRetry(reading)) return { reading, boxes };
  }
  return null;
}

/**
 * Reads the MRZ, or returns null when no MRZ-shaped text is found. `image` is the working copy
 * made by the intake (image.ts): already bounded in size and turned upright by its EXIF tag.
 * Passes: the photo as it is (both ways up); turned level when that read nothing valid and its rows
 * run 4–45° off level; turned a quarter when its long lines run up and
 * down, or when that read nothing and some of its MRZ-shaped rows do; a larger detection copy when
 * all its text was too small for the detector; rows predicted from the block's geometry when the
 * detector found it only partly (`predictedDecoding`).
 * Small photos need no detection pass of their own: the detector's copy (640 px) already enlarges
 * a photo 300 px wide about twice, and each line crop is stretched to the recogniser's 48 px by
 * bilinear sampling. Enlarging the photo first with Lanczos (sharp) was measured worse on the
 * real-photo development set at 250–300 px wide: its ringing turns fillers `<` into C and K. When
 * nothing valid is read, `readMrz` searches a small photo again sharpened (`sharpenedReading`).
 * `engine` is the budgeted recogniser (mrz/budget.ts): when it refuses a recognition, the search
 * stops and the best reading so far is returned as at the search's end (a levelled pass that spent
 * it leaves a failing reading of the photo as it is without its predicted rows).
 */
async function findMrz(
  engine: PaddleOcr,
  image: GrayImage,
  now: Date,
  trace: MrzSearchTrace,
): Promise<MrzReading | null> {
  let best: MrzReading | null = null;
  const consider = (reading: MrzReading | null): void => {
    if (reading !== null && (best === null || plausibility(reading.data) > plausibility(best.data))) best = reading;
  };
  try {
    return await searchMrz(engine, image, now, trace, consider, () => best);
  } catch (error) {
    if (!(error instanceof BudgetSpent)) throw error;
    return plausibleOrNull(best);
  }
}

/** Without even a document code, what was read is not an MRZ. */
const plausibleOrNull = (reading: MrzReading | null): MrzReading | null =>
  reading !== null && plausibility(reading.data) >= 100 ? reading : null;

/** `findMrz`'s passes, each reading offered to `consider` before the next may spend the budget. */
async function searchMrz(
  engine: PaddleOcr,
  image: GrayImage,
  now: Date,
  trace: MrzSearchTrace,
  consider: (reading: MrzReading | null) => void,
  bestSoFar: () => MrzReading | null,
): Promise<MrzReading | null> {
  const native = await engine.findLines(image, NATIVE_SIDE);
  const nativeRows = mrzRows(native);
  const sideways = mostlyVertical(native);
  // The native rows' frames, kept for the predicted rows (`predictedDecoding`).
  const nativeEngine = rememberingRows(engine);
  // An MRZ the detector found only partly: its rows predicted from the block's geometry, only
  // when nothing valid was read and what was read is not a whole TD1 or TD3 (whose failing check
  // digit is then the document's own, to be reported). Null when not tried or nothing valid read.
  const predicted = async (partial: MrzReading | null): Promise<MrzReading | null> => {
    if (sideways || (partial !== null && ((partial.data.valid && isFinal(partial.data)) || wholeBlock(partial))))
      return null;
    const found = await predictedDecoding(nativeEngine, image, inReadingOrder(nativeRows), "native", now, trace);
    return found === null ? null : remembered(found.reading, image, found.boxes);
  };
  // A predicted reading replaces the search's as any retry does (`replacing`): a check digit that
  // failed in rows of its shape, equally long (a whole TD2 or visa), is still reported.
  const withPrediction = (found: MrzReading | null, retry: MrzReading | null): MrzReading | null =>
    retry === null ? found : replacing(found, retry);
  const first = await readRows(nativeEngine, image, inReadingOrder(nativeRows), "native", now);
  consider(first); // (kept should the predicted rows overspend the budget)
  if (first !== null && first.data.valid && isFinal(first.data) && legible(first)) return first;
  // Rows turned by more than LEVELLED_DEGREES (and less than half a quarter: a quarter turn is
  // `rotateQuarter`'s) are read again from a copy of the photo turned level, also when the photo as
  // it is read a check digit failing: on rows turned 20°, a row's far end drifts off its box. Its
  // reading is kept as any retry's (`acceptedRetry`): a check digit that failed as the photo is, in
  // rows of the same shape, stays reported (`replacing`: MRZ_READS_DISAGREE), never looked past.
  const tilt = sideways ? 0 : dominantAngle(nativeRows);
  if (Math.abs(tilt) > (LEVELLED_DEGREES * Math.PI) / 180 && Math.abs(tilt) < Math.PI / 4) {
    const level = turned(image, -tilt).image;
    // Its canvas holds the whole photo turned, so it is larger: detected at the photo's scale.
    const side = Math.round((NATIVE_SIDE * Math.max(level.width, level.height)) / Math.max(image.width, image.height));
    const rows = inReadingOrder(mrzRows(await engine.findLines(level, side)));
    const reading = await readRows(engine, level, rows, "levelled", now);
    if (reading !== null && acceptedRetry(reading)) return replacing(first, reading);
    consider(reading);
  }
  if (first !== null && isFinal(first.data) && legible(first)) return withPrediction(first, await predicted(first));
  // Read turned a quarter when most long lines run up and down, or, since nothing final and
  // legible was read as the photo is, when some MRZ-shaped rows do: an extra pass only for photos
  // the native pass failed on.
  if (sideways || someVertical(nativeRows)) {
    const quarter = rotateQuarter(image);
    const reading = await readRows(
      engine,
      quarter,
      inReadingOrder(mrzRows(await engine.findLines(quarter, NATIVE_SIDE))),
      "rotated-90",
      now,
    );
    if (reading !== null && isFinal(reading.data) && legible(reading)) return reading;
    consider(reading);
  }
  if (!sideways && bestSoFar() === null && textTooSmall(native, image, NATIVE_SIDE)) {
    // Recognition already works on the full-resolution image: a larger detection copy helps
    // only when the text was too small for the detector to separate the lines.
    consider(
      await readRows(
        engine,
        image,
        inReadingOrder(mrzRows(await engine.findLines(image, ENLARGED_SIDE))),
        "enlarged",
        now,
      ),
    );
  }
  const best = bestSoFar();
  const fromPrediction = await predicted(best);
  if (fromPrediction !== null) return withPrediction(best, fromPrediction);
  return plausibleOrNull(best);
}

/**
 * The MRZ read from rows found by their texture (mrz/texture-rows.ts), for photos on which the
 * detector's rows gave nothing valid (a blurred or dim photo: no MRZ-shaped line among the
 * detector's boxes). Kept only when every check digit is valid and read sure (`checkDigitsSure`),
 * with a document code, a date of birth and legible rows: these rows come from no text detector,
 * and a partial or failing reading of them proves nothing.
 */
export async function textureReading(engine: PaddleOcr, image: GrayImage, now: Date): Promise<MrzReading | null> {
  const rows = await textureRows(image);
  const reading = await readRows(engine, image, inReadingOrder(rows), "texture", now, { unsqueezed: true });
  if (reading === null || !acceptedRetry(reading)) return null;
  // Texture rows are boxed thicker than the detector's: the row height in the detector's measure.
  return { ...reading, rowHeightPx: reading.rowHeightPx * DETECTOR_THICKNESS_PER_CROP };
}

/**
 * The MRZ searched for again (`findMrz`: the detector's rows, rows predicted from the block; then
 * small rows from the thicker crop, `thickerReading`) on a sharpened copy of a small photo
 * (mrz/sharpened.ts), when nothing valid was read otherwise. Kept only as any retry is (`acceptedRetry`): valid, final, legible, every check digit
 * read sure. Same size and coordinates as the photo, so the row height is the photo's. `trace`:
 * the reading's budget (mrz/budget.ts), which the pass spends from as the search's other retries do.
 */
export async function sharpenedReading(
  engine: PaddleOcr,
  image: GrayImage,
  now: Date,
  trace: MrzSearchTrace = newSearchTrace(),
): Promise<MrzReading | null> {
  if (!isSmallPhoto(image)) return null;
  const again = await findMrz(engine, await sharpenedCopy(image), now, trace);
  // Small rows read nothing valid from their own crop: read again from the thicker one, as on the photo.
  const reading = again === null || acceptedRetry(again) ? again : await thickerReading(engine, again, now);
  if (reading === null || !acceptedRetry(reading)) return null;
  // Named for the pass; its rows stay known for the second reading (`secondReading`).
  const named = { ...reading, attempt: `sharpened-${reading.attempt}` };
  const source = rowSources.get(reading);
  if (source !== undefined) rowSources.set(named, source);
  return named;
}

/**
 * The second reading's crop: each row's box 1.25 × as thick, read at the same width rule as the
 * first (SMALL_ROW_WIDTH under MIN_SQUEEZED_ROW_PX), so the recogniser sees the characters smaller
 * and resampled from other pixels. Chosen on the development images at full size, 300 and 280 px
 * wide and on 136 generated card backs, phone captures and passport pages, among boxes 1.15 and
 * 1.25 × as thick, 0.85 × as thin and crops 0.7–0.8 × as wide: the only crop that read no right
 * reading otherwise (the narrower crops read the Utopia card's issuing state UTO otherwise at
 * 280–300 px). Rows turned by 15–20° were measured too and are not a trigger: every crop read some
 * right tilted passport names otherwise (the UK scan at 15° and ±20°).
 */
const SECOND_READING_THICKNESS = 1.25;

/**
 * The other crop of rows under MIN_SQUEEZED_ROW_PX: each box this many times as thick, read with
 * as many frames per character as the box itself (its width scale times as much). The recogniser
 * then sees the characters at two thirds of the height it saw them, with the lines above and
 * below in its view: at 280 px wide (characters ≈ 6–7 px, boxes ≈ 9–10 px), the box's own crop
 * read fillers as C and K and M as N or H in names where this crop read them right, and this
 * crop misread others the box's crop read right (see the document README, "Small characters").
 * Neither is better alone: the second is read when the first is not valid (`thickerReading`) and
 * compared with it when it is (`secondReading`).
 */
export const THICKER_SMALL_ROW_CROP = 1.5;

/** A crop of a reading's rows: each box `thickness` times as thick, small rows `width` times as wide again. */
interface Crop {
  thickness: number;
  width: number;
}

/** The box's own crop, the second reading's (SECOND_READING_THICKNESS) and the thicker one. */
const OWN_CROP: Crop = { thickness: 1, width: 1 },
  SECOND_CROP: Crop = { thickness: SECOND_READING_THICKNESS, width: 1 },
  THICKER_CROP: Crop = { thickness: THICKER_SMALL_ROW_CROP, width: THICKER_SMALL_ROW_CROP };

/** Frames of each crop read of a set of rows (keyed by the rows' boxes): no crop is recognised twice. */
const cropsRead = new WeakMap<readonly TextBox[], Map<string, Promise<CtcFrames[]>>>();

/** The reading's rows recognised from `crop`, each at its natural width (`naturalWidth`) × `crop.width`. */
function readCrops(engine: PaddleOcr, source: RowSource, crop: Crop): Promise<CtcFrames[]> {
  const read = cropsRead.get(source.boxes) ?? new Map<string, Promise<CtcFrames[]>>();
  cropsRead.set(source.boxes, read);
  const key = `${crop.thickness}x${crop.width}`;
  const known = read.get(key);
  if (known !== undefined) return known;
  const frames = engine.readLines(
    source.image,
    source.boxes.map((b) => ({ ...b, thickness: b.thickness * crop.thickness })),
    MRZ_ALPHABET,
    { widthScales: source.boxes.map((b) => naturalWidth(b, crop.width)) },
  );
  read.set(key, frames);
  // A crop the budget refused (mrz/budget.ts) was not read: another reading may still read it.
  frames.catch(() => read.delete(key));
  return frames;
}

/**
 * Small rows (under MIN_SQUEEZED_ROW_PX) read without every check digit valid, read again from
 * the thicker crop (THICKER_SMALL_ROW_CROP). The new reading is kept only when it is a valid MRZ
 * with a document code and a date of birth, every check digit read sure (`checkDigitsSure`); a
 * check digit that fails is never corrected, only a reading of the same rows where all of them
 * pass preferred. Null: nothing better.
 */
async function thickerReading(engine: PaddleOcr, reading: MrzReading, now: Date): Promise<MrzReading | null> {
  const source = rowSources.get(reading);
  if (source === undefined || reading.rowHeightPx >= MIN_SQUEEZED_ROW_PX) return null;
  if (reading.data.valid && isFinal(reading.data)) return null;
  const thicker = bestDecoding(
    await readCrops(engine, source, THICKER_CROP),
    source.boxes,
    `${reading.attempt}-thicker`,
    now,
  );
  if (thicker === null || !acceptedRetry(thicker)) return null;
  rowSources.set(thicker, { ...source, crop: THICKER_CROP });
  return thicker;
}

/**
 * A second, independent reading of the reading's rows, only where a misread that passes its check
 * digits is likely: rows smaller than MIN_SQUEEZED_ROW_PX (where LOW_RESOLUTION fires) or a field
 * the recogniser was unsure of (MRZ_LOW_CONFIDENCE). The fields it reads otherwise are recorded in
 * `disagreements` (mrz/agreement.ts). Small rows are read from two other crops, the box 1.25 × as
 * thick (SECOND_READING_THICKNESS) and the crop the reading did not come from
 * (THICKER_SMALL_ROW_CROP or the box's own): a field either reads otherwise is reported, and a
 * character both read alike against the first reading, where `outvoted` allows, is taken from them
 * (`withOutvoted`), the field still reported.
 */
async function secondReading(engine: PaddleOcr, reading: MrzReading, now: Date): Promise<MrzReading> {
  const source = rowSources.get(reading);
  if (source === undefined || !comparable(reading.data)) return reading;
  const small = reading.rowHeightPx < MIN_SQUEEZED_ROW_PX;
  if (!small && unsureFields(reading).length === 0) return reading;
  // Read one after the other: the recogniser runs one crop at a time.
  const crops = [SECOND_CROP, ...(small ? [source.crop === OWN_CROP ? THICKER_CROP : OWN_CROP] : [])];
  const others: ScoredLines[] = [];
  for (const crop of crops) {
    const decoded = decodeAs(await readCrops(engine, source, crop), reading.data.format);
    if (decoded === null) continue;
    const { lines, repairs } = repairMrz(decoded.lines, decoded.format, decoded.margin);
    const data = parseOrNull(lines, now);
    if (data !== null)
      others.push({ lines, data, repaired: repairs, confidence: decoded.confidence, margin: decoded.margin });
  }
  const { kept, votes } = withOutvoted(reading, others, now);
  // A character outvoted was read otherwise by one crop of three: its field is reported whatever
  // it is (`fieldsAt`), so two crops agreeing on a misread never silence the third.
  const disagreements = new Set<string>([...reading.disagreements, ...fieldsAt(kept.lines, votes)]);
  for (const other of others) for (const field of disagreeingFields(kept.data, other.data)) disagreements.add(field);
  return { ...kept, disagreements: [...disagreements] };
}

/**
 * `reading` with the characters the other readings outvote (mrz/agreement.ts `outvoted`,
 * `applyVotes`) taken from them, each listed in its repairs, and the votes taken. `reading` itself
 * and no vote when nothing is outvoted, or when `applyVotes` refuses the votes.
 */
function withOutvoted(
  reading: MrzReading,
  others: readonly ScoredLines[],
  now: Date,
): { kept: MrzReading; votes: readonly Vote[] } {
  const votes = outvoted(reading, others);
  const voted = votes.length === 0 ? null : applyVotes(reading, others, votes, (lines) => parseOrNull(lines, now));
  if (voted === null) return { kept: reading, votes: [] };
  const repairs = votes.map(({ line, index, from, to }) => ({
    line,
    index,
    from,
    to,
    why: "read so by both other crops of the rows",
  }));
  return { kept: { ...reading, ...voted, repairs: [...reading.repairs, ...repairs] }, votes };
}

/**
 * `retry`, which replaced `found`, with the check digits that failed in `found` and pass in `retry`
 * reported as disagreements (mrz/agreement.ts `checksPassingOnlyIn`) when `found` was read from
 * rows of the same shape, equally long: its failing check digit may be the document's own
 * (altered), misread into validity by the other reading, and is never looked past in silence. A
 * reading of another shape (two rows of a TD1 read as a TD2) or of rows boxed short says nothing
 * of the print.
 */
function replacing(found: MrzReading | null, retry: MrzReading): MrzReading {
  if (found === null || !isFinal(found.data) || !equalRows(found)) return retry;
  const failed = checksPassingOnlyIn(found.data, retry.data);
  return failed.length === 0 ? retry : { ...retry, disagreements: [...new Set([...retry.disagreements, ...failed])] };
}

/**
 * Reads the MRZ (`findMrz`, the detector's rows, and rows predicted from the block's geometry when
 * it found the block only partly); when its reading is not valid, small rows are read again from a
 * thicker crop (`thickerReading`), then rows are looked for by their texture
 * (`textureReading`), then a small photo is searched again sharpened (`sharpenedReading`), each
 * kept only valid (`replacing` says what the first reading failed); then,
 * where a silent misread is likely, the reading is compared with other readings of its rows
 * (`secondReading`). Null when no MRZ-shaped text is found.
 * The search and its retries share one recognition budget (mrz/budget.ts), counted in `trace`:
 * when the next recognition would overspend it, the reading stops where it is (`trace.exhausted`,
 * which the refusal then names) and keeps what was read. The second reading's rows are held in
 * reserve and always read.
 */
export async function readMrz(
  engine: PaddleOcr,
  image: GrayImage,
  now: Date = new Date(),
  trace: MrzSearchTrace = newSearchTrace(),
): Promise<MrzReading | null> {
  const search = budgeted(engine, trace);
  const check = budgeted(engine, trace, null);
  const found = await findMrz(search, image, now, trace);
  // Every check digit valid with a document code: no retry is needed, and none could be kept where
  // the printed date of birth is no date (a retry is kept only final), so none is paid for.
  if (found !== null && found.data.valid && comparable(found.data)) return secondReading(check, found, now);
  let retry: MrzReading | null = null;
  try {
    if (!trace.exhausted)
      retry =
        (found === null ? null : await thickerReading(search, found, now)) ??
        (await textureReading(search, image, now)) ??
        (await sharpenedReading(search, image, now, trace));
  } catch (error) {
    if (!(error instanceof BudgetSpent)) throw error;
  }
  const reading = retry === null ? found : replacing(found, retry);
  return reading === null ? null : secondReading(check, reading, now);
}
