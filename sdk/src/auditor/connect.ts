/**
 * Read-only chain access for auditors and tools: a JSON-RPC URL and the three contract addresses,
 * nothing else. Fails fast with typed errors: CHAIN_UNREACHABLE when the endpoint does not answer
 * (ethers would otherwise retry network detection forever), CONTRACTS_NOT_FOUND when the
 * addresses hold no contracts on that chain (wrong chain, or an addresses file of another deployment).
 */
import { JsonRpcProvider, Network } from "ethers";
import { InvalidArgumentError } from "../errors.ts";
import { assertAddress, type Hex } from "../protocol/bytes.ts";
import { ChainUnreachableError, ContractsNotFoundError, WrongChainError } from "./errors.ts";

export interface KycnetAddresses {
  readonly consortium: Hex;
  readonly attestations: Hex;
  readonly consents: Hex;
}

/** An addresses file may name its chain; then a connection to another chain is refused. */
export interface AddressesFile extends KycnetAddresses {
  readonly chainId?: bigint;
  /** The deployment block: event searches start there. */
  readonly fromBlock?: number;
}

export interface ReadOnlyChain {
  readonly provider: JsonRpcProvider;
  readonly chainId: bigint;
  readonly addresses: KycnetAddresses;
}

const MAX_ADDRESSES_FILE = 64 * 1024;

/** Parses an addresses file `{ consortium, attestations, consents, chainId?, fromBlock? }` (extra keys are ignored). */
export function parseAddresses(text: string, source = "addresses"): AddressesFile {
  if (text.length > MAX_ADDRESSES_FILE) throw new InvalidArgumentError(source, "file too large");
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (cause) {
    throw new InvalidArgumentError(source, "not JSON", { cause });
  }
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new InvalidArgumentError(source, "must be a JSON object");
  const d = doc as Record<string, unknown>;
  for (const key of ["consortium", "attestations", "consents"] as const) assertAddress(d[key], `${source}.${key}`);
  let chainId: bigint | undefined;
  if (d.chainId !== undefined) {
    if (!(typeof d.chainId === "number" && Number.isSafeInteger(d.chainId) && d.chainId > 0)
      && !(typeof d.chainId === "string" && /^(0x[0-9a-fA-F]{1,16}|\d{1,20})$/.test(d.chainId))) {
      throw new InvalidArgumentError(`${source}.chainId`, "must be a positive integer");
    }
    chainId = BigInt(d.chainId);
  }
  if (d.fromBlock !== undefined && !(typeof d.fromBlock === "number" && Number.isSafeInteger(d.fromBlock) && d.fromBlock >= 0)) {
    throw new InvalidArgumentError(`${source}.fromBlock`, "must be a block number");
  }
  return Object.freeze({
    consortium: d.consortium as Hex, attestations: d.attestations as Hex, consents: d.consents as Hex,
    ...(chainId === undefined ? {} : { chainId }), ...(d.fromBlock === undefined ? {} : { fromBlock: d.fromBlock as number }),
  });
}

export function assertRpcUrl(url: unknown): asserts url is string {
  let parsed: URL;
  try {
    parsed = new URL(String(url));
  } catch (cause) {
    throw new InvalidArgumentError("rpc", "must be an http(s) URL", { cause });
  }
  if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new InvalidArgumentError("rpc", "must be an http(s) URL");
}

async function rpcChainId(url: string, timeoutMs: number): Promise<bigint> {
  try {
    const response = await fetch(url, {
      method: "POST", headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    const body = (await response.json()) as { result?: unknown };
    if (typeof body.result !== "string" || !/^0x[0-9a-fA-F]{1,16}$/.test(body.result)) throw new Error("no chain id in the answer");
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
  for (const [name, address] of Object.entries(addresses)) {
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
