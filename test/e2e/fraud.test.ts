/**
 * Fraud must not spread through re-onboarding (issue 21), end to end with three real banks (JSON-RPC
 * chain, SoftHSM2, LevelDB, registry simulator, real OCR and face models, libp2p):
 * - bank A onboards a customer; banks B and C re-onboard from A's attestation;
 * - the card is then reported lost at the registry: a re-onboarding at B asks the registry again
 *   and is refused (REGISTRY_CARD_INVALID), where it used to take A's earlier MATCH;
 * - A revokes its attestation for fraud: B and C learn it from the chain's `Revoked` event (through
 *   their own reuse index, not the chain's refUid) and revoke their REUSE attestations within about
 *   one block period; nobody can re-onboard from A's attestation, nor from B's, any more;
 * - duplicate identities at A: the same person under a second ID number, and the same ID number with
 *   another person's face, each open a DUPLICATE review case naming the other attestation;
 * - a source revoked as DATA_CORRECTED (policy REVIEW) opens a SOURCE_REVOKED case at B and at C:
 *   B's reviewer revokes B's attestation, C's keeps C's.
 */
import { collectionConsent } from "@kycnet/sdk/customer";
import { expect } from "chai";
import { Wallet, type HDNodeWallet } from "ethers";
import { loadOnnxFaceModel, type FaceModel } from "../../node/src/ekyc/biometrics/index.ts";
import type { KycnetNode } from "../../node/src/node.ts";
import { isKycnetError } from "@kycnet/sdk/errors";
import { RevocationReason, type AttestationProof, type Hex } from "@kycnet/sdk/protocol";
import type { ConsortiumSetup } from "../../scripts/consortium/setup.ts";
import { makeDemoCustomer, type DemoCustomer } from "../../scripts/demo/customer.ts";
import { createBankClient, type ReviewCaseView } from "@kycnet/sdk/bank";
import { signedReuse, startE2eConsortium, type E2eConsortium } from "./consortium-fixture.ts";

describe("e2e: fraud does not spread through re-onboarding (three banks)", function () {
  this.timeout(300_000);
  let consortium: E2eConsortium;
  let setup: ConsortiumSetup;
  let nodes: readonly KycnetNode[];
  let model: FaceModel;
  let customer: DemoCustomer;
  /** The same person (howard's face, other photos) with a second card under another ID number. */
  let secondIdentity: DemoCustomer;
  /** The customer's ID number and fields on a card with another person's face (leonard). */
  let borrowedNumber: DemoCustomer;

  before(async () => {
    model = await loadOnnxFaceModel();
    customer = await makeDemoCustomer({ seed: 7, face: { person: "howard", portrait: 2, selfie: 1 }, model });
    secondIdentity = await makeDemoCustomer({ seed: 9, face: { person: "howard", portrait: 2, selfie: 3 }, model });
    borrowedNumber = await makeDemoCustomer({ seed: 7, face: { person: "leonard", portrait: 1, selfie: 2 }, model });
    consortium = await startE2eConsortium({
      model,
      customer,
      moreCitizens: [secondIdentity],
      bankNames: ["Bank A", "Bank B", "Bank C"],
      threshold: 2,
    });
    ({ setup, nodes } = consortium);
  });
  after(() => consortium?.stop());

  const node = (i: number) => nodes[i]!;

  async function answerChallenge(at: KycnetNode, sessionId: string, who: DemoCustomer = customer) {
    const challenge = await at.onboarding.createLivenessChallenge(sessionId);
    await at.onboarding.uploadSelfieFrames(
      sessionId,
      challenge.challengeId,
      await who.framesFor(challenge, Date.now()),
    );
  }

  /** A full eKYC at bank A with this card and face. */
  async function onboardAtA(who: DemoCustomer, subject: Hex) {
    const { sessionId } = await node(0).onboarding.createSession(subject);
    await node(0).onboarding.recordCollectionConsent(sessionId, collectionConsent({ version: "test-notice-1" }));
    await node(0).onboarding.uploadDocument(sessionId, "front", who.front, "image/jpeg");
    await node(0).onboarding.uploadDocument(sessionId, "back", who.back, "image/jpeg");
    await answerChallenge(node(0), sessionId, who);
    return node(0).onboarding.decide(sessionId);
  }

  const reviewerAt = (i: number) =>
    createBankClient({ baseUrl: setup.banks[i]!.apiUrl, apiKey: setup.banks[i]!.apiKeys.reviewer });

  /** The bank's cases of one kind, waiting up to `ms` for at least one. */
  async function casesOfKind(i: number, kind: ReviewCaseView["kind"], ms = 0): Promise<ReviewCaseView[]> {
    const deadline = Date.now() + ms;
    for (;;) {
      const cases = (await reviewerAt(i).listReviewCases({ limit: 100 })).cases.filter((c) => c.kind === kind);
      if (cases.length > 0 || Date.now() >= deadline) return cases;
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async function anchored(at: KycnetNode, uid: Hex): Promise<AttestationProof> {
    await at.outbox.flush();
    const meta = await at.vault.findRecordByUid(uid);
    expect(meta?.anchor?.uid).to.equal(uid);
    return at.vault.proofOf(meta!)!;
  }

  let nonce = 1n;
  /** Opens a re-onboarding session at `grantee` from `sourceUid`, with a consent signed by the source's subject. */
  async function reuseAt(grantee: KycnetNode, sourceUid: Hex, sourceSubject: HDNodeWallet, subject: HDNodeWallet) {
    const { request } = await signedReuse(consortium, grantee, sourceUid, sourceSubject, nonce++);
    return grantee.onboarding.createReuseSession(subject.address as Hex, request);
  }

  async function reonboard(grantee: KycnetNode, sourceUid: Hex, sourceSubject: HDNodeWallet, subject: HDNodeWallet) {
    const session = await reuseAt(grantee, sourceUid, sourceSubject, subject);
    await answerChallenge(grantee, session.sessionId);
    return grantee.onboarding.decide(session.sessionId);
  }

  const subjectA = Wallet.createRandom();
  const subjectB = Wallet.createRandom();
  const subjectC = Wallet.createRandom();
  let sourceUid: Hex;
  let sourceProof: AttestationProof;
  let uidB: Hex;
  let proofB: AttestationProof;
  let proofC: AttestationProof;

  it("bank A onboards the customer, and banks B and C re-onboard from A's attestation", async () => {
    const { sessionId } = await node(0).onboarding.createSession(subjectA.address as Hex);
    await node(0).onboarding.recordCollectionConsent(sessionId, collectionConsent({ version: "test-notice-1" }));
    await node(0).onboarding.uploadDocument(sessionId, "front", customer.front, "image/jpeg");
    await node(0).onboarding.uploadDocument(sessionId, "back", customer.back, "image/jpeg");
    await answerChallenge(node(0), sessionId);
    const decision = await node(0).onboarding.decide(sessionId);
    expect(decision.outcome, JSON.stringify(decision.reasons)).to.equal("PASS");
    sourceUid = decision.attestationUid!;
    sourceProof = await anchored(node(0), sourceUid);

    const atB = await reonboard(node(1), sourceUid, subjectA, subjectB);
    expect(atB.outcome, JSON.stringify(atB.reasons)).to.equal("PASS");
    uidB = atB.attestationUid!;
    proofB = await anchored(node(1), uidB);
    const atC = await reonboard(node(2), sourceUid, subjectA, subjectC);
    expect(atC.outcome, JSON.stringify(atC.reasons)).to.equal("PASS");
    proofC = await anchored(node(2), atC.attestationUid!);
    // Each re-onboarding asked the registry itself: A once, B once, C once.
    expect(consortium.registry.stats().requests).to.equal(3);
  });

  it("bank A sends the same person under a second ID number to review as a DUPLICATE case", async () => {
    const decision = await onboardAtA(secondIdentity, Wallet.createRandom().address as Hex);
    expect(decision.outcome, JSON.stringify(decision.reasons)).to.equal("REVIEW");
    expect(decision.reasons.map((r) => r.code)).to.deep.equal(["DUPLICATE_FACE_OTHER_ID"]);
    const cases = await casesOfKind(0, "DUPLICATE");
    expect(cases.map((c) => c.caseId)).to.deep.equal([decision.reviewCaseId]);
    // The reviewer's case names the other attestation (A's first customer) and the face score.
    const held = await node(0).vault.findRecordByUid(decision.attestationUid!);
    expect(held?.status).to.equal("IN_REVIEW");
    const entries = await node(0).audit.list({ limit: 1_000 });
    const opened = entries.find((e) => e.action === "review.opened" && e.target === decision.reviewCaseId);
    expect(opened?.details).to.include({ kind: "DUPLICATE", reasons: "DUPLICATE_FACE_OTHER_ID" });
    // The reviewer finds one person with two cards and rejects it: the record is destroyed.
    const reviewer = reviewerAt(0);
    await reviewer.claimReviewCase(decision.reviewCaseId!);
    await reviewer.rejectReviewCase(decision.reviewCaseId!, "one person, two ID numbers");
    expect((await node(0).vault.findRecordByUid(decision.attestationUid!))?.status).to.equal("SHREDDED");
  });

  it("bank A sends the same ID number with another person's face to review as a DUPLICATE case", async () => {
    const decision = await onboardAtA(borrowedNumber, Wallet.createRandom().address as Hex);
    expect(decision.outcome, JSON.stringify(decision.reasons)).to.equal("REVIEW");
    expect(decision.reasons.map((r) => r.code)).to.deep.equal(["DUPLICATE_ID_OTHER_FACE"]);
    const cases = await casesOfKind(0, "DUPLICATE");
    expect(cases.map((c) => c.caseId)).to.include(decision.reviewCaseId);
    // The reviewer rejects it: the record is destroyed, and with it its entry in the duplicate index.
    const reviewer = reviewerAt(0);
    await reviewer.claimReviewCase(decision.reviewCaseId!);
    await reviewer.rejectReviewCase(decision.reviewCaseId!, "another person holding the customer's card");
    const meta = await node(0).vault.findRecordByUid(decision.attestationUid!);
    expect(meta?.status).to.equal("SHREDDED");
  });

  it("a source revoked as DATA_CORRECTED opens SOURCE_REVOKED cases at B and C: B revokes, C keeps", async () => {
    // The customer comes back to A (same number, same face: no duplicate; the second card's record,
    // same face, was destroyed in review and has left the index), and B and C re-onboard from it.
    const subject = Wallet.createRandom();
    const again = await onboardAtA(customer, subject.address as Hex);
    expect(again.outcome, JSON.stringify(again.reasons)).to.equal("PASS");
    const corrected = await anchored(node(0), again.attestationUid!);
    const atB = await reonboard(node(1), again.attestationUid!, subject, Wallet.createRandom());
    const atC = await reonboard(node(2), again.attestationUid!, subject, Wallet.createRandom());
    expect([atB.outcome, atC.outcome]).to.deep.equal(["PASS", "PASS"]);
    const ownB = await anchored(node(1), atB.attestationUid!);
    const ownC = await anchored(node(2), atC.attestationUid!);

    await node(0).ledger.revokeAttestation(corrected, RevocationReason.DATA_CORRECTED);
    const waitMs = 20 * node(1).config.chain.blockPeriodMs;
    const [atBCases, atCCases] = await Promise.all([
      casesOfKind(1, "SOURCE_REVOKED", waitMs),
      casesOfKind(2, "SOURCE_REVOKED", waitMs),
    ]);
    expect(atBCases).to.have.length(1);
    expect(atCCases).to.have.length(1);
    expect(atBCases[0]!.reasons.map((r) => r.code)).to.deep.equal(["SOURCE_ATTESTATION_REVOKED"]);
    // Nothing was revoked by the cascade itself: a reviewer decides.
    expect(await node(1).ledger.attestationStatus(ownB)).to.equal("VALID");

    const revoke = reviewerAt(1);
    await revoke.claimReviewCase(atBCases[0]!.caseId);
    await revoke.rejectReviewCase(atBCases[0]!.caseId, "the corrected source no longer supports our record");
    expect(await node(1).ledger.attestationStatus(ownB)).to.equal("REVOKED");
    const keep = reviewerAt(2);
    await keep.claimReviewCase(atCCases[0]!.caseId);
    await keep.approveReviewCase(atCCases[0]!.caseId, "the correction does not touch what we verified");
    expect(await node(2).ledger.attestationStatus(ownC)).to.equal("VALID");

    const auditB = await node(1).audit.list({ limit: 1_000 });
    expect(auditB.find((e) => e.action === "reuse.source-revoked-review")?.details).to.include({
      sourceUid: again.attestationUid!.toLowerCase(),
      uid: atB.attestationUid!.toLowerCase(),
      sourceReason: "DATA_CORRECTED",
    });
    const rejected = auditB.find((e) => e.action === "review.rejected" && e.target === atBCases[0]!.caseId);
    expect(rejected?.details).to.include({ revokedUid: atB.attestationUid!.toLowerCase(), reason: "DATA_CORRECTED" });
    expect(rejected?.details?.txHash).to.match(/^0x[0-9a-f]{64}$/);
  });

  it("refuses a re-onboarding at B once the card is reported lost at the registry (B asks it again)", async () => {
    consortium.registry.reportCard(customer.person.idNumber, "LOST");
    const decision = await reonboard(node(1), sourceUid, subjectA, Wallet.createRandom());
    expect(decision.outcome).to.equal("REJECT");
    expect(decision.reasons.map((r) => r.code)).to.deep.equal(["REGISTRY_CARD_INVALID"]);
    expect(decision.attestationUid).to.equal(undefined);
  });

  it("when A revokes for fraud, B and C revoke their REUSE attestations within about one block period", async () => {
    expect(await node(1).ledger.attestationStatus(proofB)).to.equal("VALID");
    expect(await node(2).ledger.attestationStatus(proofC)).to.equal("VALID");
    const blockPeriodMs = node(1).config.chain.blockPeriodMs;
    await node(0).ledger.revokeAttestation(sourceProof, RevocationReason.FRAUD_SUSPECTED);
    const started = performance.now();
    const revokedAfter = async (at: KycnetNode, proof: AttestationProof): Promise<number> => {
      while (performance.now() - started < 20 * blockPeriodMs) {
        if ((await at.ledger.attestationStatus(proof)) === "REVOKED") return performance.now() - started;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error("not revoked by the cascade");
    };
    const [msB, msC] = await Promise.all([revokedAfter(node(1), proofB), revokedAfter(node(2), proofC)]);
    // One poll interval (= the block period) to see the event, and the revocation's own transaction.
    expect(msB).to.be.below(blockPeriodMs + 1_000);
    expect(msC).to.be.below(blockPeriodMs + 1_000);
    // The cascade audits its revocation once its transaction is mined, which the chain shows first:
    // wait for the entry (a bounded wait), then check there is exactly one.
    const cascadeEntries = async () =>
      (await node(1).audit.list({ limit: 1_000 })).filter((e) => e.action === "reuse.cascade-revoked");
    const auditDeadline = performance.now() + 5_000;
    while ((await cascadeEntries()).length === 0 && performance.now() < auditDeadline)
      await new Promise((r) => setTimeout(r, 50));
    const cascade = await cascadeEntries();
    expect(cascade).to.have.length(1);
    expect(cascade[0]!.details).to.include({ sourceUid, uid: uidB, sourceReason: "FRAUD_SUSPECTED" });
  });

  it("nobody re-onboards from A's attestation any more, nor from B's built on it", async () => {
    const fromA = await reuseAt(node(2), sourceUid, subjectA, Wallet.createRandom()).catch((e: unknown) => e);
    expect(isKycnetError(fromA, "REUSE_NOT_POSSIBLE"), String(fromA)).to.equal(true);
    expect((fromA as { details: Record<string, unknown> }).details).to.include({ sourceRevokedFor: "FRAUD_SUSPECTED" });
    const fromB = await reuseAt(node(2), uidB, subjectB, Wallet.createRandom()).catch((e: unknown) => e);
    expect(isKycnetError(fromB, "REUSE_NOT_POSSIBLE"), String(fromB)).to.equal(true);
    expect((fromB as { details: Record<string, unknown> }).details).to.include({ sourceRevokedFor: "FRAUD_SUSPECTED" });
  });
});
