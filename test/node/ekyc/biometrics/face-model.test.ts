import { expect } from "chai";
import { copyFile, mkdtemp, readdir, readFile, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { DEFAULT_MODEL_DIR, loadOnnxFaceModel } from "../../../../node/src/ekyc/biometrics/onnx/onnx-face-model.ts";
import { startWorkerFaceModel } from "../../../../node/src/ekyc/biometrics/onnx/worker-face-model.ts";
import { isKycnetError } from "@kycnet/sdk/errors";
import { createFakeFaceModel } from "../../../../node/src/ekyc/biometrics/fake/fake-face-model.ts";
import { faceModelCompliance } from "./face-model.compliance.ts";
import { evalImage, fakeFace, flatImage } from "./helpers.ts";

faceModelCompliance(
  "onnx (faceplugin models, eval faces)",
  () => loadOnnxFaceModel(),
  async () => ({
    face: await evalImage("howard", 1),
    samePerson: await evalImage("howard", 2),
    otherPerson: await evalImage("penny", 1),
    noFace: flatImage(160, 127),
  }),
);

faceModelCompliance(
  "onnx on a worker thread",
  () => startWorkerFaceModel(),
  async () => ({
    face: await evalImage("howard", 1),
    samePerson: await evalImage("howard", 2),
    otherPerson: await evalImage("penny", 1),
    noFace: flatImage(160, 127),
  }),
);

faceModelCompliance(
  "fake",
  async () => createFakeFaceModel(),
  async () => ({
    face: fakeFace([180, 120, 90], 1),
    samePerson: fakeFace([180, 120, 90], 2),
    otherPerson: fakeFace([60, 140, 200], 3),
    noFace: flatImage(96, 127),
  }),
);

describe("loadOnnxFaceModel model files", () => {
  async function expectUnavailable(modelDir: string): Promise<void> {
    try {
      await loadOnnxFaceModel({ modelDir });
      expect.fail("loaded");
    } catch (error) {
      expect(isKycnetError(error, "FACE_MODEL_UNAVAILABLE"), String(error)).to.equal(true);
    }
  }
  it("FACE_MODEL_UNAVAILABLE when the model folder is missing (fetch-models.sh not run)", async () => {
    await expectUnavailable(path.join(tmpdir(), "kycnet-no-models-here"));
  });
  it("FACE_MODEL_UNAVAILABLE from the worker thread too, with the loader's reason", async () => {
    try {
      await startWorkerFaceModel({ modelDir: path.join(tmpdir(), "kycnet-no-models-here") });
      expect.fail("started");
    } catch (error) {
      expect(isKycnetError(error, "FACE_MODEL_UNAVAILABLE"), String(error)).to.equal(true);
      expect((error as Error).message).to.match(/fetch-models/);
    }
  });
  it("FACE_MODEL_UNAVAILABLE when a model file does not match its pinned SHA-256", async () => {
    const dir = await mkdtemp(path.join(tmpdir(), "kycnet-models-"));
    for (const f of await readdir(DEFAULT_MODEL_DIR))
      await copyFile(path.join(DEFAULT_MODEL_DIR, f), path.join(dir, f));
    const victim = path.join(dir, "fr_eye.onnx");
    const bytes = await readFile(victim);
    bytes.writeUInt8(bytes.readUInt8(bytes.length - 1) ^ 0xff, bytes.length - 1);
    await writeFile(victim, bytes);
    await expectUnavailable(dir);
  });
});
