/**
 * Read-only chain access for auditors and tools: a JSON-RPC URL and the three contract addresses,
 * nothing else. Fails fast with typed errors: CHAIN_UNREACHABLE when the endpoint does not answer
 * (ethers would otherwise retry network detection forever), CONTRACTS_NOT_FOUND when the
 * addresses hold no contracts on that chain (wrong chain, or an addresses file of another deployment).
 */
import { JsonRpcProvider, Network } from "ethers";
import { InvalidArgumentError } from "../errors.ts";
import type { AddressesFile, KycnetAddresses } from "../chain/addresses.ts";
import type { Hex } from "../protocol/bytes.ts";
import { ChainUnreachableError, ContractsNotFoundError, WrongChainError } from "./errors.ts";

// The addresses file has one parser for every reader (chain/addresses.ts); auditors import it from here too.
export { addressesFromJson, parseAddresses, type AddressesFile, type KycnetAddresses } from "../chain/addresses.ts";

export interface ReadOnlyChain {
  readonly provider: JsonRpcProvider;
  readonly chainId: bigint;
  readonly addresses: KycnetAddresses;
}

export function assertRpcUrl(url: unknown): asserts url is string {
  let parsed: URL;
  try {
    parsed = new URL(String(url));
  } catch (cause) {
    throw new InvalidArgumentError("rpc", "must be an http(s) URL", { cause });
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:")
    throw new InvalidArgumentError("rpc", "must be an http(s) URL");
}

async function rpcChainId(url: string, timeoutMs: number): Promise<bigint> {
  try {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await response.json()) as { result?: unknown };
    if (typeof body.result !== "string" || !/^0x[0-9a-fA-F]{1,16}$/.test(body.result))
      throw new Error("no chain id in the answer");
    return BigInt(body.result);
  } catch (cause) {
    throw new ChainUnreachableError(url, { cause });
  }
}

export async function connectReadOnly(options: {
  readonly rpcUrl: string;
  readonly addresses: AddressesFile;
  readonly timeoutMs?: number;
}): Promise<ReadOnlyChain> {
  assertRpcUrl(options.rpcUrl);
  const chainId = await rpcChainId(options.rpcUrl, options.timeoutMs ?? 5000);
  if (options.addresses.chainId !== undefined && options.addresses.chainId !== chainId) {
    throw new WrongChainError(options.addresses.chainId, chainId);
  }
  const { consortium, attestations, consents } = options.addresses;
  const addresses: KycnetAddresses = Object.freeze({ consortium, attestations, consents });
  const network = Network.from(chainId);
  // No request cache: an auditor re-reading after a new block must see it.
  const provider = new JsonRpcProvider(options.rpcUrl, network, { staticNetwork: network, cacheTimeout: -1 });
  for (const [name, address] of Object.entries(addresses) as [keyof KycnetAddresses, Hex][]) {
    let code: string;
    try {
      code = await provider.getCode(address);
    } catch (cause) {
      provider.destroy();
      throw new ChainUnreachableError(options.rpcUrl, { cause });
    }
    if (code === "0x") {
      provider.destroy();
      throw new ContractsNotFoundError(name, address, chainId);
    }
  }
  return Object.freeze({ provider, chainId, addresses });
}
