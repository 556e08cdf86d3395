/**
 * Reads the printed issue date on the CCCD back ("Ngày, tháng, năm / Date, month, year:
 * DD/MM/YYYY"), the one printed field of the back the record needs: the back has no QR to anchor
 * on, so it is rectified by its bright area and its edges (rectify.ts `rectifyBack`), the date's
 * line box is cropped (layout.ts) and read as one line, with small vertical shifts when the read
 * is unsure. The cross-check compares it with the QR's issue date (crosscheck.ts).
 */
import { BACK_ISSUE_DATE_BOX, type Box } from "../layout.ts";
import type { GrayImage } from "./gray.ts";
import { parseDayMonthYear } from "../canonical.ts";
import { cropLine } from "./front.ts";
import { backFrame, rectifyBack, type BackFrame } from "./rectify.ts";
import type { LineRecogniser } from "./tesseract.ts";

/**
 * The CCCD prints its issue date as DD/MM/YYYY, always two digits each: a shorter day or month is a
 * digit lost at the crop's edge (seen under strong perspective: "1/10/2024" for 31/10/2024), so it
 * is unread rather than a wrong date. O → 0 and I, l, | → 1 are the usual look-alike slips.
 */
export function parsePrintedIssueDate(text: string): string | null {
  const compact = text.replace(/[Oo]/g, "0").replace(/[Il|]/g, "1").replace(/\s+/g, "");
  const m = /(?:^|[^\d])(\d{2})\/(\d{2})\/(\d{4})(?![\d])/.exec(compact);
  return m === null ? null : parseDayMonthYear(`${m[1]}/${m[2]}/${m[3]}`);
}

export interface BackOcrResult {
  /** YYYY-MM-DD, null when unread or read without confidence. */
  issueDate: string | null;
  line: { text: string; confidence: number };
}

/**
 * Vertical and horizontal shifts (card px) tried when the date reads unsure: the back's frame is a
 * guess from its edges, less exact than the front's QR anchor.
 */
const SHIFTS: ReadonlyArray<[number, number]> = [
  [0, -8],
  [0, 8],
  [-10, 0],
  [0, -16],
  [0, 16],
];
const RETRY_BELOW_CONFIDENCE = 70;
/** A date read below this mean word confidence (0–100) is not trusted: unread, not a contradiction. */
const MIN_CONFIDENCE = 60;

/** The part of the card frame any of the date's crops reads: its box under every shift. */
const DATE_REGION: Box = (() => {
  const all: ReadonlyArray<readonly [number, number]> = [[0, 0], ...SHIFTS];
  const x0 = Math.min(...all.map(([dx]) => BACK_ISSUE_DATE_BOX.x + dx)),
    y0 = Math.min(...all.map(([, dy]) => BACK_ISSUE_DATE_BOX.y + dy));
  const x1 = Math.max(...all.map(([dx]) => BACK_ISSUE_DATE_BOX.x + dx + BACK_ISSUE_DATE_BOX.width)),
    y1 = Math.max(...all.map(([, dy]) => BACK_ISSUE_DATE_BOX.y + dy + BACK_ISSUE_DATE_BOX.height));
  return { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
})();

/** `frame`: the back's frame when it was already found (rectify.ts `backFrame`, which the MRZ reader also uses). */
export async function readBackIssueDate(
  back: GrayImage,
  recogniser: LineRecogniser,
  frame: BackFrame = backFrame(back),
): Promise<BackOcrResult> {
  const { card } = rectifyBack(back, DATE_REGION, frame);
  const read = async (dx: number, dy: number) =>
    recogniser.readLine(
      cropLine(card, { ...BACK_ISSUE_DATE_BOX, x: BACK_ISSUE_DATE_BOX.x + dx, y: BACK_ISSUE_DATE_BOX.y + dy }),
    );
  let best = await read(0, 0);
  for (const [dx, dy] of SHIFTS) {
    if (best.confidence >= RETRY_BELOW_CONFIDENCE && parsePrintedIssueDate(best.text) !== null) break;
    const retry = await read(dx, dy);
    const better =
      (parsePrintedIssueDate(retry.text) !== null && parsePrintedIssueDate(best.text) === null) ||
      retry.confidence > best.confidence + 10;
    if (better) best = retry;
  }
  const line = { text: best.text.trim(), confidence: best.confidence };
  return { issueDate: line.confidence >= MIN_CONFIDENCE ? parsePrintedIssueDate(line.text) : null, line };
}
