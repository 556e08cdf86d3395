import { expect } from "chai";
import type { FaceModel } from "../../../../node/src/ekyc/biometrics/face-model.ts";
import {
  ChallengeIssuer,
  checkFrameTiming,
  observedActions,
  verifyChallenge,
  type Challenge,
  type ChallengeStep,
} from "../../../../node/src/ekyc/biometrics/liveness/challenge.ts";
import { loadThresholds } from "../../../../node/src/ekyc/biometrics/matching.ts";
import { isKycnetError, type ErrorCode } from "@kycnet/sdk/errors";
import { evalImage, flatImage, sharedOnnxModel, sideBySide, stillFace } from "./helpers.ts";
import { framesFor, jitter, tiltPhoto } from "../../../../scripts/faces/synthetic-frames.ts";
import { recode, sequenceReplay } from "../../../../scripts/faces/attacks.ts";

function expectThrowCode(f: () => unknown, code: ErrorCode): void {
  try {
    f();
    expect.fail(`returned, expected ${code}`);
  } catch (error) {
    expect(isKycnetError(error, code), String(error)).to.equal(true);
  }
}

const challengeOf = (steps: ChallengeStep[], issuedAt = 1_000_000): Challenge => ({
  nonce: "n",
  steps,
  promptsAtMs: steps.map((_, i) => 500 + i * 1200),
  issuedAt,
  expiresAt: issuedAt + 30_000,
});

describe("active liveness challenge", () => {
  describe("ChallengeIssuer.create", () => {
    it("issues 3 random actions (turns, blink, smile), none twice in a row, a turn and a blink or smile in each", () => {
      const issuer = new ChallengeIssuer();
      const seen = new Set<string>();
      const turn = (s: string) => s === "TURN_LEFT" || s === "TURN_RIGHT";
      for (let i = 0; i < 300; i++) {
        const c = issuer.create();
        expect(c.steps).to.have.length(3);
        for (let k = 1; k < c.steps.length; k++) expect(c.steps[k]).to.not.equal(c.steps[k - 1]);
        expect(c.steps.some(turn)).to.equal(true);
        expect(c.steps.some((s) => !turn(s))).to.equal(true);
        seen.add(c.steps.join());
      }
      expect(seen.size).to.be.greaterThan(20);
      expect([...seen].join()).to.include("SMILE");
    });
    it("prompts each step at a random time: the first 300-800 ms after the first frame, then 900-1500 ms apart", () => {
      const issuer = new ChallengeIssuer();
      const firsts = new Set<number>();
      for (let i = 0; i < 100; i++) {
        const { promptsAtMs: p, steps } = issuer.create();
        expect(p).to.have.length(steps.length);
        expect(p[0]).to.be.within(300, 800);
        for (let k = 1; k < p.length; k++) expect(p[k]! - p[k - 1]!).to.be.within(900, 1500);
        firsts.add(p[0]!);
      }
      expect(firsts.size).to.be.greaterThan(30);
    });
    it("gives unique 128-bit nonces and an expiry ttl after issue", () => {
      const now = 5_000;
      const issuer = new ChallengeIssuer({ ttlMs: 20_000, clock: () => now });
      const a = issuer.create(),
        b = issuer.create();
      expect(a.nonce).to.match(/^[A-Za-z0-9_-]{22}$/);
      expect(a.nonce).to.not.equal(b.nonce);
      expect(a.expiresAt - a.issuedAt).to.equal(20_000);
    });
  });

  describe("ChallengeIssuer.consume", () => {
    let now: number;
    let issuer: ChallengeIssuer;
    beforeEach(() => {
      now = 1_000;
      issuer = new ChallengeIssuer({ ttlMs: 10_000, maxOutstanding: 3, clock: () => now });
    });
    it("returns the issued challenge once", () => {
      const c = issuer.create();
      expect(issuer.consume(c.nonce)).to.deep.equal(c);
    });
    it("CHALLENGE_REUSED on a second use of the nonce", () => {
      const c = issuer.create();
      issuer.consume(c.nonce);
      expectThrowCode(() => issuer.consume(c.nonce), "CHALLENGE_REUSED");
    });
    it("CHALLENGE_UNKNOWN for a nonce never issued, or malformed", () => {
      expectThrowCode(() => issuer.consume("AAAAAAAAAAAAAAAAAAAAAA"), "CHALLENGE_UNKNOWN");
      expectThrowCode(() => issuer.consume("x".repeat(1000)), "CHALLENGE_UNKNOWN");
      expectThrowCode(() => issuer.consume(undefined as unknown as string), "CHALLENGE_UNKNOWN");
    });
    it("CHALLENGE_EXPIRED after the ttl, and the nonce is spent", () => {
      const c = issuer.create();
      now += 10_001;
      expectThrowCode(() => issuer.consume(c.nonce), "CHALLENGE_EXPIRED");
      expectThrowCode(() => issuer.consume(c.nonce), "CHALLENGE_REUSED");
    });
    it("keeps at most maxOutstanding challenges (the oldest is dropped)", () => {
      const first = issuer.create();
      for (let i = 0; i < 3; i++) issuer.create();
      expectThrowCode(() => issuer.consume(first.nonce), "CHALLENGE_UNKNOWN");
    });
  });

  describe("checkFrameTiming", () => {
    const c = challengeOf(["TURN_LEFT"]);
    const img = flatImage(8);
    const at = (...ts: number[]) => ts.map((t) => ({ image: img, timestampMs: c.issuedAt + t }));
    it("accepts increasing timestamps inside the window", () => {
      checkFrameTiming(c, at(1, 2, 3), c.issuedAt + 100);
    });
    it("CHALLENGE_FRAMES_INVALID for too few or too many frames", () => {
      expectThrowCode(() => checkFrameTiming(c, at(1), c.issuedAt), "CHALLENGE_FRAMES_INVALID");
      expectThrowCode(
        () => checkFrameTiming(c, at(...Array.from({ length: 25 }, (_, i) => i + 1)), c.issuedAt),
        "CHALLENGE_FRAMES_INVALID",
      );
    });
    it("CHALLENGE_FRAMES_INVALID for frames out of order or repeated timestamps", () => {
      expectThrowCode(() => checkFrameTiming(c, at(1, 3, 2), c.issuedAt + 10), "CHALLENGE_FRAMES_INVALID");
      expectThrowCode(() => checkFrameTiming(c, at(1, 1), c.issuedAt + 10), "CHALLENGE_FRAMES_INVALID");
    });
    it("CHALLENGE_FRAMES_INVALID for a frame taken before the challenge or after its expiry", () => {
      expectThrowCode(() => checkFrameTiming(c, at(-5, 1), c.issuedAt + 10), "CHALLENGE_FRAMES_INVALID");
      expectThrowCode(() => checkFrameTiming(c, at(1, 30_001), c.issuedAt + 10), "CHALLENGE_FRAMES_INVALID");
    });
    it("CHALLENGE_EXPIRED when the answer arrives after the expiry", () => {
      expectThrowCode(() => checkFrameTiming(c, at(1, 2), c.expiresAt + 1), "CHALLENGE_EXPIRED");
    });
  });

  describe("observedActions", () => {
    it("counts a held action once and needs a return to neutral between equal actions", () => {
      expect(
        observedActions(["NEUTRAL", "TURNED_LEFT", "TURNED_LEFT", "NEUTRAL", "EYES_CLOSED", "NEUTRAL"]),
      ).to.deep.equal(["TURN_LEFT", "BLINK"]);
      expect(observedActions(["NEUTRAL", "EYES_CLOSED", "UNCLEAR", "EYES_CLOSED"])).to.deep.equal(["BLINK"]);
      expect(observedActions(["NEUTRAL", "EYES_CLOSED", "NEUTRAL", "EYES_CLOSED"])).to.deep.equal(["BLINK", "BLINK"]);
      expect(observedActions(["NEUTRAL", "TURNED_LEFT", "TURNED_RIGHT"])).to.deep.equal(["TURN_LEFT", "TURN_RIGHT"]);
    });
  });

  describe("verifyChallenge with the real models on synthetic frames of eval faces", function () {
    let model: FaceModel;
    let howard: Awaited<ReturnType<typeof stillFace>>;
    const thresholds = loadThresholds();
    const steps: ChallengeStep[] = ["TURN_LEFT", "BLINK", "TURN_RIGHT"];
    before(async () => {
      model = await sharedOnnxModel();
      howard = await stillFace(model, "howard", 1);
    });
    const run = (c: Challenge, frames: ReturnType<typeof framesFor>) =>
      verifyChallenge(model, c, frames, thresholds, { now: c.issuedAt + 5_000 });

    it("passes when the frames perform the actions in order, with per-frame evidence", async () => {
      const c = challengeOf(steps);
      const r = await run(c, framesFor(howard, c, c.issuedAt + 10));
      expect(r.failures).to.deep.equal([]);
      expect(r.passed).to.equal(true);
      expect(r.observed).to.deep.equal(steps);
      expect(r.frames.map((f) => f.state)).to.deep.equal([
        "NEUTRAL",
        "TURNED_LEFT",
        "NEUTRAL",
        "EYES_CLOSED",
        "NEUTRAL",
        "TURNED_RIGHT",
        "NEUTRAL",
      ]);
      expect(r.minSimilarityToFirst).to.be.greaterThan(thresholds.match.accept);
    });
    it("ACTIONS_MISMATCH when the actions come in another order", async () => {
      const c = challengeOf(steps);
      const r = await run(c, framesFor(howard, challengeOf(["TURN_RIGHT", "BLINK", "TURN_LEFT"]), c.issuedAt + 10));
      expect(r.passed).to.equal(false);
      expect(r.failures).to.include("ACTIONS_MISMATCH");
    });
    it("ACTIONS_MISMATCH when a still photo is shown (no action at all)", async () => {
      const c = challengeOf(steps);
      const frames = [0, 1, 2, 3].map((i) => ({
        image: jitter(howard.image, i + 1),
        timestampMs: c.issuedAt + 10 + i * 200,
      }));
      const r = await run(c, frames);
      expect(r.observed).to.deep.equal([]);
      expect(r.failures).to.deep.equal(["ACTIONS_MISMATCH"]);
    });
    it("does not count a tilted flat photo (a printed portrait turned 30 degrees each way) as head turns", async () => {
      const c = challengeOf(["TURN_LEFT", "TURN_RIGHT"]);
      const tilted = [0, 30, 0, -30, 0].map((deg, i) => ({
        image: jitter(
          deg === 0 ? howard.image : tiltPhoto(howard.image, howard.cx, howard.image.height / 2, deg),
          i + 1,
        ),
        timestampMs: c.issuedAt + 10 + i * 200,
      }));
      const r = await run(c, tilted);
      // the tilt reads as at most ~13 degrees of yaw: never a turn. (Its foreshortened mouth can
      // read as a smile: that is why every challenge has a turn.)
      for (const f of r.frames) expect(f.state).to.not.be.oneOf(["TURNED_LEFT", "TURNED_RIGHT"]);
      for (const f of r.frames) expect(Math.abs(f.yaw! - r.frames[0]!.yaw!)).to.be.below(15);
      expect(r.observed).to.not.include.members(["TURN_LEFT"]);
      expect(r.observed).to.not.include.members(["TURN_RIGHT"]);
      expect(r.failures).to.include("ACTIONS_MISMATCH");
    });
    it("DIFFERENT_PERSON_IN_FRAMES when another face appears in a frame", async () => {
      const c = challengeOf(steps);
      const frames = framesFor(howard, c, c.issuedAt + 10);
      // every neutral frame after the first is another person: whichever the node picks is compared
      const penny = await evalImage("penny", 1);
      for (const i of [2, 4, 6]) frames[i] = { image: jitter(penny, i), timestampMs: frames[i]!.timestampMs };
      const r = await run(c, frames);
      expect(r.frames.map((f) => f.state)).to.deep.equal([
        "NEUTRAL",
        "TURNED_LEFT",
        "NEUTRAL",
        "EYES_CLOSED",
        "NEUTRAL",
        "TURNED_RIGHT",
        "NEUTRAL",
      ]);
      expect(r.minSimilarityToFirst).to.be.below(thresholds.match.review);
      expect(r.frames.filter((f) => f.similarityToFirst !== null)).to.have.length(1);
      expect(r.failures).to.include("DIFFERENT_PERSON_IN_FRAMES");
    });
    it("FRAME_WITHOUT_FACE when a frame has no face", async () => {
      const c = challengeOf(steps);
      const frames = framesFor(howard, c, c.issuedAt + 10);
      frames[4] = { image: flatImage(150, 60), timestampMs: frames[4]!.timestampMs };
      const r = await run(c, frames);
      expect(r.failures).to.include("FRAME_WITHOUT_FACE");
      expect(r.frames[4]!.state).to.equal("NO_FACE");
    });
    it("DUPLICATE_FRAMES when the same frame is sent twice", async () => {
      const c = challengeOf(steps);
      const frames = framesFor(howard, c, c.issuedAt + 10);
      frames[2] = { image: frames[0]!.image, timestampMs: frames[2]!.timestampMs };
      const r = await run(c, frames);
      expect(r.failures).to.include("DUPLICATE_FRAMES");
    });
    it("FIRST_FRAME_NOT_NEUTRAL when the sequence starts mid-action", async () => {
      const c = challengeOf(["BLINK", "TURN_LEFT"]);
      const frames = framesFor(howard, c, c.issuedAt + 10).slice(1);
      const r = await run(c, frames);
      expect(r.failures).to.include("FIRST_FRAME_NOT_NEUTRAL");
    });
    it("passes a smile and a blink between turns; the smile reads as SMILING", async () => {
      const c = challengeOf(["SMILE", "TURN_RIGHT", "BLINK"]);
      const r = await run(c, framesFor(howard, c, c.issuedAt + 10));
      expect(r.failures).to.deep.equal([]);
      expect(r.frames[1]!.state).to.equal("SMILING");
    });
    it("ACTION_OUT_OF_TIME when the actions come before their prompts (a recording made for other timing)", async () => {
      const c = challengeOf(steps);
      const early = { steps, promptsAtMs: c.promptsAtMs.map((p) => p - 400) };
      const r = await run(c, framesFor(howard, early, c.issuedAt + 10));
      expect(r.observed).to.deep.equal(steps);
      expect(r.failures).to.deep.equal(["ACTION_OUT_OF_TIME"]);
    });
    it("IMPLAUSIBLE_TIMING when frames are closer than a camera takes them", async () => {
      const c = challengeOf(steps);
      const frames = framesFor(howard, c, c.issuedAt + 10);
      frames[0] = { ...frames[0]!, timestampMs: frames[1]!.timestampMs - 5 };
      const r = await run(c, frames);
      expect(r.failures).to.include("IMPLAUSIBLE_TIMING");
    });
    it("DISCONTINUOUS_MOTION when the face jumps across the picture between two frames", async () => {
      const c = challengeOf(steps);
      const frames = framesFor(howard, c, c.issuedAt + 10);
      const blank = flatImage(150, 127);
      const moved = frames.map((f, i) => ({
        ...f,
        image: i === 2 ? sideBySide([blank, f.image], 0) : sideBySide([f.image, blank], 0),
      }));
      const r = await run(c, moved);
      expect(r.failures).to.include("DISCONTINUOUS_MOTION");
    });
    it("FRAMES_SEEN_BEFORE when an earlier session's frames come back, re-encoded, for a new challenge", async () => {
      const memory = new ChallengeIssuer().frames;
      const first = challengeOf(steps);
      const recorded = framesFor(howard, first, first.issuedAt + 10, { session: 1 });
      const r1 = await verifyChallenge(model, first, recorded, thresholds, { now: first.issuedAt + 5_000, memory });
      expect(r1.failures).to.deep.equal([]);
      const again = challengeOf(steps, first.issuedAt + 60_000);
      const replayed = await Promise.all(
        recorded.map(async (f) => ({
          image: await recode(f.image, 85, 1),
          timestampMs: f.timestampMs + 60_000,
        })),
      );
      const r2 = await verifyChallenge(model, again, replayed, thresholds, { now: again.issuedAt + 5_000, memory });
      expect(r2.failures).to.deep.equal(["FRAMES_SEEN_BEFORE"]);
      // another session of the same person (other light, roll and yaw) is not taken for a replay
      const other = challengeOf(steps, first.issuedAt + 120_000);
      const fresh = framesFor(howard, other, other.issuedAt + 10, { session: 2 });
      const r3 = await verifyChallenge(model, other, fresh, thresholds, { now: other.issuedAt + 5_000, memory });
      expect(r3.failures).to.not.include("FRAMES_SEEN_BEFORE");
    });
    it("FRAMES_SEEN_BEFORE for a recording cut up, rescaled, re-encoded and re-timed for another challenge", async () => {
      // the sequence-replay attack of bench:liveness: JPEG 60-95, scaled 0.85-1.15, fresh noise per frame
      const memory = new ChallengeIssuer().frames;
      const first = challengeOf(steps);
      const recorded = framesFor(howard, first, first.issuedAt + 10, { session: 3 });
      await verifyChallenge(model, first, recorded, thresholds, { now: first.issuedAt + 5_000, memory });
      for (const seed of [1, 2, 3]) {
        const again = challengeOf(["TURN_RIGHT", "SMILE", "TURN_LEFT"], first.issuedAt + 60_000 * seed);
        const replayed = await sequenceReplay(
          { frames: recorded.map((f) => f.image), steps },
          again,
          again.issuedAt + 10,
          seed,
        );
        const r = await verifyChallenge(model, again, replayed, thresholds, { now: again.issuedAt + 5_000, memory });
        expect(r.failures, `seed ${seed}`).to.include("FRAMES_SEEN_BEFORE");
      }
    });
  });
});
