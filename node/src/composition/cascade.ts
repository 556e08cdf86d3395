/** The revocation cascade over the node's vault and ledger services (onboarding/revocation-cascade.ts). */
import type { Provider } from "ethers";
import type { NodeConfig } from "../config.ts";
import { RULES_V1 } from "../ekyc/decision/rule-set.ts";
import type { LedgerClient } from "../ledger/ledger-client.ts";
import type { Logger } from "../observability/logger.ts";
import type { ApiServices } from "../onboarding/ports.ts";
import { createRevocationCascade, type RevocationCascade } from "../onboarding/revocation-cascade.ts";
import { openSourceRevokedCase } from "../onboarding/source-revoked-cases.ts";
import type { NodeVault } from "./vault.ts";

export interface CascadeDeps {
  readonly provider: Provider;
  readonly ledger: LedgerClient;
  readonly vault: Pick<NodeVault, "store" | "audit" | "review" | "vault">;
  readonly services: Pick<ApiServices, "attestations" | "ledger">;
  readonly logger: Logger;
}

export function openRevocationCascade(config: NodeConfig, deps: CascadeDeps): RevocationCascade {
  const { attestations, ledger } = deps.services;
  return createRevocationCascade({
    provider: deps.provider,
    registry: deps.ledger.addresses.attestations,
    store: deps.vault.store,
    audit: deps.vault.audit,
    ledger: {
      revoke: (uid, reason) => attestations.revoke(uid, reason),
      attestationStatus: (uid) => ledger.attestationStatus(uid),
    },
    policy: RULES_V1.reuse.onSourceRevoked,
    openCase: (entry, reason) => openSourceRevokedCase(deps.vault, entry, reason),
    // Within one block period of the revocation (issue 21); a chain without a period still gets a second.
    intervalMs: config.chain.blockPeriodMs > 0 ? config.chain.blockPeriodMs : 1_000,
    onAction: (a) => deps.logger.warn(a, "a source attestation was revoked: acted on this bank's re-onboarding"),
    onError: (error) => deps.logger.warn({ err: error }, "revocation cascade poll failed"),
  });
}
