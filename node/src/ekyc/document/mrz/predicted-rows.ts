/**
 * MRZ rows the detector missed or boxed short, predicted from the rows it did find. An MRZ is a
 * rigid block (ICAO 9303 part 3): its rows are printed in a fixed-pitch font (2.54 mm a character),
 * from one left edge, equally long (30, 36 or 44 characters), one line pitch apart (≈ 4.23 mm, so
 * ≈ 1.67 character pitches). From one or two rows that read like an MRZ (fillers), the character
 * pitch measured on their reading gives every row's extent and the line pitch, hence where each
 * row of each shape must lie: a row hidden under an emblem or a stamp, or whose fillers on a
 * guilloche the detector did not see as text. Pure geometry: read.ts reads the predicted boxes
 * and keeps a reading only when its check digits all pass and are sure.
 */
import { greedyDecode, greedyStarts, type CtcFrames } from "../ocr/ctc.ts";
import type { TextBox } from "../ocr/text-boxes.ts";
import { SHAPES, type MrzFormat } from "./layout.ts";

/** A row the detector found, read at its natural width (frames spread evenly over the box). */
export interface AnchorRow {
  box: TextBox;
  frames: CtcFrames;
}

/** Line pitch over character pitch in the MRZ (ICAO 9303 part 3: 4.23 mm over 2.54 mm). */
const LINE_OVER_CHARACTER_PITCH = 1.67;

/**
 * Two anchors are rows of one block when their distance across is this many predicted line
 * pitches from a whole number of pitches (1: adjacent rows; 2: the middle row of a TD1 missing).
 */
const PITCH_TOLERANCE = 0.3;

/** Fewest character steps of a reading for its character pitch to be measured. */
const MIN_STEPS = 6;

/** Steps longer than this many times the median span a dropped character: left out of the pitch. */
const MAX_STEP = 1.5;

/** The MRZ block as the anchors show it, in image pixels. */
export interface BlockGeometry {
  /** Direction along the rows (unit). */
  ux: number;
  uy: number;
  /** Position along the rows of the first character's centre (the block's common left edge). */
  left: number;
  /** Position across the rows of each anchor (in reading order: smaller is higher). */
  anchorsAcross: number[];
  characterPitch: number;
  linePitch: number;
  thickness: number;
}

const along = (x: number, y: number, u: { ux: number; uy: number }): number => x * u.ux + y * u.uy;
const across = (x: number, y: number, u: { ux: number; uy: number }): number => -x * u.uy + y * u.ux;

const median = (values: readonly number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
};

/**
 * A row's character pitch (pixels) and the position along the rows of its first character, from its
 * greedy reading: the mean step between consecutive characters, leaving out steps from a filler
 * (greedy decoding joins a run of fillers into one, so their steps span several characters) and
 * steps over a dropped character (more than MAX_STEP × the median step).
 */
function rowMeasures(row: AnchorRow, u: { ux: number; uy: number }): { pitch: number; first: number } | null {
  const { box, frames } = row;
  const starts = greedyStarts(frames);
  const text = greedyDecode(frames);
  if (starts.length === 0) return null;
  const pixelsPerFrame = box.length / Math.max(1, frames.frames);
  const steps: number[] = [];
  for (let i = 0; i + 1 < starts.length; i++)
    if (text.charAt(i) !== "<") steps.push(((starts[i + 1] as number) - (starts[i] as number)) * pixelsPerFrame);
  if (steps.length < MIN_STEPS) return null;
  // The mean of the steps, without those spanning a character greedy decoding dropped (a doubled
  // letter without a blank between): a median would snap to the frames' quantisation (a frame is
  // ≈ a quarter of a character).
  const typical = median(steps);
  const kept = steps.filter((step) => step <= MAX_STEP * typical);
  const pitch = kept.reduce((sum, step) => sum + step, 0) / kept.length;
  // Where frame t's middle lies along the rows: frames cover the box's length evenly.
  const at = (t: number): number =>
    along(box.cx, box.cy, u) + box.length * ((t + 0.5) / Math.max(1, frames.frames) - 0.5) * along(box.ux, box.uy, u);
  return { pitch, first: at(starts[0] as number) };
}

/**
 * The block's geometry from its anchors (rows that read like an MRZ, in reading order, the lowest
 * last), or null when the lowest anchor's character pitch cannot be measured. Anchors at a distance
 * from the lowest that is no whole number (1 or 2) of line pitches are not of its block: left out.
 */
export function blockGeometry(anchors: readonly AnchorRow[]): BlockGeometry | null {
  const lowest = anchors.at(-1);
  if (lowest === undefined) return null;
  const u = { ux: lowest.box.ux, uy: lowest.box.uy };
  const base = rowMeasures(lowest, u);
  if (base === null) return null;
  const predictedPitch = LINE_OVER_CHARACTER_PITCH * base.pitch;
  const baseAcross = across(lowest.box.cx, lowest.box.cy, u);
  const members: { row: AnchorRow; across: number; lines: number }[] = [{ row: lowest, across: baseAcross, lines: 0 }];
  for (const row of anchors.slice(0, -1)) {
    const distance = baseAcross - across(row.box.cx, row.box.cy, u);
    const lines = Math.round(distance / predictedPitch);
    if (lines >= 1 && lines <= 2 && Math.abs(distance / predictedPitch - lines) <= PITCH_TOLERANCE)
      members.push({ row, across: across(row.box.cx, row.box.cy, u), lines });
  }
  const measures = members.map((m) => rowMeasures(m.row, u)).filter((m) => m !== null);
  // The line pitch measured between anchors where there are two, else predicted from the characters.
  const measured = members.filter((m) => m.lines > 0).map((m) => (baseAcross - m.across) / m.lines);
  return {
    ux: u.ux,
    uy: u.uy,
    left: Math.min(...measures.map((m) => m.first)),
    anchorsAcross: members.map((m) => m.across).sort((a, b) => a - b),
    characterPitch: median(measures.map((m) => m.pitch)),
    linePitch: measured.length > 0 ? median(measured) : predictedPitch,
    thickness: median(members.map((m) => m.row.box.thickness)),
  };
}

/**
 * A candidate MRZ: its shape, the position across of each of its rows, top to bottom, and which of
 * them are anchors (rows the detector found, kept where it boxed them across).
 */
export interface PredictedBlock {
  format: MrzFormat;
  rowsAcross: number[];
  anchored: boolean[];
}

/**
 * Every placement of each shape's rows, one line pitch apart, that holds all the anchors: for a
 * TD1 whose lowest anchor is its last, middle or first row, and so on. Rows that are anchors are
 * kept too: their predicted boxes reach the block's full extent, where the detector's may stop short.
 */
export function predictedBlocks(geometry: BlockGeometry, formats: readonly MrzFormat[]): PredictedBlock[] {
  const { anchorsAcross, linePitch } = geometry;
  const lowest = anchorsAcross.at(-1) as number;
  const lineOf = (a: number): number => Math.round((a - lowest) / linePitch);
  const anchorLines = anchorsAcross.map(lineOf);
  const blocks: PredictedBlock[] = [];
  for (const format of formats) {
    const count = SHAPES[format].lines;
    // The block's top line, relative to the lowest anchor's (0): every anchor inside the block.
    for (let top = -(count - 1); top <= 0; top++) {
      const lines = Array.from({ length: count }, (_, i) => top + i);
      if (!anchorLines.every((l) => lines.includes(l))) continue;
      blocks.push({
        format,
        rowsAcross: lines.map((l) => lowest + l * linePitch),
        anchored: lines.map((l) => anchorLines.includes(l)),
      });
    }
  }
  return blocks;
}

/**
 * The box of a row of `format` at `rowAcross`: from the block's left edge, as long as the shape's
 * characters at the block's pitch, with half a character's margin each end (the detector's boxes
 * carry about as much).
 */
export function predictedBox(geometry: BlockGeometry, format: MrzFormat, rowAcross: number): TextBox {
  const { ux, uy, left, characterPitch, thickness } = geometry;
  const count = SHAPES[format].length;
  const centreAlong = left + ((count - 1) / 2) * characterPitch;
  return {
    cx: centreAlong * ux - rowAcross * uy,
    cy: centreAlong * uy + rowAcross * ux,
    ux,
    uy,
    length: (count + 1) * characterPitch,
    thickness,
    score: 0,
  };
}
