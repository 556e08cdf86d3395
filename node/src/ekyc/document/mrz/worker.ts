/**
 * Worker-thread entry of the MRZ reader (reader.ts): the PaddleOCR models load once here and each
 * `read` runs `readMrz` on this thread (workers/rpc.ts says why).
 */
import { serveRpc } from "../../../workers/rpc.ts";
import { loadPaddleOcr } from "../ocr/paddle.ts";
import type { GrayImage } from "../ocr/gray.ts";
import { readMrz } from "./read.ts";

await serveRpc(async () => {
  const engine = await loadPaddleOcr();
  return { info: null, methods: { read: (image: GrayImage, now: number) => readMrz(engine, image, new Date(now)) } };
});
