import { expect } from "chai";
import { Wallet, hexlify, randomBytes } from "ethers";
import {
  Purpose,
  RevocationReason,
  attestationUid,
  consentIdOf,
  signConsentGrant,
  signConsentRevocation,
  verifyBatchInclusion,
  type Hex,
} from "@kycnet/sdk/protocol";
import { ContractRevertError, isRevert } from "../../../node/src/ledger/errors.ts";
import { createEthersLedger } from "../../../node/src/ledger/ethers/ethers-ledger.ts";
import { isKycnetError } from "@kycnet/sdk/errors";
import { deployedConsortium } from "./fixture.ts";
import { describeLedgerClientCompliance } from "./ledger-client.compliance.ts";

async function expectRevert(promise: Promise<unknown>, name: string): Promise<void> {
  try {
    await promise;
  } catch (error) {
    expect(error, String(error)).to.be.instanceOf(ContractRevertError);
    expect((error as ContractRevertError).revert).to.equal(name);
    return;
  }
  expect.fail(`expected revert ${name}`);
}

describe("node/ledger ethers adapter", () => {
  let f: Awaited<ReturnType<typeof deployedConsortium>>;
  before(async () => {
    f = await deployedConsortium();
  });

  describe("createEthersLedger", () => {
    it("rejects addresses that hold no contract", async () => {
      try {
        await createEthersLedger({
          runner: f.signers.bankA!,
          addresses: { ...f.addresses, consents: Wallet.createRandom().address as Hex },
        });
        expect.fail("accepted");
      } catch (error) {
        expect(isKycnetError(error, "INVALID_ARGUMENT")).to.equal(true);
      }
    });
    it("gives a read-only client for a bare provider, which refuses writes", async () => {
      const reader = await createEthersLedger({ runner: f.provider, addresses: f.addresses });
      expect(await reader.isActiveMember((await f.signers.bankA!.getAddress()) as Hex)).to.equal(true);
      try {
        await reader.anchorBatch([await f.record()]);
        expect.fail("accepted");
      } catch (error) {
        expect(isKycnetError(error, "LEDGER_READ_ONLY")).to.equal(true);
      }
    });
  });

  describe("members", () => {
    it("finds members by account and peer id, and null for strangers", async () => {
      const a = await f.ledgerA.findMember(await f.ledgerA.account());
      expect(a?.name).to.equal("Bank A");
      expect(a?.active).to.equal(true);
      expect((await f.ledgerB.findMemberByPeerId(a!.peerId))?.account).to.equal(a!.account);
      expect(await f.ledgerB.findMemberByPeerId(randomBytes(38))).to.equal(null);
      expect(await f.ledgerB.findMember(Wallet.createRandom().address as Hex)).to.equal(null);
    });
  });

  describe("audit heads", () => {
    const hashOf = (n: number) => n.toString(16).padStart(64, "0");
    it("carries the audit head in the batch's transaction, and anchors a head alone; auditAnchors reads both", async () => {
      const account = await f.ledgerB.account();
      const fromBlock = await f.provider.getBlockNumber();
      const batch = await f.ledgerB.anchorBatch([await f.record()], { count: 12, hash: hashOf(12) });
      const alone = await f.ledgerB.anchorAuditHead({ count: 15, hash: hashOf(15) });
      const anchors = await f.ledgerA.auditAnchors(account, fromBlock);
      expect(anchors).to.deep.equal([
        { count: 12, head: hashOf(12), txHash: batch.txHash, blockNumber: batch.blockNumber },
        { count: 15, head: hashOf(15), txHash: alone.txHash, blockNumber: alone.blockNumber },
      ]);
      expect(await f.ledgerA.auditAnchors(await f.ledgerOutsider.account(), fromBlock)).to.deep.equal([]);
    });
    it("sends no head with a batch given none", async () => {
      const account = await f.ledgerA.account();
      const fromBlock = (await f.provider.getBlockNumber()) + 1;
      await f.ledgerA.anchorBatch([await f.record()]);
      expect(await f.ledgerA.auditAnchors(account, fromBlock)).to.deep.equal([]);
    });
    it("rejects an empty or malformed head before sending anything", async () => {
      for (const head of [
        { count: 0, hash: hashOf(1) },
        { count: 1, hash: "0x" + hashOf(1) },
        { count: -1, hash: hashOf(1) },
      ]) {
        try {
          await f.ledgerA.anchorAuditHead(head);
          expect.fail("accepted");
        } catch (error) {
          expect(isKycnetError(error, "INVALID_ARGUMENT"), String(error)).to.equal(true);
        }
      }
    });
  });

  describe("anchorBatch", () => {
    it("returns the contract's batch root and a proof per record that the contract accepts", async () => {
      const records = await Promise.all(Array.from({ length: 5 }, () => f.record()));
      const batch = await f.ledgerA.anchorBatch(records);
      expect(batch.uids).to.have.length(5);
      batch.proofs.forEach((p, i) =>
        expect(verifyBatchInclusion(batch.batchRoot, batch.uids[i]!, p.proof)).to.equal(true),
      );
      for (const p of batch.proofs) expect(await f.ledgerB.attestationStatus(p)).to.equal("VALID");
    });
    it("reverts with BatchAlreadyAnchored when the same batch is sent twice (safe outbox retries)", async () => {
      const records = [await f.record()];
      await f.ledgerA.anchorBatch(records);
      await expectRevert(f.ledgerA.anchorBatch(records), "BatchAlreadyAnchored");
    });
    it("reverts with NotActiveMember for an outsider", async () => {
      await expectRevert(f.ledgerOutsider.anchorBatch([await f.record()]), "NotActiveMember");
    });
    it("rejects an empty batch before sending anything", async () => {
      try {
        await f.ledgerA.anchorBatch([]);
        expect.fail("accepted");
      } catch (error) {
        expect(isKycnetError(error, "INVALID_ARGUMENT")).to.equal(true);
      }
    });
  });

  describe("revokeAttestation", () => {
    it("revokes at once; another member cannot", async () => {
      const [proof] = (await f.ledgerA.anchorBatch([await f.record()])).proofs;
      await expectRevert(f.ledgerB.revokeAttestation(proof!, RevocationReason.FRAUD_SUSPECTED), "NotIssuer");
      await f.ledgerA.revokeAttestation(proof!, RevocationReason.DATA_CORRECTED);
      expect(await f.ledgerB.attestationStatus(proof!)).to.equal("REVOKED");
    });
  });

  describe("consent", () => {
    it("grants by signature, reads its own write, records a disclosure, and revokes", async () => {
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
        purpose: Purpose.ONBOARDING,
        fieldMask: 0b111,
        validUntil: t + 3600n,
        nonce: 7n,
        deadline: t + 600n,
      };
      const { consentId } = await f.ledgerB.grantConsentBySig(
        grant,
        proof!,
        await signConsentGrant(subject, domain, grant),
      );
      expect(consentId).to.equal(consentIdOf(grant));
      expect(await f.ledgerB.consentStatus(consentId)).to.equal("ACTIVE");
      const stored = await f.ledgerA.findConsent(consentId);
      expect(stored?.grantee).to.equal(grant.grantee);
      expect(stored?.fieldMask).to.equal(0b111);

      await expectRevert(
        f.ledgerA.recordDisclosure(consentId, 0b1000, hexlify(randomBytes(32)) as Hex),
        "FieldsNotGranted",
      );
      await f.ledgerA.recordDisclosure(consentId, 0b101, hexlify(randomBytes(32)) as Hex);

      const revocation = { consentId, nonce: 8n, deadline: t + 600n };
      await f.ledgerC.revokeConsentBySig(revocation, await signConsentRevocation(subject, domain, revocation));
      expect(await f.ledgerA.consentStatus(consentId)).to.equal("REVOKED");
      const refused = await f.ledgerA
        .recordDisclosure(consentId, 0b1, hexlify(randomBytes(32)) as Hex)
        .catch((e: unknown) => e);
      expect(isRevert(refused, "ConsentAlreadyRevoked") || isRevert(refused, "ConsentNotActive")).to.equal(true);
    });

    it("reverts with InvalidSubjectSignature when another key signs", async () => {
      const [proof] = (await f.ledgerA.anchorBatch([await f.record()])).proofs;
      const t = await f.now();
      const domain = { chainId: await f.ledgerA.chainId(), verifyingContract: f.addresses.consents };
      const grant = {
        attestationUid: attestationUid(
          { chainId: domain.chainId, registry: f.addresses.attestations },
          proof!.issuer,
          proof!.data,
        ),
        grantee: await f.ledgerB.account(),
        purpose: Purpose.ONBOARDING,
        fieldMask: 1,
        validUntil: t + 3600n,
        nonce: 1n,
        deadline: t + 600n,
      };
      await expectRevert(
        f.ledgerB.grantConsentBySig(grant, proof!, await signConsentGrant(Wallet.createRandom(), domain, grant)),
        "InvalidSubjectSignature",
      );
    });

    it("finds no consent for an unknown id", async () => {
      expect(await f.ledgerA.findConsent(hexlify(randomBytes(32)) as Hex)).to.equal(null);
      expect(await f.ledgerA.consentStatus(hexlify(randomBytes(32)) as Hex)).to.equal("NONE");
    });
  });
});

describeLedgerClientCompliance("ethers adapter on Hardhat", async () => {
  const f = await deployedConsortium();
  return {
    ledgerA: f.ledgerA,
    ledgerB: f.ledgerB,
    ledgerC: f.ledgerC,
    outsider: f.ledgerOutsider,
    readOnly: await createEthersLedger({ runner: f.provider, addresses: f.addresses }),
    now: f.now,
    chainId: await f.ledgerA.chainId(),
    addresses: f.addresses,
    setNextBlockTime: async (t: bigint) => {
      await f.provider.send("evm_setNextBlockTimestamp", [Number(t)]);
    },
  };
});
