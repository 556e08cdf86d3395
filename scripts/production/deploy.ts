/**
 * The production deployment of the kycnet contracts: checks the genesis members (what each bank's
 * `kycnet token init` and `kycnet peer init` printed), refuses a chain whose id is not the one
 * planned, runs deployKycnet (the same function the demo and the tests use) and returns the
 * record the operator keeps: addresses.json (what nodes and auditors read) and deployment.json.
 * The deployer is any ethers Signer: an HSM-backed signer or a one-off key (see cli.ts).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { getBytes, type Signer } from "ethers";
import type { Hex } from "@kycnet/sdk/protocol";
import { deployKycnet, type GenesisMember } from "../../node/src/ledger/deploy.ts";
import type { ContractAddresses } from "../../node/src/ledger/ledger-client.ts";
import { ProductionInputError, ProductionIoError } from "./errors.ts";
import { parseMemberPublication, type MemberPublication } from "./governance.ts";
import { address, array, integer, object, type Json } from "./input.ts";
import { RESERVED_CHAIN_IDS } from "./qbft-genesis.ts";

export interface DeploymentInput {
  readonly chainId: number;
  readonly threshold: number;
  readonly members: readonly MemberPublication[];
  readonly auditors: readonly string[];
}

export interface DeploymentRecord {
  readonly chainId: number;
  readonly addresses: ContractAddresses;
  readonly deployer: string;
  /** The block holding the last deployment transaction: where indexers and auditors start. */
  readonly blockNumber: number;
  readonly threshold: number;
  readonly members: ReadonlyArray<{ readonly name: string; readonly account: string }>;
}

export function parseDeploymentInput(input: Json): DeploymentInput {
  const root = object(input, "", ["chainId", "threshold", "members", "auditors"]);
  const chainId = integer(root.chainId, "chainId", 1, 0xffff_ffff);
  const reserved = RESERVED_CHAIN_IDS.get(chainId);
  // 31337 stays usable here only for rehearsals on Hardhat; the genesis generator refuses it.
  if (reserved !== undefined && chainId !== 31337)
    throw new ProductionInputError("CHAIN_ID_RESERVED", "chainId", `${chainId} is ${reserved}`);
  const seen = new Set<string>();
  const members = array(root.members, "members", 1, 256).map((raw, i) => {
    const member = parseMemberPublication(raw, `members[${i}]`);
    if (seen.has(member.account))
      throw new ProductionInputError("BANK_DUPLICATE", `members[${i}].account`, `${member.account} is listed twice`);
    seen.add(member.account);
    return member;
  });
  const threshold = integer(root.threshold, "threshold", 1, members.length);
  const auditors = array(root.auditors ?? [], "auditors", 0, 64).map((a, i) => address(a, `auditors[${i}]`));
  return { chainId, threshold, members, auditors };
}

export class WrongChainError extends ProductionInputError {
  constructor(expected: number, actual: bigint) {
    super(
      "PRODUCTION_INPUT_INVALID",
      "chainId",
      `the RPC endpoint serves chain ${actual}, the input plans ${expected}: refusing to deploy`,
    );
  }
}

export async function deployConsortium(deployer: Signer, input: DeploymentInput): Promise<DeploymentRecord> {
  const provider = deployer.provider;
  if (provider === null)
    throw new ProductionInputError("PRODUCTION_INPUT_INVALID", "deployer", "signer has no provider");
  const { chainId } = await provider.getNetwork();
  if (chainId !== BigInt(input.chainId)) throw new WrongChainError(input.chainId, chainId);
  const members: GenesisMember[] = input.members.map((m) => ({
    account: m.account as Hex,
    name: m.name,
    peerId: getBytes(m.peerIdBytes),
    transportKey: getBytes(m.transportPublicKey),
  }));
  const addresses = await deployKycnet(deployer, {
    members,
    auditors: input.auditors as Hex[],
    threshold: input.threshold,
  });
  return {
    chainId: input.chainId,
    addresses,
    deployer: await deployer.getAddress(),
    blockNumber: await provider.getBlockNumber(),
    threshold: input.threshold,
    members: input.members.map((m) => ({ name: m.name, account: m.account })),
  };
}

/** addresses.json (for `kycnet audit --addresses` and node-configs) and deployment.json (the record). */
export function writeDeployment(
  record: DeploymentRecord,
  outDir: string,
): { addressesFile: string; deploymentFile: string } {
  const dir = resolve(outDir);
  const addressesFile = join(dir, "addresses.json");
  const deploymentFile = join(dir, "deployment.json");
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(addressesFile, `${JSON.stringify(record.addresses, null, 2)}\n`);
    writeFileSync(deploymentFile, `${JSON.stringify(record, null, 2)}\n`);
  } catch (cause) {
    throw new ProductionIoError(dir, "write", cause);
  }
  return { addressesFile, deploymentFile };
}
