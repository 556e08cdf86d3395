/**
 * Vietnamese line OCR with tesseract.js 7, fully offline: the language file is Debian's
 * `vie.traineddata` (package tesseract-ocr-vie), read from `langPath` uncompressed and never
 * cached or downloaded. Its workers are created once and reused (≈ 15 ms per field line); page
 * segmentation mode 7 (a single text line) since the layout already isolates each line.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { createWorker, OEM, PSM, type Worker } from "tesseract.js";
import { OcrEngineError } from "../errors.ts";

export const DEFAULT_TESSDATA_DIRS = [
  "/usr/share/tesseract-ocr/5/tessdata",
  "/usr/share/tesseract-ocr/4.00/tessdata",
  "/usr/share/tessdata",
];

export interface LineRecogniser {
  /** Reads one text line from an encoded image (PNG, PGM: any format Leptonica reads). */
  readLine(image: Buffer): Promise<{ text: string; confidence: number }>;
  close(): Promise<void>;
}

/** A word found on a page, with its box in the image's pixels and tesseract's confidence (0–100). */
export interface PageWord {
  readonly text: string;
  readonly confidence: number;
  readonly box: { readonly x0: number; readonly y0: number; readonly x1: number; readonly y1: number };
}

/** Finds and reads every word on a page whose layout is not known beforehand (a passport's visual zone). */
export interface PageRecogniser {
  readPage(image: Buffer): Promise<PageWord[]>;
}

export function findTessdataDir(explicit?: string): string {
  const candidates =
    explicit !== undefined
      ? [explicit]
      : [process.env.KYCNET_TESSDATA_DIR, ...DEFAULT_TESSDATA_DIRS].filter(
          (d): d is string => d !== undefined && d !== "",
        );
  for (const dir of candidates) if (existsSync(join(dir, "vie.traineddata"))) return dir;
  throw new OcrEngineError(
    "tesseract",
    `vie.traineddata not found in ${candidates.join(", ")} (install the Debian package tesseract-ocr-vie)`,
  );
}

/**
 * `workers`: how many tesseract.js workers read lines at once (each a thread with its own copy of
 * the model). A card's lines are independent readings, and Tesseract's LSTM keeps nothing from one
 * line to the next, so a line reads the same on any worker; two let the printed text take both
 * cores once the MRZ's worker is done (read-document.ts).
 */
export async function createTesseractRecogniser(
  options: { tessdataDir?: string; workers?: number } = {},
): Promise<LineRecogniser & PageRecogniser> {
  const langPath = findTessdataDir(options.tessdataDir);
  const count = Math.max(1, Math.floor(options.workers ?? 1));
  const started = await Promise.allSettled(Array.from({ length: count }, () => startWorker(langPath)));
  const workers = started.flatMap((s) => (s.status === "fulfilled" ? [s.value] : []));
  const failed = started.find((s) => s.status === "rejected");
  if (failed !== undefined) {
    await Promise.all(workers.map((w) => w.terminate()));
    throw new OcrEngineError("tesseract", "could not start the tesseract.js workers with the Vietnamese model", {
      cause: failed.reason,
    });
  }
  // tesseract.js runs one job at a time per worker: jobs wait in one queue, in order, and each
  // goes to the first worker that is free, so concurrent callers queue fairly.
  const idle: Worker[] = [...workers];
  const waiting: Array<(worker: Worker) => void> = [];
  const run = async <T>(work: (worker: Worker) => Promise<T>): Promise<T> => {
    const worker = idle.pop() ?? (await new Promise<Worker>((resolve) => waiting.push(resolve)));
    try {
      return await work(worker);
    } finally {
      const next = waiting.shift();
      if (next === undefined) idle.push(worker);
      else next(worker);
    }
  };
  return {
    readLine: (image) =>
      run(async (worker) => {
        const { data } = await worker.recognize(image);
        return { text: data.text.replace(/\n+/g, " ").trim(), confidence: data.confidence };
      }),
    // Sparse text: a data page's fields are short phrases scattered around a portrait, not paragraphs.
    // The single-line mode is set back before the worker's next job, which it runs only after this one.
    readPage: (image) =>
      run(async (worker) => {
        await worker.setParameters({ tessedit_pageseg_mode: PSM.SPARSE_TEXT });
        try {
          const { data } = await worker.recognize(image, {}, { blocks: true, text: false });
          return (data.blocks ?? []).flatMap((block) =>
            block.paragraphs.flatMap((paragraph) =>
              paragraph.lines.flatMap((line) =>
                line.words.map((word) => ({ text: word.text, confidence: word.confidence, box: { ...word.bbox } })),
              ),
            ),
          );
        } finally {
          await worker.setParameters({ tessedit_pageseg_mode: PSM.SINGLE_LINE });
        }
      }),
    async close() {
      await Promise.all(workers.map((w) => w.terminate()));
    },
  };
}

async function startWorker(langPath: string): Promise<Worker> {
  const worker = await createWorker("vie", OEM.LSTM_ONLY, { langPath, gzip: false, cacheMethod: "none" });
  try {
    await worker.setParameters({
      tessedit_pageseg_mode: PSM.SINGLE_LINE,
      preserve_interword_spaces: "1",
      user_defined_dpi: "300",
      // Tesseract's own notes ("Detected 17 diacritics" on every page read) go to its
      // WebAssembly file system's /dev/null instead of this process's stdout.
      debug_file: "/dev/null",
    });
  } catch (cause) {
    await worker.terminate();
    throw cause;
  }
  return worker;
}
