/** Public surface of the biometrics stage (what the node, re-onboarding, CLI and bench import). */
export type { FaceModel, FaceModelInfo, FaceLandmarks, HeadPose, EyeState } from "./face-model.ts";
export { loadOnnxFaceModel, type OnnxFaceModelOptions } from "./onnx/onnx-face-model.ts";
export { startWorkerFaceModel } from "./onnx/worker-face-model.ts";
export { createFakeFaceModel } from "./fake/fake-face-model.ts";
export { readFace, type FaceReading, type FaceImageInput } from "./face-reader.ts";
export { decodeImage, DEFAULT_DECODE_LIMITS, type RgbImage, type DecodeLimits } from "./image.ts";
export { cosineSimilarity } from "./geometry.ts";
export { loadThresholds, matchBand, seedScore, type BiometricThresholds, type MatchBand } from "./matching.ts";
export { calibrate, rocTable, type Calibration, type ScoredPair } from "./calibration.ts";
export {
  ChallengeIssuer,
  verifyChallenge,
  type Challenge,
  type ChallengeStep,
  type ChallengeFrame,
} from "./liveness/challenge.ts";
export { replaySignals } from "./liveness/replay.ts";
export { FrameMemory, type FrameRecall } from "./liveness/frame-memory.ts";
export {
  templateOf,
  encodeTemplate,
  decodeTemplate,
  templateHash,
  matchTemplate,
  type FaceTemplate,
} from "./template.ts";
export { verifySelfie, type SelfieVerification, type VerifySelfieInput, type SelfieDecision } from "./verify-selfie.ts";
export { FaceError, ChallengeError } from "./errors.ts";
