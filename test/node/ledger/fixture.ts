/** A deployed kycnet consortium on a fresh in-process Hardhat network, for ledger and SDK tests. */
import { network } from "hardhat";
import { Wallet, ZeroHash, hexlify, randomBytes, type Signer } from "ethers";
import { AssuranceLevel, Method, encodePipelineVersion, type AttestationData, type Hex } from "@kycnet/sdk/protocol";
import { deployKycnet, type GenesisMember } from "../../../node/src/ledger/deploy.ts";
import { createEthersLedger } from "../../../node/src/ledger/ethers/ethers-ledger.ts";

export const devMember = async (signer: Signer, name: string): Promise<GenesisMember> => ({
  account: (await signer.getAddress()) as Hex,
  name,
  peerId: randomBytes(38),
  transportKey: new Uint8Array([3, ...randomBytes(32)]),
});

export async function deployedConsortium() {
  const connection = await network.create();
  const { ethers } = connection;
  const [deployer, bankA, bankB, bankC, outsider] = (await ethers.getSigners()) as unknown as Signer[];
  const addresses = await deployKycnet(deployer!, {
    members: [await devMember(bankA!, "Bank A"), await devMember(bankB!, "Bank B"), await devMember(bankC!, "Bank C")],
    threshold: 2,
  });
  const [ledgerA, ledgerB, ledgerC, ledgerOutsider] = await Promise.all(
    [bankA!, bankB!, bankC!, outsider!].map((runner) => createEthersLedger({ runner, addresses })),
  );
  const now = async () => BigInt((await ethers.provider.getBlock("latest"))!.timestamp);
  const record = async (subject: Hex = Wallet.createRandom().address as Hex): Promise<AttestationData> => {
    const t = await now();
    return {
      subject,
      recordRoot: hexlify(randomBytes(32)) as Hex,
      method: Method.FULL_EKYC,
      assuranceLevel: AssuranceLevel.LEVEL_1,
      pipelineVersion: encodePipelineVersion("ekyc/test"),
      issuedAt: t,
      expiresAt: t + 86_400n * 365n,
      refCommitment: ZeroHash as Hex,
    };
  };
  return {
    connection,
    ethers,
    provider: ethers.provider,
    addresses,
    signers: { deployer, bankA, bankB, bankC, outsider },
    ledgerA: ledgerA!,
    ledgerB: ledgerB!,
    ledgerC: ledgerC!,
    ledgerOutsider: ledgerOutsider!,
    now,
    record,
  };
}
