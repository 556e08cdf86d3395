/** Connects to the chain: the JSON-RPC provider and the ledger client signing with the HSM's key. */
import { NonceManager, type JsonRpcProvider } from "ethers";
import type { Hex } from "@kycnet/sdk/protocol";
import type { NodeConfig } from "../config.ts";
import type { KeyManager } from "../custody/key-manager.ts";
import { createEthersLedger } from "../ledger/ethers/ethers-ledger.ts";
import type { ContractAddresses, LedgerClient } from "../ledger/ledger-client.ts";
import { createRpcProvider } from "../ledger/provider.ts";
import type { Logger } from "../observability/logger.ts";
import type { Startup } from "./startup.ts";

export interface NodeLedger {
  readonly provider: JsonRpcProvider;
  readonly ledger: LedgerClient;
  /** This node's member account (the HSM signing key's address). */
  readonly account: Hex;
  /** The chain the node started on; its attestations and readiness are bound to it. */
  readonly chainId: bigint;
}

export async function openLedger(
  config: NodeConfig,
  keys: KeyManager,
  startup: Startup,
  logger: Logger,
): Promise<NodeLedger> {
  const chain = config.chain;
  const network = chain.chainId === undefined ? {} : { chainId: BigInt(chain.chainId) };
  const provider = createRpcProvider(chain.rpcUrl, network);
  startup.onClose(async () => provider.destroy());
  // The NonceManager keeps this node's own transactions (anchoring, revocations) in sequence.
  const runner = new NonceManager(keys.createSigner(provider));
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
