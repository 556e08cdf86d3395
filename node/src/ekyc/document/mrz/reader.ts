/**
 * The MRZ reader the document pipeline uses: `readMrz` with the PaddleOCR models, run on a worker
 * thread (worker.ts says why). Requests carry a copy of the greyscale working image; the worker
 * answers them in order. If the worker dies, the requests in flight fail with
 * OCR_ENGINE_UNAVAILABLE and the next request starts a new one.
 */
import { Worker } from "node:worker_threads";
import { OcrEngineError } from "../errors.ts";
import type { PaddleOcr } from "../ocr/paddle.ts";
import type { GrayImage } from "../ocr/rectify.ts";
import { readMrz, type MrzReading } from "./read.ts";

export interface MrzReader {
  read(image: GrayImage, now: Date): Promise<MrzReading | null>;
  close(): Promise<void>;
}

export interface MrzWorkerRequest {
  id: number;
  data: Uint8Array;
  width: number;
  height: number;
  now: number;
}

export type MrzWorkerReply =
  | { kind: "ready" }
  | { kind: "failed"; error: { name: string; message: string } }
  | { kind: "result"; id: number; reading: MrzReading | null }
  | { kind: "error"; id: number; error: { name: string; message: string } };

/** Runs `readMrz` on the calling thread with a given engine (tests with a scripted engine). */
export function inProcessMrzReader(engine: PaddleOcr): MrzReader {
  return { read: (image, now) => readMrz(engine, image, now), close: async () => undefined };
}

/**
 * The worker runs our TypeScript through tsx, as the main thread does. Only that loader is passed:
 * a worker refuses process-wide options (V8 flags, --title) its parent may have been started with.
 */
const WORKER_EXEC_ARGV = ["--import", import.meta.resolve("tsx")];

class WorkerMrzReader implements MrzReader {
  #worker: Promise<Worker> | null = null;
  #pending = new Map<number, { resolve: (r: MrzReading | null) => void; reject: (e: Error) => void }>();
  #nextId = 1;
  #closed = false;

  /** Starts the worker and resolves once its models are loaded. */
  start(): Promise<Worker> {
    this.#worker ??= new Promise<Worker>((resolve, reject) => {
      const worker = new Worker(new URL("./worker.ts", import.meta.url), { execArgv: WORKER_EXEC_ARGV });
      let ready = false;
      worker.on("message", (reply: MrzWorkerReply) => {
        if (reply.kind === "ready") { ready = true; resolve(worker); return; }
        if (reply.kind === "failed") { reject(new OcrEngineError("paddleocr", `MRZ worker could not load its models: ${reply.error.message}`)); return; }
        const call = this.#pending.get(reply.id);
        if (call === undefined) return;
        this.#pending.delete(reply.id);
        if (reply.kind === "result") call.resolve(reply.reading);
        else call.reject(new OcrEngineError("paddleocr", `MRZ worker failed: ${reply.error.name}: ${reply.error.message}`));
      });
      const lost = (why: string) => {
        this.#worker = null;
        if (!ready) reject(new OcrEngineError("paddleocr", `MRZ worker ${why} before it was ready`));
        for (const call of this.#pending.values()) call.reject(new OcrEngineError("paddleocr", `MRZ worker ${why}`));
        this.#pending.clear();
      };
      worker.on("error", (error) => lost(`crashed (${error.message})`));
      worker.on("exit", (code) => { if (!this.#closed) lost(`exited with code ${code}`); });
    });
    return this.#worker;
  }

  async read(image: GrayImage, now: Date): Promise<MrzReading | null> {
    if (this.#closed) throw new OcrEngineError("paddleocr", "MRZ reader is closed");
    const worker = await this.start();
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      worker.postMessage({ id, data: image.data, width: image.width, height: image.height, now: now.getTime() } satisfies MrzWorkerRequest);
    });
  }

  async close(): Promise<void> {
    this.#closed = true;
    const worker = this.#worker;
    this.#worker = null;
    if (worker !== null) await (await worker.catch(() => null))?.terminate();
  }
}

/** Starts the MRZ worker and waits until its models are loaded (fails fast if they cannot be). */
export async function startMrzReader(): Promise<MrzReader> {
  const reader = new WorkerMrzReader();
  await reader.start();
  return reader;
}
