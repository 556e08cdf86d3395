/**
 * Worker-thread entry of the MRZ reader (reader.ts). onnxruntime-node runs a session on the
 * calling thread, so PaddleOCR inference on the main thread would stall everything else for
 * ≈ 300 ms per card: the tesseract.js worker would wait for its next line, HTTP requests for
 * their turn. Here the models load once and each request runs `readMrz` on its own thread.
 */
import { parentPort } from "node:worker_threads";
import { loadPaddleOcr, type PaddleOcr } from "../ocr/paddle.ts";
import { readMrz } from "./read.ts";
import type { MrzWorkerReply, MrzWorkerRequest } from "./reader.ts";

const port = parentPort;
if (port === null) throw new Error("mrz/worker.ts must run in a worker thread");

const describe = (error: unknown) => ({
  name: error instanceof Error ? error.name : "Error",
  message: error instanceof Error ? error.message : String(error),
});

let engine: PaddleOcr;
try {
  engine = await loadPaddleOcr();
  port.postMessage({ kind: "ready" } satisfies MrzWorkerReply);
} catch (error) {
  port.postMessage({ kind: "failed", error: describe(error) } satisfies MrzWorkerReply);
  process.exit(1);
}

port.on("message", (request: MrzWorkerRequest) => {
  readMrz(engine, { data: request.data, width: request.width, height: request.height }, new Date(request.now)).then(
    (reading) => port.postMessage({ kind: "result", id: request.id, reading } satisfies MrzWorkerReply),
    (error: unknown) => port.postMessage({ kind: "error", id: request.id, error: describe(error) } satisfies MrzWorkerReply),
  );
});
