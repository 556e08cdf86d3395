import { expect } from "chai";
import { analyseFramesWith, type FramePrimitives } from "../../../../node/src/ekyc/biometrics/frame-analysis.ts";
import type { ScoredBox } from "../../../../node/src/ekyc/biometrics/geometry.ts";
import type { RgbImage } from "../../../../node/src/ekyc/biometrics/image.ts";

/**
 * A stand-in detector (unit test of the orchestration; the real models are in challenge.test.ts):
 * it finds the face at (40, 30)-(80, 90) of a 120 x 120 frame only when the frame arrives with a
 * grey margin, as the real detector finds some faces turned 45 degrees only with more context.
 */
function detectorNeedingMargin(calls: number[]): FramePrimitives {
  const detect = (image: RgbImage): Promise<ScoredBox[]> => {
    calls.push(image.width);
    if (image.width === 120) return Promise.resolve([]);
    const margin = (image.width - 120) / 2;
    return Promise.resolve([{ x1: 40 + margin, y1: 30 + margin, x2: 80 + margin, y2: 90 + margin, score: 0.9 }]);
  };
  return {
    detect,
    landmarks: (_image, box) =>
      Promise.resolve({ points5: Array.from({ length: 5 }, () => ({ x: box.x1, y: box.y1 })) }),
    embed: () => Promise.resolve(new Float32Array(4)),
    headPose: () => Promise.resolve({ yaw: 0, pitch: 0, roll: 0 }),
    eyeState: () => Promise.resolve({ leftOpen: 1, rightOpen: 1 }),
    liveness: () => Promise.resolve(1),
  };
}

const frame = (): RgbImage => ({ width: 120, height: 120, data: new Uint8Array(120 * 120 * 3).fill(90) });

describe("frame analysis: the detector's second look", function () {
  this.timeout(20_000);
  it("finds a face the usual framing missed on a wider grey margin, with its box in the frame's coordinates", async () => {
    const calls: number[] = [];
    const [a] = await analyseFramesWith(detectorNeedingMargin(calls), [frame()], {
      minFaceSize: 20,
      embed: [],
      passive: [],
    });
    expect(a!.face).to.equal("ONE");
    if (a!.face !== "ONE") return;
    expect([a!.box.x1, a!.box.y1, a!.box.x2, a!.box.y2]).to.deep.equal([40, 30, 80, 90]);
    expect(calls).to.deep.equal([120, 180]); // the usual look, then one with a quarter of the frame each side
  });
  it("is still a frame without a face when no look finds one, and costs nothing when the first look finds it", async () => {
    const none: FramePrimitives = { ...detectorNeedingMargin([]), detect: () => Promise.resolve([]) };
    const [a] = await analyseFramesWith(none, [frame()], { minFaceSize: 20, embed: [], passive: [] });
    expect(a!.face).to.equal("NOT_FOUND");
    const calls: number[] = [];
    const once = detectorNeedingMargin(calls);
    const direct: FramePrimitives = {
      ...once,
      detect: (image) => (calls.push(image.width), Promise.resolve([{ x1: 40, y1: 30, x2: 80, y2: 90, score: 0.9 }])),
    };
    await analyseFramesWith(direct, [frame()], { minFaceSize: 20, embed: [], passive: [] });
    expect(calls).to.deep.equal([120]);
  });
});
