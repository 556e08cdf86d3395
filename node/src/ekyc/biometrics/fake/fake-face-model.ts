/**
 * Fake FaceModel for fast unit tests of the code above the port (matching bands, challenge logic,
 * verifySelfie decisions). Deterministic and model-free:
 * - a face is any image region that is not flat: detect returns one box over the central 70 % of a
 *   textured image, none for a flat one (standard deviation of grey below 3);
 * - identity is the mean colour of the face box: same mean colour -> same person (embedding from it);
 * - yaw is the brightness difference between the box's right and left halves (brighter right -> positive),
 *   eyes are open when the box's top third is brighter than 60, liveness is 0.9.
 * It satisfies the port contract (compliance suite), not the models' accuracy.
 */
import { FaceError } from "../errors.ts";
import { analyseFramesWith } from "../frame-analysis.ts";
import type {
  EyeState,
  FaceLandmarks,
  FaceModel,
  FaceModelInfo,
  FrameAnalysis,
  FramePlan,
  HeadPose,
} from "../face-model.ts";
import { l2Normalize, type FaceBox, type ScoredBox } from "../geometry.ts";
import type { RgbImage } from "../image.ts";

export const FAKE_EMBEDDING_SIZE = 8;

export function createFakeFaceModel(): FaceModel {
  return new FakeFaceModel();
}

class FakeFaceModel implements FaceModel {
  readonly info: FaceModelInfo = {
    id: "fake-face-model",
    version: "fake@1",
    embeddingSize: FAKE_EMBEDDING_SIZE,
    components: { feature: { file: "none", sha256: "0".repeat(64) } },
  };
  #closed = false;

  async detect(image: RgbImage): Promise<ScoredBox[]> {
    this.#check();
    const all = { x1: 0, y1: 0, x2: image.width, y2: image.height };
    if (stats(image, all).std < 3) return [];
    return [
      { x1: image.width * 0.15, y1: image.height * 0.15, x2: image.width * 0.85, y2: image.height * 0.85, score: 0.99 },
    ];
  }

  async landmarks(_image: RgbImage, b: FaceBox): Promise<FaceLandmarks> {
    this.#check();
    const w = b.x2 - b.x1,
      h = b.y2 - b.y1;
    const at = (fx: number, fy: number) => ({ x: b.x1 + fx * w, y: b.y1 + fy * h });
    return { points5: [at(0.34, 0.46), at(0.66, 0.46), at(0.5, 0.64), at(0.37, 0.82), at(0.63, 0.82)] };
  }

  async embed(image: RgbImage, lm: FaceLandmarks): Promise<Float32Array> {
    this.#check();
    const xs = lm.points5.map((p) => p.x),
      ys = lm.points5.map((p) => p.y);
    const w = Math.max(...xs) - Math.min(...xs),
      h = Math.max(...ys) - Math.min(...ys);
    const box = {
      x1: Math.min(...xs) - w * 0.3,
      y1: Math.min(...ys) - h * 0.4,
      x2: Math.max(...xs) + w * 0.3,
      y2: Math.max(...ys) + h * 0.2,
    };
    const m = stats(image, box).mean;
    return l2Normalize(
      Float32Array.from([
        m[0]! - 128,
        m[1]! - 128,
        m[2]! - 128,
        128 - m[0]! / 2,
        128 - m[1]! / 2,
        128 - m[2]! / 2,
        40,
        40,
      ]),
    );
  }

  async headPose(image: RgbImage, b: FaceBox): Promise<HeadPose> {
    this.#check();
    const mid = (b.x1 + b.x2) / 2;
    const left = stats(image, { ...b, x2: mid }).grey,
      right = stats(image, { ...b, x1: mid }).grey;
    return { yaw: Math.max(-90, Math.min(90, (right - left) / 2)), pitch: 0, roll: 0 };
  }

  async eyeState(image: RgbImage, lm: FaceLandmarks): Promise<EyeState> {
    this.#check();
    const [l, r] = lm.points5;
    const h = Math.abs(lm.points5[3]!.y - l!.y) / 2;
    const band = { x1: l!.x - h, y1: l!.y - h, x2: r!.x + h, y2: l!.y + h / 2 };
    const open = stats(image, band).grey > 60 ? 0.95 : 0.05;
    return { leftOpen: open, rightOpen: open };
  }

  async liveness(): Promise<number> {
    this.#check();
    return 0.9;
  }

  analyseFrames(images: readonly RgbImage[], plan: FramePlan): Promise<FrameAnalysis[]> {
    return analyseFramesWith(this, images, plan);
  }

  async close(): Promise<void> {
    this.#closed = true;
  }

  #check(): void {
    if (this.#closed) throw new FaceError("FACE_MODEL_CLOSED", "face model is closed");
  }
}

function stats(image: RgbImage, b: FaceBox): { mean: number[]; grey: number; std: number } {
  const x1 = Math.max(0, Math.floor(b.x1)),
    y1 = Math.max(0, Math.floor(b.y1));
  const x2 = Math.min(image.width, Math.ceil(b.x2)),
    y2 = Math.min(image.height, Math.ceil(b.y2));
  const sum = [0, 0, 0];
  let sq = 0,
    n = 0;
  for (let y = y1; y < y2; y++) {
    for (let x = x1; x < x2; x++) {
      const o = (y * image.width + x) * 3;
      const g = (image.data[o]! + image.data[o + 1]! + image.data[o + 2]!) / 3;
      sum[0]! += image.data[o]!;
      sum[1]! += image.data[o + 1]!;
      sum[2]! += image.data[o + 2]!;
      sq += g * g;
      n++;
    }
  }
  if (n === 0) return { mean: [0, 0, 0], grey: 0, std: 0 };
  const mean = sum.map((s) => s / n);
  const grey = (mean[0]! + mean[1]! + mean[2]!) / 3;
  return { mean, grey, std: Math.sqrt(Math.max(0, sq / n - grey * grey)) };
}
