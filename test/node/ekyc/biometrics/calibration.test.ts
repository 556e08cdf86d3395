import { expect } from "chai";
import { calibrate, rates, rocTable, summarize } from "../../../../node/src/ekyc/biometrics/calibration.ts";
import { loadThresholds, matchBand, seedScore } from "../../../../node/src/ekyc/biometrics/matching.ts";

const pairs = [
  ...[0.5, 0.6, 0.7, 0.8].map((similarity) => ({ similarity, genuine: true })),
  ...[-0.1, 0, 0.05, 0.1, 0.2].map((similarity) => ({ similarity, genuine: false })),
];

describe("face threshold calibration", () => {
  it("counts FMR as impostors at or above and FNMR as genuines below the threshold", () => {
    expect(rates(pairs, 0.1)).to.deep.equal({ fmr: 2 / 5, fnmr: 0 });
    expect(rates(pairs, 0.65)).to.deep.equal({ fmr: 0, fnmr: 2 / 4 });
  });
  it("builds a table from 0 to 0.8 with monotone rates", () => {
    const t = rocTable(pairs);
    expect(t).to.have.length(17);
    for (let i = 1; i < t.length; i++) {
      expect(t[i]!.fmr).to.be.at.most(t[i - 1]!.fmr);
      expect(t[i]!.fnmr).to.be.at.least(t[i - 1]!.fnmr);
    }
  });
  it("puts accept above both the 0.01 % normal point and the highest impostor + 0.05, review below it", () => {
    const c = calibrate(pairs);
    const imp = summarize([-0.1, 0, 0.05, 0.1, 0.2]);
    expect(c.accept).to.be.at.least(imp.mean + 3.72 * imp.sd - 1e-9);
    expect(c.accept).to.be.at.least(0.25);
    expect(c.review).to.be.at.most(c.accept);
    expect(c.fmrAtAccept).to.equal(0);
  });
  it("is not moved by the genuine scores", () => {
    const moreGenuine = [...pairs, { similarity: 0.3, genuine: true }];
    expect(calibrate(moreGenuine).accept).to.equal(calibrate(pairs).accept);
  });
  it("refuses to calibrate without impostor pairs", () => {
    expect(() => calibrate(pairs.filter((p) => p.genuine))).to.throw(RangeError);
  });
});

describe("three-band matching", () => {
  const t = { accept: 0.4, review: 0.25 };
  it("accepts at and above accept, reviews between, rejects below review and non-finite scores", () => {
    expect(matchBand(0.4, t)).to.equal("accept");
    expect(matchBand(0.39, t)).to.equal("review");
    expect(matchBand(0.25, t)).to.equal("review");
    expect(matchBand(0.2499, t)).to.equal("reject");
    expect(matchBand(Number.NaN, t)).to.equal("reject");
  });
  it("maps the calibrated thresholds to the seed's 90 and 70, 1 to 100 and <= 0 to 0", () => {
    expect(seedScore(0.4, t)).to.equal(90);
    expect(seedScore(0.25, t)).to.equal(70);
    expect(seedScore(1, t)).to.equal(100);
    expect(seedScore(-0.3, t)).to.equal(0);
    expect(seedScore(0.7, t)).to.equal(95);
  });
  it("ships committed thresholds with review below accept and provenance", () => {
    const c = loadThresholds();
    expect(c.match.review).to.be.lessThan(c.match.accept);
    expect(c.modelId).to.match(/^faceplugin-fr_feature-/);
  });
});
