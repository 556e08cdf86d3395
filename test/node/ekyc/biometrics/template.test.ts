import { expect } from "chai";
import type { FaceModel } from "../../../../node/src/ekyc/biometrics/face-model.ts";
import {
  decodeTemplate,
  encodeTemplate,
  matchTemplate,
  templateHash,
  templateOf,
  type FaceTemplate,
} from "../../../../node/src/ekyc/biometrics/template.ts";
import { loadThresholds } from "../../../../node/src/ekyc/biometrics/matching.ts";
import { isKycnetError, type ErrorCode } from "@kycnet/sdk/errors";
import { evalBytes, sharedOnnxModel } from "./helpers.ts";

function expectCode(f: () => unknown, code: ErrorCode): void {
  try {
    f();
    expect.fail(`returned, expected ${code}`);
  } catch (error) {
    expect(isKycnetError(error, code), String(error)).to.equal(true);
  }
}

describe("face templates", () => {
  const small: FaceTemplate = { modelId: "m1", embedding: Float32Array.from([0.6, -0.8]) };

  describe("canonical bytes", () => {
    it("encode: magic, u16 id length, id, u16 dims, float32 LE", () => {
      const hex = Buffer.from(encodeTemplate(small)).toString("hex");
      expect(hex).to.equal(
        Buffer.from("KYCFACE1").toString("hex") +
          "0002" +
          Buffer.from("m1").toString("hex") +
          "0002" +
          Buffer.from(Float32Array.from([0.6, -0.8]).buffer).toString("hex"),
      );
    });
    it("decode(encode(t)) gives t back exactly", () => {
      const back = decodeTemplate(encodeTemplate(small));
      expect(back.modelId).to.equal("m1");
      expect([...back.embedding]).to.deep.equal([...small.embedding]);
    });
    it("hashes to 0x + 64 lower-case hex, stable for equal templates, different for any change", () => {
      const h = templateHash(small);
      expect(h).to.match(/^0x[0-9a-f]{64}$/);
      expect(templateHash({ modelId: "m1", embedding: Float32Array.from([0.6, -0.8]) })).to.equal(h);
      expect(templateHash({ modelId: "m2", embedding: small.embedding })).to.not.equal(h);
      expect(templateHash({ modelId: "m1", embedding: Float32Array.from([0.6, -0.7999]) })).to.not.equal(h);
    });
    it("FACE_TEMPLATE_INVALID for wrong magic, truncation, trailing bytes, NaN, empty id", () => {
      const good = encodeTemplate(small);
      const bad = new Uint8Array(good);
      bad[0] = 0;
      expectCode(() => decodeTemplate(bad), "FACE_TEMPLATE_INVALID");
      expectCode(() => decodeTemplate(good.subarray(0, good.length - 1)), "FACE_TEMPLATE_INVALID");
      expectCode(() => decodeTemplate(new Uint8Array([...good, 0])), "FACE_TEMPLATE_INVALID");
      expectCode(() => decodeTemplate(new Uint8Array(4)), "FACE_TEMPLATE_INVALID");
      const nan = new Uint8Array(good);
      new DataView(nan.buffer).setFloat32(nan.length - 4, Number.NaN, true);
      expectCode(() => decodeTemplate(nan), "FACE_TEMPLATE_INVALID");
      expectCode(() => encodeTemplate({ modelId: "", embedding: small.embedding }), "FACE_TEMPLATE_INVALID");
    });
  });

  describe("templateOf and matchTemplate with the real models", function () {
    let model: FaceModel;
    let howard: FaceTemplate;
    before(async () => {
      model = await sharedOnnxModel();
      howard = await templateOf(model, await evalBytes("howard", 2));
    });
    it("makes a unit-norm template of the model's id and size that survives the byte round trip", () => {
      expect(howard.modelId).to.equal(model.info.id);
      expect(howard.embedding.length).to.equal(512);
      expect(templateHash(decodeTemplate(encodeTemplate(howard)))).to.equal(templateHash(howard));
    });
    it("accepts a fresh selfie of the same person at a second bank", async () => {
      const m = await matchTemplate(
        model,
        decodeTemplate(encodeTemplate(howard)),
        await evalBytes("howard", 4),
        loadThresholds().match,
      );
      expect(m.band).to.equal("accept");
      expect(m.score).to.be.at.least(90);
    });
    it("rejects a selfie of another person", async () => {
      const m = await matchTemplate(model, howard, await evalBytes("bernadette", 3), loadThresholds().match);
      expect(m.band).to.equal("reject");
      expect(m.score).to.be.below(70);
    });
    it("FACE_TEMPLATE_INVALID for a template of another model", async () => {
      try {
        await matchTemplate(
          model,
          { modelId: "other-model", embedding: howard.embedding },
          await evalBytes("howard", 4),
          loadThresholds().match,
        );
        expect.fail("resolved");
      } catch (error) {
        expect(isKycnetError(error, "FACE_TEMPLATE_INVALID"), String(error)).to.equal(true);
      }
    });
  });
});
