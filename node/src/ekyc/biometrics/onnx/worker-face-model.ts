/**
 * The ONNX face model on a worker thread of its own: the same adapter (onnx-face-model.ts) behind
 * the FaceModel port, with its inferences off the event loop (workers/rpc.ts says why). Single-model
 * calls copy their image to the worker; `analyseFrames` sends all of a selfie's frames in one
 * message and transfers their buffers.
 */
import { RpcWorker, type WireError } from "../../../workers/rpc.ts";
import { FaceError, type FaceErrorCode } from "../errors.ts";
import type {
  EyeState,
  FaceLandmarks,
  FaceModel,
  FaceModelInfo,
  FrameAnalysis,
  FramePlan,
  HeadPose,
} from "../face-model.ts";
import type { FaceBox, ScoredBox } from "../geometry.ts";
import type { RgbImage } from "../image.ts";
import type { OnnxFaceModelOptions } from "./onnx-face-model.ts";

/** A FaceError from the worker comes back as one, code and all; anything else means the model failed. */
function rebuild(error: WireError): Error {
  if (error.name === "FaceError" && error.code !== null)
    return new FaceError(error.code as FaceErrorCode, error.message, { details: error.details });
  return new FaceError("FACE_MODEL_UNAVAILABLE", `face model worker failed: ${error.name}: ${error.message}`);
}

/** Only the pixels and size cross to the worker, whatever else the caller's image object carries. */
const pixels = (image: RgbImage): RgbImage => ({ width: image.width, height: image.height, data: image.data });

/**
 * The pixels in a fresh ArrayBuffer of their own, which can be transferred: decoded images live in
 * sharp's external (native) memory or in views on Node's Buffer pool, neither of which can be moved
 * to another thread. One memcpy here; the message then carries no copy at all.
 */
function ownPixels(image: RgbImage): RgbImage {
  return { width: image.width, height: image.height, data: new Uint8Array(image.data) };
}

class WorkerFaceModel implements FaceModel {
  readonly info: FaceModelInfo;
  readonly #rpc: RpcWorker<FaceModelInfo>;

  constructor(rpc: RpcWorker<FaceModelInfo>) {
    this.#rpc = rpc;
    this.info = rpc.info;
  }

  detect(image: RgbImage): Promise<ScoredBox[]> {
    return this.#rpc.call("detect", [pixels(image)]);
  }
  landmarks(image: RgbImage, box: FaceBox): Promise<FaceLandmarks> {
    return this.#rpc.call("landmarks", [pixels(image), box]);
  }
  embed(image: RgbImage, landmarks: FaceLandmarks): Promise<Float32Array> {
    return this.#rpc.call("embed", [pixels(image), landmarks]);
  }
  headPose(image: RgbImage, box: FaceBox): Promise<HeadPose> {
    return this.#rpc.call("headPose", [pixels(image), box]);
  }
  eyeState(image: RgbImage, landmarks: FaceLandmarks): Promise<EyeState> {
    return this.#rpc.call("eyeState", [pixels(image), landmarks]);
  }
  liveness(image: RgbImage, box: FaceBox): Promise<number> {
    return this.#rpc.call("liveness", [pixels(image), box]);
  }
  /** One message for the whole selfie; the pixel buffers move to the worker (transferred, not cloned). */
  analyseFrames(images: readonly RgbImage[], plan: FramePlan): Promise<FrameAnalysis[]> {
    const moved = images.map(ownPixels);
    return this.#rpc.call("analyseFrames", [moved, plan], [...new Set(moved.map((m) => m.data.buffer as ArrayBuffer))]);
  }
  close(): Promise<void> {
    return this.#rpc.close();
  }
}

/** Starts the worker, loads and verifies the models there, and returns the port once it is ready. */
export async function startWorkerFaceModel(options: OnnxFaceModelOptions = {}): Promise<FaceModel> {
  const rpc = await RpcWorker.start<FaceModelInfo>(new URL("./face-worker.ts", import.meta.url), {
    workerData: options,
    rebuild,
    lost: (reason) => new FaceError("FACE_MODEL_UNAVAILABLE", `face model worker ${reason}`),
    closed: () => new FaceError("FACE_MODEL_CLOSED", "face model is closed"),
  });
  return new WorkerFaceModel(rpc);
}
