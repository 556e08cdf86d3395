/**
 * The one way the node opens a JSON-RPC connection. ethers' default provider merges identical
 * requests made within 250 ms, which makes a bank read its own write stale (grant a consent, read
 * its status: NONE). A bank must read its own writes, so the cache is off.
 */
import { JsonRpcProvider, Network } from "ethers";

export interface RpcProviderOptions {
  /** Known chain id: skips network detection and its retries at start-up. */
  readonly chainId?: bigint;
  readonly pollingIntervalMs?: number;
}

export function createRpcProvider(url: string, options: RpcProviderOptions = {}): JsonRpcProvider {
  const network = options.chainId === undefined ? undefined : Network.from(options.chainId);
  return new JsonRpcProvider(url, network, {
    cacheTimeout: -1,
    staticNetwork: network ?? false,
    pollingInterval: options.pollingIntervalMs ?? 250,
  });
}
