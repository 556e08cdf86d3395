/**
 * Deploys the three kycnet contracts in dependency order with one deployer account. Used by
 * the demo, the local consortium script, tests and benchmarks; production deployments run the
 * same function against the consortium's chain (see scripts/).
 */
import { ContractFactory, type Signer } from "ethers";
import type { Hex } from "@kycnet/sdk/protocol";
import { loadArtifact, type ContractName } from "./artifacts.ts";
import { toLedgerError } from "./errors.ts";
import type { ContractAddresses } from "./ledger-client.ts";

export interface GenesisMember {
  readonly account: Hex;
  readonly name: string;
  /** libp2p peer id, binary multihash. */
  readonly peerId: Uint8Array;
  /** P-256 public key, SEC1. */
  readonly transportKey: Uint8Array;
}

export interface DeployOptions {
  readonly members: readonly GenesisMember[];
  readonly auditors?: readonly Hex[];
  /** Approvals needed for consortium changes (M of N). */
  readonly threshold: number;
}

async function deployOne(deployer: Signer, name: ContractName, args: unknown[]): Promise<Hex> {
  const artifact = await loadArtifact(name);
  try {
    const contract = await new ContractFactory(artifact.abi, artifact.bytecode, deployer).deploy(...args);
    await contract.waitForDeployment();
    return (await contract.getAddress()) as Hex;
  } catch (error) {
    throw toLedgerError(`deploy ${name}`, error);
  }
}

export async function deployKycnet(deployer: Signer, options: DeployOptions): Promise<ContractAddresses> {
  const consortium = await deployOne(deployer, "ConsortiumRegistry", [
    options.members.map((m) => ({ account: m.account, name: m.name, peerId: m.peerId, transportKey: m.transportKey })),
    options.auditors ?? [],
    options.threshold,
  ]);
  const attestations = await deployOne(deployer, "AttestationRegistry", [consortium]);
  const consents = await deployOne(deployer, "ConsentRegistry", [consortium, attestations]);
  return Object.freeze({ consortium, attestations, consents });
}
