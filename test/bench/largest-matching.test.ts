import { expect } from "chai";
import { largestMatching } from "../../bench/lib/largest-matching.ts";

describe("bench: largestMatching (the k-frame rule bench:replay-separation measures)", () => {
  it("counts frames near the same remembered frame once", () => {
    // three neutral frames of a new capture, all like one remembered neutral frame
    expect(largestMatching([["n"], ["n"], ["n"]])).to.have.length(1);
  });

  it("re-pairs a frame to make room for another (a greedy first choice would find one pair)", () => {
    // frame 0 may take a or b; frame 1 only a: the largest pairing is 0-b, 1-a
    expect(largestMatching([["a", "b"], ["a"]])).to.deep.equal([0, 1]);
  });

  it("pairs nothing for frames near nothing", () => {
    expect(largestMatching<string>([[], []])).to.deep.equal([]);
  });
});
