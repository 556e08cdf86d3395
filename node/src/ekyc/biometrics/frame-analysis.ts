/**
 * What the liveness check needs from each frame of a selfie, computed in one pass so that an
 * adapter can run it wherever its models live (the worker adapter sends the frames once, in one
 * message, instead of one copy per model call). The cheap models (detector, landmarks, eye state,
 * head pose) run on every frame; the expensive ones only where the plan asks: the embedding on the
 * frames whose identity is checked, passive liveness on the frontal frame.
 */
import { FaceError } from "./errors.ts";
import type { FaceModel, FrameAnalysis, FramePlan } from "./face-model.ts";
import { selectSingleFace } from "./face-reader.ts";
import type { ScoredBox } from "./geometry.ts";
import { cropResize, type RgbImage } from "./image.ts";

/** The model calls `analyseFrames` is made of, so that adapters can share this implementation. */
export type FramePrimitives = Pick<FaceModel, "detect" | "landmarks" | "embed" | "headPose" | "eyeState" | "liveness">;

export async function analyseFramesWith(
  model: FramePrimitives,
  images: readonly RgbImage[],
  plan: FramePlan,
): Promise<FrameAnalysis[]> {
  const embed = new Set(plan.embed);
  const passive = new Set(plan.passive);
  const out: FrameAnalysis[] = [];
  for (const [i, image] of images.entries()) {
    let box: ScoredBox;
    try {
      box = selectSingleFace(await detectInFrame(model, image), plan.minFaceSize);
    } catch (error) {
      if (!(error instanceof FaceError)) throw error;
      if (error.code === "FACE_MULTIPLE") out.push({ face: "MULTIPLE" });
      else if (error.code === "FACE_TOO_SMALL") out.push({ face: "TOO_SMALL" });
      else if (error.code === "FACE_NOT_FOUND") out.push({ face: "NOT_FOUND" });
      else throw error;
      continue;
    }
    const landmarks = await model.landmarks(image, box);
    out.push({
      face: "ONE",
      box,
      landmarks,
      pose: await model.headPose(image, box),
      eyes: await model.eyeState(image, landmarks),
      embedding: embed.has(i) ? await model.embed(image, landmarks) : null,
      passive: passive.has(i) ? await model.liveness(image, box) : null,
      faceHash: differenceHash(image, box),
    });
  }
  return out;
}

/** Grey margin, as a share of the frame on each side, of the detector's second look at a frame. */
const SECOND_LOOK_MARGINS = [0.25, 0.5] as const;

/**
 * The frame's faces; when the detector finds none, it looks again at the frame on a wider grey
 * margin (the face smaller in its input, with more context around it). The detector misses about
 * one face in sixteen turned 45 degrees at its usual framing (22 of 360 synthetic turns of the
 * development photos), and finds most of them at another; a frame it still finds nothing in is a
 * frame without a face. Costs one or two more detector runs on a missed frame only.
 */
async function detectInFrame(model: FramePrimitives, image: RgbImage): Promise<ScoredBox[]> {
  const faces = await model.detect(image);
  if (faces.length > 0) return faces;
  for (const margin of SECOND_LOOK_MARGINS) {
    const ox = Math.round(image.width * margin),
      oy = Math.round(image.height * margin);
    const w = image.width + 2 * ox,
      h = image.height + 2 * oy;
    const found = await model.detect(cropResize(image, -ox, -oy, w, h, w, h, SECOND_LOOK_GREY));
    if (found.length === 0) continue;
    return found.flatMap((b) => {
      const x1 = Math.max(0, b.x1 - ox),
        y1 = Math.max(0, b.y1 - oy),
        x2 = Math.min(image.width, b.x2 - ox),
        y2 = Math.min(image.height, b.y2 - oy);
      return x2 > x1 && y2 > y1 ? [{ x1, y1, x2, y2, score: b.score }] : [];
    });
  }
  return [];
}

/** The grey the detector's own letterbox pads with (onnx-face-model.ts). */
const SECOND_LOOK_GREY = 127;

/**
 * dHash: the face box averaged down to (side+1) x side grey cells, one bit per horizontal
 * neighbour pair (brighter left), as hex. Each cell is the mean of every pixel it covers: a hash of
 * point samples (bilinear at 17 x 16 spots of a 100-pixel face) flipped 10-20 of its bits under a
 * JPEG re-encoding, as many as two genuinely different sessions differ by. Changes with pose,
 * expression and lighting. 16 x 16 bits: 8 x 8 could not tell two sessions made from one photo.
 */
export function differenceHash(image: RgbImage, box: ScoredBox, side = 16): string {
  const cols = side + 1;
  const sum = new Float64Array(cols * side);
  const count = new Uint32Array(cols * side);
  const x1 = Math.max(0, Math.floor(box.x1)),
    x2 = Math.min(image.width, Math.ceil(box.x2));
  const y1 = Math.max(0, Math.floor(box.y1)),
    y2 = Math.min(image.height, Math.ceil(box.y2));
  const w = Math.max(1, box.x2 - box.x1),
    h = Math.max(1, box.y2 - box.y1);
  for (let y = y1; y < y2; y++) {
    const row = Math.min(side - 1, Math.max(0, Math.floor(((y + 0.5 - box.y1) * side) / h)));
    for (let x = x1; x < x2; x++) {
      const col = Math.min(cols - 1, Math.max(0, Math.floor(((x + 0.5 - box.x1) * cols) / w)));
      const o = (y * image.width + x) * 3;
      sum[row * cols + col]! += 0.299 * image.data[o]! + 0.587 * image.data[o + 1]! + 0.114 * image.data[o + 2]!;
      count[row * cols + col]! += 1;
    }
  }
  // a face smaller than the grid leaves cells empty: they take their left neighbour's mean
  const grey = (x: number, y: number): number => {
    for (let k = x; k >= 0; k--) if (count[y * cols + k]! > 0) return sum[y * cols + k]! / count[y * cols + k]!;
    return 0;
  };
  let bits = 0n;
  for (let y = 0; y < side; y++)
    for (let x = 0; x < side; x++) bits = (bits << 1n) | (grey(x, y) > grey(x + 1, y) ? 1n : 0n);
  return bits.toString(16).padStart((side * side) / 4, "0");
}
