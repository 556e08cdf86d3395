/**
 * Vietnamese line OCR with tesseract.js 7, fully offline: the language file is Debian's
 * `vie.traineddata` (package tesseract-ocr-vie), read from `langPath` uncompressed and never
 * cached or downloaded. One worker is created and reused (≈ 15 ms per field line); page
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

export async function createTesseractRecogniser(
  options: { tessdataDir?: string } = {},
): Promise<LineRecogniser & PageRecogniser> {
  const langPath = findTessdataDir(options.tessdataDir);
  let worker: Worker;
  try {
    worker = await createWorker("vie", OEM.LSTM_ONLY, { langPath, gzip: false, cacheMethod: "none" });
    await worker.setParameters({
      tessedit_pageseg_mode: PSM.SINGLE_LINE,
      preserve_interword_spaces: "1",
      user_defined_dpi: "300",
      // Tesseract's own notes ("Detected 17 diacritics" on every page read) go to its
      // WebAssembly file system's /dev/null instead of this process's stdout.
      debug_file: "/dev/null",
    });
  } catch (cause) {
    throw new OcrEngineError("tesseract", "could not start the tesseract.js worker with the Vietnamese model", {
      cause,
    });
  }
  // tesseract.js runs one job at a time per worker; serialise so concurrent callers queue fairly.
  let queue: Promise<unknown> = Promise.resolve();
  const enqueue = <T>(work: () => Promise<T>): Promise<T> => {
    const job = queue.then(work);
    queue = job.catch(() => undefined);
    return job;
  };
  return {
    readLine: (image) =>
      enqueue(async () => {
        const { data } = await worker.recognize(image);
        return { text: data.text.replace(/\n+/g, " ").trim(), confidence: data.confidence };
      }),
    // Sparse text: a data page's fields are short phrases scattered around a portrait, not paragraphs.
    // The single-line mode is set back before the next job, which the queue keeps from interleaving.
    readPage: (image) =>
      enqueue(async () => {
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
      await worker.terminate();
    },
  };
}
