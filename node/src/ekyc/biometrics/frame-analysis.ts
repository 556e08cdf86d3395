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
import { frameDescriptor } from "./liveness/frame-descriptor.ts";
import { mouthPatch } from "./liveness/mouth-motion.ts";

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
      faceDescriptor: frameDescriptor(image, landmarks),
      mouth: mouthPatch(image, landmarks),
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
