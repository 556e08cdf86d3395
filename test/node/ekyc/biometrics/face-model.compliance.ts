/**
 * The one compliance suite of the FaceModel port (face-model.ts): every adapter must pass it.
 * The caller supplies the adapter factory and fixtures the adapter can see faces in.
 */
import { expect } from "chai";
import type { FaceModel } from "../../../../node/src/ekyc/biometrics/face-model.ts";
import { cosineSimilarity } from "../../../../node/src/ekyc/biometrics/geometry.ts";
import { isKycnetError } from "@kycnet/sdk/errors";
import type { RgbImage } from "../../../../node/src/ekyc/biometrics/image.ts";
import { expectNear } from "../../../support/near.ts";

export interface FaceModelFixtures {
  /** one face */
  face: RgbImage;
  /** another image of the same person */
  samePerson: RgbImage;
  /** a different person */
  otherPerson: RgbImage;
  /** no face at all */
  noFace: RgbImage;
}

export function faceModelCompliance(
  name: string,
  create: () => Promise<FaceModel>,
  fixtures: () => Promise<FaceModelFixtures>,
): void {
  describe(`FaceModel compliance: ${name}`, function () {
    let model: FaceModel;
    let fx: FaceModelFixtures;
    before(async function () {
      model = await create();
      fx = await fixtures();
    });
    after(() => model?.close());

    it("describes itself: id, version, embedding size, component checksums", () => {
      expect(model.info.id).to.be.a("string").and.not.empty;
      expect(model.info.version).to.be.a("string").and.not.empty;
      expect(model.info.embeddingSize).to.be.greaterThan(0);
      for (const c of Object.values(model.info.components)) expect(c.sha256).to.match(/^[0-9a-f]{64}$/);
    });

    describe("detect", () => {
      it("finds the face with a box inside the image and a score in [0, 1]", async () => {
        const faces = await model.detect(fx.face);
        expect(faces.length).to.be.greaterThan(0);
        for (const f of faces) {
          expect(f.x1).to.be.at.least(0);
          expect(f.y1).to.be.at.least(0);
          expect(f.x2).to.be.at.most(fx.face.width).and.greaterThan(f.x1);
          expect(f.y2).to.be.at.most(fx.face.height).and.greaterThan(f.y1);
          expect(f.score).to.be.within(0, 1);
        }
        const scores = faces.map((f) => f.score);
        expect(scores).to.deep.equal([...scores].sort((a, b) => b - a));
      });
      it("returns an empty list, not an error, for an image with no face", async () => {
        expect(await model.detect(fx.noFace)).to.deep.equal([]);
      });
    });

    describe("landmarks and embed", () => {
      it("gives 5 alignment points near the face box, left eye left of right eye", async () => {
        const [box] = await model.detect(fx.face);
        const lm = await model.landmarks(fx.face, box!);
        expect(lm.points5).to.have.length(5);
        const w = box!.x2 - box!.x1;
        for (const p of lm.points5) {
          expect(p.x).to.be.within(box!.x1 - w * 0.2, box!.x2 + w * 0.2);
        }
        expect(lm.points5[0]!.x).to.be.lessThan(lm.points5[1]!.x);
        expect(lm.points5[2]!.y).to.be.greaterThan(lm.points5[0]!.y); // nose below the eyes
      });
      it("embeds to a unit vector of the declared size, deterministically", async () => {
        const [box] = await model.detect(fx.face);
        const lm = await model.landmarks(fx.face, box!);
        const e1 = await model.embed(fx.face, lm);
        const e2 = await model.embed(fx.face, lm);
        expect(e1).to.be.instanceOf(Float32Array);
        expect(e1.length).to.equal(model.info.embeddingSize);
        expectNear(Math.hypot(...e1), 1, 1e-4);
        expectNear(cosineSimilarity(e1, e2), 1, 1e-6);
      });
      it("scores the same person above a different person", async () => {
        const emb = async (img: RgbImage) => {
          const [box] = await model.detect(img);
          return model.embed(img, await model.landmarks(img, box!));
        };
        const [a, b, c] = [await emb(fx.face), await emb(fx.samePerson), await emb(fx.otherPerson)];
        expect(cosineSimilarity(a, b)).to.be.greaterThan(cosineSimilarity(a, c));
      });
    });

    describe("pose, eyes, liveness", () => {
      it("gives finite head-pose angles in degrees", async () => {
        const [box] = await model.detect(fx.face);
        const pose = await model.headPose(fx.face, box!);
        for (const v of [pose.yaw, pose.pitch, pose.roll]) expect(v).to.be.within(-100, 100);
      });
      it("gives eye-open probabilities in [0, 1], high for open eyes", async () => {
        const [box] = await model.detect(fx.face);
        const eyes = await model.eyeState(fx.face, await model.landmarks(fx.face, box!));
        expect(eyes.leftOpen).to.be.within(0.5, 1);
        expect(eyes.rightOpen).to.be.within(0.5, 1);
      });
      it("gives a liveness probability in [0, 1]", async () => {
        const [box] = await model.detect(fx.face);
        expect(await model.liveness(fx.face, box!)).to.be.within(0, 1);
      });
    });

    describe("close", () => {
      it("is idempotent and makes every later call fail with FACE_MODEL_CLOSED", async () => {
        const own = await create();
        await own.close();
        await own.close();
        try {
          await own.detect(fx.face);
          expect.fail("detect after close resolved");
        } catch (error) {
          expect(isKycnetError(error, "FACE_MODEL_CLOSED"), String(error)).to.equal(true);
        }
      });
    });
  });
}
