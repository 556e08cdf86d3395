/**
 * The MRZ reader the document pipeline uses: `readCardMrz` (layout-rows.ts: a card back's rows from its layout, else `readMrz`) with the PaddleOCR models, on a worker
 * thread of its own (workers/rpc.ts says why). Each call carries a copy of the greyscale working
 * image. Failures surface as OCR_ENGINE_UNAVAILABLE.
 */
import { RpcWorker, type WireError } from "../../../workers/rpc.ts";
import { OcrEngineError } from "../errors.ts";
import type { Homography } from "../ocr/card-edges.ts";
import type { GrayImage } from "../ocr/gray.ts";
import type { MrzReading } from "./read.ts";
import type { MrzSearchTrace } from "./budget.ts";

/** One image's MRZ reading (null: none) and what its search spent (mrz/budget.ts). */
export interface MrzSearch {
  reading: MrzReading | null;
  /** `trace.exhausted`: the search gave up at its recognition budget, which a refusal must say. */
  trace: MrzSearchTrace;
}

export interface MrzReader {
  /**
   * `cardBackFrame`: the card → photo map of a CCCD back (ocr/rectify.ts `backFrame`), whose MRZ
   * rows are then read where the layout puts them first (layout-rows.ts); omitted for any other photo.
   */
  read(image: GrayImage, now: Date, cardBackFrame?: Homography): Promise<MrzSearch>;
  close(): Promise<void>;
}

/** The reason an OcrEngineError carries in its details (a string), or else the error's message. */
function reasonOf(error: WireError): string {
  const reason = error.details.reason;
  return typeof reason === "string" ? reason : error.message;
}

/** Starts the MRZ worker and waits until its models are loaded (fails fast if they cannot be). */
export async function startMrzReader(): Promise<MrzReader> {
  const rpc = await RpcWorker.start<null>(new URL("./worker.ts", import.meta.url), {
    rebuild: (error) =>
      error.code === "OCR_ENGINE_UNAVAILABLE"
        ? new OcrEngineError("paddleocr", reasonOf(error))
        : new OcrEngineError("paddleocr", `MRZ worker failed: ${error.name}: ${error.message}`),
    lost: (reason) => new OcrEngineError("paddleocr", `MRZ worker ${reason}`),
    closed: () => new OcrEngineError("paddleocr", "MRZ reader is closed"),
  });
  return {
    read: (image, now, cardBackFrame) =>
      rpc.call<MrzSearch>("read", [
        { data: image.data, width: image.width, height: image.height },
        now.getTime(),
        cardBackFrame ?? null,
      ]),
    close: () => rpc.close(),
  };
}
