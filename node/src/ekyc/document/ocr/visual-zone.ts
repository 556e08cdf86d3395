/**
 * A passport data page's visual inspection zone (ICAO 9303 part 4: the printed name, number,
 * dates, sex and nationality above the MRZ), read as the printed-text source of the cross-check,
 * the passport's counterpart of the CCCD front (front.ts). Its layout differs from state to state,
 * so no field box is assumed: the page is read as sparse text (tesseract.ts `readPage`) and each
 * value is the phrase printed just under its caption ("Surname", "Date of birth", …; English and
 * French captions, which ICAO 9303 makes the page carry beside the national language).
 *
 * What is read is a witness, never the value chosen for the record: it is compared with the MRZ
 * (names have no check digit; a number can pass its check digit by chance), and a disagreement is
 * `MRZ_PRINT_MISMATCH` and a field disagreement for the reviewer. Unsure readings (a low tesseract
 * confidence, a value that does not parse) are unread, not contradictions.
 */
import sharp from "sharp";
import { isIcaoStateCode, passportIdNumber } from "@kycnet/sdk/protocol";
import { canonicalName, canonicalText, isoDate, parseSex } from "../canonical.ts";
import type { FrontOcrResult } from "./front.ts";
import type { GrayImage } from "./gray.ts";
import type { PageRecogniser, PageWord } from "./tesseract.ts";

/** Words on one text line, close enough to be one printed value or caption. */
export interface Phrase {
  readonly text: string;
  /** The lowest word confidence (0–100): one bad word makes the phrase unsure. */
  readonly confidence: number;
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
}

/** A value read below this word confidence (0–100) is unread rather than a contradiction (front.ts uses 55). */
const MIN_CONFIDENCE = 55;
/**
 * The long side a page is read at: smaller photos are enlarged (tesseract reads characters about
 * 20 px high best, and a phone photo 600 px wide leaves a data page's values about 9 px high),
 * larger ones reduced (tesseract's cost grows with the pixels: a 2,814 px scan took seconds).
 */
const READ_LONG_SIDE = { min: 1400, max: 2000 } as const;

type Caption = "number" | "surname" | "givenNames" | "nationality" | "dateOfBirth" | "sex" | "expiryDate";

/** Captions, matched on the folded lower-case phrase (English and French, ICAO 9303 part 4 §4). */
const CAPTIONS: ReadonlyArray<[Caption, RegExp]> = [
  ["number", /\b(passport|document)\s*(no|n°|number|nr)\b|\bpasseport\s*(no|n°)/],
  ["surname", /\bsurname|^nom\b|\/\s*nom\b/],
  ["givenNames", /\bgiven\s*names?|\bpr[eé]noms?\b/],
  ["nationality", /\bnationalit/],
  ["dateOfBirth", /\bdate\s*of\s*birth|\bdate\s*de\s*naissance/],
  ["sex", /^sex\b|\bsexe\b|\/\s*sex\b/],
  ["expiryDate", /\bexpiry|\bexpiration|\bdate\s*of\s*exp/],
];

/** Groups words into phrases: same text line (vertical centres within half a height), gaps under 1.2 heights. */
export function phrasesOf(words: readonly PageWord[]): Phrase[] {
  const sorted = words
    .filter((w) => w.text.trim() !== "" && w.box.y1 > w.box.y0)
    .slice()
    .sort((a, b) => a.box.x0 - b.box.x0);
  const open: Array<{ words: PageWord[] }> = [];
  for (const word of sorted) {
    const h = word.box.y1 - word.box.y0,
      yc = (word.box.y0 + word.box.y1) / 2;
    const joined = open.find(({ words: ws }) => {
      const last = ws[ws.length - 1] as PageWord;
      const lh = last.box.y1 - last.box.y0;
      const gap = word.box.x0 - last.box.x1;
      return (
        Math.abs((last.box.y0 + last.box.y1) / 2 - yc) < Math.max(h, lh) / 2 && gap > -2 && gap < 1.2 * Math.max(h, lh)
      );
    });
    if (joined === undefined) open.push({ words: [word] });
    else joined.words.push(word);
  }
  return open.map(({ words: ws }) => ({
    text: ws.map((w) => w.text).join(" "),
    confidence: Math.min(...ws.map((w) => w.confidence)),
    x0: Math.min(...ws.map((w) => w.box.x0)),
    y0: Math.min(...ws.map((w) => w.box.y0)),
    x1: Math.max(...ws.map((w) => w.box.x1)),
    y1: Math.max(...ws.map((w) => w.box.y1)),
  }));
}

const folded = (s: string): string => s.normalize("NFD").replace(/\p{M}/gu, "").toLowerCase();

/** The caption a phrase is, if any. */
export function captionOf(phrase: Phrase): Caption | null {
  const text = folded(phrase.text);
  return CAPTIONS.find(([, pattern]) => pattern.test(text))?.[0] ?? null;
}

/**
 * The value printed under a caption: the nearest phrase starting below the caption's middle,
 * within three caption heights, left-aligned with it (within three of its own heights), not
 * itself a caption.
 */
function valueUnder(caption: Phrase, phrases: readonly Phrase[]): Phrase | null {
  const ch = caption.y1 - caption.y0;
  let best: Phrase | null = null;
  for (const p of phrases) {
    if (p === caption || captionOf(p) !== null) continue;
    const gap = p.y0 - caption.y1;
    if (p.y0 <= (caption.y0 + caption.y1) / 2 || gap > 3 * ch) continue;
    if (Math.abs(p.x0 - caption.x0) > 3 * (p.y1 - p.y0)) continue;
    if (best === null || p.y0 < best.y0) best = p;
  }
  return best;
}

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
/** French abbreviations that differ from the English ones (ICAO 9303 part 4 lets a page print both, "MAI/MAY"). */
const FRENCH_MONTHS: Readonly<Record<string, number>> = { FEV: 2, AVR: 4, MAI: 5, JUI: 7, AOU: 8 };

/**
 * A printed date with a four-digit year: `16 NOV 1971`, `16 NOV/NOV 1971`, `16.11.1971`, `16/11/1971`.
 * Two-digit years are not guessed (the century is the MRZ's own ambiguity): unread.
 */
export function parsePrintedDate(text: string): string | null {
  const t = folded(text)
    .toUpperCase()
    .replace(/O(?=\d)|(?<=\d)O/g, "0");
  const named = /(\d{1,2})\s*([A-Z]{3})[A-Z]*(?:\s*\/\s*[A-Z]{3,4})?\s*(\d{4})\b/.exec(t);
  if (named !== null) {
    const abbreviation = named[2] as string;
    const month = MONTHS.indexOf(abbreviation) + 1 || FRENCH_MONTHS[abbreviation];
    return month === undefined ? null : isoDate(Number(named[3]), month, Number(named[1]));
  }
  const numeric = /\b(\d{2})[./-](\d{2})[./-](\d{4})\b/.exec(t);
  return numeric === null ? null : isoDate(Number(numeric[3]), Number(numeric[2]), Number(numeric[1]));
}

/** A passport number as printed: 6–9 letters and digits in one word (`<` never appears in print). */
function parsePrintedNumber(text: string): string | null {
  const word = text
    .toUpperCase()
    .split(/\s+/)
    .map((w) => w.replace(/[.,:;]+$/, ""))
    .find((w) => /^[A-Z0-9]{6,9}$/.test(w) && /\d/.test(w));
  return word ?? null;
}

/** A printed name part: letters (any script's, with marks), spaces, hyphens and apostrophes only. */
function parseNamePart(text: string): string | null {
  const t = canonicalText(text);
  return /^[\p{L}\p{M}' -]{1,}$/u.test(t) ? canonicalName(t) : null;
}

/**
 * The visual zone's readings from the words on the page. `issuingState`: the MRZ's, which makes
 * the printed number canonical (`P:<state>:<number>`) so that the number alone is compared.
 */
export function visualZoneFromWords(words: readonly PageWord[], issuingState: string): FrontOcrResult {
  const phrases = phrasesOf(words);
  const values = new Map<Caption, Phrase>();
  for (const phrase of phrases) {
    const caption = captionOf(phrase);
    if (caption === null || values.has(caption)) continue;
    const value = valueUnder(phrase, phrases);
    if (value !== null && value.confidence >= MIN_CONFIDENCE) values.set(caption, value);
  }
  const text = (caption: Caption): string | null => values.get(caption)?.text ?? null;
  const line = (caption: Caption) => {
    const v = values.get(caption);
    return v === undefined ? undefined : { text: v.text, confidence: v.confidence };
  };
  const number = parsePrintedNumber(text("number") ?? "");
  let idNumber: string | null = null;
  if (number !== null)
    try {
      idNumber = passportIdNumber(issuingState, number);
    } catch {
      idNumber = null; // not a number the canonical form holds: unread
    }
  const surname = parseNamePart(text("surname") ?? "");
  const given = parseNamePart(text("givenNames") ?? "");
  // A name is compared whole, as the MRZ gives it: a surname read without its given names is not a name.
  const fullName = surname !== null && given !== null ? `${surname} ${given}` : null;
  const nameLine =
    fullName === null
      ? undefined
      : {
          text: `${text("surname") ?? ""} / ${text("givenNames") ?? ""}`,
          confidence: Math.min(line("surname")?.confidence ?? 0, line("givenNames")?.confidence ?? 0),
        };
  const nationality = canonicalText(text("nationality") ?? "").toUpperCase();
  const sexText = canonicalText(text("sex") ?? "").split(/[\s/]/)[0] ?? "";
  const lines: FrontOcrResult["lines"] = {};
  const put = (key: keyof FrontOcrResult["lines"], value: { text: string; confidence: number } | undefined) => {
    if (value !== undefined) lines[key] = value;
  };
  put("idNumber", line("number"));
  put("fullName", nameLine);
  put("dateOfBirth", line("dateOfBirth"));
  put("sex", line("sex"));
  put("nationality", line("nationality"));
  put("expiryDate", line("expiryDate"));
  return {
    idNumber,
    fullName,
    dateOfBirth: parsePrintedDate(text("dateOfBirth") ?? ""),
    sex: parseSex(sexText),
    // Many states print the nationality as a word ("BRITISH CITIZEN"): only a code is compared.
    nationality: isIcaoStateCode(nationality) ? nationality : null,
    address: null,
    expiryDate: parsePrintedDate(text("expiryDate") ?? ""),
    lines,
  };
}

/** The words on a passport page photo (the greyscale working image), for `visualZoneFromWords`. */
export async function readVisualZoneWords(page: GrayImage, recogniser: PageRecogniser): Promise<PageWord[]> {
  const long = Math.max(page.width, page.height);
  const target = Math.min(READ_LONG_SIDE.max, Math.max(READ_LONG_SIDE.min, long));
  let image = sharp(Buffer.from(page.data.buffer, page.data.byteOffset, page.data.byteLength), {
    raw: { width: page.width, height: page.height, channels: 1 },
  });
  if (target !== long) image = image.resize(Math.round((page.width * target) / long), null, { kernel: "cubic" });
  return recogniser.readPage(await image.png().toBuffer());
}
