/**
 * Reads the printed fields of the CCCD front: rectify onto the card frame, crop each known line
 * box, OCR it as one line and parse it into a canonical value. Returns raw lines too (evidence).
 */
import { foldDiacritics } from "@kycnet/sdk/protocol";
import { canonicalName, canonicalText, parseDayMonthYear, parseSex } from "../canonical.ts";
import { FRONT_FIELD_BOXES, type Box, type FrontLine } from "../layout.ts";
import type { LineRecogniser } from "./tesseract.ts";
import type { GrayImage } from "./gray.ts";

export interface FrontOcrResult {
  idNumber: string | null;
  fullName: string | null;
  dateOfBirth: string | null;
  sex: "M" | "F" | null;
  nationality: string | null;
  address: string | null;
  /** YYYY-MM-DD, "" for "Không thời hạn" (no expiry), null when unreadable. */
  expiryDate: string | null;
  lines: Partial<Record<FrontLine, { text: string; confidence: number }>>;
}

/** Vertical shifts (card px) tried when a line reads with confidence below the bar; < half the line pitch. */
export const RETRY_SHIFTS = [-7, 7, -13, 13];
const RETRY_BELOW_CONFIDENCE = 70;

/**
 * The parts of the card frame `readFront` reads: each line's box and its retry shifts. The caller
 * warps only these before the lines go to Tesseract (read-document.ts).
 */
export const FRONT_READ_REGIONS: readonly Box[] = Object.values(FRONT_FIELD_BOXES).map((box) => ({
  x: box.x,
  y: box.y + Math.min(0, ...RETRY_SHIFTS),
  width: box.width,
  height: box.height + Math.max(0, ...RETRY_SHIFTS) - Math.min(0, ...RETRY_SHIFTS),
}));
/** Printed text is near black; the guilloche background stays far above this level. */
const DARK_LEVEL = 110;
const BLANK_INK_FRACTION = 0.004;
/** Tesseract mean word confidence (0–100) below which a name or address line is not trusted. */
const MIN_TEXT_CONFIDENCE = 55;

/**
 * The box's pixels as a binary PGM (a one-line header and the raw grey bytes), which Leptonica
 * reads inside tesseract.js: the same pixels as the PNG it replaced (the same 128 readings of 16
 * cards, text and confidence), without compressing on this thread (≈ 5 ms a line through sharp at load 11)
 * and inflating in the worker (the worker's reading took 0.86 × the time).
 */
export function cropLine(card: GrayImage, box: Box): Buffer {
  const x = Math.max(0, Math.min(card.width - 2, box.x)),
    y = Math.max(0, Math.min(card.height - 2, box.y));
  const width = Math.min(card.width - x, box.width),
    height = Math.min(card.height - y, box.height);
  // At the card frame's ≈ 300 dpi the lines are 32–44 px high, which Tesseract reads as they are:
  // doubled, they read the same (507 vs 508 of 540 fields on 90 generated cards) at 1.5× the
  // cost (177 vs 115 ms per card for eight lines).
  const header = Buffer.from(`P5\n${width} ${height}\n255\n`, "ascii");
  const out = Buffer.alloc(header.length + width * height);
  header.copy(out);
  for (let row = 0; row < height; row++) {
    const from = (y + row) * card.width + x;
    out.set(card.data.subarray(from, from + width), header.length + row * width);
  }
  return out;
}

/** Share of clearly dark pixels (print) in a box of the rectified card. */
function inkFraction(card: GrayImage, box: Box): number {
  let dark = 0,
    total = 0;
  for (let y = Math.max(0, box.y); y < Math.min(card.height, box.y + box.height); y++) {
    for (let x = Math.max(0, box.x); x < Math.min(card.width, box.x + box.width); x++) {
      total++;
      if ((card.data[y * card.width + x] as number) < DARK_LEVEL) dark++;
    }
  }
  return total === 0 ? 0 : dark / total;
}

/**
 * Stray marks at the ends of a line crop are noise: punctuation from box edges and guilloche, and
 * a lone letter after the text, read from a neighbouring line's accents cut by the crop edge
 * ("Quận 1, Ỉ", "Việt Nam Ỉ", or just "Ỉ" in an empty box, on cards in strong perspective).
 * Printed values never end with a one-letter word. A lone letter at the start is left alone: it
 * is more often the first word read in part ("V THU NGÂN"), which the comparison then weighs.
 */
const trimEdges = (s: string): string => {
  const bare = s.replace(/^[\s|,.;:'"`~_\-–—!/\\()[\]{}]+|[\s|,;:'"`~_\-–—!/\\()[\]{}]+$/gu, "").replace(/\.$/, "");
  if (/^\p{L}$/u.test(bare)) return "";
  return bare.replace(/[\s,;:]+\p{L}$/u, "");
};

function parseIdNumber(text: string): string | null {
  const digits = text
    .replace(/[OoQD]/g, "0")
    .replace(/[Il|]/g, "1")
    .replace(/\D/g, "");
  return /^\d{12}$/.test(digits) || /^\d{9}$/.test(digits) ? digits : null;
}

function parseDate(text: string): string | null {
  const compact = text
    .replace(/[Oo]/g, "0")
    .replace(/[Il|]/g, "1")
    .replace(/[^\d/]/g, "");
  const m = /(\d{1,2})\/?(\d{1,2})\/?(\d{4})/.exec(compact);
  if (m === null) return null;
  return parseDayMonthYear(`${(m[1] ?? "").padStart(2, "0")}/${(m[2] ?? "").padStart(2, "0")}/${m[3] ?? ""}`);
}

function parseNationality(text: string): string | null {
  const folded = foldDiacritics(text)
    .toUpperCase()
    .replace(/[^A-Z]/g, "");
  return folded.includes("VIETNAM") || folded === "VIETNAN" ? "VNM" : null;
}

function parseExpiry(text: string): string | null {
  if (/KHONG\s*THOI\s*HAN/.test(foldDiacritics(text).toUpperCase())) return "";
  return parseDate(text);
}

/** `retryShifts`: search small vertical shifts on low-confidence lines (only worth it when the card was anchored). */
export async function readFront(
  card: GrayImage,
  recogniser: LineRecogniser,
  options: { retryShifts?: boolean } = {},
): Promise<FrontOcrResult> {
  const shifts = options.retryShifts === false ? [] : RETRY_SHIFTS;
  const lines: FrontOcrResult["lines"] = {};
  const blank = new Set<FrontLine>();
  const inked: FrontLine[] = [];
  for (const name of Object.keys(FRONT_FIELD_BOXES) as FrontLine[]) {
    // A blank box (the second address line of a short address) needs no OCR, and its
    // inevitably low-confidence read must not trigger the shift retries.
    if (inkFraction(card, FRONT_FIELD_BOXES[name]) < BLANK_INK_FRACTION) {
      lines[name] = { text: "", confidence: 100 };
      blank.add(name);
    } else inked.push(name);
  }
  // Every line is handed to the recogniser at once (it queues them), so that it never waits for
  // this thread to crop the next line, and this thread is free meanwhile (read-document.ts checks
  // the portrait then). Each line's reading depends on its own crops only.
  const read = await Promise.all(
    inked.map(async (name) => {
      const box = FRONT_FIELD_BOXES[name];
      let best = await recogniser.readLine(cropLine(card, box));
      // A low-confidence read usually means the box missed the line (perspective the QR-anchored
      // affine cannot model): retry a few small vertical shifts and keep the most confident read.
      for (const dy of shifts) {
        if (best.confidence >= RETRY_BELOW_CONFIDENCE) break;
        const retry = await recogniser.readLine(cropLine(card, { ...box, y: box.y + dy }));
        if (retry.confidence > best.confidence + 10) best = retry;
      }
      return best;
    }),
  );
  inked.forEach((name, i) => {
    const best = read[i] as { text: string; confidence: number };
    lines[name] = { text: trimEdges(canonicalText(best.text)), confidence: best.confidence };
  });
  const text = (name: FrontLine): string => lines[name]?.text ?? "";
  // A misplaced crop (strong perspective, glare) gives low-confidence junk: treat it as unread
  // rather than as a reading that contradicts the QR.
  const plausible = (name: FrontLine): string => {
    const line = lines[name];
    if (line === undefined || line.confidence < MIN_TEXT_CONFIDENCE) return "";
    const chars = [...line.text];
    // Names and addresses hold letters, digits, spaces and , . / - only: anything else is a misread.
    const odd = chars.filter((c) => !/[\p{L}\d ,./-]/u.test(c)).length;
    return odd > 0 ? "" : line.text;
  };
  const name = canonicalName(plausible("fullName").replace(/[^\p{L}\s]/gu, " "));
  // Line 2 is blank when the address fits one line. Print there that reads as nothing (or as a
  // stray letter, trimmed) is an unread line: the address is then unread, not shorter.
  const line1 = plausible("addressLine1"),
    line2 = plausible("addressLine2");
  const line2Unreadable = line2 === "" && !blank.has("addressLine2");
  const address = line1 === "" || line2Unreadable ? "" : [line1, line2].filter((s) => s.length > 0).join(", ");
  return {
    idNumber: parseIdNumber(text("idNumber")),
    fullName: name.length >= 2 ? name : null,
    dateOfBirth: parseDate(text("dateOfBirth")),
    sex: parseSex(text("sex").replace(/[^\p{L}]/gu, "")),
    nationality: parseNationality(text("nationality")),
    address: address.length >= 3 ? canonicalText(address) : null,
    expiryDate: parseExpiry(text("expiryDate")),
    lines,
  };
}
