/**
 * The set-up every single-bank test and bench shares: a local chain with the contracts and one
 * admitted bank ("Bank A", its SoftHSM token, no registry reachable), and that bank's node.json.
 * The caller stops the chain; a set-up that fails half-way stops it itself.
 */
import { loadNodeConfig, type NodeConfig } from "../../node/src/config.ts";
import { DEMO_HSM_PIN, prepareConsortium, type ConsortiumSetup } from "../../scripts/consortium/setup.ts";
import { startLocalChain, type LocalChain } from "../../scripts/lib/local-chain.ts";

export interface OneBank {
  readonly chain: LocalChain;
  readonly setup: ConsortiumSetup;
  /** Bank A's configuration as prepared (its data folder under `dir`). */
  readonly base: NodeConfig;
}

export async function prepareOneBank(dir: string): Promise<OneBank> {
  const chain = await startLocalChain();
  try {
    const setup = await prepareConsortium({
      dir,
      rpcUrl: chain.url,
      chainId: chain.chainId,
      registryUrl: "http://127.0.0.1:9",
      bankNames: ["Bank A"],
      threshold: 1,
    });
    process.env.KYCNET_HSM_PIN = DEMO_HSM_PIN;
    return { chain, setup, base: await loadNodeConfig(setup.banks[0]!.configPath) };
  } catch (error) {
    await chain.stop();
    throw error;
  }
}
