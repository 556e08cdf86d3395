import { expect } from "chai";
import {
  ARCFACE_TEMPLATE_112,
  applyAffine,
  cosineSimilarity,
  fivePointsFrom68,
  iou,
  l2Normalize,
  nonMaximumSuppression,
  similarityTransform,
  type Point,
} from "../../../../node/src/ekyc/biometrics/geometry.ts";
import { invertAffine } from "../../../../node/src/ekyc/biometrics/image.ts";
import { expectNear } from "../../../support/near.ts";

describe("biometrics geometry", () => {
  describe("similarityTransform (Umeyama, 2-D)", () => {
    it("recovers a known rotation + scale + translation exactly", () => {
      const angle = 0.3,
        s = 1.7,
        tx = 12,
        ty = -5;
      const src: Point[] = [
        { x: 0, y: 0 },
        { x: 10, y: 3 },
        { x: 4, y: 9 },
        { x: -6, y: 2 },
        { x: 1, y: -7 },
      ];
      const dst = src.map((p) => ({
        x: s * (Math.cos(angle) * p.x - Math.sin(angle) * p.y) + tx,
        y: s * (Math.sin(angle) * p.x + Math.cos(angle) * p.y) + ty,
      }));
      const m = similarityTransform(src, dst);
      src.forEach((p, i) => {
        const q = applyAffine(m, p);
        expectNear(q.x, dst[i]!.x, 1e-9);
        expectNear(q.y, dst[i]!.y, 1e-9);
      });
    });
    it("never reflects: mirrored points give the best rotation, not a flip", () => {
      const src = ARCFACE_TEMPLATE_112;
      const mirrored = src.map((p) => ({ x: 112 - p.x, y: p.y }));
      const m = similarityTransform(src, mirrored);
      const det = m[0] * m[4] - m[1] * m[3];
      expect(det).to.be.greaterThan(0);
    });
    it("maps template points onto themselves with the identity", () => {
      const m = similarityTransform(ARCFACE_TEMPLATE_112, ARCFACE_TEMPLATE_112);
      [1, 0, 0, 0, 1, 0].forEach((v, i) => expectNear(m[i], v, 1e-9));
    });
    it("throws on degenerate input (coincident points, length mismatch)", () => {
      expect(() =>
        similarityTransform(
          [
            { x: 1, y: 1 },
            { x: 1, y: 1 },
          ],
          [
            { x: 0, y: 0 },
            { x: 2, y: 2 },
          ],
        ),
      ).to.throw(RangeError);
      expect(() =>
        similarityTransform(
          [{ x: 1, y: 1 }],
          [
            { x: 0, y: 0 },
            { x: 2, y: 2 },
          ],
        ),
      ).to.throw(RangeError);
    });
    it("is inverted exactly by invertAffine", () => {
      const m = similarityTransform(
        [
          { x: 0, y: 0 },
          { x: 10, y: 0 },
        ],
        [
          { x: 5, y: 5 },
          { x: 5, y: 25 },
        ],
      );
      const back = applyAffine(invertAffine(m), applyAffine(m, { x: 3, y: 4 }));
      expectNear(back.x, 3, 1e-9);
      expectNear(back.y, 4, 1e-9);
    });
  });

  describe("nonMaximumSuppression", () => {
    it("keeps the highest-scored of overlapping boxes and every separate one, sorted by score", () => {
      const boxes = [
        { x1: 0, y1: 0, x2: 10, y2: 10, score: 0.8 },
        { x1: 1, y1: 1, x2: 11, y2: 11, score: 0.95 },
        { x1: 50, y1: 50, x2: 60, y2: 60, score: 0.9 },
      ];
      const kept = nonMaximumSuppression(boxes, 0.4);
      expect(kept.map((b) => b.score)).to.deep.equal([0.95, 0.9]);
    });
    it("keeps boxes overlapping below the IoU threshold", () => {
      const a = { x1: 0, y1: 0, x2: 10, y2: 10, score: 0.9 },
        b = { x1: 8, y1: 0, x2: 18, y2: 10, score: 0.8 };
      expectNear(iou(a, b), 20 / 180, 1e-9);
      expect(nonMaximumSuppression([a, b], 0.4)).to.have.length(2);
    });
    it("caps the number of boxes kept", () => {
      const many = Array.from({ length: 100 }, (_, i) => ({ x1: i * 20, y1: 0, x2: i * 20 + 10, y2: 10, score: 0.9 }));
      expect(nonMaximumSuppression(many, 0.4, 5)).to.have.length(5);
    });
  });

  describe("fivePointsFrom68", () => {
    it("averages the eye lids, takes the nose tip and averages the mouth corners", () => {
      const pts = Array.from({ length: 68 }, (_, i) => ({ x: i, y: 2 * i }));
      const five = fivePointsFrom68(pts);
      expect(five[0]).to.deep.equal({ x: (37 + 38 + 40 + 41) / 4, y: (2 * (37 + 38 + 40 + 41)) / 4 });
      expect(five[2]).to.deep.equal({ x: 30, y: 60 });
      expect(five[4]).to.deep.equal({ x: 59, y: 118 });
    });
    it("throws on a wrong landmark count", () => {
      expect(() => fivePointsFrom68([{ x: 0, y: 0 }])).to.throw(RangeError);
    });
  });

  describe("cosineSimilarity and l2Normalize", () => {
    it("is 1 for parallel, -1 for opposite, 0 for orthogonal or zero vectors", () => {
      const a = Float32Array.from([1, 2, 3]);
      expectNear(cosineSimilarity(a, Float32Array.from([2, 4, 6])), 1, 1e-6);
      expectNear(cosineSimilarity(a, Float32Array.from([-1, -2, -3])), -1, 1e-6);
      expect(cosineSimilarity(Float32Array.from([1, 0]), Float32Array.from([0, 1]))).to.equal(0);
      expect(cosineSimilarity(Float32Array.from([0, 0]), Float32Array.from([0, 1]))).to.equal(0);
    });
    it("throws when lengths differ", () => {
      expect(() => cosineSimilarity(new Float32Array(2), new Float32Array(3))).to.throw(RangeError);
    });
    it("normalises to unit length and leaves a zero vector zero", () => {
      expectNear(Math.hypot(...l2Normalize(Float32Array.from([3, 4]))), 1, 1e-6);
      expect([...l2Normalize(new Float32Array(3))]).to.deep.equal([0, 0, 0]);
    });
  });
});
