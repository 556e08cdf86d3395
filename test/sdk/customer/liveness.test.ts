import { expect } from "chai";
import { livenessPrompts } from "@kycnet/sdk/customer";
import { isKycnetError } from "@kycnet/sdk/errors";
import { ChallengeIssuer } from "../../../node/src/ekyc/biometrics/liveness/challenge.ts";

describe("customer SDK: livenessPrompts", () => {
  it("turns a challenge the node issued into timed instructions, in order", () => {
    const c = new ChallengeIssuer().create();
    const prompts = livenessPrompts(c);
    expect(prompts.map((p) => p.step)).to.deep.equal(c.steps);
    expect(prompts.map((p) => p.atMs)).to.deep.equal(c.promptsAtMs);
    for (const p of prompts) expect(p.instruction).to.be.a("string").and.not.equal("");
    expect(livenessPrompts({ steps: ["SMILE"], promptsAtMs: [400] })[0]!.instruction).to.match(/smile/i);
  });
  it("INVALID_ARGUMENT for an unknown step, mismatched lengths or prompts out of order", () => {
    for (const bad of [
      { steps: ["JUMP"], promptsAtMs: [500] },
      { steps: ["BLINK", "SMILE"], promptsAtMs: [500] },
      { steps: ["BLINK", "SMILE"], promptsAtMs: [900, 500] },
      { steps: ["BLINK"], promptsAtMs: [-1] },
    ]) {
      try {
        livenessPrompts(bad);
        expect.fail("accepted");
      } catch (error) {
        expect(isKycnetError(error, "INVALID_ARGUMENT"), String(error)).to.equal(true);
      }
    }
  });
});
