/**
 * What every OnboardingService must do, whatever runs behind it (the fake, or the node's real
 * pipeline): ids and times in the API's formats, and coded errors the catalogue maps. Run on the
 * fake by test/node/api/fakes.test.ts and on the real service by
 * test/node/onboarding/real-service-contracts.test.ts.
 */
import { collectionConsent } from "@kycnet/sdk/customer";
import { expect } from "chai";
import { isKycnetError } from "@kycnet/sdk/errors";
import type { OnboardingService, SelfieFrame } from "../../../../node/src/onboarding/ports.ts";
import { LivenessChallenge } from "../../../../node/src/api/schemas.ts";

export interface OnboardingFixture {
  readonly service: OnboardingService;
  /** A front and back image the service accepts. */
  readonly documents: { readonly front: Uint8Array; readonly back: Uint8Array; readonly mime: "image/jpeg" | "image/png" };
  /** Frames answering a challenge (a fake may ignore the steps; a real pipeline's are rendered, hence async). */
  frames(challenge: {
    readonly steps: readonly string[];
    readonly promptsAtMs: readonly number[];
  }): readonly SelfieFrame[] | Promise<readonly SelfieFrame[]>;
  close?(): Promise<void>;
}

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const SUBJECT = "0x00000000000000000000000000000000000000a1" as const;
/** The nonce format the API publishes (base64url, 16-64 characters), from the response schema itself. */
const NONCE = new RegExp(LivenessChallenge.properties.nonce.pattern!);

async function expectCode(promise: Promise<unknown>, codes: readonly string[]): Promise<void> {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error, `expected one of ${codes.join(", ")}`).to.not.equal(null);
  expect(isKycnetError(error) && codes.includes(error.code), `got ${String(error)}`).to.equal(true);
}

export function onboardingServiceContract(name: string, makeFixture: () => Promise<OnboardingFixture>): void {
  describe(`OnboardingService contract: ${name}`, () => {
    let f: OnboardingFixture;
    beforeEach(async () => {
      f = await makeFixture();
    });
    afterEach(async () => f.close?.());

    it("creates sessions with API-safe ids and a future expiry", async () => {
      const a = await f.service.createSession(SUBJECT);
      const b = await f.service.createSession(SUBJECT);
      expect(a.sessionId).to.match(ID);
      expect(a.sessionId).not.to.equal(b.sessionId);
      expect(Date.parse(a.expiresAt)).to.be.greaterThan(Date.now());
    });

    it("shows a new session as OPEN with nothing uploaded", async () => {
      const { sessionId } = await f.service.createSession(SUBJECT);
      await f.service.recordCollectionConsent(sessionId, collectionConsent({ version: "test-notice-1" }));
      const view = await f.service.getSession(sessionId);
      expect(view).to.deep.include({ sessionId, state: "OPEN", liveness: "NONE" });
      expect(view.documents).to.deep.equal({ front: false, back: false });
      expect(view.decision).to.equal(undefined);
    });

    it("throws SESSION_NOT_FOUND from every method for an unknown session", async () => {
      const s = f.service;
      await expectCode(s.getSession("nosuchsession"), ["SESSION_NOT_FOUND"]);
      await expectCode(s.uploadDocument("nosuchsession", "front", f.documents.front, f.documents.mime), ["SESSION_NOT_FOUND"]);
      await expectCode(s.createLivenessChallenge("nosuchsession"), ["SESSION_NOT_FOUND"]);
      await expectCode(s.uploadSelfieFrames("nosuchsession", "c", await f.frames({ steps: [], promptsAtMs: [] })), ["SESSION_NOT_FOUND"]);
      await expectCode(s.decide("nosuchsession"), ["SESSION_NOT_FOUND"]);
    });

    it("refuses to decide before documents and frames are in (SESSION_STATE_CONFLICT)", async () => {
      const { sessionId } = await f.service.createSession(SUBJECT);
      await f.service.recordCollectionConsent(sessionId, collectionConsent({ version: "test-notice-1" }));
      await expectCode(f.service.decide(sessionId), ["SESSION_STATE_CONFLICT"]);
      await f.service.uploadDocument(sessionId, "front", f.documents.front, f.documents.mime);
      await f.service.uploadDocument(sessionId, "back", f.documents.back, f.documents.mime);
      await expectCode(f.service.decide(sessionId), ["SESSION_STATE_CONFLICT"]);
    });

    it("issues challenges with steps, a base64url nonce as the API publishes and an expiry, and records both document sides", async () => {
      const { sessionId } = await f.service.createSession(SUBJECT);
      await f.service.recordCollectionConsent(sessionId, collectionConsent({ version: "test-notice-1" }));
      const challenge = await f.service.createLivenessChallenge(sessionId);
      expect(challenge.challengeId).to.match(ID);
      expect(challenge.steps.length).to.be.greaterThan(0);
      expect(challenge.nonce).to.match(NONCE);
      expect(Date.parse(challenge.expiresAt)).to.be.greaterThan(Date.now());
      await f.service.uploadDocument(sessionId, "front", f.documents.front, f.documents.mime);
      await f.service.uploadDocument(sessionId, "back", f.documents.back, f.documents.mime);
      const view = await f.service.getSession(sessionId);
      expect(view.documents).to.deep.equal({ front: true, back: true });
      expect(view.liveness).to.equal("CHALLENGED");
    });

    it("refuses frames for a challenge it never issued", async () => {
      const { sessionId } = await f.service.createSession(SUBJECT);
      await f.service.recordCollectionConsent(sessionId, collectionConsent({ version: "test-notice-1" }));
      await f.service.createLivenessChallenge(sessionId);
      await expectCode(f.service.uploadSelfieFrames(sessionId, "neverissued", await f.frames({ steps: [], promptsAtMs: [] })), ["SESSION_STATE_CONFLICT", "CHALLENGE_UNKNOWN"]);
    });

    it("decides once: asking again returns the same decision", async () => {
      const { sessionId } = await f.service.createSession(SUBJECT);
      await f.service.recordCollectionConsent(sessionId, collectionConsent({ version: "test-notice-1" }));
      await f.service.uploadDocument(sessionId, "front", f.documents.front, f.documents.mime);
      await f.service.uploadDocument(sessionId, "back", f.documents.back, f.documents.mime);
      const challenge = await f.service.createLivenessChallenge(sessionId);
      await f.service.uploadSelfieFrames(sessionId, challenge.challengeId, await f.frames(challenge));
      const first = await f.service.decide(sessionId);
      expect(first.outcome).to.be.oneOf(["PASS", "REVIEW", "REJECT"]);
      for (const reason of first.reasons) expect(reason.code).to.match(/^[A-Z][A-Z0-9_]+$/);
      expect(await f.service.decide(sessionId)).to.deep.equal(first);
      expect((await f.service.getSession(sessionId)).state).to.equal("DECIDED");
    });
  });
}
