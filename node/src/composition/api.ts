/** The HTTP API over the node's use cases, with the readiness checks of what it depends on. */
import { buildApp } from "../api/app.ts";
import { apiConfig } from "../api/config.ts";
import type { NodeConfig } from "../config.ts";
import type { KeyManager } from "../custody/key-manager.ts";
import type { LedgerClient } from "../ledger/ledger-client.ts";
import { keyManagerOpen, ledgerReachable, probeCheck } from "../observability/checks.ts";
import type { Logger } from "../observability/logger.ts";
import type { Metrics } from "../observability/metrics.ts";
import type { ReadinessCheck } from "../observability/readiness.ts";
import type { ApiServices } from "../onboarding/ports.ts";
import type { ApiInstance } from "../api/route-context.ts";
import type { RecordStore } from "../vault/store/record-store.ts";

/** What /ready reports: the chain answers, the vault's LevelDB reads, the HSM session signs. */
export function nodeReadinessChecks(deps: { ledger: LedgerClient; store: RecordStore; keys: KeyManager }): ReadinessCheck[] {
  return [
    ledgerReachable(deps.ledger),
    probeCheck("vault", async () => void (await deps.store.get("audit-head"))),
    keyManagerOpen(deps.keys),
  ];
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
