import { expect } from "chai";
import { network } from "hardhat";
import { anyValue } from "@nomicfoundation/hardhat-ethers-chai-matchers/withArgs";
import { TypedDataEncoder, id, type Signer } from "ethers";
import {
  accounts, anchorRecords, AttestationStatus, bind, ConsentStatus, DAY, deployKycnet, eip712Domain, GRANT_TYPES,
  makeRecord, Purpose, Reason, REVOCATION_TYPES, type AttestationFn, type AttestationProof, type ConsentFn,
  type ConsentGrant, type ConsortiumFn, type Kycnet,
} from "./helpers.ts";

const { ethers, networkHelpers } = await network.create();
// Bound: loadFixture is a method of the helpers object (the lazy implementation reads `this`).
const loadFixture = networkHelpers.loadFixture.bind(networkHelpers);
const { time } = networkHelpers;

const FIELDS_ID_NAME_DOB = 0b1101; // idNumber, fullName, dateOfBirth

describe("ConsentRegistry", function () {
  let a: Signer, b: Signer, c: Signer, outsider: Signer, subject: Signer, fresh: Signer;
  let A: string, B: string, C: string, OUT: string, SUBJ: string, FRESH: string;

  before(async function () {
    const acc = await accounts(ethers, 6);
    [a, b, c, outsider, subject, fresh] = acc.map((x) => x.signer) as [Signer, Signer, Signer, Signer, Signer, Signer];
    [A, B, C, OUT, SUBJ, FRESH] = acc.map((x) => x.address) as [string, string, string, string, string, string];
  });

  const consents = (k: Kycnet, s?: Signer) => bind<ConsentFn>(k.consents, s);
  const registry = (k: Kycnet, s?: Signer) => bind<AttestationFn>(k.attestations, s);
  const gov = (k: Kycnet, s?: Signer) => bind<ConsortiumFn>(k.consortium, s);
  const now = async () => BigInt(await time.latest());

  interface World {
    k: Kycnet;
    proof: AttestationProof;
    uid: string;
    grant: ConsentGrant;
    domain: Awaited<ReturnType<typeof eip712Domain>>;
  }

  /** Bank A attested SUBJ (valid 90 days); a grant for bank B, unsigned. */
  async function world(): Promise<World> {
    const k = await deployKycnet(ethers, [a, b, c], 1);
    const t = await now();
    const record = makeRecord(t, { subject: SUBJ, expiresAt: t + 90n * DAY });
    const built = await anchorRecords(k, a, [record, makeRecord(t)]);
    const uid = built.uids[0]!;
    const grant: ConsentGrant = {
      attestationUid: uid,
      grantee: B,
      purpose: Purpose.ONBOARDING,
      fieldMask: FIELDS_ID_NAME_DOB,
      validUntil: t + 30n * DAY,
      nonce: 1n,
      deadline: t + 3600n,
    };
    return { k, proof: built.proofs[0]!, uid, grant, domain: await eip712Domain(k.consents, k.chainId) };
  }

  const signGrant = (w: World, g: ConsentGrant, by: Signer = subject) => by.signTypedData(w.domain, GRANT_TYPES, g);
  const consentIdOf = (g: ConsentGrant) => TypedDataEncoder.hashStruct("ConsentGrant", GRANT_TYPES, g);

  /** `world` with the grant recorded by bank B. */
  async function granted() {
    const w = await world();
    await consents(w.k, b).grantBySig(w.grant, w.proof, await signGrant(w, w.grant));
    return { ...w, consentId: consentIdOf(w.grant), grantedAt: await now() };
  }

  describe("grantBySig", function () {
    describe("when the relayer is not an active member", function () {
      it("reverts with NotActiveMember", async function () {
        const w = await loadFixture(world);
        await expect(consents(w.k, outsider).grantBySig(w.grant, w.proof, await signGrant(w, w.grant)))
          .to.be.revertedWithCustomError(w.k.consents, "NotActiveMember").withArgs(OUT);
      });
    });

    describe("when the deadline has passed", function () {
      it("reverts with SignatureExpired", async function () {
        const w = await loadFixture(world);
        const sig = await signGrant(w, w.grant);
        await time.increaseTo(w.grant.deadline + 1n);
        await expect(consents(w.k, b).grantBySig(w.grant, w.proof, sig))
          .to.be.revertedWithCustomError(w.k.consents, "SignatureExpired").withArgs(w.grant.deadline);
      });
      it("still accepts it at the deadline itself", async function () {
        const w = await loadFixture(world);
        const sig = await signGrant(w, w.grant);
        await time.setNextBlockTimestamp(w.grant.deadline);
        await expect(consents(w.k, b).grantBySig(w.grant, w.proof, sig)).to.emit(w.k.consents, "ConsentGranted");
      });
    });

    describe("when the attestation proof is unknown", function () {
      it("reverts with UnknownAttestation", async function () {
        const w = await loadFixture(world);
        await expect(consents(w.k, b).grantBySig(w.grant, { ...w.proof, proof: [] }, await signGrant(w, w.grant)))
          .to.be.revertedWithCustomError(w.k.attestations, "UnknownAttestation");
      });
    });

    describe("when the grant names another attestation than the proof", function () {
      it("reverts with AttestationMismatch", async function () {
        const w = await loadFixture(world);
        const g = { ...w.grant, attestationUid: id("other") };
        await expect(consents(w.k, b).grantBySig(g, w.proof, await signGrant(w, g)))
          .to.be.revertedWithCustomError(w.k.consents, "AttestationMismatch").withArgs(id("other"), w.uid);
      });
    });

    describe("when the attestation was revoked", function () {
      it("reverts with AttestationNotValid(uid, REVOKED)", async function () {
        const w = await loadFixture(world);
        await registry(w.k, a).revoke(w.proof, Reason.FRAUD_SUSPECTED);
        await expect(consents(w.k, b).grantBySig(w.grant, w.proof, await signGrant(w, w.grant)))
          .to.be.revertedWithCustomError(w.k.consents, "AttestationNotValid").withArgs(w.uid, AttestationStatus.REVOKED);
      });
    });

    describe("when the attestation has expired", function () {
      it("reverts with AttestationNotValid(uid, EXPIRED)", async function () {
        const w = await loadFixture(world);
        await time.increaseTo(w.proof.data.expiresAt);
        const g = { ...w.grant, deadline: w.proof.data.expiresAt + 100n, validUntil: w.proof.data.expiresAt + DAY };
        await expect(consents(w.k, b).grantBySig(g, w.proof, await signGrant(w, g)))
          .to.be.revertedWithCustomError(w.k.consents, "AttestationNotValid").withArgs(w.uid, AttestationStatus.EXPIRED);
      });
    });

    describe("when someone other than the subject signed", function () {
      it("reverts with InvalidSubjectSignature(signer, subject)", async function () {
        const w = await loadFixture(world);
        await expect(consents(w.k, b).grantBySig(w.grant, w.proof, await signGrant(w, w.grant, outsider)))
          .to.be.revertedWithCustomError(w.k.consents, "InvalidSubjectSignature").withArgs(OUT, SUBJ);
      });
    });

    describe("when the signed grant was altered", function () {
      it("reverts with InvalidSubjectSignature", async function () {
        const w = await loadFixture(world);
        const sig = await signGrant(w, w.grant);
        await expect(consents(w.k, b).grantBySig({ ...w.grant, fieldMask: 0x7ff }, w.proof, sig))
          .to.be.revertedWithCustomError(w.k.consents, "InvalidSubjectSignature").withArgs(anyValue, SUBJ);
      });
    });

    describe("when the signature was made for another deployment (domain)", function () {
      it("reverts with InvalidSubjectSignature", async function () {
        const w = await loadFixture(world);
        const sig = await subject.signTypedData({ ...w.domain, verifyingContract: A }, GRANT_TYPES, w.grant);
        await expect(consents(w.k, b).grantBySig(w.grant, w.proof, sig))
          .to.be.revertedWithCustomError(w.k.consents, "InvalidSubjectSignature").withArgs(anyValue, SUBJ);
      });
    });

    describe("when the signature is malformed", function () {
      it("reverts with InvalidSubjectSignature(0, subject)", async function () {
        const w = await loadFixture(world);
        await expect(consents(w.k, b).grantBySig(w.grant, w.proof, `0x${"11".repeat(64)}`))
          .to.be.revertedWithCustomError(w.k.consents, "InvalidSubjectSignature").withArgs(ethers.ZeroAddress, SUBJ);
      });
    });

    describe("when the grantee is not an active member", function () {
      it("reverts with GranteeNotActiveMember (never a member)", async function () {
        const w = await loadFixture(world);
        const g = { ...w.grant, grantee: OUT };
        await expect(consents(w.k, b).grantBySig(g, w.proof, await signGrant(w, g)))
          .to.be.revertedWithCustomError(w.k.consents, "GranteeNotActiveMember").withArgs(OUT);
      });
      it("reverts with GranteeNotActiveMember (removed)", async function () {
        const w = await loadFixture(world);
        await gov(w.k, a).proposeRemoveMember(B);
        await expect(consents(w.k, c).grantBySig(w.grant, w.proof, await signGrant(w, w.grant)))
          .to.be.revertedWithCustomError(w.k.consents, "GranteeNotActiveMember").withArgs(B);
      });
    });

    describe("when validUntil is not in the future", function () {
      it("reverts with InvalidValidUntil", async function () {
        const w = await loadFixture(world);
        const g = { ...w.grant, validUntil: await now() };
        await expect(consents(w.k, b).grantBySig(g, w.proof, await signGrant(w, g)))
          .to.be.revertedWithCustomError(w.k.consents, "InvalidValidUntil").withArgs(g.validUntil);
      });
    });

    describe("when the purpose is not a Purpose", function () {
      for (const purpose of [0, 4]) {
        it(`reverts with InvalidPurpose(${purpose})`, async function () {
          const w = await loadFixture(world);
          const g = { ...w.grant, purpose };
          await expect(consents(w.k, b).grantBySig(g, w.proof, await signGrant(w, g)))
            .to.be.revertedWithCustomError(w.k.consents, "InvalidPurpose").withArgs(BigInt(purpose));
        });
      }
    });

    describe("when the field mask is empty or names unknown fields", function () {
      for (const fieldMask of [0, 0x800, 0xffffffff]) {
        it(`reverts with InvalidFieldMask(${fieldMask})`, async function () {
          const w = await loadFixture(world);
          const g = { ...w.grant, fieldMask };
          await expect(consents(w.k, b).grantBySig(g, w.proof, await signGrant(w, g)))
            .to.be.revertedWithCustomError(w.k.consents, "InvalidFieldMask").withArgs(BigInt(fieldMask));
        });
      }
    });

    describe("when the same signed grant is relayed twice", function () {
      it("reverts with ConsentAlreadyExists", async function () {
        const w = await loadFixture(granted);
        await expect(consents(w.k, c).grantBySig(w.grant, w.proof, await signGrant(w, w.grant)))
          .to.be.revertedWithCustomError(w.k.consents, "ConsentAlreadyExists").withArgs(w.consentId);
      });
    });

    describe("when another grant reuses a nonce", function () {
      it("reverts with NonceAlreadyUsed", async function () {
        const w = await loadFixture(granted);
        const g = { ...w.grant, grantee: C };
        await expect(consents(w.k, c).grantBySig(g, w.proof, await signGrant(w, g)))
          .to.be.revertedWithCustomError(w.k.consents, "NonceAlreadyUsed").withArgs(SUBJ, w.grant.nonce);
      });
    });

    describe("when everything holds", function () {
      it("stores the consent under its EIP-712 struct hash and emits ConsentGranted", async function () {
        const w = await loadFixture(world);
        const sig = await signGrant(w, w.grant);
        const expectedId = consentIdOf(w.grant);
        expect(await consents(w.k, b).grantBySig.staticCall(w.grant, w.proof, sig)).to.equal(expectedId);
        await expect(consents(w.k, b).grantBySig(w.grant, w.proof, sig))
          .to.emit(w.k.consents, "ConsentGranted")
          .withArgs(expectedId, w.uid, B, SUBJ, BigInt(w.grant.purpose), BigInt(w.grant.fieldMask), w.grant.validUntil);
        const stored = await consents(w.k).getConsent(expectedId);
        expect(stored.attestationUid).to.equal(w.uid);
        expect(stored.subject).to.equal(SUBJ);
        expect(stored.grantee).to.equal(B);
        expect(stored.grantedAt).to.equal(await now());
        expect(stored.fieldMask).to.equal(BigInt(FIELDS_ID_NAME_DOB));
        expect(stored.purpose).to.equal(BigInt(Purpose.ONBOARDING));
        expect(stored.validUntil).to.equal(w.grant.validUntil);
        expect(stored.issuerMemberId).to.equal(1n);
        expect(stored.attestationExpiresAt).to.equal(w.proof.data.expiresAt);
        expect(stored.revokedAt).to.equal(0n);
        expect(await consents(w.k).statusOf(expectedId)).to.equal(ConsentStatus.ACTIVE);
        expect(await consents(w.k).isNonceUsed(SUBJ, w.grant.nonce)).to.equal(true);
      });

      it("accepts nonces in any order (unordered nonces)", async function () {
        const w = await loadFixture(world);
        for (const nonce of [900n, 3n, 2n ** 255n]) {
          const g = { ...w.grant, nonce };
          await expect(consents(w.k, b).grantBySig(g, w.proof, await signGrant(w, g))).to.emit(w.k.consents, "ConsentGranted");
        }
      });
    });
  });

  describe("grant", function () {
    describe("when the caller is not the subject", function () {
      it("reverts with NotSubject", async function () {
        const w = await loadFixture(world);
        await expect(consents(w.k, b).grant(w.grant, w.proof))
          .to.be.revertedWithCustomError(w.k.consents, "NotSubject").withArgs(B, SUBJ);
      });
    });

    describe("when the attestation was revoked", function () {
      it("reverts with AttestationNotValid", async function () {
        const w = await loadFixture(world);
        await registry(w.k, a).revoke(w.proof, Reason.CUSTOMER_REQUEST);
        await expect(consents(w.k, subject).grant(w.grant, w.proof))
          .to.be.revertedWithCustomError(w.k.consents, "AttestationNotValid").withArgs(w.uid, AttestationStatus.REVOKED);
      });
    });

    describe("when the subject sends it", function () {
      it("records the consent without a signature, whatever the deadline", async function () {
        const w = await loadFixture(world);
        const g = { ...w.grant, deadline: 0n };
        await expect(consents(w.k, subject).grant(g, w.proof))
          .to.emit(w.k.consents, "ConsentGranted").withArgs(consentIdOf(g), w.uid, B, SUBJ, anyValue, anyValue, anyValue);
        expect(await consents(w.k).statusOf(consentIdOf(g))).to.equal(ConsentStatus.ACTIVE);
        await expect(consents(w.k, subject).grant({ ...g, grantee: C }, w.proof))
          .to.be.revertedWithCustomError(w.k.consents, "NonceAlreadyUsed").withArgs(SUBJ, g.nonce);
      });
    });
  });

  describe("revokeBySig", function () {
    async function signedRevocation(w: Awaited<ReturnType<typeof granted>>, nonce = 2n, by: Signer = subject) {
      const revocation = { consentId: w.consentId, nonce, deadline: w.grant.deadline };
      return { revocation, signature: await by.signTypedData(w.domain, REVOCATION_TYPES, revocation) };
    }

    describe("when the relayer is not an active member", function () {
      it("reverts with NotActiveMember", async function () {
        const w = await loadFixture(granted);
        const { revocation, signature } = await signedRevocation(w);
        await expect(consents(w.k, outsider).revokeBySig(revocation, signature))
          .to.be.revertedWithCustomError(w.k.consents, "NotActiveMember").withArgs(OUT);
      });
    });

    describe("when the deadline has passed", function () {
      it("reverts with SignatureExpired", async function () {
        const w = await loadFixture(granted);
        const { revocation, signature } = await signedRevocation(w);
        await time.increaseTo(revocation.deadline + 1n);
        await expect(consents(w.k, c).revokeBySig(revocation, signature))
          .to.be.revertedWithCustomError(w.k.consents, "SignatureExpired").withArgs(revocation.deadline);
      });
    });

    describe("when the consent does not exist", function () {
      it("reverts with UnknownConsent", async function () {
        const w = await loadFixture(granted);
        const revocation = { consentId: id("none"), nonce: 2n, deadline: w.grant.deadline };
        const signature = await subject.signTypedData(w.domain, REVOCATION_TYPES, revocation);
        await expect(consents(w.k, c).revokeBySig(revocation, signature))
          .to.be.revertedWithCustomError(w.k.consents, "UnknownConsent").withArgs(id("none"));
      });
    });

    describe("when someone other than the subject signed", function () {
      it("reverts with InvalidSubjectSignature", async function () {
        const w = await loadFixture(granted);
        const { revocation, signature } = await signedRevocation(w, 2n, b);
        await expect(consents(w.k, c).revokeBySig(revocation, signature))
          .to.be.revertedWithCustomError(w.k.consents, "InvalidSubjectSignature").withArgs(B, SUBJ);
      });
    });

    describe("when the nonce was used by the grant", function () {
      it("reverts with NonceAlreadyUsed", async function () {
        const w = await loadFixture(granted);
        const { revocation, signature } = await signedRevocation(w, w.grant.nonce);
        await expect(consents(w.k, c).revokeBySig(revocation, signature))
          .to.be.revertedWithCustomError(w.k.consents, "NonceAlreadyUsed").withArgs(SUBJ, w.grant.nonce);
      });
    });

    describe("when the subject signed it", function () {
      it("revokes at once, emits ConsentRevoked and refuses a replay", async function () {
        const w = await loadFixture(granted);
        const { revocation, signature } = await signedRevocation(w);
        await expect(consents(w.k, c).revokeBySig(revocation, signature))
          .to.emit(w.k.consents, "ConsentRevoked").withArgs(w.consentId, w.uid, SUBJ);
        const revokedAt = await now();
        expect(await consents(w.k).statusOf(w.consentId)).to.equal(ConsentStatus.REVOKED);
        expect(await consents(w.k).statusAt(w.consentId, revokedAt - 1n)).to.equal(ConsentStatus.ACTIVE);
        expect((await consents(w.k).getConsent(w.consentId)).revokedAt).to.equal(revokedAt);
        await expect(consents(w.k, c).revokeBySig(revocation, signature))
          .to.be.revertedWithCustomError(w.k.consents, "ConsentAlreadyRevoked").withArgs(w.consentId, revokedAt);
      });
    });
  });

  describe("revoke", function () {
    describe("when the consent does not exist", function () {
      it("reverts with UnknownConsent", async function () {
        const w = await loadFixture(granted);
        await expect(consents(w.k, subject).revoke(id("none")))
          .to.be.revertedWithCustomError(w.k.consents, "UnknownConsent").withArgs(id("none"));
      });
    });

    describe("when the caller is not the subject", function () {
      it("reverts with NotSubject", async function () {
        const w = await loadFixture(granted);
        await expect(consents(w.k, b).revoke(w.consentId))
          .to.be.revertedWithCustomError(w.k.consents, "NotSubject").withArgs(B, SUBJ);
      });
    });

    describe("when the subject revokes", function () {
      it("revokes and then reverts with ConsentAlreadyRevoked", async function () {
        const w = await loadFixture(granted);
        await expect(consents(w.k, subject).revoke(w.consentId))
          .to.emit(w.k.consents, "ConsentRevoked").withArgs(w.consentId, w.uid, SUBJ);
        const revokedAt = await now();
        await expect(consents(w.k, subject).revoke(w.consentId))
          .to.be.revertedWithCustomError(w.k.consents, "ConsentAlreadyRevoked").withArgs(w.consentId, revokedAt);
      });
    });
  });

  describe("recordDisclosure", function () {
    const requestId = id("request-1");

    describe("when the caller is not an active member", function () {
      it("reverts with NotActiveMember", async function () {
        const w = await loadFixture(granted);
        await expect(consents(w.k, outsider).recordDisclosure(w.consentId, 1, requestId))
          .to.be.revertedWithCustomError(w.k.consents, "NotActiveMember").withArgs(OUT);
      });
    });

    describe("when the consent does not exist", function () {
      it("reverts with UnknownConsent", async function () {
        const w = await loadFixture(granted);
        await expect(consents(w.k, a).recordDisclosure(id("none"), 1, requestId))
          .to.be.revertedWithCustomError(w.k.consents, "UnknownConsent").withArgs(id("none"));
      });
    });

    describe("when the caller is not the attestation's issuing member", function () {
      it("reverts with NotAttestationIssuer", async function () {
        const w = await loadFixture(granted);
        await expect(consents(w.k, b).recordDisclosure(w.consentId, 1, requestId))
          .to.be.revertedWithCustomError(w.k.consents, "NotAttestationIssuer").withArgs(B, w.consentId);
      });
    });

    describe("when the consent was revoked", function () {
      it("reverts with ConsentAlreadyRevoked", async function () {
        const w = await loadFixture(granted);
        await consents(w.k, subject).revoke(w.consentId);
        await expect(consents(w.k, a).recordDisclosure(w.consentId, 1, requestId))
          .to.be.revertedWithCustomError(w.k.consents, "ConsentAlreadyRevoked").withArgs(w.consentId, await now());
      });
    });

    describe("when the consent has expired", function () {
      it("reverts with ConsentExpired", async function () {
        const w = await loadFixture(granted);
        await time.setNextBlockTimestamp(w.grant.validUntil);
        await expect(consents(w.k, a).recordDisclosure(w.consentId, 1, requestId))
          .to.be.revertedWithCustomError(w.k.consents, "ConsentExpired").withArgs(w.consentId, w.grant.validUntil);
      });
    });

    describe("when the field mask is empty or out of range", function () {
      for (const mask of [0, 0x801]) {
        it(`reverts with InvalidFieldMask(${mask})`, async function () {
          const w = await loadFixture(granted);
          await expect(consents(w.k, a).recordDisclosure(w.consentId, mask, requestId))
            .to.be.revertedWithCustomError(w.k.consents, "InvalidFieldMask").withArgs(BigInt(mask));
        });
      }
    });

    describe("when fields outside the grant are requested", function () {
      it("reverts with FieldsNotGranted", async function () {
        const w = await loadFixture(granted);
        await expect(consents(w.k, a).recordDisclosure(w.consentId, 0b11, requestId))
          .to.be.revertedWithCustomError(w.k.consents, "FieldsNotGranted").withArgs(w.consentId, 0b11n, BigInt(FIELDS_ID_NAME_DOB));
      });
    });

    describe("when the grantee has left the consortium", function () {
      it("reverts with GranteeNotActiveMember", async function () {
        const w = await loadFixture(granted);
        await gov(w.k, a).proposeRemoveMember(B);
        await expect(consents(w.k, a).recordDisclosure(w.consentId, 1, requestId))
          .to.be.revertedWithCustomError(w.k.consents, "GranteeNotActiveMember").withArgs(B);
      });
    });

    describe("when the attestation was revoked", function () {
      it("reverts with AttestationRevoked", async function () {
        const w = await loadFixture(granted);
        await registry(w.k, a).revoke(w.proof, Reason.DATA_CORRECTED);
        await expect(consents(w.k, a).recordDisclosure(w.consentId, 1, requestId))
          .to.be.revertedWithCustomError(w.k.consents, "AttestationRevoked").withArgs(w.uid, await now());
      });
    });

    describe("when the attestation expired before the consent", function () {
      it("reverts with AttestationExpired", async function () {
        const w = await loadFixture(world);
        const g = { ...w.grant, validUntil: w.proof.data.expiresAt + DAY };
        await consents(w.k, subject).grant(g, w.proof);
        await time.setNextBlockTimestamp(w.proof.data.expiresAt);
        await expect(consents(w.k, a).recordDisclosure(consentIdOf(g), 1, requestId))
          .to.be.revertedWithCustomError(w.k.consents, "AttestationExpired").withArgs(w.uid, w.proof.data.expiresAt);
      });
    });

    describe("when everything holds", function () {
      it("emits Disclosed for a subset of the granted fields", async function () {
        const w = await loadFixture(granted);
        await expect(consents(w.k, a).recordDisclosure(w.consentId, 0b1001, requestId))
          .to.emit(w.k.consents, "Disclosed").withArgs(w.consentId, w.uid, B, 0b1001n, requestId);
      });
    });

    describe("when the issuer's account was rotated after the grant", function () {
      it("accepts the new account and refuses the old one", async function () {
        const w = await loadFixture(granted);
        await gov(w.k, a).proposeRotateAccount(A, FRESH);
        await expect(consents(w.k, a).recordDisclosure(w.consentId, 1, requestId))
          .to.be.revertedWithCustomError(w.k.consents, "NotActiveMember").withArgs(A);
        await expect(consents(w.k, fresh).recordDisclosure(w.consentId, 1, requestId))
          .to.emit(w.k.consents, "Disclosed").withArgs(w.consentId, w.uid, B, 1n, requestId);
      });
    });

    describe("when the grantee's account was rotated after the grant", function () {
      it("still records disclosures to that member", async function () {
        const w = await loadFixture(granted);
        await gov(w.k, b).proposeRotateAccount(B, FRESH);
        await expect(consents(w.k, a).recordDisclosure(w.consentId, 1, requestId))
          .to.emit(w.k.consents, "Disclosed").withArgs(w.consentId, w.uid, B, 1n, requestId);
      });
    });
  });

  describe("gas", function () {
    it("keeps a grant under 200k gas (five new slots), a disclosure and a revocation under 100k", async function () {
      const w = await loadFixture(world);
      const gasOf = async (tx: Promise<{ wait(): Promise<{ gasUsed: bigint }> }>) => (await (await tx).wait()).gasUsed;
      const grantGas = await gasOf(consents(w.k, b).grantBySig(w.grant, w.proof, await signGrant(w, w.grant)));
      const consentId = consentIdOf(w.grant);
      const disclosureGas = await gasOf(consents(w.k, a).recordDisclosure(consentId, 1, id("r")));
      const revocation = { consentId, nonce: 9n, deadline: w.grant.deadline };
      const signature = await subject.signTypedData(w.domain, REVOCATION_TYPES, revocation);
      const revokeGas = await gasOf(consents(w.k, c).revokeBySig(revocation, signature));
      console.log(`      consent gas: grantBySig ${grantGas}, recordDisclosure ${disclosureGas}, revokeBySig ${revokeGas}`);
      expect(grantGas).to.be.lessThan(200_000n);
      for (const g of [disclosureGas, revokeGas]) expect(g).to.be.lessThan(100_000n);
    });
  });

  describe("statusAt / statusOf", function () {
    it("is NONE for an unknown consent and before the grant", async function () {
      const w = await loadFixture(granted);
      expect(await consents(w.k).statusOf(id("none"))).to.equal(ConsentStatus.NONE);
      expect(await consents(w.k).statusAt(w.consentId, w.grantedAt - 1n)).to.equal(ConsentStatus.NONE);
      expect(await consents(w.k).statusAt(w.consentId, w.grantedAt)).to.equal(ConsentStatus.ACTIVE);
    });
    it("is EXPIRED from validUntil on, and REVOKED wins once revoked", async function () {
      const w = await loadFixture(granted);
      expect(await consents(w.k).statusAt(w.consentId, w.grant.validUntil - 1n)).to.equal(ConsentStatus.ACTIVE);
      expect(await consents(w.k).statusAt(w.consentId, w.grant.validUntil)).to.equal(ConsentStatus.EXPIRED);
      await consents(w.k, subject).revoke(w.consentId);
      expect(await consents(w.k).statusAt(w.consentId, w.grant.validUntil)).to.equal(ConsentStatus.REVOKED);
    });
  });

  describe("views", function () {
    it("getConsent reverts with UnknownConsent for an unknown id", async function () {
      const w = await loadFixture(world);
      await expect(consents(w.k).getConsent(id("none"))).to.be.revertedWithCustomError(w.k.consents, "UnknownConsent").withArgs(id("none"));
    });
    it("exposes the consent id, the digests and the EIP-712 domain the SDK signs", async function () {
      const w = await loadFixture(world);
      expect(await consents(w.k).consentIdOf(w.grant)).to.equal(consentIdOf(w.grant));
      expect(await consents(w.k).grantDigest(w.grant)).to.equal(TypedDataEncoder.hash(w.domain, GRANT_TYPES, w.grant));
      const revocation = { consentId: id("c"), nonce: 7n, deadline: 9n };
      expect(await consents(w.k).revocationDigest(revocation)).to.equal(TypedDataEncoder.hash(w.domain, REVOCATION_TYPES, revocation));
      const domain = await w.k.consents.getFunction("eip712Domain")();
      expect(domain.name).to.equal("kycnet ConsentRegistry");
      expect(domain.version).to.equal("1");
      expect(domain.chainId).to.equal(w.k.chainId);
      expect(await consents(w.k).consortium()).to.equal(await w.k.consortium.getAddress());
      expect(await consents(w.k).attestations()).to.equal(await w.k.attestations.getAddress());
    });
  });
});
