/**
 * The MRZ of a CCCD back read where the card's layout puts it, without the text detector: once the
 * back's frame is known (ocr/rectify.ts `backFrame`), its three rows (layout.ts `BACK_MRZ_ROWS`)
 * are mapped into the photo and recognised as detected rows are (read.ts `readOneWay`). The
 * detector is ≈ a third of the MRZ's work on a card; it runs only when this reading is not sure
 * (`sureReading`): then the whole search of read.ts runs as it would have, and its reading is the
 * one reported, so a failed check digit, a misplaced frame or an unsure character costs time, not
 * the search's answer. A sure reading had the search's lines on each of 72 generated backs
 * (node/src/ekyc/document/README.md, "A card back's rows from its layout").
 */
import { BACK_MRZ_ROWS } from "../layout.ts";
import { applyHomography, type Homography } from "../ocr/card-edges.ts";
import type { GrayImage } from "../ocr/gray.ts";
import type { PaddleOcr } from "../ocr/paddle.ts";
import type { TextBox } from "../ocr/text-boxes.ts";
import { alignRow } from "./row-alignment.ts";
import { budgeted, newSearchTrace, type MrzSearchTrace } from "./budget.ts";
import { isFinal, legible, readMrz, readOneWay, type MrzReading } from "./read.ts";

/** The back's MRZ rows as oriented boxes in the photo, through `frame` (card → photo). */
export function layoutRowBoxes(frame: Homography): TextBox[] {
  return BACK_MRZ_ROWS.map((row) => {
    const middle = row.x + row.width / 2,
      centre = row.y + row.height / 2;
    const [x0, y0] = applyHomography(frame, row.x, centre),
      [x1, y1] = applyHomography(frame, row.x + row.width, centre);
    const [tx, ty] = applyHomography(frame, middle, row.y),
      [bx, by] = applyHomography(frame, middle, row.y + row.height);
    const [cx, cy] = applyHomography(frame, middle, centre);
    const length = Math.hypot(x1 - x0, y1 - y0);
    return {
      cx,
      cy,
      ux: (x1 - x0) / length,
      uy: (y1 - y0) / length,
      length,
      thickness: Math.hypot(bx - tx, by - ty),
      score: 1,
    };
  });
}

/**
 * Least margin (ctc.ts) of every character of a reading taken from the layout without the search:
 * above MRZ_LOW_CONFIDENCE's UNSURE_MARGIN (0.6), because a row off its ink (the rows placed by
 * the frame alone, before they were aligned) read a filler of a moiré capture as K at 0.63 with
 * every check digit passing, where the search read it right. On 72 generated backs the valid
 * layout readings' least margins were 0.64–1; 59 of 61 are at 0.75 or more.
 */
export const LAYOUT_SURE_MARGIN = 0.75;

/**
 * A reading of the layout's rows that the detector's search could not improve on: a TD1 with a
 * document code and a date of birth, every check digit valid, no look-alike repaired, every line
 * legible and no character under LAYOUT_SURE_MARGIN. Anything less, and the rows are searched for
 * as on any photo.
 */
export function sureReading(reading: MrzReading | null): reading is MrzReading {
  return (
    reading !== null &&
    reading.data.format === "TD1" &&
    reading.data.valid &&
    isFinal(reading.data) &&
    reading.repairs.length === 0 &&
    legible(reading) &&
    reading.margin.every((line) => line.every((m) => m >= LAYOUT_SURE_MARGIN))
  );
}

/**
 * Most a row may turn when put on its ink (2.5°). The bright area's guess of the frame assumes the
 * card upright, so a card turned further is also mis-scaled there, its rows' ends off: measured on
 * the 72 generated backs, rows turned 3.1–5.2° (cards turned 3.2–5.1°) never read surely from the
 * layout, while tilted and perspective cards whose rows turned up to 2.2° did. Beyond it the
 * search runs without a wasted recognition.
 */
const MAX_TURN = (2.5 * Math.PI) / 180;

/**
 * The layout's rows through `frame`, each put on its ink (row-alignment.ts); null when a row's ink
 * is not where the frame says (a card turned further than the frame knows, another document) or
 * turned more than MAX_TURN.
 */
export function alignedLayoutRows(image: GrayImage, frame: Homography): TextBox[] | null {
  const rows: TextBox[] = [];
  for (const box of layoutRowBoxes(frame)) {
    const aligned = alignRow(image, box);
    if (aligned === null) return null;
    const turn = Math.abs(
      Math.atan2(box.ux * aligned.uy - box.uy * aligned.ux, box.ux * aligned.ux + box.uy * aligned.uy),
    );
    if (turn > MAX_TURN) return null;
    rows.push(aligned);
  }
  return rows;
}

/** The layout's rows read through `frame`, or null when they are not found or not sure. */
export async function readLayoutRows(
  engine: PaddleOcr,
  image: GrayImage,
  frame: Homography,
  now: Date,
): Promise<MrzReading | null> {
  const rows = alignedLayoutRows(image, frame);
  if (rows === null) return null;
  const { reading } = await readOneWay(engine, image, rows, "layout", now, { onlyIfValid: true });
  return sureReading(reading) ? reading : null;
}

/**
 * A card back's MRZ: from the layout when the back's frame is known and that reading is sure, else
 * (and for any other photo) `readMrz`'s search. The layout's rows count in `trace` against the
 * image's one recognition budget (mrz/budget.ts), as the search's do.
 */
export async function readCardMrz(
  engine: PaddleOcr,
  image: GrayImage,
  now: Date,
  backFrame: Homography | null,
  trace: MrzSearchTrace = newSearchTrace(),
): Promise<MrzReading | null> {
  if (backFrame !== null) {
    const fromLayout = await readLayoutRows(budgeted(engine, trace, null), image, backFrame, now);
    if (fromLayout !== null) return fromLayout;
  }
  return readMrz(engine, image, now, trace);
}
