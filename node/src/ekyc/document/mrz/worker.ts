/**
 * Worker-thread entry of the MRZ reader (reader.ts): the PaddleOCR models load once here and each
 * `read` runs `readCardMrz` (the layout's rows of a card back, else `readMrz`) on this thread (workers/rpc.ts says why)
 * and returns the reading with what its search spent (mrz/budget.ts).
 */
import { serveRpc } from "../../../workers/rpc.ts";
import { loadPaddleOcr } from "../ocr/paddle.ts";
import { MRZ_ALPHABET } from "./repair.ts";
import type { GrayImage } from "../ocr/gray.ts";
import type { Homography } from "../ocr/card-edges.ts";
import { readCardMrz } from "./layout-rows.ts";
import { newSearchTrace } from "./budget.ts";
import type { MrzSearch } from "./reader.ts";

await serveRpc(async () => {
  const engine = await loadPaddleOcr({ alphabet: MRZ_ALPHABET });
  return {
    info: null,
    methods: {
      read: async (image: GrayImage, now: number, cardBackFrame: Homography | null): Promise<MrzSearch> => {
        const trace = newSearchTrace();
        return { reading: await readCardMrz(engine, image, new Date(now), cardBackFrame, trace), trace };
      },
    },
  };
});
