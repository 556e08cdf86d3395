/**
 * The revocation cascade's REVIEW action (issue 21 item 2): a re-onboarded customer whose source
 * attestation was revoked, for a reason the rule set sends to a reviewer (`reuse.onSourceRevoked:
 * REVIEW`), gets a SOURCE_REVOKED review case on this bank's own, ACTIVE record. The reviewer keeps
 * the attestation (approve: nothing changes) or revokes it (reject: revoked on chain with the
 * source's reason, then the case closes in one audited write naming the transaction).
 */
import { RevocationReason, type RevocationReasonName } from "@kycnet/sdk/protocol";
import { KycnetError } from "@kycnet/sdk/errors";
import { decideSourceRevoked } from "../ekyc/decision/engine.ts";
import type { RuleSet } from "../ekyc/decision/rule-set.ts";
import type { LedgerClient } from "../ledger/ledger-client.ts";
import type { Vault } from "../vault/vault.ts";
import type { ReuseIndexEntry } from "./reuse-index.ts";
import type { ReviewQueueStore } from "./review/review-queue.ts";

export const SOURCE_REVOKED_ACTOR = "system:revocation-cascade";

/** Opens the SOURCE_REVOKED case for one of this bank's REUSE attestations; returns its id. */
export async function openSourceRevokedCase(
  deps: { review: ReviewQueueStore; vault: Pick<Vault, "getRecordMeta">; rules?: RuleSet; clock?: () => Date },
  entry: ReuseIndexEntry,
  sourceReason: RevocationReasonName,
): Promise<string> {
  const meta = await deps.vault.getRecordMeta(entry.recordId);
  const level = Number(meta.attestation.assuranceLevel) === 2 ? 2 : 1;
  const asOf = (deps.clock?.() ?? new Date()).toISOString().slice(0, 10);
  const decision = decideSourceRevoked(
    { sourceUid: entry.sourceUid, sourceReason },
    { asOf, assuranceLevel: level },
    deps.rules,
  );
  const opened = await deps.review.open({
    kind: "SOURCE_REVOKED",
    recordId: entry.recordId,
    // The "session" of the case: the cascade's action on this attestation (a ResourceId on the wire).
    sessionId: `cascade_${entry.ownUid.slice(2, 26)}`,
    decision,
    evidence: [],
    actor: SOURCE_REVOKED_ACTOR,
  });
  return opened.caseId;
}

/**
 * Revokes this bank's own attestation of a record, with `reason`; an attestation already revoked is
 * left as it is (txHash null). Throws RECORD_STATE_CONFLICT while the record is not anchored yet.
 */
export function ownAttestationRevoker(
  vault: Pick<Vault, "getRecordMeta" | "proofOf">,
  ledger: Pick<LedgerClient, "attestationStatus" | "revokeAttestation">,
) {
  return async (recordId: string, reason: RevocationReasonName): Promise<{ uid: string; txHash: string | null }> => {
    const meta = await vault.getRecordMeta(recordId);
    const proof = vault.proofOf(meta);
    if (proof === null)
      throw new KycnetError("RECORD_STATE_CONFLICT", `record ${recordId} is not anchored yet: revoke it later`, {
        details: { id: recordId, status: meta.status, expected: "anchored" },
      });
    if ((await ledger.attestationStatus(proof)) === "REVOKED") return { uid: meta.uid, txHash: null };
    const tx = await ledger.revokeAttestation(proof, RevocationReason[reason]);
    return { uid: meta.uid, txHash: tx.txHash };
  };
}
