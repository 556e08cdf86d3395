import { expect } from "chai";
import { Wallet, verifyTypedData, ZeroHash } from "ethers";
import {
  assertFieldDisclosure,
  attestationUid,
  buildBatch,
  commitRecord,
  consentDomain,
  consentIdOf,
  CONSENT_GRANT_TYPES,
  discloseFields,
  encodePipelineVersion,
  fieldMaskOf,
  fieldsOfMask,
  maskCovers,
  Method,
  Purpose,
  signConsentGrant,
  toAttestationData,
  toConsentGrant,
  verifyBatchInclusion,
  verifyFieldDisclosure,
  type Hex,
} from "@kycnet/sdk/protocol";
import { isKycnetError } from "@kycnet/sdk/errors";

const person = {
  idNumber: "001203004567",
  fullName: "Lê Văn Tám",
  dateOfBirth: "1985-07-01",
  sex: "M",
  nationality: "VNM",
  address: "Huế",
  issueDate: "2021-06-01",
  expiryDate: "2045-07-01",
  documentType: "CCCD",
  faceTemplate: "0x" + "11".repeat(32),
};

describe("sdk/protocol commitments", () => {
  it("draws fresh salts: the same record commits to different roots", () => {
    expect(commitRecord(person).root).to.not.equal(commitRecord(person).root);
  });

  it("discloses chosen fields that verify against the root, alone", () => {
    const c = commitRecord(person);
    const [name, dob] = discloseFields(c, ["fullName", "dateOfBirth"]);
    expect(verifyFieldDisclosure(c.root, name!)).to.equal(true);
    expect(verifyFieldDisclosure(c.root, dob!)).to.equal(true);
  });

  describe("when a disclosed field was changed", () => {
    it("fails for another value, another salt, or another field's proof", () => {
      const c = commitRecord(person);
      const [name, dob] = discloseFields(c, ["fullName", "dateOfBirth"]);
      expect(verifyFieldDisclosure(c.root, { ...name!, value: "LÊ VĂN TÁM " })).to.equal(false);
      expect(verifyFieldDisclosure(c.root, { ...name!, value: "LÊ VĂN TÂM" })).to.equal(false);
      expect(verifyFieldDisclosure(c.root, { ...name!, salt: dob!.salt })).to.equal(false);
      expect(verifyFieldDisclosure(c.root, { ...name!, proof: dob!.proof })).to.equal(false);
      expect(() => assertFieldDisclosure(c.root, { ...name!, value: "LÊ VĂN TÂM" })).to.throw("fullName");
    });
  });

  describe("field masks", () => {
    it("maps fields to bits and back", () => {
      const mask = fieldMaskOf(["idNumber", "fullName", "faceTemplate"]);
      expect(mask).to.equal(0b10000000101);
      expect(fieldsOfMask(mask)).to.deep.equal(["idNumber", "fullName", "faceTemplate"]);
      expect(maskCovers(mask, 0b101)).to.equal(true);
      expect(maskCovers(mask, 0b110)).to.equal(false);
    });
    it("rejects empty and out-of-range masks", () => {
      expect(() => fieldsOfMask(0)).to.throw("fieldMask");
      expect(() => fieldsOfMask(0x800)).to.throw("fieldMask");
    });
  });
});

describe("sdk/protocol attestations", () => {
  const data = {
    subject: Wallet.createRandom().address,
    recordRoot: commitRecord(person).root,
    method: Method.FULL_EKYC,
    assuranceLevel: 1,
    pipelineVersion: encodePipelineVersion("ekyc/0.1.0"),
    issuedAt: 1_700_000_000n,
    expiresAt: 1_800_000_000n,
    refCommitment: ZeroHash,
  };
  const context = { chainId: 31337n, registry: Wallet.createRandom().address as Hex };
  const issuer = Wallet.createRandom().address as Hex;

  it("binds the UID to chain, registry, issuer and every field", () => {
    const a = toAttestationData(data);
    const uid = attestationUid(context, issuer, a);
    expect(attestationUid({ ...context, chainId: 1n }, issuer, a)).to.not.equal(uid);
    expect(attestationUid(context, Wallet.createRandom().address as Hex, a)).to.not.equal(uid);
    expect(attestationUid(context, issuer, { ...a, expiresAt: a.expiresAt + 1n })).to.not.equal(uid);
  });

  const bad: Array<[string, Record<string, unknown>]> = [
    ["subject", { subject: "0x" + "00".repeat(20) }],
    ["subject", { subject: "0x12" }],
    ["recordRoot", { recordRoot: ZeroHash }],
    ["method", { method: 9 }],
    ["assuranceLevel", { assuranceLevel: 3 }],
    ["expiresAt", { expiresAt: 1_700_000_000n }],
    ["issuedAt", { issuedAt: -1 }],
    ["refCommitment", { method: Method.REUSE }],
    ["pipelineVersion", { pipelineVersion: "ekyc" }],
  ];
  for (const [field, change] of bad) {
    it(`rejects bad ${field} naming it`, () => {
      try {
        toAttestationData({ ...data, ...change });
        expect.fail("accepted");
      } catch (error) {
        expect(isKycnetError(error, "INVALID_ARGUMENT")).to.equal(true);
        expect((error as { details: { field: string } }).details.field).to.equal(field);
      }
    });
  }

  it("proves inclusion of each UID in its batch and of no other", () => {
    const uids = Array.from({ length: 5 }, (_, i) =>
      attestationUid(context, issuer, toAttestationData({ ...data, issuedAt: BigInt(i + 1) })),
    );
    const batch = buildBatch(uids);
    uids.forEach((uid, i) => expect(verifyBatchInclusion(batch.root, uid, batch.proofOf(i))).to.equal(true));
    expect(verifyBatchInclusion(batch.root, uids[0]!, batch.proofOf(1))).to.equal(false);
  });

  it("rejects an empty or oversized batch", () => {
    expect(() => buildBatch([])).to.throw("batch");
    expect(() => buildBatch(Array.from({ length: 1025 }, () => ZeroHash as Hex))).to.throw("batch");
  });
});

describe("sdk/protocol consent", () => {
  it("signs a grant the subject key recovers from, with a content-derived id", async () => {
    const subject = Wallet.createRandom();
    const domain = { chainId: 31337n, verifyingContract: Wallet.createRandom().address as Hex };
    const grant = toConsentGrant({
      attestationUid: "0x" + "22".repeat(32),
      grantee: Wallet.createRandom().address,
      purpose: Purpose.ONBOARDING,
      fieldMask: 0x7ff,
      validUntil: 2_000_000_000,
      nonce: 1,
      deadline: 1_900_000_000,
    });
    const signature = await signConsentGrant(subject, domain, grant);
    expect(verifyTypedData(consentDomain(domain), CONSENT_GRANT_TYPES, grant, signature)).to.equal(subject.address);
    expect(consentIdOf(grant)).to.equal(consentIdOf({ ...grant }));
    expect(consentIdOf({ ...grant, nonce: 2n })).to.not.equal(consentIdOf(grant));
  });

  it("rejects an unknown purpose and an empty field mask", () => {
    const base = {
      attestationUid: "0x" + "22".repeat(32),
      grantee: Wallet.createRandom().address,
      purpose: 1,
      fieldMask: 1,
      validUntil: 1,
      nonce: 0,
      deadline: 1,
    };
    expect(() => toConsentGrant({ ...base, purpose: 7 })).to.throw("purpose");
    expect(() => toConsentGrant({ ...base, fieldMask: 0 })).to.throw("fieldMask");
  });
});
