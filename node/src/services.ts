/**
 * The API's ledger-facing and audit ports, implemented over the vault and the ledger:
 * attestation status (this bank's own from its vault, PENDING until anchored; any other member's
 * found on chain from its uid alone), consent status, immediate revocation, and the API's audit sink
 * writing into the vault's hash-chained log.
 */
import type { Provider } from "ethers";
import { toConsentRevocation } from "@kycnet/sdk/protocol";
import { ChainLedgerReads, chainAttestationLocator, type AttestationLocator } from "./api/adapters/chain-ledger-reads.ts";
import type { AttestationAdmin, AuditSink, ConsentRelay, LedgerReads, ReviewCase, ReviewQueue } from "./api/services.ts";
import type { LedgerClient } from "./ledger/ledger-client.ts";
import type { RecordSource } from "./exchange/record-server.ts";
import type { AuditLog } from "./vault/audit-log.ts";
import { reasonsShown } from "./ekyc/decision/reasons.ts";
import type { QueuedCase, ReviewQueueStore } from "./vault/review-queue.ts";
import type { Vault } from "./vault/vault.ts";

/**
 * Attestation status and revocation for the API, over the ledger: proofs of this bank's own
 * attestations come from the vault (queued ones are PENDING), any other member's from chain data.
 */
export function createLedgerServices(deps: { vault: Vault; ledger: LedgerClient; provider: Provider; audit: AuditLog; statusTtlMs?: number }) {
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
        actor: entry.actor, action: entry.action, target: entry.target, outcome: entry.outcome,
        details: { ...entry.details, role: entry.role },
      });
    },
  };

  return { reads: chainReads as LedgerReads, admin: chainReads as AttestationAdmin, consents, audit };
}

/** The API's view of the vault's review queue (the API never sees record ids or evidence). */
export function createReviewService(queue: ReviewQueueStore, vault: Vault): ReviewQueue {
  const view = async (c: QueuedCase): Promise<ReviewCase> => ({
    caseId: c.caseId, sessionId: c.sessionId, status: c.status, createdAt: c.createdAt,
    reasons: reasonsShown(c.decision.reasons),
    ...(c.claimedBy === undefined ? {} : { reviewer: c.claimedBy }),
    ...(c.resolution === undefined ? {} : { reviewer: c.resolution.reviewer, decidedAt: c.resolution.at }),
    ...(c.status === "APPROVED" ? { attestationUid: (await vault.getRecordMeta(c.recordId)).uid } : {}),
  });
  return {
    async list(filter) {
      const page = await queue.list(filter);
      return { cases: await Promise.all(page.cases.map(view)), ...(page.nextCursor === undefined ? {} : { nextCursor: page.nextCursor }) };
    },
    claim: async (caseId, reviewer) => view(await queue.claim(caseId, reviewer)),
    approve: async (caseId, reviewer, comment) => view(await queue.approve(caseId, reviewer, comment)),
    reject: async (caseId, reviewer, comment) => view(await queue.reject(caseId, reviewer, comment)),
  };
}

/** The vault as the record server's source: only this bank's anchored, active records can be disclosed. */
export function vaultRecordSource(vault: Vault): RecordSource {
  return {
    async findByAttestationUid(uid) {
      const meta = await vault.findRecordByUid(uid);
      const proof = meta === null ? null : vault.proofOf(meta);
      if (meta === null || meta.status !== "ACTIVE" || proof === null) return null;
      return {
        recordId: meta.id,
        attestation: proof,
        async open() {
          const record = await vault.openRecord(meta.id, "exchange", "disclosure-under-consent");
          const template = record.evidence.faceTemplate;
          return { fields: record.fields, salts: record.salts, faceTemplate: typeof template === "string" ? new Uint8Array(Buffer.from(template, "base64")) : null };
        },
      };
    },
  };
}
