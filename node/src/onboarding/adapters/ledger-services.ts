/**
 * The API's ledger-facing and audit ports over the vault and the ledger: attestation status (this
 * bank's own from its vault, PENDING until anchored; any other member's found on chain from its uid
 * alone), consent status, immediate revocation, and the API's audit sink writing into the vault's
 * hash-chained log.
 */
import type { Provider } from "ethers";
import { toConsentRevocation } from "@kycnet/sdk/protocol";
import { ChainLedgerReads, chainAttestationLocator, type AttestationLocator } from "./chain-ledger-reads.ts";
import type { AttestationAdmin, AuditSink, ConsentRelay, LedgerReads } from "../ports.ts";
import type { LedgerClient } from "../../ledger/ledger-client.ts";
import type { AuditLog } from "../../vault/audit-log.ts";
import type { Vault } from "../../vault/vault.ts";

/**
 * Attestation status and revocation for the API, over the ledger: proofs of this bank's own
 * attestations come from the vault (queued ones are PENDING), any other member's from chain data.
 */
export function createLedgerServices(deps: {
  vault: Vault;
  ledger: LedgerClient;
  provider: Provider;
  audit: AuditLog;
  statusTtlMs?: number;
}) {
  const vaultLocator: AttestationLocator = {
    async findProof(uid) {
      const meta = await deps.vault.findRecordByUid(uid);
      return meta === null ? null : deps.vault.proofOf(meta);
    },
  };
  const chainReads = new ChainLedgerReads({
    ledger: deps.ledger,
    locators: [vaultLocator, chainAttestationLocator(deps.provider, deps.ledger.addresses.attestations)],
    statusTtlMs: deps.statusTtlMs ?? 0,
    isPending: async (uid) => {
      const meta = await deps.vault.findRecordByUid(uid);
      return meta !== null && meta.status === "ACTIVE" && meta.anchor === null;
    },
  });

  const consents: ConsentRelay = {
    async relayRevocation(input, signature) {
      const revocation = toConsentRevocation({ ...input });
      const tx = await deps.ledger.revokeConsentBySig(revocation, signature);
      chainReads.forgetConsent(revocation.consentId);
      return { consentId: revocation.consentId, txHash: tx.txHash };
    },
  };

  const audit: AuditSink = {
    async append(entry) {
      await deps.audit.append({
        actor: entry.actor,
        action: entry.action,
        target: entry.target,
        outcome: entry.outcome,
        details: { ...entry.details, role: entry.role },
      });
    },
  };

  return { reads: chainReads as LedgerReads, admin: chainReads as AttestationAdmin, consents, audit };
}
