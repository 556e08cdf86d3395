import { expect } from "chai";
import { Wallet, hexlify, parseEther, randomBytes, type Signer } from "ethers";
import {
  createCustomerWallet,
  createSubjectKey,
  grantConsent,
  listAttestations,
  listDisclosures,
  revokeConsent,
  revokeConsentDirectly,
  type CustomerWallet,
} from "@kycnet/sdk/customer";
import { findAttestation } from "@kycnet/sdk/chain";
import { isKycnetError } from "@kycnet/sdk/errors";
import { Purpose, RevocationReason, fieldMaskOf, type Hex } from "@kycnet/sdk/protocol";
import { deployedConsortium } from "../../node/ledger/fixture.ts";
import { codeOf } from "../../support/expect-code.ts";

const FAST = { scryptN: 1 << 10 };
const PASS = "customer passphrase";

describe("sdk/customer consent on a Hardhat consortium", () => {
  let f: Awaited<ReturnType<typeof deployedConsortium>>;
  let chain: { chainId: bigint; consentRegistry: Hex };
  let wallet: CustomerWallet;
  let bankB: Hex;
  let bankC: Hex;

  /** Bank A onboards the customer: a fresh subject key, anchored, kept in the wallet. */
  async function onboardAtA(): Promise<Hex> {
    const subjectKey = createSubjectKey();
    const batch = await f.ledgerA.anchorBatch([await f.record(subjectKey.address as Hex)]);
    await wallet.add({ attestationUid: batch.uids[0]!, issuer: await f.ledgerA.account(), subjectKey }, PASS, FAST);
    return batch.uids[0]!;
  }

  /** The customer signs a grant; bank `relayer` relays it with the proof found from the uid alone. */
  async function grantRelayed(uid: Hex, grantee: Hex, relayer = f.ledgerB) {
    const signed = await grantConsent({
      subjectKey: await wallet.unlock(uid, PASS),
      attestationUid: uid,
      grantee,
      purpose: "ONBOARDING",
      fields: ["fullName", "dateOfBirth"],
      validFor: 3600,
      chain,
      now: await f.now(),
    });
    const { proof } = await findAttestation(f.provider, f.addresses.attestations, uid);
    const relayed = await relayer.grantConsentBySig(signed.grant, proof, signed.signature);
    return { ...signed, relayed };
  }

  before(async () => {
    f = await deployedConsortium();
    chain = { chainId: await f.ledgerA.chainId(), consentRegistry: f.addresses.consents };
    wallet = createCustomerWallet();
    bankB = await f.ledgerB.account();
    bankC = await f.ledgerC.account();
  });

  describe("grantConsent", () => {
    it("signs a grant the contract accepts, with the consent id known before relaying", async () => {
      const uid = await onboardAtA();
      const { grant, consentId, relayed } = await grantRelayed(uid, bankB);
      expect(relayed.consentId).to.equal(consentId);
      expect(await f.ledgerB.consentStatus(consentId)).to.equal("ACTIVE");
      expect(grant.purpose).to.equal(Purpose.ONBOARDING);
      expect(grant.fieldMask).to.equal(fieldMaskOf(["fullName", "dateOfBirth"]));
      expect(grant.validUntil - grant.deadline).to.equal(3600n - 300n);
      const stored = await f.ledgerB.findConsent(consentId);
      expect(stored!.subject.toLowerCase()).to.equal(wallet.find(uid)!.subject);
    });

    it("draws a fresh random nonce for every grant, so grants for several banks can be signed in any order", async () => {
      const uid = await onboardAtA();
      const key = await wallet.unlock(uid, PASS);
      const input = {
        subjectKey: key,
        attestationUid: uid,
        purpose: "PERIODIC_REVIEW" as const,
        fields: ["idNumber" as const],
        validFor: 600,
        chain,
        now: await f.now(),
      };
      const forC = await grantConsent({ ...input, grantee: bankC });
      const forB = await grantConsent({ ...input, grantee: bankB });
      expect(forB.grant.nonce).to.not.equal(forC.grant.nonce);
      const { proof } = await findAttestation(f.provider, f.addresses.attestations, uid);
      await f.ledgerB.grantConsentBySig(forB.grant, proof, forB.signature);
      await f.ledgerC.grantConsentBySig(forC.grant, proof, forC.signature);
      expect(await f.ledgerB.consentStatus(forC.consentId)).to.equal("ACTIVE");
    });

    it("gives a different subject address for each attestation, so the chain cannot link a customer's banks", async () => {
      await onboardAtA();
      const subjects = wallet.list().map((r) => r.subject);
      expect(new Set(subjects).size).to.equal(subjects.length);
    });

    it("INVALID_ARGUMENT for no fields, an unknown field, an unknown purpose, validFor 0 or a bad grantee", async () => {
      const key = Wallet.createRandom();
      const base = {
        subjectKey: key,
        attestationUid: hexlify(randomBytes(32)) as Hex,
        grantee: bankB,
        purpose: "ONBOARDING" as const,
        fields: ["sex" as const],
        validFor: 60,
        chain,
      };
      expect(await codeOf(grantConsent({ ...base, fields: [] }))).to.equal("INVALID_ARGUMENT");
      expect(await codeOf(grantConsent({ ...base, fields: ["shoeSize" as never] }))).to.equal("INVALID_ARGUMENT");
      expect(await codeOf(grantConsent({ ...base, purpose: "MARKETING" as never }))).to.equal("INVALID_ARGUMENT");
      expect(await codeOf(grantConsent({ ...base, validFor: 0 }))).to.equal("INVALID_ARGUMENT");
      expect(await codeOf(grantConsent({ ...base, grantee: "0x1234" }))).to.equal("INVALID_ARGUMENT");
    });
  });

  describe("revokeConsent (relayed by a member)", () => {
    it("signs a revocation any member relays; the consent is REVOKED at once", async () => {
      const uid = await onboardAtA();
      const { consentId } = await grantRelayed(uid, bankB);
      const { revocation, signature } = await revokeConsent({
        subjectKey: await wallet.unlock(uid, PASS),
        consentId,
        chain,
        now: await f.now(),
      });
      await f.ledgerC.revokeConsentBySig(revocation, signature); // not the grantee: any member relays
      expect(await f.ledgerB.consentStatus(consentId)).to.equal("REVOKED");
    });
  });

  describe("revokeConsentDirectly (sent by the subject key)", () => {
    let uid: Hex;
    let consentId: Hex;
    let subject: Wallet;
    before(async () => {
      uid = await onboardAtA();
      ({ consentId } = await grantRelayed(uid, bankB));
      subject = (await wallet.unlock(uid, PASS)).connect(f.provider);
    });

    it("SUBJECT_TRANSACTION_FAILED while the fresh subject key has no gas", async () => {
      const error = await revokeConsentDirectly({
        subjectKey: subject,
        consentId,
        consentRegistry: f.addresses.consents,
      }).catch((e: unknown) => e);
      expect(isKycnetError(error, "SUBJECT_TRANSACTION_FAILED")).to.equal(true);
      expect((error as Error).message).to.include("no gas");
      expect(await f.ledgerB.consentStatus(consentId)).to.equal("ACTIVE");
    });

    it("NOT_CONSENT_SUBJECT when another key tries", async () => {
      const other = Wallet.createRandom().connect(f.provider);
      expect(
        await codeOf(revokeConsentDirectly({ subjectKey: other, consentId, consentRegistry: f.addresses.consents })),
      ).to.equal("NOT_CONSENT_SUBJECT");
    });

    it("CONSENT_NOT_FOUND for an unknown consent", async () => {
      expect(
        await codeOf(
          revokeConsentDirectly({
            subjectKey: subject,
            consentId: hexlify(randomBytes(32)) as Hex,
            consentRegistry: f.addresses.consents,
          }),
        ),
      ).to.equal("CONSENT_NOT_FOUND");
    });

    it("revokes once the subject key has gas, then refuses a second revocation", async () => {
      await (
        await (f.signers.deployer as Signer).sendTransaction({ to: subject.address, value: parseEther("0.01") })
      ).wait();
      const { txHash } = await revokeConsentDirectly({
        subjectKey: subject,
        consentId,
        consentRegistry: f.addresses.consents,
      });
      expect(txHash).to.match(/^0x[0-9a-f]{64}$/);
      expect(await f.ledgerB.consentStatus(consentId)).to.equal("REVOKED");
      expect(
        await codeOf(revokeConsentDirectly({ subjectKey: subject, consentId, consentRegistry: f.addresses.consents })),
      ).to.equal("SUBJECT_TRANSACTION_FAILED");
    });
  });

  describe("listDisclosures", () => {
    it("shows the customer every grant, disclosure and revocation with the bank's name and the fields", async () => {
      const uid = await onboardAtA();
      const first = await grantRelayed(uid, bankB);
      await f.ledgerA.recordDisclosure(first.consentId, fieldMaskOf(["fullName"]), hexlify(randomBytes(32)) as Hex);
      const second = await grantRelayed(uid, bankC, f.ledgerC);
      const { revocation, signature } = await revokeConsent({
        subjectKey: await wallet.unlock(uid, PASS),
        consentId: first.consentId,
        chain,
        now: await f.now(),
      });
      await f.ledgerB.revokeConsentBySig(revocation, signature);

      const all = await listDisclosures({ attestationUid: uid }, { provider: f.provider, addresses: f.addresses });
      expect(all.map((e) => [e.kind, e.granteeName])).to.deep.equal([
        ["GRANTED", "Bank B"],
        ["DISCLOSED", "Bank B"],
        ["GRANTED", "Bank C"],
        ["REVOKED", "Bank B"],
      ]);
      expect(all[1]!.fields).to.deep.equal(["fullName"]);
      expect(all[0]!.fields).to.deep.equal(["fullName", "dateOfBirth"]);
      expect(all.every((e) => e.at > 0n && e.attestationUid === uid)).to.equal(true);

      const one = await listDisclosures(
        { consentId: second.consentId },
        { provider: f.provider, addresses: f.addresses },
      );
      expect(one.map((e) => e.kind)).to.deep.equal(["GRANTED"]);
    });

    it("INVALID_ARGUMENT for a malformed consent id", async () => {
      expect(
        await codeOf(listDisclosures({ consentId: "0xabc" }, { provider: f.provider, addresses: f.addresses })),
      ).to.equal("INVALID_ARGUMENT");
    });
  });

  describe("listAttestations", () => {
    it("gives each wallet attestation's status from chain: VALID, REVOKED, or UNKNOWN when not anchored", async () => {
      const own = createCustomerWallet();
      const kept = createSubjectKey();
      const batch = await f.ledgerA.anchorBatch([await f.record(kept.address as Hex), await f.record()]);
      await own.add(
        { attestationUid: batch.uids[0]!, issuer: await f.ledgerA.account(), subjectKey: kept },
        PASS,
        FAST,
      );
      const ghost = hexlify(randomBytes(32)) as Hex;
      await own.add(
        { attestationUid: ghost, issuer: await f.ledgerA.account(), subjectKey: createSubjectKey() },
        PASS,
        FAST,
      );
      let listed = await listAttestations(own, { provider: f.provider, addresses: f.addresses });
      expect(listed.map((l) => [l.status, l.issuerName])).to.deep.equal([
        ["VALID", "Bank A"],
        ["UNKNOWN", null],
      ]);
      await f.ledgerA.revokeAttestation(batch.proofs[0]!, RevocationReason.CUSTOMER_REQUEST);
      listed = await listAttestations(own, { provider: f.provider, addresses: f.addresses });
      expect(listed[0]).to.include({ status: "REVOKED", revocationReason: "CUSTOMER_REQUEST", method: "FULL_EKYC" });
    });
  });
});
