/**
 * Ready-made readiness checks for the node's dependencies. Each check takes only the one method it
 * calls, so the composition root passes the real LedgerClient / KeyManager and tests pass a stub.
 */
import type { KeyManager } from "../custody/key-manager.ts";
import type { LedgerClient } from "../ledger/ledger-client.ts";
import type { ReadinessCheck } from "./readiness.ts";

/** The chain answers JSON-RPC (and is the chain this node was configured for, when `expectedChainId` is given). */
export function ledgerReachable(ledger: Pick<LedgerClient, "chainId">, expectedChainId?: bigint): ReadinessCheck {
  return {
    name: "ledger",
    async check() {
      const id = await ledger.chainId();
      if (expectedChainId !== undefined && id !== expectedChainId)
        throw new Error(`chain id ${id}, expected ${expectedChainId}`);
    },
  };
}

/** The HSM session is open and the signing key is usable (KEY_MANAGER_CLOSED or an HSM error means not ready). */
export function keyManagerOpen(keys: Pick<KeyManager, "getAddress">): ReadinessCheck {
  return { name: "hsm", check: async () => void (await keys.getAddress()) };
}

/** Any other dependency: ready when `probe` resolves to anything but `false`. */
export function probeCheck(name: string, probe: (signal: AbortSignal) => Promise<boolean | void>): ReadinessCheck {
  return { name, check: probe };
}
