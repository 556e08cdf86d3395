import { expect } from "chai";
import type { FaceModel } from "../../../../node/src/ekyc/biometrics/face-model.ts";
import { ChallengeIssuer, type Challenge } from "../../../../node/src/ekyc/biometrics/liveness/challenge.ts";
import { verifySelfie, type VerifySelfieInput } from "../../../../node/src/ekyc/biometrics/verify-selfie.ts";
import { templateOf } from "../../../../node/src/ekyc/biometrics/template.ts";
import { loadThresholds } from "../../../../node/src/ekyc/biometrics/matching.ts";
import { evalBytes, fakeFace, flatImage, png, sharedOnnxModel, stillFace } from "./helpers.ts";
import { createFakeFaceModel } from "../../../../node/src/ekyc/biometrics/fake/fake-face-model.ts";
import { isKycnetError } from "@kycnet/sdk/errors";
import { framesFor } from "../../../../scripts/faces/synthetic-frames.ts";

describe("verifySelfie with the real models", function () {
  let model: FaceModel;
  let howard: Awaited<ReturnType<typeof stillFace>>;
  let now: number;
  let issuer: ChallengeIssuer;
  const deps = () => ({ model, challenges: issuer, clock: () => now });
  before(async () => {
    model = await sharedOnnxModel();
    howard = await stillFace(model, "howard", 1);
  });
  beforeEach(() => {
    now = 1_700_000_000_000;
    issuer = new ChallengeIssuer({ clock: () => now });
  });
  /** A challenge answered correctly with frames of howard1, answered 3 s after issue. */
  function answered(): { challenge: Challenge; frames: VerifySelfieInput["frames"] } {
    const challenge = issuer.create();
    const frames = framesFor(howard, challenge, challenge.issuedAt + 20);
    now += 3_000;
    return { challenge, frames };
  }

  it("accepts the same person who performed the challenge, with evidence, models and timings", async () => {
    const { challenge, frames } = answered();
    const r = await verifySelfie({ portrait: await evalBytes("howard", 2), frames, challenge }, deps());
    expect(r.reasons).to.deep.equal([]);
    expect(r.decision).to.equal("accept");
    expect(r.similarity).to.be.at.least(loadThresholds().match.accept);
    expect(r.score).to.be.at.least(90);
    expect(r.liveness.active?.passed).to.equal(true);
    expect(r.liveness.active?.observed).to.deep.equal(challenge.steps);
    expect(r.liveness.passive.scores).to.have.length(1); // the frontal frame only
    expect(r.liveness.passive.advisory).to.equal(true);
    expect(r.replay?.signals).to.deep.equal([]);
    expect(r.model.version).to.equal("faceplugin-face-recognition-js@0.0.1");
    expect(r.selfieTemplate?.embedding.length).to.equal(512);
    expect(r.timingsMs.total).to.be.greaterThan(0);
  });
  it("rejects a different person (MATCH_REJECT) even with a perfect challenge", async () => {
    const { challenge, frames } = answered();
    const r = await verifySelfie({ portrait: await evalBytes("penny", 1), frames, challenge }, deps());
    expect(r.decision).to.equal("reject");
    expect(r.reasons).to.deep.equal(["MATCH_REJECT"]);
  });
  it("sends a genuine but weak match to review (MATCH_REVIEW, leonard2 vs leonard5 at 0.35)", async () => {
    const leonard = await stillFace(model, "leonard", 2);
    const challenge = issuer.create();
    const frames = framesFor(leonard, challenge, challenge.issuedAt + 20);
    now += 3_000;
    const r = await verifySelfie({ portrait: await evalBytes("leonard", 5), frames, challenge }, deps());
    expect(r.reasons).to.deep.equal(["MATCH_REVIEW"]);
    expect(r.decision).to.equal("review");
    expect(r.score).to.be.within(70, 90);
  });
  it("sends a case to review when passive liveness is below a configured threshold (PASSIVE_LIVENESS_LOW)", async () => {
    const { challenge, frames } = answered();
    const base = loadThresholds();
    const strict = { ...base, liveness: { ...base.liveness, passiveReviewBelow: 0.9999 } };
    const r = await verifySelfie(
      { portrait: await evalBytes("howard", 2), frames, challenge },
      { ...deps(), thresholds: strict },
    );
    expect(r.reasons).to.deep.equal(["PASSIVE_LIVENESS_LOW"]);
    expect(r.decision).to.equal("review");
    expect(r.liveness.passive.advisory).to.equal(false);
  });
  it("rejects the card portrait replayed as the selfie (near-identical embedding)", async () => {
    const { challenge, frames } = answered();
    const r = await verifySelfie({ portrait: await png(howard.image), frames, challenge }, deps());
    expect(r.decision).to.equal("reject");
    expect(r.reasons).to.include("REPLAY_NEAR_IDENTICAL_EMBEDDING");
  });
  it("rejects a frame that is pixel-identical to the portrait (IDENTICAL_PIXELS)", async () => {
    const { challenge, frames } = answered();
    const mutable = [...frames];
    mutable[0] = { image: howard.image, timestampMs: mutable[0]!.timestampMs };
    const r = await verifySelfie({ portrait: howard.image, frames: mutable, challenge }, deps());
    expect(r.reasons).to.include("REPLAY_IDENTICAL_PIXELS");
  });
  it("CHALLENGE_REUSED: a nonce answers only once", async () => {
    const { challenge, frames } = answered();
    const portrait = await evalBytes("howard", 2);
    expect((await verifySelfie({ portrait, frames, challenge }, deps())).decision).to.equal("accept");
    const again = await verifySelfie({ portrait, frames, challenge }, deps());
    expect(again.decision).to.equal("reject");
    expect(again.reasons).to.deep.equal(["CHALLENGE_REUSED"]);
  });
  it("CHALLENGE_UNKNOWN for a nonce this node never issued", async () => {
    const { frames } = answered();
    const r = await verifySelfie(
      { portrait: await evalBytes("howard", 2), frames, challenge: { nonce: "forged" } },
      deps(),
    );
    expect(r.reasons).to.deep.equal(["CHALLENGE_UNKNOWN"]);
  });
  it("CHALLENGE_EXPIRED when the frames arrive too late", async () => {
    const { challenge, frames } = answered();
    now = challenge.expiresAt + 1;
    const r = await verifySelfie({ portrait: await evalBytes("howard", 2), frames, challenge }, deps());
    expect(r.reasons).to.deep.equal(["CHALLENGE_EXPIRED"]);
  });
  it("CHALLENGE_FRAMES_INVALID when frames are out of order", async () => {
    const { challenge, frames } = answered();
    const r = await verifySelfie(
      { portrait: await evalBytes("howard", 2), frames: [...frames].reverse(), challenge },
      deps(),
    );
    expect(r.reasons).to.deep.equal(["CHALLENGE_FRAMES_INVALID"]);
  });
  it("PORTRAIT_FACE_NOT_FOUND when the portrait has no face", async () => {
    const { challenge, frames } = answered();
    const r = await verifySelfie({ portrait: await png(flatImage(120, 200)), frames, challenge }, deps());
    expect(r.decision).to.equal("reject");
    expect(r.reasons).to.deep.equal(["PORTRAIT_FACE_NOT_FOUND"]);
  });
  it("re-onboarding: matches against a stored template instead of a portrait", async () => {
    const template = await templateOf(model, await evalBytes("howard", 3));
    const { challenge, frames } = answered();
    const r = await verifySelfie({ template, frames, challenge }, deps());
    expect(r.decision).to.equal("accept");
    expect(r.replay).to.equal(null);
  });
  it("TEMPLATE_MODEL_MISMATCH for a template of another model; REFERENCE_INVALID without exactly one reference", async () => {
    const template = await templateOf(model, await evalBytes("howard", 3));
    let { challenge, frames } = answered();
    const r = await verifySelfie(
      { template: { modelId: "x", embedding: template.embedding }, frames, challenge },
      deps(),
    );
    expect(r.reasons).to.deep.equal(["TEMPLATE_MODEL_MISMATCH"]);
    ({ challenge, frames } = answered());
    const none = await verifySelfie({ frames, challenge }, deps());
    expect(none.reasons).to.deep.equal(["REFERENCE_INVALID"]);
  });
});

describe("verifySelfie environment failures (fake model)", () => {
  it("throws FACE_MODEL_CLOSED instead of turning a broken model into a reject", async () => {
    const model = createFakeFaceModel();
    await model.close();
    const issuer = new ChallengeIssuer();
    const challenge = issuer.create();
    const frames = [1, 2].map((i) => ({ image: fakeFace([150, 100, 80], i), timestampMs: challenge.issuedAt + i }));
    try {
      await verifySelfie(
        { portrait: fakeFace([150, 100, 80], 9), frames, challenge },
        { model, challenges: issuer, clock: () => challenge.issuedAt + 10 },
      );
      expect.fail("resolved");
    } catch (error) {
      expect(isKycnetError(error, "FACE_MODEL_CLOSED"), String(error)).to.equal(true);
    }
  });
});
