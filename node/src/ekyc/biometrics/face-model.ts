/**
 * The `FaceModel` port: what the biometrics stage needs from a face model, on already-decoded RGB
 * images. The ONNX adapter (onnx/) runs the pinned faceplugin models; the fake (fake/) is a fast,
 * deterministic stand-in for unit tests of the code above the port. Both pass the one compliance
 * suite in test/node/ekyc/biometrics/face-model.compliance.ts.
 *
 * Contract (every adapter):
 * - `detect` returns faces sorted by score (descending), boxes in the image's pixel coordinates,
 *   scores in [0, 1]; an image with no face gives [] (not an error).
 * - `landmarks` returns the 5 alignment points (eye centres, nose tip, mouth corners; image-left
 *   first) and, when the model has them, the 68 iBUG points.
 * - `embed` returns an L2-normalised Float32Array of `info.embeddingSize`, deterministic for the same input.
 * - `headPose` returns yaw/pitch/roll in degrees; yaw > 0 when the face turns towards the image's right.
 * - `eyeState` returns per-eye probabilities that the eye is open, in [0, 1].
 * - `liveness` returns the probability in [0, 1] that the face is a live presentation.
 * - `analyseFrames` gives, per frame, what the calls above give for its single face (frame-analysis.ts),
 *   or why there is none; the caller's pixel buffers stay usable afterwards (an adapter that moves
 *   them to another thread copies them first): the liveness check embeds one of them later.
 * - after `close()` every call rejects with FACE_MODEL_CLOSED; close() is idempotent.
 */
import type { FaceBox, Point, ScoredBox } from "./geometry.ts";
import type { RgbImage } from "./image.ts";

export interface FaceModelInfo {
  /** Stable id of the embedding space: templates are comparable only within one id. */
  readonly id: string;
  readonly version: string;
  readonly embeddingSize: number;
  /** Component model files and their SHA-256 (evidence of which models decided). */
  readonly components: Readonly<Record<string, { readonly file: string; readonly sha256: string }>>;
}

export interface FaceLandmarks {
  readonly points5: readonly Point[];
  readonly points68?: readonly Point[];
}

export interface HeadPose {
  readonly yaw: number;
  readonly pitch: number;
  readonly roll: number;
}

export interface EyeState {
  readonly leftOpen: number;
  readonly rightOpen: number;
}

/** What `analyseFrames` computes where (frame-analysis.ts has the shared implementation). */
export interface FramePlan {
  readonly minFaceSize: number;
  /** Frame indices that get an embedding. */
  readonly embed: readonly number[];
  /** Frame indices that get a passive liveness score. */
  readonly passive: readonly number[];
}

/** The lower face of one frame, resampled in the face's own axes (grey, row-major; liveness/mouth-motion.ts). */
export interface MouthPatch {
  readonly width: number;
  readonly height: number;
  readonly grey: Float32Array;
  /** the mouth corners in patch pixels, where the landmark model put them */
  readonly left: Point;
  readonly right: Point;
  /** patch pixels across per patch pixel down, on this face (the eyes-to-nose length against the eye distance) */
  readonly yScale: number;
}

export type FrameAnalysis =
  | { readonly face: "NOT_FOUND" | "MULTIPLE" | "TOO_SMALL" }
  | {
      readonly face: "ONE";
      readonly box: ScoredBox;
      readonly landmarks: FaceLandmarks;
      readonly pose: HeadPose;
      readonly eyes: EyeState;
      readonly embedding: Float32Array | null;
      readonly passive: number | null;
      /** The face's low frequencies, aligned on its landmarks (liveness/frame-descriptor.ts), for the replay memory. */
      readonly faceDescriptor: Float32Array;
      /** The lower face in the face's own coordinates (liveness/mouth-motion.ts), for the smile; null without 68 points. */
      readonly mouth: MouthPatch | null;
    };

export interface FaceModel {
  readonly info: FaceModelInfo;
  detect(image: RgbImage): Promise<ScoredBox[]>;
  landmarks(image: RgbImage, box: FaceBox): Promise<FaceLandmarks>;
  embed(image: RgbImage, landmarks: FaceLandmarks): Promise<Float32Array>;
  headPose(image: RgbImage, box: FaceBox): Promise<HeadPose>;
  eyeState(image: RgbImage, landmarks: FaceLandmarks): Promise<EyeState>;
  liveness(image: RgbImage, box: FaceBox): Promise<number>;
  analyseFrames(images: readonly RgbImage[], plan: FramePlan): Promise<FrameAnalysis[]>;
  close(): Promise<void>;
}
