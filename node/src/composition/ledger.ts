/**
 * Connects to the chain: the JSON-RPC provider and the ledger client signing with the HSM's key.
 * Before anything else it asks the chain for its id, so that an unreachable URL or a chain other
 * than the configured one stops the start-up with a message naming the URL and both ids.
 */
import type { JsonRpcProvider } from "ethers";
import { KycnetError } from "@kycnet/sdk/errors";
import type { Hex } from "@kycnet/sdk/protocol";
import type { NodeConfig } from "../config.ts";
import type { KeyManager } from "../custody/key-manager.ts";
import { createEthersLedger } from "../ledger/ethers/ethers-ledger.ts";
import type { ContractAddresses, LedgerClient } from "../ledger/ledger-client.ts";
import { LeanNonceManager } from "../ledger/ethers/lean-nonce-manager.ts";
import { createRpcProvider, probeChainId, redactUrl, type RpcProviderOptions } from "../ledger/provider.ts";
import { StoreNonceSigner } from "../ha/store-nonce-signer.ts";
import type { Logger } from "../observability/logger.ts";
import type { VaultStore } from "./store.ts";
import type { Startup } from "./startup.ts";

export interface NodeLedger {
  readonly provider: JsonRpcProvider;
  readonly ledger: LedgerClient;
  /** This node's member account (the HSM signing key's address). */
  readonly account: Hex;
  /** The chain the node started on; its attestations and readiness are bound to it. */
  readonly chainId: bigint;
}

/** How the node authenticates to its chain's JSON-RPC (headers and/or a Besu JWT). */
export function rpcAuthOf(chain: NodeConfig["chain"]): Pick<RpcProviderOptions, "headers" | "jwt"> {
  return {
    ...(chain.rpcHeaders === undefined ? {} : { headers: chain.rpcHeaders }),
    ...(chain.jwt === undefined ? {} : { jwt: chain.jwt }),
  };
}

export async function openLedger(
  config: NodeConfig,
  keys: KeyManager,
  startup: Startup,
  logger: Logger,
  vault: VaultStore,
): Promise<NodeLedger> {
  const chain = config.chain;
  const auth = rpcAuthOf(chain);
  const actualChainId = await startup.step("chain", async () => {
    const id = await probeChainId(chain.rpcUrl, auth);
    if (chain.chainId !== undefined && id !== BigInt(chain.chainId)) {
      throw new KycnetError(
        "WRONG_CHAIN",
        `the chain at ${redactUrl(chain.rpcUrl)} has chain id ${id}, but chain.chainId in the configuration is ${chain.chainId}`,
        { details: { url: redactUrl(chain.rpcUrl), expected: chain.chainId, actual: id.toString() } },
      );
    }
    return id;
  });
  // The probed id is the provider's static network: ethers never re-detects (or retries) it.
  const provider = createRpcProvider(chain.rpcUrl, { chainId: actualChainId, ...auth });
  startup.onClose(async () => provider.destroy());
  // The nonce manager keeps this node's own transactions (anchoring, revocations) in sequence; with
  // several instances on one vault, the vault hands out the nonces instead (ha/store-nonce-signer.ts).
  const runner = vault.shared
    ? new StoreNonceSigner(keys.createSigner(provider), vault.store, provider)
    : new LeanNonceManager(keys.createSigner(provider));
  // The first calls to the chain are part of the step, so an unreachable chain closes the HSM session.
  return startup.step("ledger", async () => {
    const ledger = await createEthersLedger({
      runner,
      addresses: chain.addresses as ContractAddresses,
      confirmations: chain.confirmations,
    });
    const account = await ledger.account();
    if (!(await ledger.isActiveMember(account))) {
      logger.warn({ account }, "this node's account is not an active consortium member: it cannot anchor");
    }
    return { provider, ledger, account, chainId: await ledger.chainId() };
  });
}
