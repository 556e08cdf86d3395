/**
 * MRZ rows cut out of longer rows: the detector boxes each row together with words printed on the
 * same line (a card's front photographed beside its back: the front's dates before each row; a
 * passport lying on a printed page: the page's words). The rows of an MRZ are one block, printed
 * in a fixed-pitch font from the same left edge (and, on a card, to the same right edge), so a
 * cut is kept only where the rows' cuts begin (and end) at the same place on the image. That
 * decides which cut of the name row (which no check digit guards) is the MRZ's, and leaves few
 * combinations for the check digits to pass by chance.
 */
import { greedyDecode, greedyStarts, sliceFrames, type CtcFrames } from "../ocr/ctc.ts";
import type { TextBox } from "../ocr/text-boxes.ts";

/** One way to cut a row: its frames, and where its first and last characters are on the image. */
export interface RowCut {
  frames: CtcFrames;
  /** How many characters the greedy reading of `frames` holds (counted once, here). */
  characters: number;
  /** Positions along the text direction (image pixels) of the first and the last character. */
  begin: number;
  end: number;
}

/** Most characters cut off either end of a row. */
const MAX_CUT = 12;

/**
 * Fewest characters below an MRZ row's length a cut of both ends may keep: greedy decoding joins a
 * run of fillers that the recogniser read without a blank between two of them.
 */
const TWO_SIDED_SLACK = 2;

/** A cut of a row: the indices of its first and last characters in the greedy reading, and its frames [from, to). */
interface CutSpan {
  first: number;
  last: number;
  from: number;
  to: number;
}

/**
 * Where an MRZ row of `length` characters may be cut out of a longer row, for k = 1 to MAX_CUT:
 * the k first characters cut off (text before it) where `canBegin` accepts the character then
 * first; all from character length + k - 1 on (text after it) where `canEnd` accepts the character
 * then last; or both, the k first and the j last, where length - TWO_SIDED_SLACK to length + 1
 * characters are left and both accept (measured: an Azerbaijani passport photographed on a printed
 * page, at 500 and 640 px wide, whose second row read a word of the page before it and a stray
 * character after it). Also gives the greedy reading's character starts (frame indices).
 */
function cutSpans(
  frames: CtcFrames,
  length: number,
  canBegin: RegExp,
  canEnd: RegExp,
): { starts: number[]; spans: CutSpan[] } {
  const starts = greedyStarts(frames);
  const text = greedyDecode(frames);
  const spans: CutSpan[] = [];
  for (let k = 1; k <= MAX_CUT; k++) {
    // Text before the MRZ: the k first characters cut off.
    const start = starts[k];
    const begins = start !== undefined && canBegin.test(text.charAt(k));
    if (begins) spans.push({ first: k, last: starts.length - 1, from: Math.max(0, start - 1), to: frames.frames });
    // Text after it: all from character length + k - 1 on cut off.
    const end = starts[length + k - 1];
    if (end !== undefined && canEnd.test(text.charAt(length + k - 2)))
      spans.push({ first: 0, last: length + k - 2, from: 0, to: end });
    // Text on both sides.
    if (!begins) continue;
    for (let j = 1; k + j <= MAX_CUT; j++) {
      const last = starts.length - 1 - j;
      const kept = last - k + 1;
      if (kept < length - TWO_SIDED_SLACK) break;
      if (kept > length + 1 || !canEnd.test(text.charAt(last))) continue;
      spans.push({ first: k, last, from: Math.max(0, start - 1), to: starts[last + 1] as number });
    }
  }
  return { starts, spans };
}

/**
 * The row as it is and cut where an MRZ row of `length` characters may begin (text before it cut
 * off) or end (text after it), each with the image positions of its first and last characters
 * along `direction` (the first row's: rows are parallel). `canBegin` and `canEnd` say which
 * characters of the greedy reading may begin and end the MRZ row.
 */
export function rowCuts(
  frames: CtcFrames,
  box: TextBox,
  length: number,
  direction: { ux: number; uy: number },
  canBegin: RegExp,
  canEnd: RegExp,
): RowCut[] {
  // Not only rows read longer than an MRZ row: greedy decoding joins runs of fillers, so a row
  // with a word before it can read no longer than the MRZ alone. Cuts that fall inside the MRZ
  // do not line up with the other rows' (`alignedBlocks`) unless every row is cut alike; the
  // check digits, read sure, then decide, and a second valid reading is reported (read.ts
  // `decodedBlocks`).
  const { starts, spans } = cutSpans(frames, length, canBegin, canEnd);
  if (starts.length === 0) return [];
  // Where frame t's middle lies along the direction: frames cover the box's length evenly.
  const at = (t: number): number => {
    const along = box.length * ((t + 0.5) / Math.max(1, frames.frames) - 0.5);
    return (box.cx + box.ux * along) * direction.ux + (box.cy + box.uy * along) * direction.uy;
  };
  const whole: CutSpan = { first: 0, last: starts.length - 1, from: 0, to: frames.frames };
  return [whole, ...spans].map(({ first, last, from, to }) => {
    const cut = from === 0 && to === frames.frames ? frames : sliceFrames(frames, from, to);
    return {
      frames: cut,
      characters: cut === frames ? starts.length : greedyStarts(cut).length,
      begin: at(starts[first] as number),
      end: at(starts[last] as number),
    };
  });
}

/**
 * The combinations of one cut per row whose first characters lie within `tolerance` pixels of
 * each other along the rows, and whose last characters do too (unless `ends` is false): a block of
 * rows.
 */
export function alignedBlocks(
  cuts: readonly (readonly RowCut[])[],
  tolerance: number,
  options: { ends?: boolean } = {},
): RowCut[][] {
  const ends = options.ends ?? true;
  let blocks: RowCut[][] = [[]];
  for (const row of cuts)
    blocks = blocks.flatMap((block) =>
      row
        .filter((c) =>
          block.every(
            (b) => Math.abs(b.begin - c.begin) <= tolerance && (!ends || Math.abs(b.end - c.end) <= tolerance),
          ),
        )
        .map((c) => [...block, c]),
    );
  return blocks;
}
