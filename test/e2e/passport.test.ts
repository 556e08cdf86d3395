/**
 * A foreign national onboarded with a passport, end to end and everything real: a JSON-RPC chain,
 * two banks with SoftHSM2 tokens, LevelDB vaults, the real MRZ and face models, libp2p between the
 * nodes. Bank A reads the passport's data page (TD3 MRZ and portrait; no QR, no back side) through
 * its HTTP API. The citizens' registry cannot confirm a foreigner, so the case goes to a reviewer
 * (REGISTRY_NOT_APPLICABLE, rule set 1.5.0), who approves it: A anchors a level-1 attestation
 * whose record holds the passport number as P:<issuing state>:<number>. The customer then consents
 * for bank B, which re-onboards from A's record with a fresh selfie and anchors a REUSE attestation.
 * Bank A also trusts a test CSCA: the passport's chip (DG1 in TD3 form, scripts/chip) is verified
 * through the chip upload and agrees with the page, or names where it does not (CHIP_CARD_MISMATCH).
 */
import { expect } from "chai";
import { Wallet } from "ethers";
import { createBankClient, packageChipFiles, type BankApiError, type BankClient } from "@kycnet/sdk/bank";
import { collectionConsent } from "@kycnet/sdk/customer";
import { documentNumberKind, type Hex } from "@kycnet/sdk/protocol";
import { loadOnnxFaceModel, type FaceModel } from "../../node/src/ekyc/biometrics/index.ts";
import type { KycnetNode } from "../../node/src/node.ts";
import type { PassportHolder } from "../../scripts/cards/passport.ts";
import { answerChallenge as chipAnswer } from "../../scripts/chip/aa.ts";
import { createTestPki, generatePassportChip } from "../../scripts/chip/generate.ts";
import { pem } from "../../scripts/chip/pki.ts";
import { makeDemoCustomer, type DemoCustomer } from "../../scripts/demo/customer.ts";
import { signedReuse, startE2eConsortium, type E2eConsortium } from "./consortium-fixture.ts";

describe("e2e: a passport holder onboarded at bank A, re-onboarded at bank B", function () {
  this.timeout(300_000);
  let consortium: E2eConsortium;
  let nodes: readonly KycnetNode[];
  let model: FaceModel;
  let customer: DemoCustomer;
  const pki = createTestPki("rsa");

  before(async () => {
    model = await loadOnnxFaceModel();
    // Seed 28 gives a German passport: state and nationality D (printed D<<), which the protocol keeps
    // as D and sanctions screening takes as DEU.
    customer = await makeDemoCustomer({
      seed: 28,
      face: { person: "howard", portrait: 2, selfie: 1 },
      model,
      passport: true,
    });
    consortium = await startE2eConsortium({
      model,
      customer,
      bankNames: ["Bank A", "Bank B"],
      threshold: 1,
      chipTrustListPem: pem("CERTIFICATE", pki.csca.der),
    });
    ({ nodes } = consortium);
  });
  after(async () => {
    await consortium?.stop();
  });

  async function answerChallenge(node: KycnetNode, sessionId: string) {
    const challenge = await node.onboarding.createLivenessChallenge(sessionId);
    const frames = await customer.framesFor(challenge, Date.now());
    await node.onboarding.uploadSelfieFrames(sessionId, challenge.challengeId, frames);
  }

  async function anchoredRecord(node: KycnetNode, uid: Hex) {
    await node.outbox.flush();
    const meta = (await node.vault.findRecordByUid(uid))!;
    expect(meta.anchor?.uid).to.equal(uid);
    const proof = node.vault.proofOf(meta)!;
    const record = await node.vault.openRecord(meta.id, "test", "check the passport record");
    return { proof, record };
  }

  const subjectA = Wallet.createRandom();
  let sourceUid: Hex;

  it("reads the data page at bank A, sends the case to a reviewer, and anchors it once approved", async () => {
    const [a] = nodes;
    const bankA = consortium.setup.banks[0]!;
    const operator = createBankClient({ baseUrl: bankA.apiUrl, apiKey: bankA.apiKeys.operator });
    const reviewer = createBankClient({ baseUrl: bankA.apiUrl, apiKey: bankA.apiKeys.reviewer });
    const { holder, page } = customer.passport!;

    const { sessionId } = await operator.createSession(subjectA.address as Hex);
    await operator.recordCollectionConsent(sessionId, collectionConsent({ version: "test-notice-1" }));
    await operator.uploadDocument(sessionId, "passport", page, "image/jpeg");
    // One document per session: a card's side is refused once a passport is held.
    const mixed = await operator
      .uploadDocument(sessionId, "back", customer.back, "image/jpeg")
      .catch((e: unknown) => e);
    expect((mixed as BankApiError).code).to.equal("SESSION_STATE_CONFLICT");
    expect((await operator.getSession(sessionId)).documents).to.deep.equal({
      front: false,
      back: false,
      passport: true,
    });

    await answerChallenge(a!, sessionId);
    const decision = await operator.decide(sessionId);
    // Everything else passed: the face against the page's portrait, liveness, screening, the MRZ.
    expect(decision.outcome, JSON.stringify(decision.reasons)).to.equal("REVIEW");
    expect(decision.reasons.map((r) => r.code)).to.deep.equal(["REGISTRY_NOT_APPLICABLE"]);

    await reviewer.claimReviewCase(decision.reviewCaseId!);
    const approved = await reviewer.approveReviewCase(decision.reviewCaseId!, "passport and visa checked by hand");
    expect(approved.status).to.equal("APPROVED");
    sourceUid = approved.attestationUid!;

    const { proof, record } = await anchoredRecord(a!, sourceUid);
    expect(holder.issuingState).to.equal("D");
    expect(proof.data.assuranceLevel).to.equal(1);
    expect(proof.data.method).to.equal(1); // FULL_EKYC
    expect(record.fields).to.deep.include({
      idNumber: `P:${holder.issuingState}:${holder.passportNumber}`,
      oldIdNumber: "",
      fullName: holder.fullName,
      dateOfBirth: holder.dateOfBirth,
      sex: holder.sex,
      nationality: holder.nationality,
      address: "",
      issueDate: "",
      expiryDate: holder.expiryDate,
      documentType: "PASSPORT",
    });
    // VALID at once: the outbox anchors only once its clock is past issuedAt (anchoring.chainClockSkewMs).
    expect(await nodes[1]!.ledger.attestationStatus(proof)).to.equal("VALID");
  });

  it("re-onboards at bank B from A's passport record with a fresh selfie, and anchors a REUSE attestation", async () => {
    const [a, b] = nodes;
    const { request } = await signedReuse(consortium, b!, sourceUid, subjectA);
    const session = await b!.onboarding.createReuseSession(Wallet.createRandom().address as Hex, request);
    expect(session.issuer).to.equal("Bank A");
    await answerChallenge(b!, session.sessionId);
    const decision = await b!.onboarding.decide(session.sessionId);
    // No registry holds a foreigner: A's reviewed attestation stands for that check (reuse-registry.ts).
    expect(decision.outcome, JSON.stringify(decision.reasons)).to.equal("PASS");
    const { proof, record } = await anchoredRecord(b!, decision.attestationUid!);
    expect(proof.data.method).to.equal(3); // REUSE
    expect(proof.data.assuranceLevel).to.equal(1);
    // The document's fields as A verified them; B's face template is its own, from the fresh selfie.
    const { faceTemplate: _theirs, ...theirs } = (await anchoredRecord(a!, sourceUid)).record.fields;
    const { faceTemplate: _ours, ...ours } = record.fields;
    expect(ours).to.deep.equal(theirs);
    expect(documentNumberKind(String(record.fields.idNumber))).to.equal("PASSPORT");
  });

  /** A new session at A with the chip read first (challenge, files and the chip's answer), then the page and the selfie. */
  async function decideWithChip(chipHolder: PassportHolder) {
    const bankA = consortium.setup.banks[0]!;
    const operator: BankClient = createBankClient({ baseUrl: bankA.apiUrl, apiKey: bankA.apiKeys.operator });
    const { sessionId } = await operator.createSession(Wallet.createRandom().address as Hex);
    await operator.recordCollectionConsent(sessionId, collectionConsent({ version: "test-notice-1", chip: true }));
    const chip = await generatePassportChip({
      index: 0,
      pki,
      variant: "valid",
      holder: chipHolder,
      portrait: customer.portrait,
    });
    const { challenge } = await operator.createChipChallenge(sessionId);
    const response = chipAnswer(chip.activeAuthenticationKey, Buffer.from(challenge, "hex"));
    const body = packageChipFiles(chip.files as Record<string, Uint8Array>, { challenge, response });
    const read = await operator.uploadChip(sessionId, body);
    await operator.uploadDocument(sessionId, "passport", customer.passport!.page, "image/jpeg");
    await answerChallenge(nodes[0]!, sessionId);
    return { read, decision: await operator.decide(sessionId) };
  }

  it("verifies the passport's chip at A, whose DG1 agrees with the page: a reviewer's case still, at level 1", async () => {
    const { read, decision } = await decideWithChip(customer.passport!.holder);
    expect(read).to.deep.include({ status: "VALID", failures: [], activeAuthentication: "PASSED" });
    expect(read.dataGroupsVerified).to.include.members([1, 2, 14, 15]);
    // No CHIP_CARD_MISMATCH: DG1's number, name, dates, sex and nationality equal the MRZ and the visual zone.
    // Level 2 needs the registry's MATCH, which no registry gives a foreigner (rule set 1.5.0).
    expect(decision.outcome, JSON.stringify(decision.reasons)).to.equal("REVIEW");
    expect(decision.reasons.map((r) => r.code)).to.deep.equal(["REGISTRY_NOT_APPLICABLE"]);
    expect(decision.assuranceLevel).to.equal(1);
  });

  it("sends a page whose chip holds another passport number to review with CHIP_CARD_MISMATCH", async () => {
    const { holder } = customer.passport!;
    const digits = holder.passportNumber.split("");
    digits[3] = String((Number(digits[3]) + 1) % 10);
    const { read, decision } = await decideWithChip({ ...holder, passportNumber: digits.join("") });
    expect(read.status).to.equal("VALID"); // a genuine chip, of another passport
    expect(decision.outcome, JSON.stringify(decision.reasons)).to.equal("REVIEW");
    expect(decision.reasons.map((r) => r.code)).to.include("CHIP_CARD_MISMATCH");
  });
});
