/**
 * eKYC level 2 end to end, through the HTTP API of real nodes (JSON-RPC chain, SoftHSM2, LevelDB,
 * registry simulator, real OCR and face models, libp2p): bank A has a CSCA trust list, bank B has
 * none and re-onboards only from level-2 attestations. A customer's card and its chip (test PKI,
 * scripts/chip) are read at A: chip challenge → files and the chip's answer → card photos → selfie
 * → level 2 (FULL_EKYC_NFC, 500M VND/day), anchored, with the chip evidence in the sealed record.
 * Then every way a chip is refused (broken SOD, untrusted DS, altered DG, clone, replayed answer,
 * a chip that disagrees with its card), B refusing chips, and B re-onboarding at the source's level.
 */
import { collectionConsent } from "@kycnet/sdk/customer";
import { expect } from "chai";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { DEFAULT_FACE_EVAL_DIR } from "../../node/src/ekyc/biometrics/eval-set.ts";
import { Wallet, type Signer } from "ethers";
import { loadOnnxFaceModel, type FaceModel } from "../../node/src/ekyc/biometrics/index.ts";
import type { KycnetNode } from "../../node/src/node.ts";
import { type BankApiError, type BankClient, createBankClient, packageChipFiles } from "@kycnet/sdk/bank";
import {
  ALL_FIELDS_MASK,
  Method,
  Purpose,
  consentIdOf,
  signConsentGrant,
  toConsentGrant,
  type Hex,
} from "@kycnet/sdk/protocol";
import { answerChallenge } from "../../scripts/chip/aa.ts";
import { createTestPki, generateChip, type ChipVariant, type GeneratedChip } from "../../scripts/chip/generate.ts";
import { pem } from "../../scripts/chip/pki.ts";
import { makePerson } from "../../scripts/cards/people.ts";
import { createRng } from "../../scripts/cards/random.ts";
import type { ConsortiumSetup } from "../../scripts/consortium/setup.ts";
import { makeDemoCustomer, type DemoCustomer } from "../../scripts/demo/customer.ts";
import { startE2eConsortium, type E2eConsortium } from "./consortium-fixture.ts";

describe("e2e: eKYC level 2 (NFC chip) through the API", function () {
  this.timeout(300_000);
  let consortium: E2eConsortium;
  let setup: ConsortiumSetup;
  let nodes: readonly KycnetNode[];
  let model: FaceModel;
  let customer: DemoCustomer;
  let a: BankClient;
  let b: BankClient;
  const pki = createTestPki("rsa");
  const chips = new Map<ChipVariant, GeneratedChip>();
  const subject = Wallet.createRandom();

  before(async () => {
    model = await loadOnnxFaceModel();
    customer = await makeDemoCustomer({ seed: 7, face: { person: "howard", portrait: 2, selfie: 1 }, model });
    const holder = { person: customer.person, portrait: customer.portrait };
    for (const variant of ["valid", "altered-dg", "wrong-ds", "broken-signature", "cloned-chip"] as const)
      chips.set(variant, await generateChip({ index: 0, seed: 7, pki, variant, holder }));
    consortium = await startE2eConsortium({
      model,
      customer,
      bankNames: ["Bank A", "Bank B"],
      threshold: 1,
      chipTrustListPem: pem("CERTIFICATE", pki.csca.der),
      // Bank B: no trust list (level 1 only for its own onboardings), and a policy of level-2 sources for reuse.
      editConfig: (i, config) => {
        if (i !== 1) return config;
        const { chip: _none, ...withoutChip } = config;
        return { ...withoutChip, reuse: { minimumSourceLevel: 2 } };
      },
    });
    ({ setup, nodes } = consortium);
    a = createBankClient({ baseUrl: setup.banks[0]!.apiUrl, apiKey: setup.banks[0]!.apiKeys.operator });
    b = createBankClient({ baseUrl: setup.banks[1]!.apiUrl, apiKey: setup.banks[1]!.apiKeys.operator });
  });
  after(() => consortium?.stop());

  /** What the customer's phone does: ask for a challenge, have the chip sign it, send the files and the answer. */
  async function readChip(client: BankClient, sessionId: string, chip: GeneratedChip) {
    const { challenge } = await client.createChipChallenge(sessionId);
    const response = answerChallenge(chip.activeAuthenticationKey, Buffer.from(challenge, "hex"));
    const body = packageChipFiles(chip.files as Record<string, Uint8Array>, { challenge, response });
    return { body, result: await client.uploadChip(sessionId, body) };
  }

  async function cardAndSelfie(client: BankClient, sessionId: string) {
    await client.uploadDocument(sessionId, "front", customer.front, "image/jpeg");
    await client.uploadDocument(sessionId, "back", customer.back, "image/jpeg");
    const challenge = await client.createLivenessChallenge(sessionId);
    await client.uploadSelfie(sessionId, challenge.challengeId, await customer.framesFor(challenge, Date.now()));
  }

  const failure = (e: unknown) => ({ code: (e as BankApiError).code, status: (e as BankApiError).status });

  let levelTwoUid: Hex;
  it("onboards at level 2: chip verified with active authentication, selfie against the chip portrait, anchored", async () => {
    const { sessionId } = await a.createSession(subject.address as Hex);
    await a.recordCollectionConsent(sessionId, collectionConsent({ version: "test-notice-1", chip: true }));
    const { body, result } = await readChip(a, sessionId, chips.get("valid")!);
    expect(result).to.deep.include({ status: "VALID", failures: [], activeAuthentication: "PASSED" });
    expect(result.dataGroupsVerified).to.include.members([1, 2, 13, 14, 15]);
    // The same answer again: the challenge was consumed.
    expect(failure(await a.uploadChip(sessionId, body).catch((e: unknown) => e))).to.deep.equal({
      code: "AA_CHALLENGE_REPLAYED",
      status: 409,
    });
    expect((await a.getSession(sessionId)).documents.chip).to.equal(true);
    await cardAndSelfie(a, sessionId);
    const registryFaces = consortium.registryPhotos.stats();
    const decision = await a.decide(sessionId);
    expect(decision.outcome, JSON.stringify(decision.reasons)).to.equal("PASS");
    expect(decision.assuranceLevel).to.equal(2);
    expect(decision.dailyLimitVnd).to.equal("500000000");
    // The registry compared the chip portrait with its own photo of the citizen, and it matched.
    expect(consortium.registryPhotos.stats()).to.deep.equal({
      compared: registryFaces.compared + 1,
      matched: registryFaces.matched + 1,
    });
    levelTwoUid = decision.attestationUid!;

    const node = nodes[0]!;
    await node.outbox.flush();
    const meta = (await node.vault.findRecordByUid(levelTwoUid))!;
    const proof = node.vault.proofOf(meta)!;
    expect(proof.data.method).to.equal(Method.FULL_EKYC_NFC);
    expect(proof.data.assuranceLevel).to.equal(2);
    expect(await node.ledger.attestationStatus(proof)).to.equal("VALID");
    // The chip evidence is in the sealed record (never on chain: only the root and the level are).
    const record = await node.vault.openRecord(meta.id, "test", "check chip evidence");
    expect(record.fields.documentType).to.equal("CCCD_CHIP");
    expect(record.evidence.chip).to.deep.include({
      status: "VALID",
      activeAuthentication: "PASSED",
      faceReference: "chip",
    });
    expect((record.evidence.chip as { sodSha256: string }).sodSha256).to.match(/^[0-9a-f]{64}$|^0x[0-9a-f]{64}$/);
    expect((record.evidence.chip as { documentSignerSha256: string }).documentSignerSha256).to.be.a("string");
  });

  it("gives no level 2 when the registry's photo of the citizen is another person's (REGISTRY_MISMATCH: portrait)", async () => {
    const citizen = customer.person.idNumber;
    await consortium.registryPhotos.enrol(citizen, await readFile(join(DEFAULT_FACE_EVAL_DIR, "penny", "penny1.png")));
    try {
      const { sessionId } = await a.createSession(Wallet.createRandom().address as Hex);
      await a.recordCollectionConsent(sessionId, collectionConsent({ version: "test-notice-1", chip: true }));
      expect((await readChip(a, sessionId, chips.get("valid")!)).result.status).to.equal("VALID");
      await cardAndSelfie(a, sessionId);
      const registryFaces = consortium.registryPhotos.stats();
      const decision = await a.decide(sessionId);
      expect(consortium.registryPhotos.stats()).to.deep.equal({
        compared: registryFaces.compared + 1,
        matched: registryFaces.matched,
      });
      expect(decision.outcome).to.equal("REVIEW");
      expect(decision.reasons).to.deep.include({ code: "REGISTRY_MISMATCH", message: "registry mismatch: portrait" });
      // Even if a reviewer approves it, the case stays at level 1: the registry did not confirm the face.
      expect(decision.assuranceLevel).to.equal(1);
    } finally {
      await consortium.registryPhotos.enrol(citizen, customer.portrait);
    }
  });

  it("reports each forged, altered or cloned chip by its failure code at upload", async () => {
    const cases: Array<[ChipVariant, string]> = [
      ["broken-signature", "SOD_SIGNATURE_INVALID"],
      ["wrong-ds", "DS_NOT_TRUSTED"],
      ["altered-dg", "DG_HASH_MISMATCH"],
      ["cloned-chip", "AA_FAILED"],
    ];
    for (const [variant, code] of cases) {
      const { sessionId } = await a.createSession(Wallet.createRandom().address as Hex);
      await a.recordCollectionConsent(sessionId, collectionConsent({ version: "test-notice-1", chip: true }));
      const { result } = await readChip(a, sessionId, chips.get(variant)!);
      expect(result.status, variant).to.equal("INVALID");
      expect(
        result.failures.map((f) => f.code),
        variant,
      ).to.include(code);
      if (variant === "cloned-chip") expect(result.activeAuthentication).to.equal("FAILED");
    }
    // A file that is no EF.SOD at all.
    const { sessionId } = await a.createSession(Wallet.createRandom().address as Hex);
    await a.recordCollectionConsent(sessionId, collectionConsent({ version: "test-notice-1", chip: true }));
    const valid = chips.get("valid")!;
    const body = packageChipFiles({ ...valid.files, SOD: new Uint8Array([0x77, 0x03, 1, 2, 3]) } as Record<
      string,
      Uint8Array
    >);
    const result = await a.uploadChip(sessionId, body);
    expect(result.failures.map((f) => f.code)).to.include("SOD_MALFORMED");
    // DG15 present but no answer to a challenge: the onboarding flow requires active authentication.
    const { sessionId: noAnswer } = await a.createSession(Wallet.createRandom().address as Hex);
    await a.recordCollectionConsent(noAnswer, collectionConsent({ version: "test-notice-1", chip: true }));
    const unanswered = await a.uploadChip(noAnswer, packageChipFiles(valid.files as Record<string, Uint8Array>));
    expect(unanswered.failures.map((f) => f.code)).to.include("AA_NOT_PERFORMED");
    // Oversized and unknown files never reach the verifier.
    const big = { ...valid.files, DG1: new Uint8Array(40 * 1024) } as Record<string, Uint8Array>;
    expect(() => packageChipFiles(big)).to.throw(/DG1/);
  });

  it("refuses a cloned chip in the decision (CHIP_INVALID) and attests nothing", async () => {
    const { sessionId } = await a.createSession(Wallet.createRandom().address as Hex);
    await a.recordCollectionConsent(sessionId, collectionConsent({ version: "test-notice-1", chip: true }));
    await readChip(a, sessionId, chips.get("cloned-chip")!);
    await cardAndSelfie(a, sessionId);
    const decision = await a.decide(sessionId);
    expect(decision.outcome).to.equal("REJECT");
    expect(decision.reasons.map((r) => r.code)).to.include("CHIP_INVALID");
    expect(decision.attestationUid).to.equal(undefined);
  });

  it("sends a card whose chip says someone else to review, one reason per field, never level 2", async () => {
    const stranger = makePerson(createRng(4242));
    const chip = await generateChip({
      index: 1,
      seed: 7,
      pki,
      variant: "valid",
      holder: { person: stranger, portrait: customer.portrait },
    });
    const { sessionId } = await a.createSession(Wallet.createRandom().address as Hex);
    await a.recordCollectionConsent(sessionId, collectionConsent({ version: "test-notice-1", chip: true }));
    expect((await readChip(a, sessionId, chip)).result.status).to.equal("VALID");
    await cardAndSelfie(a, sessionId);
    const decision = await a.decide(sessionId);
    const mismatches = decision.reasons.filter((r) => r.code === "CHIP_CARD_MISMATCH").map((r) => r.message);
    expect(mismatches).to.include.members(["chip card mismatch: idNumber", "chip card mismatch: fullName"]);
    expect(decision.outcome).to.equal("REVIEW");
    expect(decision.assuranceLevel).to.equal(1);
  });

  it("bank B, without a trust list, refuses chip data and stays level 1", async () => {
    const { sessionId } = await b.createSession(Wallet.createRandom().address as Hex);
    await b.recordCollectionConsent(sessionId, collectionConsent({ version: "test-notice-1", chip: true }));
    expect(failure(await b.createChipChallenge(sessionId).catch((e: unknown) => e))).to.deep.equal({
      code: "CHIP_NOT_CONFIGURED",
      status: 409,
    });
    const body = packageChipFiles(chips.get("valid")!.files as Record<string, Uint8Array>);
    expect(failure(await b.uploadChip(sessionId, body).catch((e: unknown) => e)).code).to.equal("CHIP_NOT_CONFIGURED");
  });

  /** The customer's consent for bank B to reuse `uid`, signed by the attestation's subject key. */
  async function consentForB(uid: Hex, signer: Signer, nonce: bigint) {
    const node = nodes[1]!;
    const now = BigInt(Math.floor(Date.now() / 1000));
    const grant = toConsentGrant({
      attestationUid: uid,
      grantee: await node.ledger.account(),
      purpose: Purpose.ONBOARDING,
      fieldMask: ALL_FIELDS_MASK,
      validUntil: now + 3600n,
      nonce,
      deadline: now + 600n,
    });
    const signature = await signConsentGrant(
      signer,
      { chainId: await node.ledger.chainId(), verifyingContract: setup.addresses.consents },
      grant,
    );
    return { subject: Wallet.createRandom().address as Hex, attestationUid: uid, grant, signature };
  }

  it("bank B refuses to re-onboard from a level-1 attestation (its policy: level-2 sources only)", async () => {
    const levelOneSubject = Wallet.createRandom();
    const { sessionId } = await a.createSession(levelOneSubject.address as Hex);
    await a.recordCollectionConsent(sessionId, collectionConsent({ version: "test-notice-1", chip: true }));
    await cardAndSelfie(a, sessionId); // no chip: level 1
    const decision = await a.decide(sessionId);
    expect(decision.outcome, JSON.stringify(decision.reasons)).to.equal("PASS");
    expect(decision).to.deep.include({ assuranceLevel: 1, dailyLimitVnd: "100000000" });
    await nodes[0]!.outbox.flush();
    const refused = await b
      .createReuseSession(await consentForB(decision.attestationUid!, levelOneSubject, 1n))
      .catch((e: unknown) => e);
    expect(failure(refused).code).to.equal("REUSE_NOT_POSSIBLE");
    expect((refused as BankApiError).message).to.match(/level-2/);
    // Refused before the consent went on chain: the policy costs no transaction.
    expect(
      await nodes[1]!.ledger.consentStatus(
        consentIdOf((await consentForB(decision.attestationUid!, levelOneSubject, 1n)).grant),
      ),
    ).to.equal("NONE");
  });

  it("bank B re-onboards from A's level-2 attestation at level 2 (its policy accepts only level-2 sources)", async () => {
    const session = await b.createReuseSession(await consentForB(levelTwoUid, subject, 1n));
    const challenge = await b.createLivenessChallenge(session.sessionId);
    await b.uploadSelfie(session.sessionId, challenge.challengeId, await customer.framesFor(challenge, Date.now()));
    const decision = await b.decide(session.sessionId);
    expect(decision.outcome, JSON.stringify(decision.reasons)).to.equal("PASS");
    expect(decision.assuranceLevel).to.equal(2);
    expect(decision.dailyLimitVnd).to.equal("500000000");
  });
});
