import { expect } from "chai";
import { Contract, Wallet, hexlify, randomBytes, type Signer } from "ethers";
import {
  Purpose,
  RevocationReason,
  attestationUid,
  signConsentGrant,
  signConsentRevocation,
  type Hex,
} from "@kycnet/sdk/protocol";
import { createAuditor } from "@kycnet/sdk/auditor";
import { ConsortiumRegistryAbi, findAttestation } from "@kycnet/sdk/chain";
import { isKycnetError } from "@kycnet/sdk/errors";
import { deployedConsortium } from "../node/ledger/fixture.ts";

describe("sdk/auditor", () => {
  let f: Awaited<ReturnType<typeof deployedConsortium>>;
  before(async () => {
    f = await deployedConsortium();
  });

  describe("findAttestation", () => {
    it("rebuilds the proof of any record of a batch from the uid alone", async () => {
      const batch = await f.ledgerA.anchorBatch(await Promise.all(Array.from({ length: 7 }, () => f.record())));
      for (const i of [0, 3, 6]) {
        const found = await findAttestation(f.provider, f.addresses.attestations, batch.uids[i]!);
        expect(found.proof.batchRoot).to.equal(batch.batchRoot);
        expect(found.proof.proof).to.deep.equal(batch.proofs[i]!.proof);
        expect(found.proof.data).to.deep.equal(batch.proofs[i]!.data);
      }
    });
    it("fails with ATTESTATION_NOT_FOUND for an unknown uid", async () => {
      const error = await findAttestation(f.provider, f.addresses.attestations, hexlify(randomBytes(32)) as Hex).catch(
        (e: unknown) => e,
      );
      expect(isKycnetError(error, "ATTESTATION_NOT_FOUND")).to.equal(true);
    });
  });

  describe("inspectAttestation", () => {
    it("reports issuer, membership at anchoring, method and a revocation with its reason", async () => {
      const auditor = createAuditor({ provider: f.provider, addresses: f.addresses });
      const batch = await f.ledgerA.anchorBatch([await f.record()]);
      let report = await auditor.inspectAttestation(batch.uids[0]!);
      expect(report).to.include({
        issuerName: "Bank A",
        issuerActiveAtAnchoring: true,
        method: "FULL_EKYC",
        status: "VALID",
        pipelineVersion: "ekyc/test",
      });
      expect(report.findings).to.deep.equal([]);
      await f.ledgerA.revokeAttestation(batch.proofs[0]!, RevocationReason.FRAUD_SUSPECTED);
      report = await auditor.inspectAttestation(batch.uids[0]!);
      expect(report.status).to.equal("REVOKED");
      expect(report.revocationReason).to.equal("FRAUD_SUSPECTED");
    });

    it("reports the attestations of a removed member as REVOKED with ISSUER_LEFT_CONSORTIUM from its removal", async () => {
      const auditor = createAuditor({ provider: f.provider, addresses: f.addresses });
      const batch = await f.ledgerC.anchorBatch([await f.record()]);
      expect((await auditor.inspectAttestation(batch.uids[0]!)).status).to.equal("VALID");
      const consortium = (signer: Signer) => new Contract(f.addresses.consortium, ConsortiumRegistryAbi, signer);
      const bankC = await f.signers.bankC!.getAddress();
      await (await consortium(f.signers.bankA!).getFunction("proposeRemoveMember")(bankC)).wait();
      const id = ((await consortium(f.signers.bankA!).getFunction("proposalCount")()) as bigint) - 1n;
      await (await consortium(f.signers.bankB!).getFunction("approve")(id)).wait();
      const removedAt = await f.now();
      const report = await auditor.inspectAttestation(batch.uids[0]!);
      expect(report.status).to.equal("REVOKED");
      expect(report.revocationReason).to.equal("ISSUER_LEFT_CONSORTIUM");
      expect(report.revokedAt).to.equal(removedAt);
      expect(report.findings).to.deep.equal(["attestation is REVOKED"]);
    });
  });

  describe("inspectConsent", () => {
    it("lists grant, disclosure and revocation in order, each disclosure under an ACTIVE consent", async () => {
      const auditor = createAuditor({ provider: f.provider, addresses: f.addresses });
      const subject = Wallet.createRandom();
      const [proof] = (await f.ledgerA.anchorBatch([await f.record(subject.address as Hex)])).proofs;
      const t = await f.now();
      const domain = { chainId: await f.ledgerA.chainId(), verifyingContract: f.addresses.consents };
      const grant = {
        attestationUid: attestationUid(
          { chainId: domain.chainId, registry: f.addresses.attestations },
          proof!.issuer,
          proof!.data,
        ),
        grantee: await f.ledgerB.account(),
        purpose: Purpose.PERIODIC_REVIEW,
        fieldMask: 0b11,
        validUntil: t + 3600n,
        nonce: 1n,
        deadline: t + 600n,
      };
      const { consentId } = await f.ledgerB.grantConsentBySig(
        grant,
        proof!,
        await signConsentGrant(subject, domain, grant),
      );
      await f.ledgerA.recordDisclosure(consentId, 0b1, hexlify(randomBytes(32)) as Hex);
      const revocation = { consentId, nonce: 2n, deadline: t + 600n };
      await f.ledgerB.revokeConsentBySig(revocation, await signConsentRevocation(subject, domain, revocation));

      const report = await auditor.inspectConsent(consentId);
      expect(report.history.map((e) => e.kind)).to.deep.equal(["GRANTED", "DISCLOSED", "REVOKED"]);
      expect(report.history[1]!.consentStatusThen).to.equal("ACTIVE");
      expect(report.status).to.equal("REVOKED");
      expect(report.granteeName).to.equal("Bank B");
      expect(report.findings).to.deep.equal([]);
    });
  });
});
