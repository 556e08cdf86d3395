/**
 * Worker-thread entry of the face model (worker-face-model.ts): the six ONNX sessions load once
 * here and every FaceModel call runs on this thread (workers/rpc.ts says why).
 */
import { serveRpc } from "../../../workers/rpc.ts";
import type { FaceLandmarks, FramePlan } from "../face-model.ts";
import type { FaceBox } from "../geometry.ts";
import type { RgbImage } from "../image.ts";
import { loadOnnxFaceModel, type OnnxFaceModelOptions } from "./onnx-face-model.ts";

await serveRpc(async (options: OnnxFaceModelOptions) => {
  const model = await loadOnnxFaceModel(options);
  return {
    info: model.info,
    methods: {
      detect: (image: RgbImage) => model.detect(image),
      landmarks: (image: RgbImage, box: FaceBox) => model.landmarks(image, box),
      embed: (image: RgbImage, landmarks: FaceLandmarks) => model.embed(image, landmarks),
      headPose: (image: RgbImage, box: FaceBox) => model.headPose(image, box),
      eyeState: (image: RgbImage, landmarks: FaceLandmarks) => model.eyeState(image, landmarks),
      liveness: (image: RgbImage, box: FaceBox) => model.liveness(image, box),
      analyseFrames: (images: RgbImage[], plan: FramePlan) => model.analyseFrames(images, plan),
    },
  };
});
