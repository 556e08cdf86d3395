import { expect } from "chai";
import { network } from "hardhat";
import { SimpleMerkleTree } from "@openzeppelin/merkle-tree";
import { ZeroAddress, ZeroHash, id, type Signer } from "ethers";
import {
  accounts, anchorRecords, AttestationStatus, bind, buildBatch, deployKycnet, expectedUid, InvalidReason, makeRecord,
  Method, NO_AUDIT_HEAD, Reason, type AttestationData, type AttestationFn, type ConsortiumFn, type Kycnet,
} from "./helpers.ts";

const { ethers, networkHelpers } = await network.create();
// Bound: loadFixture is a method of the helpers object (the lazy implementation reads `this`).
const loadFixture = networkHelpers.loadFixture.bind(networkHelpers);
const { time } = networkHelpers;

/** What an EAS `attest` costs on this EVM (docs/architecture.md §5); the budget is 5 % of it per record. */
const EAS_ATTEST_GAS = 274_275n;
const GAS_BUDGET_PER_RECORD = (EAS_ATTEST_GAS * 5n) / 100n;

describe("AttestationRegistry", function () {
  let a: Signer, b: Signer, c: Signer, outsider: Signer, fresh: Signer;
  let A: string, B: string, C: string, OUT: string, FRESH: string;

  before(async function () {
    const acc = await accounts(ethers, 5);
    [a, b, c, outsider, fresh] = acc.map((x) => x.signer) as [Signer, Signer, Signer, Signer, Signer];
    [A, B, C, OUT, FRESH] = acc.map((x) => x.address) as [string, string, string, string, string];
  });

  async function threeBanks(): Promise<Kycnet> {
    return deployKycnet(ethers, [a, b, c], 1);
  }
  const reg = (k: Kycnet, s?: Signer) => bind<AttestationFn>(k.attestations, s);
  const gov = (k: Kycnet, s?: Signer) => bind<ConsortiumFn>(k.consortium, s);
  const now = async () => BigInt(await time.latest());
  const records = async (n: number, overrides: Partial<AttestationData> = {}) => {
    const t = await now();
    return Array.from({ length: n }, () => makeRecord(t, overrides));
  };

  describe("anchor", function () {
    describe("when the caller is not a member", function () {
      it("reverts with NotActiveMember", async function () {
        const k = await loadFixture(threeBanks);
        await expect(reg(k, outsider).anchor(await records(1), NO_AUDIT_HEAD))
          .to.be.revertedWithCustomError(k.attestations, "NotActiveMember").withArgs(OUT);
      });
    });

    describe("when the caller was removed from the consortium", function () {
      it("reverts with NotActiveMember", async function () {
        const k = await loadFixture(threeBanks);
        await gov(k, a).proposeRemoveMember(C);
        await expect(reg(k, c).anchor(await records(1), NO_AUDIT_HEAD))
          .to.be.revertedWithCustomError(k.attestations, "NotActiveMember").withArgs(C);
      });
    });

    describe("when the batch is empty", function () {
      it("reverts with EmptyBatch", async function () {
        const k = await loadFixture(threeBanks);
        await expect(reg(k, a).anchor([], NO_AUDIT_HEAD)).to.be.revertedWithCustomError(k.attestations, "EmptyBatch");
      });
    });

    describe("when the batch has more than 1024 records", function () {
      it("reverts with BatchTooLarge", async function () {
        const k = await loadFixture(threeBanks);
        const batch = await records(1025);
        await expect(reg(k, a).anchor(batch, NO_AUDIT_HEAD)).to.be.revertedWithCustomError(k.attestations, "BatchTooLarge").withArgs(1025n, 1024n);
      });
    });

    describe("when a record is malformed", function () {
      const cases: [string, Partial<AttestationData>, bigint][] = [
        ["the subject is zero", { subject: ZeroAddress }, InvalidReason.ZERO_SUBJECT],
        ["the record root is zero", { recordRoot: ZeroHash }, InvalidReason.ZERO_RECORD_ROOT],
        ["the method is NONE", { method: 0 }, InvalidReason.UNKNOWN_METHOD],
        ["the method is unknown", { method: 5 }, InvalidReason.UNKNOWN_METHOD],
        ["the assurance level is 0", { assuranceLevel: 0 }, InvalidReason.INVALID_ASSURANCE_LEVEL],
        ["the assurance level is 3", { assuranceLevel: 3 }, InvalidReason.INVALID_ASSURANCE_LEVEL],
        ["expiresAt equals issuedAt", { issuedAt: 100n, expiresAt: 100n }, InvalidReason.EXPIRY_NOT_AFTER_ISSUE],
        ["expiresAt is before issuedAt", { issuedAt: 100n, expiresAt: 99n }, InvalidReason.EXPIRY_NOT_AFTER_ISSUE],
        ["a REUSE record has no source commitment", { method: Method.REUSE }, InvalidReason.REF_COMMITMENT_MISMATCH],
        ["a FULL_EKYC record has a source commitment", { refCommitment: id("source") }, InvalidReason.REF_COMMITMENT_MISMATCH],
      ];
      for (const [label, overrides, reason] of cases) {
        it(`reverts with InvalidAttestation(index, ${reason}) when ${label}`, async function () {
          const k = await loadFixture(threeBanks);
          const batch = await records(3);
          batch[2] = { ...batch[2]!, ...overrides };
          await expect(reg(k, a).anchor(batch, NO_AUDIT_HEAD))
            .to.be.revertedWithCustomError(k.attestations, "InvalidAttestation").withArgs(2n, reason);
        });
      }
    });

    describe("when the records are well formed", function () {
      for (const n of [1, 2, 3, 7, 16]) {
        it(`stores the SimpleMerkleTree root of ${n} uid(s) and emits one Attested per record`, async function () {
          const k = await loadFixture(threeBanks);
          const batch = await records(n);
          const built = buildBatch(k.chainId, await k.attestations.getAddress(), A, batch);
          expect(await reg(k, a).anchor.staticCall(batch, NO_AUDIT_HEAD)).to.equal(built.tree.root);
          const tx = reg(k, a).anchor(batch, NO_AUDIT_HEAD);
          for (const [i, uid] of built.uids.entries()) {
            await expect(tx).to.emit(k.attestations, "Attested").withArgs(uid, A, batch[i]!.subject, built.tree.root);
          }
          await expect(tx).to.emit(k.attestations, "BatchAnchored").withArgs(built.tree.root, A, BigInt(n));
          const stored = await reg(k).batchOf(built.tree.root);
          expect(stored.issuer).to.equal(A);
          expect(stored.anchoredAt).to.equal(await now());
          expect(stored.count).to.equal(BigInt(n));
        });
      }

      it("accepts a REUSE record with a source commitment, every method and level 2", async function () {
        const k = await loadFixture(threeBanks);
        const t = await now();
        const batch = [
          makeRecord(t, { method: Method.REUSE, refCommitment: id("source") }),
          makeRecord(t, { method: Method.FULL_EKYC_NFC, assuranceLevel: 2 }),
          makeRecord(t, { method: Method.IN_PERSON }),
        ];
        const built = await anchorRecords(k, a, batch);
        for (const p of built.proofs) expect(await reg(k).verify(p)).to.not.equal(ZeroHash);
      });

      it("anchors the maximum batch of 1024 records within one transaction", async function () {
        const k = await loadFixture(threeBanks);
        const batch = await records(1024);
        const receipt = await (await reg(k, a).anchor(batch, NO_AUDIT_HEAD)).wait();
        expect(receipt.status).to.equal(1);
        // Osaka caps one transaction at 2^24 gas.
        expect(receipt.gasUsed).to.be.lessThan(16_777_216n);
        console.log(`      anchor gas: n=1024: ${receipt.gasUsed} total, ${receipt.gasUsed / 1024n} gas/record`);
      });
    });

    describe("when the same batch is anchored again", function () {
      it("reverts with BatchAlreadyAnchored", async function () {
        const k = await loadFixture(threeBanks);
        const batch = await records(4);
        const built = await anchorRecords(k, a, batch);
        await expect(reg(k, a).anchor(batch, NO_AUDIT_HEAD))
          .to.be.revertedWithCustomError(k.attestations, "BatchAlreadyAnchored").withArgs(built.tree.root);
      });
    });

    describe("when another member anchors the same records", function () {
      it("gets other uids and another root (uids bind the issuer)", async function () {
        const k = await loadFixture(threeBanks);
        const batch = await records(2);
        const byA = await anchorRecords(k, a, batch);
        const byB = await anchorRecords(k, b, batch);
        expect(byB.tree.root).to.not.equal(byA.tree.root);
        expect((await reg(k).batchOf(byB.tree.root)).issuer).to.equal(B);
      });
    });

    describe("with the issuer's audit head", function () {
      const head = { count: 42n, head: id("audit entry 42") };

      it("emits AuditAnchored after BatchAnchored, naming the issuer, count and head", async function () {
        const k = await loadFixture(threeBanks);
        await expect(reg(k, a).anchor(await records(2), head))
          .to.emit(k.attestations, "AuditAnchored").withArgs(A, 42n, head.head);
      });

      it("emits no AuditAnchored for count 0", async function () {
        const k = await loadFixture(threeBanks);
        await expect(reg(k, a).anchor(await records(1), NO_AUDIT_HEAD)).to.not.emit(k.attestations, "AuditAnchored");
      });

      it("costs less than 2,500 gas more per batch than no head (an event, no storage)", async function () {
        const k = await loadFixture(threeBanks);
        const batch = await records(16);
        const withHead = await (await reg(k, a).anchor(batch, head)).wait();
        const without = await (await reg(k, b).anchor(batch, NO_AUDIT_HEAD)).wait();
        expect(withHead.gasUsed - without.gasUsed).to.be.lessThan(2_500n);
      });
    });

    describe("anchorAudit", function () {
      it("emits AuditAnchored for an active member", async function () {
        const k = await loadFixture(threeBanks);
        await expect(reg(k, a).anchorAudit({ count: 7n, head: id("seven") }))
          .to.emit(k.attestations, "AuditAnchored").withArgs(A, 7n, id("seven"));
      });

      it("reverts with EmptyAuditHead for count 0", async function () {
        const k = await loadFixture(threeBanks);
        await expect(reg(k, a).anchorAudit(NO_AUDIT_HEAD)).to.be.revertedWithCustomError(k.attestations, "EmptyAuditHead");
      });

      it("reverts with NotActiveMember for an outsider", async function () {
        const k = await loadFixture(threeBanks);
        await expect(reg(k, outsider).anchorAudit({ count: 1n, head: id("one") }))
          .to.be.revertedWithCustomError(k.attestations, "NotActiveMember").withArgs(OUT);
      });
    });

    describe("gas", function () {
      it(`stays within 5 % of an EAS attest per record (${GAS_BUDGET_PER_RECORD} gas) at 256`, async function () {
        const k = await loadFixture(threeBanks);
        const perRecord: Record<number, bigint> = {};
        for (const n of [1, 16, 256]) {
          const receipt = await (await reg(k, a).anchor(await records(n), NO_AUDIT_HEAD)).wait();
          perRecord[n] = receipt.gasUsed / BigInt(n);
        }
        const line = Object.entries(perRecord)
          .map(([n, g]) => `n=${n}: ${g} gas/record (${((Number(g) / Number(EAS_ATTEST_GAS)) * 100).toFixed(2)} % of EAS)`)
          .join("; ");
        console.log(`      anchor gas: ${line}`);
        expect(perRecord[256]).to.be.at.most(GAS_BUDGET_PER_RECORD);
      });
    });
  });

  describe("verify", function () {
    async function anchoredThree() {
      const k = await threeBanks();
      const built = await anchorRecords(k, a, await records(3));
      return { k, built };
    }

    describe("when the proof is good", function () {
      it("returns the uid", async function () {
        const { k, built } = await loadFixture(anchoredThree);
        for (const [i, p] of built.proofs.entries()) expect(await reg(k).verify(p)).to.equal(built.uids[i]);
      });
    });

    describe("when the proof is of another leaf", function () {
      it("reverts with UnknownAttestation", async function () {
        const { k, built } = await loadFixture(anchoredThree);
        const p = { ...built.proofs[0]!, proof: built.proofs[1]!.proof };
        await expect(reg(k).verify(p)).to.be.revertedWithCustomError(k.attestations, "UnknownAttestation")
          .withArgs(built.uids[0], A, built.tree.root);
      });
    });

    describe("when the data was altered", function () {
      it("reverts with UnknownAttestation", async function () {
        const { k, built } = await loadFixture(anchoredThree);
        const p = built.proofs[0]!;
        const data = { ...p.data, assuranceLevel: 2 };
        const uid = expectedUid(k.chainId, await k.attestations.getAddress(), A, data);
        await expect(reg(k).verify({ ...p, data })).to.be.revertedWithCustomError(k.attestations, "UnknownAttestation")
          .withArgs(uid, A, built.tree.root);
      });
    });

    describe("when another member claims the batch", function () {
      it("reverts with UnknownAttestation", async function () {
        const { k, built } = await loadFixture(anchoredThree);
        const p = { ...built.proofs[0]!, issuer: B };
        const uid = expectedUid(k.chainId, await k.attestations.getAddress(), B, p.data);
        await expect(reg(k).verify(p)).to.be.revertedWithCustomError(k.attestations, "UnknownAttestation")
          .withArgs(uid, B, built.tree.root);
      });
    });

    describe("when the batch root was never anchored", function () {
      it("reverts with UnknownAttestation", async function () {
        const { k, built } = await loadFixture(anchoredThree);
        const p = { ...built.proofs[0]!, batchRoot: id("nothing") };
        await expect(reg(k).verify(p)).to.be.revertedWithCustomError(k.attestations, "UnknownAttestation")
          .withArgs(built.uids[0], A, id("nothing"));
      });
    });

    describe("when an inner node is presented as a leaf", function () {
      it("reverts with UnknownAttestation (a uid is a hash of 352 bytes, never of a node pair)", async function () {
        const { k, built } = await loadFixture(anchoredThree);
        // Proof of the pair node above leaves 1 and 2 (tree indices 3 and 4 hash into 1).
        const innerProof = [built.tree.dump().tree[2]!];
        const p = { ...built.proofs[1]!, proof: innerProof };
        await expect(reg(k).verify(p)).to.be.revertedWithCustomError(k.attestations, "UnknownAttestation");
      });
    });
  });

  describe("statusOf / verifyAt", function () {
    async function anchoredOne() {
      const k = await threeBanks();
      const t = await now();
      const record = makeRecord(t - 100n, { expiresAt: t + 1000n });
      const built = await anchorRecords(k, a, [record]);
      const anchoredAt = (await reg(k).batchOf(built.tree.root)).anchoredAt as bigint;
      return { k, built, proof: built.proofs[0]!, record, anchoredAt };
    }

    describe("when the attestation is anchored and live", function () {
      it("is VALID from anchoring until expiresAt", async function () {
        const { k, proof, record, anchoredAt } = await loadFixture(anchoredOne);
        expect(await reg(k).statusOf(proof, anchoredAt)).to.equal(AttestationStatus.VALID);
        expect(await reg(k).statusOf(proof, record.expiresAt - 1n)).to.equal(AttestationStatus.VALID);
        const [uid, status] = await reg(k).verifyAt(proof, anchoredAt);
        expect(uid).to.equal(expectedUid(k.chainId, await k.attestations.getAddress(), A, record));
        expect(status).to.equal(AttestationStatus.VALID);
      });
    });

    describe("when the time is before issuance or before anchoring", function () {
      it("is UNKNOWN", async function () {
        const { k, proof, record, anchoredAt } = await loadFixture(anchoredOne);
        expect(await reg(k).statusOf(proof, record.issuedAt - 1n)).to.equal(AttestationStatus.UNKNOWN);
        expect(await reg(k).statusOf(proof, anchoredAt - 1n)).to.equal(AttestationStatus.UNKNOWN);
      });
    });

    describe("when the time is at or after expiresAt", function () {
      it("is EXPIRED", async function () {
        const { k, proof, record } = await loadFixture(anchoredOne);
        expect(await reg(k).statusOf(proof, record.expiresAt)).to.equal(AttestationStatus.EXPIRED);
        expect((await reg(k).verifyAt(proof, record.expiresAt + 5n))[1]).to.equal(AttestationStatus.EXPIRED);
      });
    });

    describe("when the attestation was revoked", function () {
      it("is REVOKED from the revocation on, even after expiry, and VALID before", async function () {
        const { k, proof, record } = await loadFixture(anchoredOne);
        await reg(k, a).revoke(proof, Reason.FRAUD_SUSPECTED);
        const revokedAt = await now();
        expect(await reg(k).statusOf(proof, revokedAt)).to.equal(AttestationStatus.REVOKED);
        expect(await reg(k).statusOf(proof, revokedAt - 1n)).to.equal(AttestationStatus.VALID);
        expect(await reg(k).statusOf(proof, record.expiresAt + 1n)).to.equal(AttestationStatus.REVOKED);
      });
    });

    describe("when the issuing member was removed from the consortium (ISSUER_LEFT_CONSORTIUM rule)", function () {
      it("is REVOKED from the removal on, VALID before, though nobody revoked it and it cannot be revoked", async function () {
        const { k, proof, record } = await loadFixture(anchoredOne);
        await gov(k, b).proposeRemoveMember(A);
        const removedAt = await now();
        expect(await gov(k).memberRemovedAt(A)).to.equal(removedAt);
        expect(await reg(k).statusOf(proof, removedAt)).to.equal(AttestationStatus.REVOKED);
        expect((await reg(k).verifyAt(proof, removedAt))[1]).to.equal(AttestationStatus.REVOKED);
        expect(await reg(k).statusOf(proof, removedAt - 1n)).to.equal(AttestationStatus.VALID);
        expect(await reg(k).statusOf(proof, record.expiresAt + 1n)).to.equal(AttestationStatus.REVOKED);
        // No per-record write: the rule reads the member's removal time.
        expect((await reg(k).revocationOf(await reg(k).verify(proof))).revokedAt).to.equal(0n);
        await expect(reg(k, a).revoke(proof, Reason.ISSUER_LEFT_CONSORTIUM))
          .to.be.revertedWithCustomError(k.attestations, "NotActiveMember").withArgs(A);
      });

      it("leaves the attestations of the members still active VALID", async function () {
        const { k } = await loadFixture(anchoredOne);
        const t = await now();
        const built = await anchorRecords(k, b, [makeRecord(t - 10n, { expiresAt: t + 1000n })]);
        await gov(k, b).proposeRemoveMember(A);
        expect(await gov(k).memberRemovedAt(B)).to.equal(0n);
        expect(await reg(k).statusOf(built.proofs[0]!, await now())).to.equal(AttestationStatus.VALID);
      });
    });

    describe("when the attestation is not anchored", function () {
      it("statusOf is UNKNOWN and verifyAt reverts with UnknownAttestation", async function () {
        const { k, proof, anchoredAt } = await loadFixture(anchoredOne);
        const bogus = { ...proof, batchRoot: id("bogus") };
        expect(await reg(k).statusOf(bogus, anchoredAt)).to.equal(AttestationStatus.UNKNOWN);
        await expect(reg(k).verifyAt(bogus, anchoredAt)).to.be.revertedWithCustomError(k.attestations, "UnknownAttestation");
      });
    });
  });

  describe("revoke", function () {
    async function anchoredTwo() {
      const k = await threeBanks();
      const built = await anchorRecords(k, a, await records(2));
      return { k, built };
    }

    describe("when the caller is not a member", function () {
      it("reverts with NotActiveMember", async function () {
        const { k, built } = await loadFixture(anchoredTwo);
        await expect(reg(k, outsider).revoke(built.proofs[0]!, Reason.CUSTOMER_REQUEST))
          .to.be.revertedWithCustomError(k.attestations, "NotActiveMember").withArgs(OUT);
      });
    });

    describe("when the reason is not a RevocationReason", function () {
      for (const reason of [0, 6, 255]) {
        it(`reverts with InvalidReason(${reason})`, async function () {
          const { k, built } = await loadFixture(anchoredTwo);
          await expect(reg(k, a).revoke(built.proofs[0]!, reason))
            .to.be.revertedWithCustomError(k.attestations, "InvalidReason").withArgs(BigInt(reason));
        });
      }
    });

    describe("when the attestation is unknown", function () {
      it("reverts with UnknownAttestation", async function () {
        const { k, built } = await loadFixture(anchoredTwo);
        await expect(reg(k, a).revoke({ ...built.proofs[0]!, proof: [] }, Reason.CUSTOMER_REQUEST))
          .to.be.revertedWithCustomError(k.attestations, "UnknownAttestation");
      });
    });

    describe("when the caller is another member", function () {
      it("reverts with NotIssuer", async function () {
        const { k, built } = await loadFixture(anchoredTwo);
        await expect(reg(k, b).revoke(built.proofs[0]!, Reason.CUSTOMER_REQUEST))
          .to.be.revertedWithCustomError(k.attestations, "NotIssuer").withArgs(B, A);
      });
    });

    describe("when the issuer revokes", function () {
      it("records the revocation with its reason and emits Revoked", async function () {
        const { k, built } = await loadFixture(anchoredTwo);
        await expect(reg(k, a).revoke(built.proofs[1]!, Reason.DATA_CORRECTED))
          .to.emit(k.attestations, "Revoked").withArgs(built.uids[1], A, BigInt(Reason.DATA_CORRECTED));
        const r = await reg(k).revocationOf(built.uids[1]);
        expect(r.revokedAt).to.equal(await now());
        expect(r.reason).to.equal(BigInt(Reason.DATA_CORRECTED));
        expect((await reg(k).revocationOf(built.uids[0])).revokedAt).to.equal(0n);
      });
    });

    describe("when it is already revoked", function () {
      it("reverts with AlreadyRevoked", async function () {
        const { k, built } = await loadFixture(anchoredTwo);
        await reg(k, a).revoke(built.proofs[0]!, Reason.CUSTOMER_REQUEST);
        const revokedAt = await now();
        await expect(reg(k, a).revoke(built.proofs[0]!, Reason.FRAUD_SUSPECTED))
          .to.be.revertedWithCustomError(k.attestations, "AlreadyRevoked").withArgs(built.uids[0], revokedAt);
      });
    });

    describe("when the issuer's account was rotated", function () {
      it("lets the new account revoke and refuses the old one", async function () {
        const { k, built } = await loadFixture(anchoredTwo);
        await gov(k, a).proposeRotateAccount(A, FRESH);
        await expect(reg(k, a).revoke(built.proofs[0]!, Reason.CUSTOMER_REQUEST))
          .to.be.revertedWithCustomError(k.attestations, "NotActiveMember").withArgs(A);
        await expect(reg(k, fresh).revoke(built.proofs[0]!, Reason.CUSTOMER_REQUEST))
          .to.emit(k.attestations, "Revoked").withArgs(built.uids[0], A, BigInt(Reason.CUSTOMER_REQUEST));
        // Its attestations stay attributable: A was active when it anchored them.
        const anchoredAt = (await reg(k).batchOf(built.tree.root)).anchoredAt as bigint;
        expect(await gov(k).wasActiveMemberAt(A, anchoredAt)).to.equal(true);
      });
    });
  });

  describe("uidOf / consortium", function () {
    it("computes the protocol uid and names the consortium", async function () {
      const k = await loadFixture(threeBanks);
      const [record] = await records(1);
      expect(await reg(k).uidOf(B, record)).to.equal(expectedUid(k.chainId, await k.attestations.getAddress(), B, record!));
      expect(await reg(k).consortium()).to.equal(await k.consortium.getAddress());
      // A one-record batch's root is the uid itself, as in the library.
      expect(SimpleMerkleTree.of([id("x")], { sortLeaves: false }).root).to.equal(id("x"));
    });
  });
});
