/**
 * What the chain makes public, checked against the README's privacy claims (Security notes, "What
 * the chain links"). The demo story runs on the real consortium (chain, SoftHSM, LevelDB, libp2p,
 * real models): onboarding at bank A, a consent for bank B, re-onboarding at B, the customer's
 * revocation of the consent, and A's revocation of its attestation. Then every transaction's
 * calldata, every receipt and every log from block 0 is scanned for the customer's values in every
 * encoding (test/support/chain-scan.ts), and the links the chain carries are checked one by one.
 * On the code before issue 18 this test failed: the attestation's expiresAt was the card's expiry
 * (a birthday in disguise) and B's attestation named A's uid in clear.
 */
import { collectionConsent } from "@kycnet/sdk/customer";
import { expect } from "chai";
import { Interface, Wallet, type JsonRpcProvider } from "ethers";
import { AttestationRegistryAbi, ConsentRegistryAbi, findAttestation } from "@kycnet/sdk/chain";
import {
  RevocationReason,
  consentIdOf,
  signConsentRevocation,
  type AttestationProof,
  type Hex,
  type RecordFields,
} from "@kycnet/sdk/protocol";
import { loadOnnxFaceModel, type FaceModel } from "../../node/src/ekyc/biometrics/index.ts";
import { createRpcProvider } from "../../node/src/ledger/provider.ts";
import type { KycnetNode } from "../../node/src/node.ts";
import { makeDemoCustomer, type DemoCustomer } from "../../scripts/demo/customer.ts";
import { collectHaystacks, needlesOf, scan, type Haystack, type PersonalValues } from "../support/chain-scan.ts";
import { signedReuse, startE2eConsortium, type E2eConsortium } from "./consortium-fixture.ts";

const attestationEvents = new Interface(AttestationRegistryAbi);
const consentEvents = new Interface(ConsentRegistryAbi);

/** The values the scan looks for: the record as bank A verified and sealed it, and the card as printed. */
function personalValues(fields: RecordFields, customer: DemoCustomer): PersonalValues {
  const p = customer.person;
  return {
    strings: {
      fullName: fields.fullName,
      nameAsWritten: p.nameAsWritten,
      address: fields.address,
      placeOfOrigin: p.placeOfOrigin,
      faceTemplate: fields.faceTemplate,
    },
    dates: { dateOfBirth: fields.dateOfBirth, issueDate: fields.issueDate, expiryDate: fields.expiryDate },
    numbers: { idNumber: fields.idNumber, oldIdNumber: fields.oldIdNumber },
  };
}

describe("e2e: nothing personal can be read or derived from the chain (chain scan)", function () {
  this.timeout(300_000);
  let consortium: E2eConsortium;
  let nodes: readonly KycnetNode[];
  let model: FaceModel;
  let customer: DemoCustomer;
  let provider: JsonRpcProvider;
  const subjectA = Wallet.createRandom();

  let sourceUid: Hex;
  let sourceProof: AttestationProof;
  let reuseProof: AttestationProof;
  let reuseUid: Hex;
  let fields: RecordFields;
  let haystacks: Haystack[];

  before(async () => {
    model = await loadOnnxFaceModel();
    customer = await makeDemoCustomer({ seed: 7, face: { person: "howard", portrait: 2, selfie: 1 }, model });
    consortium = await startE2eConsortium({ model, customer, bankNames: ["Bank A", "Bank B"], threshold: 1 });
    nodes = consortium.nodes;
    provider = createRpcProvider(consortium.chain.url, { chainId: consortium.chain.chainId });
  });
  after(async () => {
    provider?.destroy();
    await consortium?.stop();
  });

  async function answerChallenge(node: KycnetNode, sessionId: string) {
    const challenge = await node.onboarding.createLivenessChallenge(sessionId);
    const frames = await customer.framesFor(challenge, Date.now());
    await node.onboarding.uploadSelfieFrames(sessionId, challenge.challengeId, frames);
  }

  async function anchoredProof(node: KycnetNode, uid: Hex): Promise<AttestationProof> {
    await node.outbox.flush();
    const meta = await node.vault.findRecordByUid(uid);
    expect(meta?.anchor?.uid).to.equal(uid);
    return node.vault.proofOf(meta!)!;
  }

  it("finds a planted value in every encoding it claims to scan (the scanner can fail)", () => {
    const values: PersonalValues = {
      strings: { fullName: "NGUYỄN VĂN ĐỨC" },
      dates: { dateOfBirth: "1968-12-22" },
      numbers: { idNumber: "001068012345" },
    };
    const needles = needlesOf(values);
    const word = (v: bigint) => BigInt.asUintN(256, v).toString(16).padStart(64, "0");
    const ascii = (s: string) => Buffer.from(s, "utf8").toString("hex");
    const planted: Array<[string, string]> = [
      ["folded upper", ascii("NGUYEN VAN DUC")],
      ["lower with diacritics", ascii("nguyễn văn đức")],
      ["birthday as DDMMYYYY", ascii("22121968")],
      ["birthday as MRZ YYMMDD", ascii("681222")],
      ["birthday at 13:00 UTC as seconds", word(BigInt(Date.parse("1968-12-22T13:00:00Z") / 1000))],
      ["the day after the birthday as ms", word(BigInt(Date.parse("1968-12-23T05:00:00Z")))],
      ["id number as a uint", word(1068012345n)],
      ["id number digits", `ab${ascii("001068012345")}`],
    ];
    for (const [label, hex] of planted) {
      const findings = scan([{ where: label, hex: `00000000${hex}`, wordsFrom: 4 }], needles);
      expect(findings, label).not.to.deep.equal([]);
    }
    // Hashed without salt: keccak256 of the ISO birthday, as a log topic.
    const hashed = needles.bytes.find((n) => n.name === 'dateOfBirth "1968-12-22" keccak256')!;
    expect(scan([{ where: "topic", hex: hashed.hex, wordsFrom: 0 }], needles)).not.to.deep.equal([]);
    // Not found: another date, another name.
    const clean = ascii("TRAN THI BINH") + word(BigInt(Date.parse("1970-01-05T00:00:00Z") / 1000));
    expect(scan([{ where: "clean", hex: `00000000${clean}`, wordsFrom: 4 }], needles)).to.deep.equal([]);
  });

  it("runs the demo story: onboarding at A, consent, re-onboarding at B, both revocations", async () => {
    const [a, b] = nodes;
    const { sessionId } = await a!.onboarding.createSession(subjectA.address as Hex);
    await a!.onboarding.recordCollectionConsent(sessionId, collectionConsent({ version: "test-notice-1" }));
    await a!.onboarding.uploadDocument(sessionId, "front", customer.front, "image/jpeg");
    await a!.onboarding.uploadDocument(sessionId, "back", customer.back, "image/jpeg");
    await answerChallenge(a!, sessionId);
    const decisionA = await a!.onboarding.decide(sessionId);
    expect(decisionA.outcome, JSON.stringify(decisionA.reasons)).to.equal("PASS");
    sourceUid = decisionA.attestationUid!;
    sourceProof = await anchoredProof(a!, sourceUid);
    const meta = (await a!.vault.findRecordByUid(sourceUid))!;
    fields = (await a!.vault.openRecord(meta.id, "test", "chain scan: the values to look for")).fields;

    const { grant, domain, request } = await signedReuse(consortium, b!, sourceUid, subjectA);
    const session = await b!.onboarding.createReuseSession(Wallet.createRandom().address as Hex, request);
    await answerChallenge(b!, session.sessionId);
    const decisionB = await b!.onboarding.decide(session.sessionId);
    expect(decisionB.outcome, JSON.stringify(decisionB.reasons)).to.equal("PASS");
    reuseUid = decisionB.attestationUid!;
    reuseProof = await anchoredProof(b!, reuseUid);
    expect(reuseProof.data.method).to.equal(3); // REUSE

    const revocation = { consentId: consentIdOf(grant), nonce: 2n, deadline: grant.deadline };
    await b!.ledger.revokeConsentBySig(revocation, await signConsentRevocation(subjectA, domain, revocation));
    await a!.ledger.revokeAttestation(sourceProof, RevocationReason.CUSTOMER_REQUEST);
    expect(await b!.ledger.attestationStatus(sourceProof)).to.equal("REVOKED");

    haystacks = await collectHaystacks(provider);
    expect(haystacks.length).to.be.greaterThan(10);
  });

  it("holds none of the customer's values, raw, folded, re-cased or hashed without salt, nor any date derived from them", () => {
    const findings = scan(haystacks, needlesOf(personalValues(fields, customer)));
    if (findings.length > 0) console.log("chain scan findings:", findings);
    expect(findings).to.deep.equal([]);
  });

  it("gives both attestations a policy expiry: a UTC month start, the same for every attestation issued that month", () => {
    for (const proof of [sourceProof, reuseProof]) {
      const expires = new Date(Number(proof.data.expiresAt) * 1000);
      expect(expires.toISOString()).to.match(/^\d{4}-\d{2}-01T00:00:00\.000Z$/);
      expect(proof.data.expiresAt > proof.data.issuedAt).to.equal(true);
    }
    // Card expiry as a date (the old rule): not what the chain carries.
    const cardExpiry = BigInt(Date.parse(`${fields.expiryDate}T00:00:00Z`) / 1000);
    expect(sourceProof.data.expiresAt).not.to.equal(cardExpiry);
  });

  it("does not link B's REUSE attestation to A's: B's anchoring transaction and its events never name A's uid", async () => {
    const uid = sourceUid.slice(2).toLowerCase();
    const { txHash } = await findAttestation(provider, consortium.setup.addresses.attestations, reuseUid);
    const tx = (await provider.getTransaction(txHash))!;
    const receipt = (await provider.getTransactionReceipt(txHash))!;
    expect(tx.data.toLowerCase()).not.to.contain(uid);
    for (const log of receipt.logs) expect([...log.topics, log.data].join("").toLowerCase()).not.to.contain(uid);
    // Each attestation has its own subject key, and B's refCommitment is not A's uid.
    expect(reuseProof.data.subject).not.to.equal(sourceProof.data.subject);
    expect(reuseProof.data.refCommitment.toLowerCase()).not.to.contain(uid);
  });

  it("names A's uid only where the README says: A's own anchoring and revocation, and the consent events", async () => {
    const uid = sourceUid.slice(2).toLowerCase();
    const eventsNamingIt = new Set<string>();
    for (let n = 0; n <= (await provider.getBlockNumber()); n++) {
      const block = await provider.getBlock(n, true);
      for (const tx of block?.prefetchedTransactions ?? []) {
        for (const log of (await provider.getTransactionReceipt(tx.hash))?.logs ?? []) {
          if (![...log.topics, log.data].join("").toLowerCase().includes(uid)) continue;
          const parsed = attestationEvents.parseLog(log) ?? consentEvents.parseLog(log);
          eventsNamingIt.add(parsed?.name ?? `unknown log of ${log.address}`);
        }
      }
    }
    // BatchAnchored names it because A's batch held this one record (a one-leaf tree's root is the leaf).
    // The consent events link the grant to A's attestation and to grantee B (the customer's own
    // signed choice, and the disclosure log a regulator audits): stated, not hidden.
    expect([...eventsNamingIt].sort()).to.deep.equal([
      "Attested",
      "BatchAnchored",
      "ConsentGranted",
      "ConsentRevoked",
      "Disclosed",
      "Revoked",
    ]);
  });
});
