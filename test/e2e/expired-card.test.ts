/**
 * A card that expired since bank A's check is refused at bank B with DOCUMENT_EXPIRED before the
 * selfie (issue 18, item 1: the chain's validity comes from policy, so the relying bank checks the
 * committed card expiry itself). Everything real: chain, SoftHSM, LevelDB, libp2p, A's full eKYC
 * on a rendered card. Time passing is B's re-onboarding date, set past the card's expiry; A checked
 * the card on today's date, when it was valid.
 */
import { collectionConsent } from "@kycnet/sdk/customer";
import { expect } from "chai";
import { Wallet } from "ethers";
import { type Hex } from "@kycnet/sdk/protocol";
import { loadOnnxFaceModel, type FaceModel } from "../../node/src/ekyc/biometrics/index.ts";
import { makeDemoCustomer, type DemoCustomer } from "../../scripts/demo/customer.ts";
import { expectCode } from "../support/expect-code.ts";
import { signedReuse, startE2eConsortium, type E2eConsortium } from "./consortium-fixture.ts";

describe("e2e: a card expired since bank A's check is refused at bank B", function () {
  this.timeout(300_000);
  let consortium: E2eConsortium;
  let model: FaceModel;
  let customer: DemoCustomer;
  // B re-onboards two days after the card's last valid day.
  let reuseDate: Date;

  before(async () => {
    model = await loadOnnxFaceModel();
    customer = await makeDemoCustomer({ seed: 7, face: { person: "howard", portrait: 2, selfie: 1 }, model });
    expect(customer.person.expiryDate, "the test needs a card that expires").to.match(/^\d{4}-\d{2}-\d{2}$/);
    reuseDate = new Date(Date.parse(`${customer.person.expiryDate}T00:00:00Z`) + 2 * 86_400_000);
    consortium = await startE2eConsortium({
      model,
      customer,
      bankNames: ["Bank A", "Bank B"],
      threshold: 1,
      overrides: (i) => (i === 1 ? { reuseClock: () => reuseDate } : {}),
    });
  });
  after(async () => {
    await consortium?.stop();
    await model?.close();
  });

  it("A verifies the card (valid today); B, past its expiry, refuses the re-onboarding with DOCUMENT_EXPIRED before any selfie", async () => {
    const [a, b] = consortium.nodes;
    const subject = Wallet.createRandom();
    const { sessionId } = await a!.onboarding.createSession(subject.address as Hex);
    await a!.onboarding.recordCollectionConsent(sessionId, collectionConsent({ version: "test-notice-1" }));
    await a!.onboarding.uploadDocument(sessionId, "front", customer.front, "image/jpeg");
    await a!.onboarding.uploadDocument(sessionId, "back", customer.back, "image/jpeg");
    const challenge = await a!.onboarding.createLivenessChallenge(sessionId);
    await a!.onboarding.uploadSelfieFrames(
      sessionId,
      challenge.challengeId,
      await customer.framesFor(challenge, Date.now()),
    );
    const decision = await a!.onboarding.decide(sessionId);
    expect(decision.outcome, JSON.stringify(decision.reasons)).to.equal("PASS");
    const uid = decision.attestationUid!;
    await a!.outbox.flush();

    const { request } = await signedReuse(consortium, b!, uid, subject);
    const error = await expectCode(
      b!.onboarding.createReuseSession(Wallet.createRandom().address as Hex, request),
      "DOCUMENT_EXPIRED",
    );
    // The message names no date: the expiry is a birthday in disguise.
    expect(error.message).to.not.include(customer.person.expiryDate);
    expect(error.message).to.not.include(customer.person.expiryDate.slice(0, 4));
    // Refused before any session exists: nothing for a selfie to go to, nothing anchored by B.
    expect(await b!.outbox.depth()).to.deep.equal({ pending: 0, inflight: 0, failed: 0 });
  });
});
