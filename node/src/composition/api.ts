/** The HTTP API over the node's use cases, with the readiness checks of what it depends on. */
import { buildApp } from "../api/app.ts";
import { apiConfig } from "../api/config.ts";
import type { NodeConfig } from "../config.ts";
import type { KeyManager } from "../custody/key-manager.ts";
import { anchoringFunds, keyManagerOpen, ledgerReachable, probeCheck, vaultIntact } from "../observability/checks.ts";
import type { Logger } from "../observability/logger.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { ReadinessCheck } from "../observability/readiness.ts";
import type { ApiServices } from "../onboarding/ports.ts";
import type { ApiInstance } from "../api/route-context.ts";
import type { RecordStore } from "../vault/store/record-store.ts";

/** A JSON-RPC endpoint (the node's provider). */
export interface JsonRpcEndpoint {
  send(method: string, params: unknown[]): Promise<unknown>;
}

export interface ReadinessDeps {
  readonly rpc: JsonRpcEndpoint;
  /** The chain the node started on: its attestations are bound to it. */
  readonly chainId: bigint;
  readonly store: RecordStore;
  readonly keys: KeyManager;
  /** The start-up vault check's outcome ("vault-integrity"; omitted: no such check). */
  readonly vaultCheck?: { readonly ok: boolean; readonly problems: readonly string[] };
  /** The node's account, and the gas it needs for one anchoring transaction times how many (0: no check). */
  readonly funds?: {
    readonly account: string;
    readonly gasPerTransaction: bigint;
    readonly transactions: number;
    readonly onBalance?: (balanceWei: bigint) => void;
  };
}

/**
 * What /ready reports: the chain answers and is still the one the node started on, the vault's
 * LevelDB reads, the HSM session signs, the account can pay for anchoring ("funds"). The chain is asked with a raw eth_chainId on every check:
 * `LedgerClient.chainId()` is cached after the first call, so it would report "up" for a chain
 * that has since gone away.
 */
export function nodeReadinessChecks(deps: ReadinessDeps): ReadinessCheck[] {
  const chain = { chainId: async () => BigInt(String(await deps.rpc.send("eth_chainId", []))) };
  const checks = [
    ledgerReachable(chain, deps.chainId),
    probeCheck("vault", async () => void (await deps.store.get("audit-head"))),
    keyManagerOpen(deps.keys),
  ];
  if (deps.vaultCheck !== undefined) checks.push(vaultIntact(deps.vaultCheck));
  const funds = deps.funds;
  if (funds !== undefined && funds.transactions > 0) {
    const quantity = async (method: string, params: unknown[]) => BigInt(String(await deps.rpc.send(method, params)));
    checks.push(
      anchoringFunds(
        {
          balance: () => quantity("eth_getBalance", [funds.account, "latest"]),
          gasPrice: () => quantity("eth_gasPrice", []),
        },
        funds,
        funds.onBalance,
      ),
    );
  }
  return checks;
}

export interface NodeApiDeps {
  readonly services: ApiServices;
  readonly readinessChecks: readonly ReadinessCheck[];
  readonly metrics: Metrics;
  readonly logger: Logger;
}

export function buildNodeApp(config: NodeConfig, deps: NodeApiDeps): Promise<ApiInstance> {
  const { apiKeys, rateLimit } = config.api;
  return buildApp(deps, apiConfig({ apiKeys, ...(rateLimit === undefined ? {} : { rateLimit }) }));
}
