/**
 * The pure parts of the PaddleOCR adapter: CTC decoding (greedy and fixed-length) and text-line
 * boxes from a detector probability map. The models themselves run in read-document.test.ts.
 */
import { expect } from "chai";
import {
  decodeFixedLength,
  decodeFixedLengthScored,
  greedyDecode,
  type CtcFrames,
} from "../../../../node/src/ekyc/document/ocr/ctc.ts";
import { sampleStrip } from "../../../../node/src/ekyc/document/ocr/paddle.ts";
import {
  mergeRows,
  reversed,
  scaleBox,
  textBoxes,
  type TextBox,
} from "../../../../node/src/ekyc/document/ocr/text-boxes.ts";

const ALPHABET = "AB<";

/** Frames from rows of probabilities over [blank, A, B, <]. */
function frames(rows: number[][]): CtcFrames {
  const S = ALPHABET.length + 1;
  const logProbs = new Float32Array(rows.length * S);
  rows.forEach((row, t) => {
    const total = row.reduce((a, b) => a + b, 0);
    row.forEach((p, k) => {
      logProbs[t * S + k] = Math.log(Math.max(p, 1e-9) / total);
    });
  });
  return { alphabet: ALPHABET, frames: rows.length, logProbs };
}
const _ = [0.9, 0.03, 0.03, 0.04]; // blank
const A = [0.05, 0.9, 0.02, 0.03];
const B = [0.05, 0.02, 0.9, 0.03];
const F = [0.05, 0.02, 0.03, 0.9]; // filler `<`

describe("CTC decoding", () => {
  it("fixed length, scored: each character's confidence is its best frame's probability", () => {
    const unsure = [0.3, 0.35, 0.3, 0.05]; // A at 0.35, B close behind
    const decoded = decodeFixedLengthScored(frames([A, A, _, unsure, _, F]), 3);
    expect(decoded?.text).to.equal("AA<");
    // (Differences, not chai's closeTo: hardhat's chai matchers take it over for integers only.)
    const [first, second, third] = decoded?.confidence ?? [];
    expect(Math.abs((first ?? 0) - 0.9)).to.be.lessThan(1e-6);
    expect(Math.abs((second ?? 0) - 0.35)).to.be.lessThan(1e-6);
    expect(Math.abs((third ?? 0) - 0.9)).to.be.lessThan(1e-6);
  });
  it("greedy: collapses repeats and drops blanks", () => {
    expect(greedyDecode(frames([A, A, _, B, B, _, F, _, F]))).to.equal("AB<<");
  });
  it("greedy: a repeated symbol without a blank between counts once", () => {
    expect(greedyDecode(frames([F, F, F, F]))).to.equal("<");
  });
  it("fixed length: equals greedy when greedy already has the length", () => {
    const f = frames([A, _, B, _, F, _, F]);
    expect(decodeFixedLength(f, 4)).to.equal(greedyDecode(f));
  });
  it("fixed length: restores a character the greedy path loses to the blank", () => {
    // Frame 2 says blank (0.6) with B a strong second (0.35): greedy reads "A<"; three symbols must be "AB<".
    const hesitant = [0.6, 0.02, 0.35, 0.03];
    const f = frames([A, _, hesitant, _, F, _]);
    expect(greedyDecode(f)).to.equal("A<");
    expect(decodeFixedLength(f, 3)).to.equal("AB<");
  });
  it("fixed length: splits a run of fillers where a blank is most likely", () => {
    const weakBlank = [0.4, 0.02, 0.03, 0.55];
    const f = frames([F, F, weakBlank, F, F]);
    expect(greedyDecode(f)).to.equal("<");
    expect(decodeFixedLength(f, 2)).to.equal("<<");
  });
  it("fixed length: honours per-position character sets", () => {
    const f = frames([[0.05, 0.5, 0.4, 0.05], _, [0.05, 0.5, 0.4, 0.05], _]);
    expect(decodeFixedLength(f, 2)).to.equal("AA");
    expect(decodeFixedLength(f, 2, ["B<", "AB<"])).to.equal("BA");
  });
  it("fixed length, scored: a symbol a position shuts out but lists as a rival makes its character unsure", () => {
    // The recogniser sees a filler (0.7) where the position admits only letters: A is forced there.
    const f = frames([[0.05, 0.2, 0.05, 0.7], _, A, _]);
    const sure = decodeFixedLengthScored(f, 2, ["AB", "AB<"])!;
    expect(sure.text).to.equal("AA");
    expect(sure.margin[0]).to.be.above(0.75); // weighed against B alone
    const weighed = decodeFixedLengthScored(f, 2, ["AB", "AB<"], ["AB<", "AB<"])!;
    expect(weighed.text).to.equal("AA");
    expect(weighed.margin[0]).to.be.below(0.3); // weighed against the filler it saw
    expect(weighed.margin[1]).to.equal(sure.margin[1]);
  });
  it("fixed length: null when there are fewer frames than symbols, or for length 0", () => {
    expect(decodeFixedLength(frames([A, B]), 3)).to.equal(null);
    expect(decodeFixedLength(frames([A, B]), 0)).to.equal(null);
  });
  it("fixed length: null when the character sets make the length impossible", () => {
    // Two equal symbols need a blank between them: "<<" cannot be spelled by two frames.
    expect(decodeFixedLength(frames([F, F]), 2, ["<", "<"])).to.equal(null);
  });
});

describe("text boxes from a probability map", () => {
  function mapWithBar(
    width: number,
    height: number,
    cx: number,
    cy: number,
    length: number,
    thickness: number,
    angle: number,
  ): Float32Array {
    const prob = new Float32Array(width * height);
    const ux = Math.cos(angle),
      uy = Math.sin(angle);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const u = (x - cx) * ux + (y - cy) * uy,
          v = -(x - cx) * uy + (y - cy) * ux;
        if (Math.abs(u) <= length / 2 && Math.abs(v) <= thickness / 2) prob[y * width + x] = 0.9;
      }
    }
    return prob;
  }

  it("finds a tilted line with its direction, centre and unclipped size", () => {
    const angle = (8 * Math.PI) / 180;
    const [box] = textBoxes(mapWithBar(200, 100, 100, 50, 120, 8, angle), 200, 100);
    expect(box).to.not.equal(undefined);
    expect(Math.atan2(box!.uy, box!.ux)).to.be.within(angle - 0.02, angle + 0.02);
    expect(box!.cx).to.be.within(98, 102);
    expect(box!.cy).to.be.within(48, 52);
    // Unclip grows each side by area × 1.5 / perimeter ≈ 5.6 px for a 120 × 8 kernel.
    expect(box!.thickness).to.be.within(17, 22);
    expect(box!.length).to.be.within(128, 136);
  });
  it("points boxes rightwards, and `reversed` turns them", () => {
    const [box] = textBoxes(mapWithBar(200, 100, 100, 50, 120, 8, Math.PI - 0.1), 200, 100);
    expect(box!.ux).to.be.greaterThan(0);
    expect(reversed(box!).ux).to.be.lessThan(0);
  });
  it("drops regions below the score or size floor", () => {
    const prob = mapWithBar(200, 100, 100, 50, 120, 8, 0).map((v) => (v > 0 ? 0.4 : 0));
    expect(textBoxes(prob, 200, 100)).to.deep.equal([]);
    expect(textBoxes(mapWithBar(50, 50, 25, 25, 3, 3, 0), 50, 50)).to.deep.equal([]);
  });
  it("maps boxes to the full-size image", () => {
    const box: TextBox = { cx: 10, cy: 20, ux: 1, uy: 0, length: 30, thickness: 5, score: 1 };
    expect(scaleBox(box, 2)).to.include({ cx: 20.5, cy: 40.5, length: 60, thickness: 10 });
  });
  it("merges pieces of one row and keeps separate rows apart", () => {
    const row = (cx: number, cy: number, length: number): TextBox => ({
      cx,
      cy,
      ux: 1,
      uy: 0,
      length,
      thickness: 20,
      score: 0.9,
    });
    const merged = mergeRows([row(100, 50, 160), row(300, 52, 120), row(200, 100, 380)]);
    expect(merged).to.have.length(2);
    const top = merged.find((b) => b.cy < 75)!;
    expect(top.length).to.be.within(339, 341); // from x = 20 to x = 360
    expect(top.cx).to.be.within(189, 191);
  });
});

describe("line strips", () => {
  it("samples a box into a strip, text running left to right", () => {
    // Image: left half black, right half white.
    const image = { data: new Uint8Array(100 * 40).map((_, i) => (i % 100 < 50 ? 0 : 255)), width: 100, height: 40 };
    const box: TextBox = { cx: 50, cy: 20, ux: 1, uy: 0, length: 80, thickness: 20, score: 1 };
    const strip = sampleStrip(image, box, 16, 4);
    expect(strip[0]).to.equal(0);
    expect(strip[15]).to.equal(255);
    const back = sampleStrip(image, reversed(box), 16, 4);
    expect(back[0]).to.equal(255);
    expect(back[15]).to.equal(0);
  });
  it("reads outside the image as white", () => {
    const image = { data: new Uint8Array(10 * 10), width: 10, height: 10 };
    const strip = sampleStrip(image, { cx: 100, cy: 100, ux: 1, uy: 0, length: 10, thickness: 4, score: 1 }, 4, 2);
    expect([...strip]).to.deep.equal(Array(8).fill(255));
  });
});
