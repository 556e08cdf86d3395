/**
 * Compiled contract artifacts (ABI + bytecode) as Hardhat writes them under artifacts/. The node
 * reads them directly so it can deploy and call the contracts on any JSON-RPC chain without the
 * Hardhat runtime. `npm run build:contracts` (or any test run) produces them.
 */
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import type { InterfaceAbi } from "ethers";
import { KycnetError } from "@kycnet/sdk/errors";

export type ContractName = "ConsortiumRegistry" | "AttestationRegistry" | "ConsentRegistry";

export interface ContractArtifact {
  readonly contractName: string;
  readonly abi: InterfaceAbi;
  readonly bytecode: string;
}

export class ArtifactNotFoundError extends KycnetError {
  constructor(name: string, cause: unknown) {
    super("ARTIFACT_NOT_FOUND", `compiled artifact for ${name} not found: run \`npm run build:contracts\``, {
      details: { name },
      cause,
    });
  }
}

const ARTIFACTS_DIR = fileURLToPath(new URL("../../../artifacts/contracts/", import.meta.url));

const cache = new Map<string, Promise<ContractArtifact>>();

export function loadArtifact(name: ContractName): Promise<ContractArtifact> {
  let pending = cache.get(name);
  if (pending === undefined) {
    pending = readFile(`${ARTIFACTS_DIR}${name}.sol/${name}.json`, "utf8")
      .then((text) => JSON.parse(text) as ContractArtifact)
      .catch((cause: unknown) => {
        cache.delete(name);
        throw new ArtifactNotFoundError(name, cause);
      });
    cache.set(name, pending);
  }
  return pending;
}
