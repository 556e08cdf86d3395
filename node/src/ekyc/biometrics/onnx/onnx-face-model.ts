/**
 * ONNX adapter of the FaceModel port: the six pinned faceplugin models (scripts/models/face-models.json)
 * on onnxruntime-node, CPU. Sessions are created once by `loadOnnxFaceModel` and reused for every call
 * (onnxruntime sessions accept concurrent runs). Pre- and post-processing follow the models' training
 * conventions measured in docs/architecture.md §6, not the package's browser JS (BGR detector input, odd NMS,
 * 3-point alignment there are wrong for these models).
 */
import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as ort from "onnxruntime-node";
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
import {
  ARCFACE_TEMPLATE_112,
  boxHeight,
  boxWidth,
  fivePointsFrom68,
  l2Normalize,
  nonMaximumSuppression,
  similarityTransform,
  type FaceBox,
  type Point,
  type ScoredBox,
} from "../geometry.ts";
import { cropResize, invertAffine, warpImage, type RgbImage } from "../image.ts";

const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../../..");
export const DEFAULT_MODEL_DIR = path.join(REPO_ROOT, "models/face");
export const MODEL_MANIFEST = path.join(REPO_ROOT, "scripts/models/face-models.json");

export interface OnnxFaceModelOptions {
  /** Folder holding the .onnx files (default models/face at the repo root, filled by scripts/models/fetch-models.sh). */
  modelDir?: string;
  /** onnxruntime intra-op threads per session (default 1: the node serves several callers at once). */
  intraOpThreads?: number;
  /** Minimum detector score to report a face (default 0.7). */
  detectionThreshold?: number;
  /** IoU above which a lower-scored box is suppressed (default 0.4). */
  nmsIouThreshold?: number;
}

interface Manifest {
  package: string;
  version: string;
  models: Array<{ name: string; sha256: string; size: number }>;
}

type Role = "detect" | "landmark" | "feature" | "pose" | "eye" | "liveness";
const FILES: Record<Role, string> = {
  detect: "fr_detect.onnx",
  landmark: "fr_landmark.onnx",
  feature: "fr_feature.onnx",
  pose: "fr_pose.onnx",
  eye: "fr_eye.onnx",
  liveness: "fr_liveness.onnx",
};

/**
 * Graph optimisation per model. "all" adds the NCHWc layout transforms, which speed up the
 * detector and the pose model but make the embedding model (MobileFaceNet: depthwise convolutions
 * and PReLU) 2.7x slower: on one thread of the 2-core Xeon, fr_feature takes 32 ms per face at
 * "extended" and 85 ms at "all" (fr_detect 3.2 vs 7.5 ms and fr_pose 4.4 vs 5.9 ms go the other
 * way). The outputs agree to 5e-7, so templates and thresholds are unchanged.
 */
const OPTIMISATION: Record<Role, "extended" | "all"> = {
  detect: "all",
  landmark: "all",
  feature: "extended",
  pose: "all",
  eye: "all",
  liveness: "all",
};

const DET_W = 320;
const DET_H = 240;
/** Grey used to pad tight crops: the detector input value 0 after (v - 127) / 128. */
const PAD_GREY = 127;

/** Loads and verifies all six models (SHA-256 against the manifest) and creates their sessions. */
export async function loadOnnxFaceModel(options: OnnxFaceModelOptions = {}): Promise<FaceModel> {
  const dir = options.modelDir ?? DEFAULT_MODEL_DIR;
  const manifest = JSON.parse(await readFile(MODEL_MANIFEST, "utf8")) as Manifest;
  const sessionOptions: ort.InferenceSession.SessionOptions = {
    intraOpNumThreads: options.intraOpThreads ?? 1,
    interOpNumThreads: 1,
    executionMode: "sequential",
  };
  const sessions = {} as Record<Role, ort.InferenceSession>;
  const components: Record<string, { file: string; sha256: string }> = {};
  for (const role of Object.keys(FILES) as Role[]) {
    const file = FILES[role];
    const pinned = manifest.models.find((m) => m.name === file);
    let bytes: Buffer;
    try {
      bytes = await readFile(path.join(dir, file));
    } catch (cause) {
      throw new FaceError(
        "FACE_MODEL_UNAVAILABLE",
        `face model ${file} is missing: run scripts/models/fetch-models.sh`,
        { cause },
      );
    }
    const sha256 = createHash("sha256").update(bytes).digest("hex");
    if (!pinned || pinned.sha256 !== sha256) {
      throw new FaceError("FACE_MODEL_UNAVAILABLE", `face model ${file} does not match its pinned SHA-256`, {
        details: { file, sha256, expected: pinned?.sha256 ?? null },
      });
    }
    try {
      sessions[role] = await ort.InferenceSession.create(bytes, {
        ...sessionOptions,
        graphOptimizationLevel: OPTIMISATION[role],
      });
    } catch (cause) {
      throw new FaceError("FACE_MODEL_UNAVAILABLE", `face model ${file} could not be loaded`, { cause });
    }
    components[role] = { file, sha256 };
  }
  const info: FaceModelInfo = {
    id: `faceplugin-fr_feature-${components.feature!.sha256.slice(0, 16)}`,
    version: `${manifest.package}@${manifest.version}`,
    embeddingSize: 512,
    components,
  };
  return new OnnxFaceModel(sessions, info, options.detectionThreshold ?? 0.7, options.nmsIouThreshold ?? 0.4);
}

class OnnxFaceModel implements FaceModel {
  #closed = false;

  constructor(
    private readonly sessions: Record<Role, ort.InferenceSession>,
    readonly info: FaceModelInfo,
    private readonly detectionThreshold: number,
    private readonly nmsIou: number,
  ) {}

  async detect(image: RgbImage): Promise<ScoredBox[]> {
    // The detector was trained on faces with context around them: a tight crop (face filling the
    // image) is found only once padded onto a grey canvas twice its size, while padding a large photo
    // shrinks a small face below the detector's reach. So small images try padded first, large ones
    // unpadded first, and each falls back to the other when it finds nothing.
    const tight = image.width <= 400 && image.height <= 400;
    for (const pad of tight ? [2, 1] : [1, 2]) {
      const faces = await this.#detectLetterboxed(image, pad);
      if (faces.length > 0) return faces;
    }
    return [];
  }

  async #detectLetterboxed(image: RgbImage, pad: number): Promise<ScoredBox[]> {
    // Letterbox onto a grey 4:3 canvas (aspect kept), the image centred and scaled to 1/pad of it.
    const scale = Math.min(DET_W / (image.width * pad), DET_H / (image.height * pad));
    const ox = (DET_W - image.width * scale) / 2;
    const oy = (DET_H - image.height * scale) / 2;
    const canvas = warpImage(
      image,
      [1 / scale, 0, (0.5 - ox) / scale - 0.5, 0, 1 / scale, (0.5 - oy) / scale - 0.5],
      DET_W,
      DET_H,
      PAD_GREY,
    );
    const input = planar(canvas, (v) => (v - 127) / 128);
    const out = await this.#run("detect", new ort.Tensor("float32", input, [1, 3, DET_H, DET_W]));
    const scores = out.scores!.data as Float32Array;
    const boxes = out.boxes!.data as Float32Array;
    const found: ScoredBox[] = [];
    for (let i = 0; i < scores.length / 2; i++) {
      const score = scores[i * 2 + 1]!;
      if (score < this.detectionThreshold) continue;
      const x1 = (boxes[i * 4]! * DET_W - ox) / scale;
      const y1 = (boxes[i * 4 + 1]! * DET_H - oy) / scale;
      const x2 = (boxes[i * 4 + 2]! * DET_W - ox) / scale;
      const y2 = (boxes[i * 4 + 3]! * DET_H - oy) / scale;
      if (!(x2 > x1 && y2 > y1)) continue;
      found.push({
        x1: clamp(x1, 0, image.width),
        y1: clamp(y1, 0, image.height),
        x2: clamp(x2, 0, image.width),
        y2: clamp(y2, 0, image.height),
        score,
      });
    }
    return nonMaximumSuppression(found, this.nmsIou).filter((b) => boxWidth(b) > 1 && boxHeight(b) > 1);
  }

  async landmarks(image: RgbImage, box: FaceBox): Promise<FaceLandmarks> {
    const w = boxWidth(box),
      h = boxHeight(box);
    const crop = cropResize(image, box.x1, box.y1, w, h, 64, 64);
    const input = gray(crop, (v) => v / 256);
    const out = await this.#run("landmark", new ort.Tensor("float32", input, [1, 1, 64, 64]));
    const raw = out.output!.data as Float32Array;
    const points68: Point[] = [];
    for (let i = 0; i < 68; i++) points68.push({ x: raw[i * 2]! * w + box.x1, y: raw[i * 2 + 1]! * h + box.y1 });
    return { points5: fivePointsFrom68(points68), points68 };
  }

  async embed(image: RgbImage, landmarks: FaceLandmarks): Promise<Float32Array> {
    const toTemplate = similarityTransform(landmarks.points5, ARCFACE_TEMPLATE_112);
    const aligned = warpImage(image, invertAffine(toTemplate), 112, 112, 0);
    const input = planar(aligned, (v) => (v - 127.5) / 128);
    const out = await this.#run("feature", new ort.Tensor("float32", input, [1, 3, 112, 112]));
    return l2Normalize(Float32Array.from(out.output!.data as Float32Array));
  }

  async headPose(image: RgbImage, box: FaceBox): Promise<HeadPose> {
    const w = boxWidth(box),
      h = boxHeight(box);
    const crop = cropResize(image, box.x1 - w / 4, box.y1 - h / 4, w * 1.5, h * 1.5, 224, 224);
    const mean = [0.485, 0.456, 0.406],
      std = [0.229, 0.224, 0.225];
    const input = planar(crop, (v, c) => (v / 255 - mean[c]!) / std[c]!);
    const out = await this.#run("pose", new ort.Tensor("float32", input, [1, 3, 224, 224]));
    const angle = (t: ort.Tensor | undefined): number => {
      const p = softmax(t!.data as Float32Array);
      let e = 0;
      for (let i = 0; i < p.length; i++) e += p[i]! * i;
      return e * 3 - 99; // 66 bins of 3 degrees from -99
    };
    // The model's yaw is positive when the face turns towards the image's left; the port reports image-right positive.
    return { yaw: -angle(out.output), pitch: angle(out["617"]), roll: angle(out["618"]) };
  }

  async eyeState(image: RgbImage, landmarks: FaceLandmarks): Promise<EyeState> {
    const p = landmarks.points68;
    if (!p) throw new RangeError("eyeState needs the 68-point landmarks");
    const eye = async (lids: number[], cornerA: number, cornerB: number): Promise<number> => {
      const cx = lids.reduce((s, i) => s + p[i]!.x, 0) / lids.length;
      const cy = lids.reduce((s, i) => s + p[i]!.y, 0) / lids.length;
      const size = Math.max(4, Math.abs(p[cornerB]!.x - p[cornerA]!.x) * 1.6);
      const crop = cropResize(image, cx - size / 2, cy - size / 2, size, size, 24, 24);
      const out = await this.#run(
        "eye",
        new ort.Tensor(
          "float32",
          gray(crop, (v) => v / 255),
          [1, 1, 24, 24],
        ),
      );
      return softmax(out.output!.data as Float32Array)[EYE_OPEN_INDEX]!;
    };
    return { leftOpen: await eye([37, 38, 40, 41], 36, 39), rightOpen: await eye([43, 44, 46, 47], 42, 45) };
  }

  async liveness(image: RgbImage, box: FaceBox): Promise<number> {
    // 2.7x context around the face (the model looks for screen/print borders and moiré around it),
    // shifted to stay inside the image as the model was trained.
    const w = boxWidth(box),
      h = boxHeight(box);
    const s = Math.min((image.height - 1) / h, (image.width - 1) / w, 2.7);
    const cw = w * s,
      ch = h * s;
    const x = clamp((box.x1 + box.x2) / 2 - cw / 2, 0, image.width - cw);
    const y = clamp((box.y1 + box.y2) / 2 - ch / 2, 0, image.height - ch);
    const crop = cropResize(image, x, y, cw, ch, 128, 128);
    const out = await this.#run(
      "liveness",
      new ort.Tensor(
        "float32",
        planar(crop, (v) => v),
        [1, 3, 128, 128],
      ),
    );
    return softmax(out.output!.data as Float32Array)[LIVE_INDEX]!;
  }

  analyseFrames(images: readonly RgbImage[], plan: FramePlan): Promise<FrameAnalysis[]> {
    return analyseFramesWith(this, images, plan);
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    for (const s of Object.values(this.sessions)) await s.release();
  }

  async #run(role: Role, input: ort.Tensor): Promise<ort.InferenceSession.OnnxValueMapType> {
    if (this.#closed) throw new FaceError("FACE_MODEL_CLOSED", "face model is closed");
    return this.sessions[role].run({ input });
  }
}

/** Index of "open" in the eye model's 2-class output (measured on eval faces and eye-closed edits). */
const EYE_OPEN_INDEX = 1;
/** Index of "live" in the liveness model's 3-class output (measured; see liveness/README). */
const LIVE_INDEX = 1;

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}

function softmax(v: Float32Array): Float32Array {
  let max = -Infinity;
  for (const x of v) max = Math.max(max, x);
  const out = new Float32Array(v.length);
  let sum = 0;
  for (let i = 0; i < v.length; i++) sum += out[i] = Math.exp(v[i]! - max);
  for (let i = 0; i < v.length; i++) out[i] = out[i]! / sum;
  return out;
}

/** Interleaved RGB to planar CHW float, value mapped per channel. */
function planar(img: RgbImage, f: (v: number, channel: number) => number): Float32Array {
  const n = img.width * img.height;
  const out = new Float32Array(n * 3);
  for (let i = 0; i < n; i++) {
    out[i] = f(img.data[i * 3]!, 0);
    out[n + i] = f(img.data[i * 3 + 1]!, 1);
    out[2 * n + i] = f(img.data[i * 3 + 2]!, 2);
  }
  return out;
}

function gray(img: RgbImage, f: (v: number) => number): Float32Array {
  const n = img.width * img.height;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++)
    out[i] = f(0.299 * img.data[i * 3]! + 0.587 * img.data[i * 3 + 1]! + 0.114 * img.data[i * 3 + 2]!);
  return out;
}
