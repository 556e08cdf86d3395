import { expect } from "chai";
import { readFile } from "node:fs/promises";
import type { FaceModel } from "../../../../node/src/ekyc/biometrics/face-model.ts";
import { readFace, selectSingleFace } from "../../../../node/src/ekyc/biometrics/face-reader.ts";
import { allPairs, listLabelledImages } from "../../../../node/src/ekyc/biometrics/eval-set.ts";
import { cosineSimilarity } from "../../../../node/src/ekyc/biometrics/geometry.ts";
import { loadThresholds, matchBand } from "../../../../node/src/ekyc/biometrics/matching.ts";
import { cropResize } from "../../../../node/src/ekyc/biometrics/image.ts";
import { EVAL_DIR, evalImage, flatImage, png, sharedOnnxModel, sideBySide } from "./helpers.ts";
import { expectCode } from "../../../support/expect-code.ts";

describe("readFace with the real models on the eval faces", function () {
  let model: FaceModel;
  before(async () => {
    model = await sharedOnnxModel();
  });

  describe("matching all 300 eval pairs at the committed thresholds", () => {
    let scored: Array<{ genuine: boolean; similarity: number }>;
    before(async () => {
      const images = await listLabelledImages(EVAL_DIR);
      const embeddings: Float32Array[] = [];
      for (const img of images)
        embeddings.push((await readFace(model, new Uint8Array(await readFile(img.file)))).embedding);
      scored = allPairs(images).map((p) => ({
        genuine: p.genuine,
        similarity: cosineSimilarity(embeddings[p.a]!, embeddings[p.b]!),
      }));
    });
    it("finds exactly one face in each of the 25 images (no detection failure) and forms 50 + 250 pairs", () => {
      expect(scored.filter((p) => p.genuine)).to.have.length(50);
      expect(scored.filter((p) => !p.genuine)).to.have.length(250);
    });
    it("accepts no impostor pair (FMR at accept 0/250)", () => {
      const t = loadThresholds().match;
      expect(scored.filter((p) => !p.genuine && matchBand(p.similarity, t) === "accept")).to.have.length(0);
    });
    it("is >= 97 % accurate with accept as the match decision, and rejects no genuine pair", () => {
      const t = loadThresholds().match;
      const correct = scored.filter((p) => p.similarity >= t.accept === p.genuine).length;
      expect(correct / scored.length).to.be.at.least(0.97);
      expect(scored.filter((p) => p.genuine && matchBand(p.similarity, t) === "reject")).to.have.length(0);
    });
  });

  describe("face size and framing", () => {
    it("finds a face that fills a large image (tight crop upscaled to 600 px)", async () => {
      const face = await evalImage("penny", 2);
      const big = cropResize(face, 0, 0, face.width, face.height, 600, 600);
      const r = await readFace(model, big);
      expect(r.box.x2 - r.box.x1).to.be.greaterThan(300);
    });
    it("finds a small face in a large photo (150 px face on a 1200x900 canvas)", async () => {
      const face = await evalImage("penny", 2);
      const canvas = { width: 1200, height: 900, data: new Uint8Array(1200 * 900 * 3).fill(110) };
      for (let y = 0; y < face.height; y++)
        canvas.data.set(face.data.subarray(y * face.width * 3, (y + 1) * face.width * 3), ((y + 500) * 1200 + 800) * 3);
      const r = await readFace(model, canvas);
      expect(r.box.x1).to.be.within(780, 860);
      expect(r.box.y1).to.be.within(480, 560);
    });
  });

  describe("bad input", () => {
    it("FACE_NOT_FOUND for an image without a face", async () => {
      await expectCode(readFace(model, await png(flatImage(200, 90))), "FACE_NOT_FOUND");
    });
    it("FACE_MULTIPLE when two people are in the picture", async () => {
      const two = sideBySide([await evalImage("howard", 1), await evalImage("penny", 1)]);
      await expectCode(readFace(model, two), "FACE_MULTIPLE");
    });
    it("FACE_TOO_SMALL for a face below the minimum size", async () => {
      const face = await evalImage("leonard", 2);
      const small = cropResize(face, 0, 0, face.width, face.height, 30, 30); // detected at ~27 px
      const canvas = sideBySide([small], 60);
      await expectCode(readFace(model, canvas), "FACE_TOO_SMALL");
    });
    it("FACE_IMAGE_INVALID for corrupt bytes and for malformed pixel objects", async () => {
      await expectCode(readFace(model, new Uint8Array([0x89, 0x50, 0x4e, 0x47, 1, 2, 3])), "FACE_IMAGE_INVALID");
      await expectCode(readFace(model, { width: 10, height: 10, data: new Uint8Array(5) }), "FACE_IMAGE_INVALID");
    });
  });

  describe("selectSingleFace", () => {
    const box = (s: number, score = 0.9) => ({ x1: 0, y1: 0, x2: s, y2: s, score });
    const at = (x: number, y: number, s: number) => ({ x1: x, y1: y, x2: x + s, y2: y + s, score: 0.9 });
    it("ignores faces below the minimum size when one usable face remains", () => {
      expect(selectSingleFace([box(100), box(20)], 40).x2).to.equal(100);
    });
    it("throws FACE_TOO_SMALL, FACE_NOT_FOUND, FACE_MULTIPLE as appropriate", () => {
      expect(() => selectSingleFace([box(20)], 40))
        .to.throw()
        .with.property("code", "FACE_TOO_SMALL");
      expect(() => selectSingleFace([], 40))
        .to.throw()
        .with.property("code", "FACE_NOT_FOUND");
      // two faces side by side, and one overlapping the other by half
      expect(() => selectSingleFace([at(0, 0, 100), at(120, 0, 90)], 40))
        .to.throw()
        .with.property("code", "FACE_MULTIPLE");
      expect(() => selectSingleFace([at(0, 0, 100), at(55, 0, 90)], 40))
        .to.throw()
        .with.property("code", "FACE_MULTIPLE");
    });
    it("counts a face nested inside a larger one as part of it (a turned face's eyes read as a face)", () => {
      // the boxes bernadette5's turned synthetic frame gave (development split)
      const face = { x1: 8.1, y1: 24.4, x2: 111.5, y2: 132.7, score: 0.96 };
      const eyes = { x1: 21.0, y1: 22.4, x2: 79.5, y2: 89.4, score: 0.77 };
      expect(selectSingleFace([face, eyes], 40)).to.equal(face);
      expect(selectSingleFace([box(100), box(90)], 40).x2).to.equal(100);
      // 70 % inside is not nested: still two faces
      expect(() => selectSingleFace([box(100), { x1: 30, y1: 0, x2: 130, y2: 60, score: 0.9 }], 40))
        .to.throw()
        .with.property("code", "FACE_MULTIPLE");
    });
  });
});
