import { loadOnnxFaceModel } from "../../../../node/src/ekyc/biometrics/onnx/onnx-face-model.ts";
import { createFakeFaceModel } from "../../../../node/src/ekyc/biometrics/fake/fake-face-model.ts";
import { faceModelCompliance } from "./face-model.compliance.ts";
import { evalImage, fakeFace, flatImage } from "./helpers.ts";

faceModelCompliance("onnx (faceplugin models, eval faces)", () => loadOnnxFaceModel(), async () => ({
  face: await evalImage("howard", 1),
  samePerson: await evalImage("howard", 2),
  otherPerson: await evalImage("penny", 1),
  noFace: flatImage(160, 127),
}));

faceModelCompliance("fake", async () => createFakeFaceModel(), async () => ({
  face: fakeFace([180, 120, 90], 1),
  samePerson: fakeFace([180, 120, 90], 2),
  otherPerson: fakeFace([60, 140, 200], 3),
  noFace: flatImage(96, 127),
}));
