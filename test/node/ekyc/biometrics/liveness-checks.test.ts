import { expect } from "chai";
import { eyesReading, frameState } from "../../../../node/src/ekyc/biometrics/liveness/challenge.ts";
import { FrameMemory } from "../../../../node/src/ekyc/biometrics/liveness/frame-memory.ts";
import { discontinuousMotion, implausibleTiming } from "../../../../node/src/ekyc/biometrics/liveness/frame-checks.ts";
import { mouthGeometry, smileScore } from "../../../../node/src/ekyc/biometrics/liveness/expression.ts";
import { landmarkYaw, yawChange } from "../../../../node/src/ekyc/biometrics/liveness/head-yaw.ts";
import { loadThresholds } from "../../../../node/src/ekyc/biometrics/matching.ts";
import type { Point } from "../../../../node/src/ekyc/biometrics/geometry.ts";

const t = loadThresholds().liveness;

/** A 256-bit hash (64 hex) with the given bits flipped from a base pattern. */
function hash(flips: readonly number[] = [], base = 0x5a): string {
  const bytes = Array.from({ length: 32 }, (_, i) => (base + i * 37) & 0xff);
  for (const b of flips) bytes[b >> 3]! ^= 1 << (b & 7);
  return bytes.map((v) => v.toString(16).padStart(2, "0")).join("");
}

describe("liveness checks (pure)", function () {
  // pure and fast, but the full suite runs on 2 shared cores: a GC pause must not fail them
  this.timeout(20_000);
  describe("FrameMemory", () => {
    it("finds a frame within the distance in an earlier session, not a farther one", () => {
      const m = new FrameMemory(10);
      m.remember([hash()]);
      expect(m.seenBefore([hash([3, 70, 200])], 6)).to.deep.equal([0]);
      expect(m.seenBefore([hash([1, 40, 80, 120, 160, 200, 240])], 6)).to.deep.equal([]);
      expect(m.seenBefore([hash([1, 2]), hash([], 0x11)], 6)).to.deep.equal([0]);
    });
    it("forgets the oldest sessions beyond its capacity", () => {
      const m = new FrameMemory(2);
      m.remember([hash([], 1)]);
      m.remember([hash([], 2)]);
      m.remember([hash([], 3)]);
      expect(m.sessions).to.equal(2);
      expect(m.seenBefore([hash([], 1)], 0)).to.deep.equal([]);
      expect(m.seenBefore([hash([], 3)], 0)).to.deep.equal([0]);
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

  describe("expression and geometric yaw", () => {
    /** 68 points of a schematic frontal face; `mouth` widens the mouth, `nose` moves the nose sideways. */
    function face({ mouth = 1, lift = 0, nose = 0 } = {}): Point[] {
      const p: Point[] = Array.from({ length: 68 }, () => ({ x: 50, y: 50 }));
      for (let i = 0; i <= 16; i++) p[i] = { x: 10 + i * 5, y: 40 + Math.sin((i / 16) * Math.PI) * 50 };
      p[36] = { x: 30, y: 40 };
      p[39] = { x: 42, y: 40 };
      p[42] = { x: 58, y: 40 };
      p[45] = { x: 70, y: 40 };
      p[30] = { x: 50 + nose, y: 60 };
      p[33] = { x: 50 + nose, y: 65 };
      p[48] = { x: 50 - 15 * mouth, y: 78 - lift };
      p[54] = { x: 50 + 15 * mouth, y: 78 - lift };
      p[51] = { x: 50, y: 75 };
      p[57] = { x: 50, y: 81 };
      return p;
    }
    it("scores a wider mouth with lifted corners as a smile, relative to the first frame", () => {
      const neutral = mouthGeometry({ points5: [], points68: face() });
      const smiling = mouthGeometry({ points5: [], points68: face({ mouth: 1.1, lift: 3 }) });
      expect(smileScore(neutral, neutral)).to.equal(0);
      expect(smileScore(neutral, smiling)).to.be.greaterThan(t.smileAbove);
    });
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
