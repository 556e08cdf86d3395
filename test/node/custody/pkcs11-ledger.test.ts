/**
 * HSM keys on the kycnet contracts, through the node's own ledger client: two banks whose member
 * accounts and published transport keys are SoftHSM2 keys, bank A anchoring a batch with
 * transactions its token signs, a customer key (a third token) signing the EIP-712 consent grant
 * that the ConsentRegistry checks with OpenZeppelin ECDSA, and bank B relaying it from its token.
 */
import { expect } from "chai";
import { network } from "hardhat";
import { hexlify, keccak256, parseEther, randomBytes, toUtf8Bytes, type Signer } from "ethers";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AssuranceLevel,
  encodePipelineVersion,
  Method,
  Purpose,
  signConsentGrant,
  type AttestationData,
  type ConsentGrant,
  type Hex,
} from "@kycnet/sdk/protocol";
import { deployKycnet } from "../../../node/src/ledger/deploy.ts";
import { createEthersLedger } from "../../../node/src/ledger/ethers/ethers-ledger.ts";
import { DEFAULT_MODULE_PATH } from "../../../node/src/custody/pkcs11/config.ts";
import { openPkcs11KeyManager, type Pkcs11KeyManager } from "../../../node/src/custody/pkcs11/pkcs11-key-manager.ts";
import { provisionToken, writeSoftHsmConf } from "../../../node/src/custody/provision.ts";

const PIN = "ledger-test-pin";

describe("custody/pkcs11 on the kycnet contracts", function () {
  const dir = mkdtempSync(join(tmpdir(), "kycnet-hsm-ledger-"));
  const softhsm2Conf = writeSoftHsmConf(dir);
  const managers: Record<string, Pkcs11KeyManager> = {};

  before(async () => {
    for (const label of ["bank-a", "bank-b", "customer"]) {
      await provisionToken({
        modulePath: DEFAULT_MODULE_PATH,
        tokenLabel: label,
        soPin: "ledger-so-pin",
        userPin: PIN,
        softhsm2Conf,
      });
      managers[label] = await openPkcs11KeyManager({
        modulePath: DEFAULT_MODULE_PATH,
        tokenLabel: label,
        pin: PIN,
        softhsm2Conf,
      });
    }
  });
  after(async () => {
    for (const km of Object.values(managers)) await km.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("anchors a batch signed by bank A's token and records a consent grant the customer's token signed, relayed by bank B's token", async () => {
    const { ethers } = await network.create();
    const [deployer] = (await ethers.getSigners()) as unknown as Signer[];
    const bankA = managers["bank-a"]!.createSigner(ethers.provider);
    const bankB = managers["bank-b"]!.createSigner(ethers.provider);
    const customer = managers["customer"]!.createSigner(ethers.provider);
    for (const bank of [bankA, bankB])
      await (await deployer!.sendTransaction({ to: await bank.getAddress(), value: parseEther("10") })).wait();

    const member = async (km: Pkcs11KeyManager, name: string) => ({
      account: (await km.getAddress()) as Hex,
      name,
      peerId: randomBytes(38),
      transportKey: await km.getTransportPublicKey(),
    });
    const addresses = await deployKycnet(deployer!, {
      members: [await member(managers["bank-a"]!, "Bank A"), await member(managers["bank-b"]!, "Bank B")],
      threshold: 1,
    });
    const ledgerA = await createEthersLedger({ runner: bankA, addresses });
    const ledgerB = await createEthersLedger({ runner: bankB, addresses });

    // The transport key bank B published on chain is the one its token opens messages for.
    const published = await ledgerA.findMember((await bankB.getAddress()) as Hex);
    expect(hexlify(published!.transportKey)).to.equal(hexlify(await managers["bank-b"]!.getTransportPublicKey()));
    const aad = toUtf8Bytes("consent:ledger");
    const sealed = await managers["bank-a"]!.sealForPeer(
      published!.transportKey,
      toUtf8Bytes("record for bank B"),
      aad,
    );
    expect(new TextDecoder().decode(await managers["bank-b"]!.openFromPeer(sealed, aad))).to.equal("record for bank B");

    const now = BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
    const record: AttestationData = {
      subject: (await customer.getAddress()) as Hex,
      recordRoot: keccak256(toUtf8Bytes("record")) as Hex,
      method: Method.FULL_EKYC,
      assuranceLevel: AssuranceLevel.LEVEL_1,
      pipelineVersion: encodePipelineVersion("ekyc/0.1.0"),
      issuedAt: now,
      expiresAt: now + 365n * 86_400n,
      refCommitment: `0x${"00".repeat(32)}`,
    };
    const anchored = await ledgerA.anchorBatch([record]);
    expect(anchored.uids).to.have.length(1);
    const receipt = await ethers.provider.getTransactionReceipt(anchored.txHash);
    expect(receipt?.from).to.equal(await bankA.getAddress());

    const grant: ConsentGrant = {
      attestationUid: anchored.uids[0]!,
      grantee: (await bankB.getAddress()) as Hex,
      purpose: Purpose.ONBOARDING,
      fieldMask: 0b1101,
      validUntil: now + 30n * 86_400n,
      nonce: 1n,
      deadline: now + 3600n,
    };
    const signature = await signConsentGrant(
      customer,
      { chainId: await ledgerB.chainId(), verifyingContract: addresses.consents },
      grant,
    );
    const { consentId } = await ledgerB.grantConsentBySig(grant, anchored.proofs[0]!, signature);
    expect(await ledgerB.consentStatus(consentId)).to.equal("ACTIVE");
  });
});
