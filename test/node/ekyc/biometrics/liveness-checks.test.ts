import { expect } from "chai";
import { eyesReading, frameState } from "../../../../node/src/ekyc/biometrics/liveness/challenge.ts";
import { FrameMemory } from "../../../../node/src/ekyc/biometrics/liveness/frame-memory.ts";
import {
  DESCRIPTOR_LENGTH,
  descriptorDistance,
  frameDescriptor,
} from "../../../../node/src/ekyc/biometrics/liveness/frame-descriptor.ts";
import type { RgbImage } from "../../../../node/src/ekyc/biometrics/image.ts";
import { discontinuousMotion, implausibleTiming } from "../../../../node/src/ekyc/biometrics/liveness/frame-checks.ts";
import { landmarkYaw, yawChange } from "../../../../node/src/ekyc/biometrics/liveness/head-yaw.ts";
import { loadThresholds } from "../../../../node/src/ekyc/biometrics/matching.ts";
import type { Point } from "../../../../node/src/ekyc/biometrics/geometry.ts";
import { expectNear } from "../../../support/near.ts";

const t = loadThresholds().liveness;

/** A frame descriptor from a base pattern, moved by `by` along its first `spread` numbers (distance by * sqrt(spread)). */
function descriptor(base = 1, by = 0, spread = 1): Float32Array {
  return Float32Array.from(
    { length: DESCRIPTOR_LENGTH },
    (_, i) => Math.sin(base * (i + 1)) / 4 + (i < spread ? by : 0),
  );
}

describe("liveness checks (pure)", function () {
  // pure and fast, but the full suite runs on 2 shared cores: a GC pause must not fail them
  this.timeout(20_000);
  describe("FrameMemory", () => {
    it("finds a frame within the distance in an earlier session, not a farther one", () => {
      const m = new FrameMemory(10);
      m.remember([descriptor()]);
      expect(m.seenBefore([descriptor(1, 0.05, 3)], 0.1)).to.deep.equal([0]);
      expect(m.seenBefore([descriptor(1, 0.06, 3)], 0.1)).to.deep.equal([]);
      expect(m.seenBefore([descriptor(1, 0.02, 2), descriptor(2)], 0.1)).to.deep.equal([0]);
    });
    it("finds a frame across the index's cells, at any limit", () => {
      const m = new FrameMemory(10);
      const near = (first: number) => Float32Array.from(descriptor(), (v, i) => (i === 0 ? first : v));
      m.remember([near(0.49)]);
      expect(m.seenBefore([near(0.51)], 0.05)).to.deep.equal([0]);
      expect(m.seenBefore([near(-0.49)], 0.97)).to.deep.equal([]);
      expect(m.seenBefore([near(-0.49)], 0.99)).to.deep.equal([0]);
      expect(m.seenBefore([near(2.4)], 2)).to.deep.equal([0]);
    });
    it("forgets the oldest sessions beyond its capacity", () => {
      const m = new FrameMemory(2);
      m.remember([descriptor(1)]);
      m.remember([descriptor(2)]);
      m.remember([descriptor(3)]);
      expect(m.sessions).to.equal(2);
      expect(m.seenBefore([descriptor(1)], 0)).to.deep.equal([]);
      expect(m.seenBefore([descriptor(3)], 0)).to.deep.equal([0]);
    });
    it("keeps its own copy of what it remembers", () => {
      const m = new FrameMemory(2);
      const d = descriptor(1);
      m.remember([d]);
      d[0] = 9;
      expect(m.seenBefore([descriptor(1)], 0)).to.deep.equal([0]);
    });
  });

  describe("frameDescriptor", () => {
    /** A face-like still: a bright oval with dark eyes and mouth, on a grey background; `light` % more brightness per pixel to the right. */
    const still = (options: { gain?: number; shift?: number; scale?: number; light?: number } = {}) => {
      const { gain = 1, shift = 0, scale = 1, light = 0 } = options;
      const W = 200;
      const data = new Uint8Array(W * W * 3);
      const centre = 100 + shift;
      const at = (x: number, y: number) => ({ x: centre + (x - 100) * scale, y: centre + (y - 100) * scale });
      const points = {
        eyeL: at(80, 85),
        eyeR: at(120, 85),
        nose: at(100, 105),
        mouthL: at(85, 125),
        mouthR: at(115, 125),
      };
      for (let y = 0; y < W; y++)
        for (let x = 0; x < W; x++) {
          const u = (x - centre) / scale,
            v = (y - centre) / scale;
          // soft shapes (a face seen through a lens), so that scaling them does not change their rendering
          const oval = 1 / (1 + Math.exp(((u * u) / 45 ** 2 + (v * v) / 60 ** 2 - 1) * 12));
          const blob = (p: { x: number; y: number }, r: number) =>
            Math.exp(-((x - p.x) ** 2 + (y - p.y) ** 2) / (2 * (r * scale) ** 2));
          let grey = 90 + 90 * oval;
          grey -= 120 * Math.max(blob(points.eyeL, 5), blob(points.eyeR, 5));
          grey -= 80 * blob({ x: (points.mouthL.x + points.mouthR.x) / 2, y: points.mouthL.y }, 7);
          grey *= gain * (1 + (light * u) / 100);
          data.fill(Math.max(0, Math.min(255, Math.round(grey))), (y * W + x) * 3, (y * W + x) * 3 + 3);
        }
      const image: RgbImage = { width: W, height: W, data };
      const { eyeL, eyeR, nose, mouthL, mouthR } = points;
      return frameDescriptor(image, { points5: [eyeL, eyeR, nose, mouthL, mouthR] });
    };

    it("does not move with the camera's gain, or with the face moved and scaled in the frame", () => {
      const d = still();
      expect(d).to.have.length(DESCRIPTOR_LENGTH);
      // (rounding to 8-bit grey levels alone moves it by about 0.02)
      expect(descriptorDistance(d, still({ gain: 1.15 }))).to.be.below(0.05);
      expect(descriptorDistance(d, still({ shift: 17, scale: 0.8 }))).to.be.below(0.1);
    });
    it("moves with the light across the face (another capture)", () => {
      expect(descriptorDistance(still(), still({ light: 0.25 }))).to.be.above(0.3);
    });
    it("abandons the distance past the limit", () => {
      expect(descriptorDistance(descriptor(1), descriptor(1, 0.5), 0.2)).to.equal(Infinity);
      expectNear(descriptorDistance(descriptor(1), descriptor(1, 0.1), 0.2), 0.1, 1e-6);
    });
  });

  describe("implausibleTiming", () => {
    const now = 10_000;
    it("accepts camera-like gaps up to the node's clock plus the skew", () => {
      expect(implausibleTiming([1_000, 1_350, 1_700, 2_900], now, t.timing)).to.equal(false);
    });
    it("flags frames faster than a camera, gaps the check cannot follow, and frames from the future", () => {
      expect(implausibleTiming([1_000, 1_010], now, t.timing)).to.equal(true);
      expect(implausibleTiming([1_000, 1_000 + t.timing.maxFrameGapMs + 1], now, t.timing)).to.equal(true);
      expect(implausibleTiming([1_000, now + t.timing.maxFutureSkewMs + 1], now, t.timing)).to.equal(true);
    });
  });

  describe("discontinuousMotion", () => {
    const box = (x: number, w = 100) => ({ x1: x, y1: 0, x2: x + w, y2: w });
    it("accepts a head that moves and turns at human speed", () => {
      const samples = [
        { timestampMs: 0, box: box(0), yaw: 0 },
        { timestampMs: 300, box: box(20, 70), yaw: 40 },
        { timestampMs: 600, box: box(0), yaw: 0 },
      ];
      expect(discontinuousMotion(samples, t.motion)).to.equal(false);
    });
    it("flags a cut: the face jumping across the frame, changing size, or turning faster than a head can", () => {
      const jump = [
        { timestampMs: 0, box: box(0), yaw: 0 },
        { timestampMs: 300, box: box(80), yaw: 0 },
      ];
      const shrink = [
        { timestampMs: 0, box: box(0), yaw: 0 },
        { timestampMs: 300, box: box(0, 30), yaw: 0 },
      ];
      const whip = [
        { timestampMs: 0, box: box(0), yaw: 0 },
        { timestampMs: 50, box: box(0), yaw: 40 },
      ];
      for (const s of [jump, shrink, whip]) expect(discontinuousMotion(s, t.motion)).to.equal(true);
    });
  });

  describe("geometric yaw", () => {
    /** 68 points of a schematic frontal face; `nose` moves the nose sideways. */
    function face({ nose = 0 } = {}): Point[] {
      const p: Point[] = Array.from({ length: 68 }, () => ({ x: 50, y: 50 }));
      for (let i = 0; i <= 16; i++) p[i] = { x: 10 + i * 5, y: 40 + Math.sin((i / 16) * Math.PI) * 50 };
      p[36] = { x: 30, y: 40 };
      p[39] = { x: 42, y: 40 };
      p[42] = { x: 58, y: 40 };
      p[45] = { x: 70, y: 40 };
      p[30] = { x: 50 + nose, y: 60 };
      p[33] = { x: 50 + nose, y: 65 };
      p[48] = { x: 35, y: 78 };
      p[54] = { x: 65, y: 78 };
      p[51] = { x: 50, y: 75 };
      p[57] = { x: 50, y: 81 };
      return p;
    }
    it("reads the nose's offset between the jaw sides as yaw (positive towards the image's right)", () => {
      expect(Math.abs(landmarkYaw({ points5: [], points68: face() })!)).to.be.lessThan(0.5);
      expect(landmarkYaw({ points5: [], points68: face({ nose: 20 }) })).to.be.greaterThan(30);
      expect(landmarkYaw({ points5: [], points68: face({ nose: -20 }) })).to.be.lessThan(-30);
      expect(landmarkYaw({ points5: [] })).to.equal(null);
    });
    it("reads a turn as the larger change of the two yaw readings (the landmarks saturate near a profile)", () => {
      const at = (poseYaw: number, nose: number) => ({
        pose: { yaw: poseYaw, pitch: 0, roll: 0 },
        landmarks: { points5: [], points68: face({ nose }) },
      });
      const start = at(-25, -10); // a head already 25 degrees off
      const byLandmarks = landmarkYaw({ points5: [], points68: face({ nose: -12 }) })! - landmarkYaw(start.landmarks)!;
      // fr_pose sees 45 degrees more, the saturated landmarks barely move: the turn is fr_pose's
      expect(yawChange(start, at(-70, -12))).to.equal(-45);
      expect(Math.abs(byLandmarks)).to.be.lessThan(5);
      // the landmarks may read the larger change
      const landmarkTurn = yawChange(at(0, 0), at(-5, 20));
      expect(landmarkTurn).to.be.greaterThan(30);
      // a print tilted in the hand: both readings small, the turn small
      expect(Math.abs(yawChange(at(0, 0), at(9, 3)))).to.be.lessThan(t.turnYawDegrees);
      // without 68 points, fr_pose alone
      expect(yawChange({ ...start, landmarks: { points5: [] } }, at(10, 0))).to.equal(35);
    });
  });

  describe("eyes", () => {
    const eyes = (leftOpen: number, rightOpen: number) => ({ leftOpen, rightOpen });
    it("reads the eyes as the more open eye: one eye misread as closed leaves a frontal frame NEUTRAL", () => {
      // fr_eye under a side light: one open eye read 0.02, the other 1.00 (a first frame of amy5)
      const first = eyes(1, 0.02);
      const baseline = eyesReading(first);
      expect(baseline).to.equal(1);
      expect(frameState(0, first, baseline, 0, t)).to.equal("NEUTRAL");
      expect(frameState(0, eyes(0.3, 0.97), baseline, 0, t)).to.equal("NEUTRAL");
    });
    it("still needs both eyes read closed for a blink, and reads half-open eyes as neither", () => {
      const baseline = eyesReading(eyes(0.98, 1));
      expect(frameState(0, eyes(0.02, 0.05), baseline, 0, t)).to.equal("EYES_CLOSED");
      // one eye closed (a wink, or a misread) is no blink
      expect(frameState(0, eyes(0.02, 0.9), baseline, 0, t)).to.not.equal("EYES_CLOSED");
      // both eyes between the bands: UNCLEAR, never an action nor a return to neutral
      expect(frameState(0, eyes(0.5, 0.55), baseline, 0, t)).to.equal("UNCLEAR");
      // a first frame with both eyes read near closed cannot start a session
      expect(frameState(0, eyes(0.35, 0.3), eyesReading(eyes(0.35, 0.3)), 0, t)).to.equal("UNCLEAR");
    });
  });
});
