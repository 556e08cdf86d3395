/**
 * One recognition budget per image for the MRZ search (read.ts `readMrz`): every row the
 * recogniser reads, in the search and in each of its retries (predicted rows, the thicker crop,
 * texture rows, the sharpened search of a small photo), is counted against one limit, so that a photo on which nothing valid is read costs
 * bounded CPU. Each retry is bounded on its own; the budget bounds their sum. Rows are what grows
 * with what a photo holds (a page of long lines, rows with fillers everywhere): measured on a page
 * of MRZ-like rows, a search of 60 rows took 10–17 s (2 shared cores under load). The
 * detector passes (at most three: native, turned a quarter, enlarged) and the texture pass (one)
 * are fixed in number and not counted: on a photo with no text (a face, noise) they are the whole
 * cost, 0.5–1.9 s there, and no row is read.
 */
import type { PaddleOcr } from "../ocr/paddle.ts";

/**
 * Rows the search, its retries and the second reading may recognise on one image. Measured on the
 * real-photo dev split at full size, 300 and 280 px wide (96 readings; the document README, "One
 * recognition budget"): unbounded, an image spent up to 49 rows (a photo read valid early whose
 * search went on looking for a more legible reading), and the most a reading kept from a retry
 * needed was 27 (the Peruvian card's predicted rows: 21 for the search, 6 for the second
 * reading). Every dev reading was the same at budgets of 32, 40 and 48; 48 leaves the search 42
 * rows, twice what any retry's reading needed, for photos unlike the dev split's. A page of
 * MRZ-like rows spent 60–65 rows unbounded.
 */
export const MRZ_RECOGNITION_BUDGET = 48;

/**
 * Rows kept back for the second reading of a valid reading's rows (read.ts `secondReading`: at most
 * three rows from two other crops). It is a check against silent misreads, never skipped: the
 * search stops this many rows before the budget, so the second reading always has its rows.
 */
export const SECOND_READING_RESERVE = 6;

/**
 * What one MRZ search spent, passed in by the caller (a test, the worker) and filled in as the
 * search runs: no module state, so concurrent searches and tests each see their own.
 */
export interface MrzSearchTrace {
  /** Rows the search may recognise before it gives up (MRZ_RECOGNITION_BUDGET by default). */
  budget: number;
  /** Rows recognised so far, the second reading's included. */
  recognised: number;
  /** Detector passes run (the native copy, turned a quarter, the enlarged copy). */
  detections: number;
  /** How often the rows predicted from the block's geometry were read (read.ts `predictedDecoding`). */
  predictedRuns: number;
  /** The search stopped because the next recognition would have overspent the budget. */
  exhausted: boolean;
}

export function newSearchTrace(budget = MRZ_RECOGNITION_BUDGET): MrzSearchTrace {
  return { budget, recognised: 0, detections: 0, predictedRuns: 0, exhausted: false };
}

/**
 * Thrown by a budgeted recogniser (`budgeted`) when a call would overspend: unwinds the search to
 * `readMrz`, which keeps what was read before. Internal to the MRZ reader, never seen outside it.
 */
export class BudgetSpent extends Error {
  constructor() {
    super("MRZ recognition budget spent");
    this.name = "BudgetSpent";
  }
}

/**
 * The recogniser with each row it reads counted in `trace`. `limit` (rows, default the trace's
 * budget less SECOND_READING_RESERVE): a call that would take the count past it reads nothing,
 * marks the trace exhausted and throws BudgetSpent; null: counted, never refused (the second
 * reading, whose rows the reserve holds).
 */
export function budgeted(
  engine: PaddleOcr,
  trace: MrzSearchTrace,
  limit: number | null = trace.budget - SECOND_READING_RESERVE,
): PaddleOcr {
  return {
    findLines(image, longSide) {
      trace.detections++;
      return engine.findLines(image, longSide);
    },
    readLines(image, boxes, alphabet, options) {
      if (limit !== null && trace.recognised + boxes.length > limit) {
        trace.exhausted = true;
        return Promise.reject(new BudgetSpent());
      }
      trace.recognised += boxes.length;
      return engine.readLines(image, boxes, alphabet, options);
    },
  };
}

/**
 * Why a search that read nothing stopped, for a refusal's message: an operator must tell "nothing
 * there" from "gave up". Empty when the search ran to its end.
 */
export function searchStopNote(trace: MrzSearchTrace | null | undefined): string {
  return trace?.exhausted === true
    ? `; the MRZ search gave up after ${trace.recognised} row recognitions (its budget is ${trace.budget})`
    : "";
}
