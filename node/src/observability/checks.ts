/**
 * Ready-made readiness checks for the node's dependencies. Each check takes only the one method it
 * calls, so the composition root passes the real LedgerClient / KeyManager and tests pass a stub.
 */
import type { KeyManager } from "../custody/key-manager.ts";
import type { LedgerClient } from "../ledger/ledger-client.ts";
import { PublicNotReadyReason, type ReadinessCheck } from "./readiness.ts";

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

export interface FundsSource {
  /** The account's balance in wei. */
  balance(): Promise<bigint>;
  /** The chain's gas price in wei (0 on a permissioned chain without fees). */
  gasPrice(): Promise<bigint>;
}

/** Thrown (and logged by /ready) when the account cannot pay for the anchoring it must do. */
export class InsufficientFundsForAnchoringError extends Error {
  constructor(
    readonly balanceWei: bigint,
    readonly neededWei: bigint,
  ) {
    super(`account balance ${balanceWei} wei is below the ${neededWei} wei needed to anchor: fund the node's account`);
  }
}

/**
 * The node's account can pay for `transactions` anchoring transactions of `gasPerTransaction` at the
 * current gas price. Anchoring failures are retried forever in the background, so without this
 * check an unfunded node looks ready while nothing reaches the chain. `onBalance` receives every
 * balance read (for a gauge).
 */
export function anchoringFunds(
  source: FundsSource,
  need: { readonly gasPerTransaction: bigint; readonly transactions: number },
  onBalance?: (balanceWei: bigint) => void,
): ReadinessCheck {
  return {
    name: "funds",
    async check() {
      const [balance, gasPrice] = await Promise.all([source.balance(), source.gasPrice()]);
      onBalance?.(balance);
      const needed = gasPrice * need.gasPerTransaction * BigInt(need.transactions);
      if (balance < needed) throw new InsufficientFundsForAnchoringError(balance, needed);
    },
  };
}

/**
 * The start-up vault check passed (vault/vault-check.ts). Its findings are file names, record ids and
 * audit sequence numbers, so /ready shows them: the operator sees why without reading the log.
 */
export function vaultIntact(result: { readonly ok: boolean; readonly problems: readonly string[] }): ReadinessCheck {
  return {
    name: "vault-integrity",
    async check() {
      if (!result.ok) throw new PublicNotReadyReason(result.problems.join("; "));
    },
  };
}
