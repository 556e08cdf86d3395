/**
 * `LedgerReads` and `AttestationAdmin` over the node's `LedgerClient`. The chain keeps only an
 * attestation's batch root and its revocation, so reading a status or revoking needs the
 * attestation's batch proof. It comes from `AttestationLocator`s, asked in order: the node's own
 * vault/outbox first (the lead's, for attestations this bank issued), then the public chain
 * (`chainAttestationLocator`, rebuilt from the anchoring transaction, works for any member's
 * attestation). Proofs never change once anchored, so located proofs are cached.
 */
import type { Provider } from "ethers";
import { isKycnetError } from "@kycnet/sdk/errors";
import { AttestationNotFoundError, findAttestation } from "@kycnet/sdk/chain";
import { RevocationReason, type AttestationProof, type Hex, type RevocationReasonName } from "@kycnet/sdk/protocol";
import type { LedgerClient } from "../../ledger/ledger-client.ts";
import { toLedgerError } from "../../ledger/errors.ts";
import type {
  AttestationAdmin,
  AttestationStatusView,
  ConsentStatusView,
  LedgerReads,
  RevocationResult,
} from "../ports.ts";

export interface AttestationLocator {
  /** The proof of an anchored attestation, or null when this locator does not know it. */
  findProof(uid: Hex): Promise<AttestationProof | null>;
}

/** Finds any member's anchored attestation from public chain data (event + anchoring calldata). */
export function chainAttestationLocator(provider: Provider, registry: Hex, fromBlock = 0): AttestationLocator {
  return {
    async findProof(uid) {
      try {
        return (await findAttestation(provider, registry, uid, fromBlock)).proof;
      } catch (error) {
        if (isKycnetError(error, "ATTESTATION_NOT_FOUND")) return null;
        throw toLedgerError("findAttestation", error);
      }
    },
  };
}

export interface ChainLedgerReadsOptions {
  readonly ledger: Pick<LedgerClient, "attestationStatus" | "consentStatus" | "revokeAttestation">;
  /** Asked in order; the first proof found wins. */
  readonly locators: readonly AttestationLocator[];
  /** True when the uid is accepted and queued in this node's outbox, not yet anchored. */
  readonly isPending?: (uid: Hex) => Promise<boolean>;
  /** Located proofs kept in memory (they never change); default 10,000. */
  readonly proofCacheSize?: number;
  /**
   * How long a status answer may be served again without asking the chain (default 0: always ask).
   * A status can only change from one block to the next, so the chain's block period is a sound
   * value: every answer is then at most one block old. A revocation sent by this node clears it.
   */
  readonly statusTtlMs?: number;
  readonly clock?: () => number;
}

export class ChainLedgerReads implements LedgerReads, AttestationAdmin {
  private readonly proofs = new Map<Hex, AttestationProof>();
  private readonly statuses = new Map<string, { at: number; view: AttestationStatusView | ConsentStatusView }>();
  private readonly cacheSize: number;
  private readonly clock: () => number;

  constructor(private readonly options: ChainLedgerReadsOptions) {
    this.cacheSize = options.proofCacheSize ?? 10_000;
    this.clock = options.clock ?? Date.now;
  }

  async attestationStatus(uid: Hex): Promise<AttestationStatusView> {
    const key = uid.toLowerCase() as Hex;
    return this.cachedStatus(`a:${key}`, async () => {
      const proof = await this.findProof(key);
      if (proof === null) {
        if (await this.options.isPending?.(key)) return { uid: key, status: "PENDING" as const, checkedAt: this.now() };
        throw new AttestationNotFoundError(key, "no anchored batch holds it");
      }
      return { uid: key, status: await this.options.ledger.attestationStatus(proof), checkedAt: this.now() };
    });
  }

  async consentStatus(consentId: Hex): Promise<ConsentStatusView> {
    const key = consentId.toLowerCase() as Hex;
    return this.cachedStatus(`c:${key}`, async () => ({
      consentId: key,
      status: await this.options.ledger.consentStatus(key),
      checkedAt: this.now(),
    }));
  }

  /** Drops a cached consent status (this node relayed a change to it). */
  forgetConsent(consentId: Hex): void {
    this.statuses.delete(`c:${consentId.toLowerCase()}`);
  }

  private async cachedStatus<T extends AttestationStatusView | ConsentStatusView>(
    key: string,
    read: () => Promise<T>,
  ): Promise<T> {
    const ttl = this.options.statusTtlMs ?? 0;
    const hit = this.statuses.get(key);
    // PENDING is not cached: it ends when the outbox anchors, which no block period bounds.
    if (hit !== undefined && this.clock() - hit.at < ttl) return hit.view as T;
    const view = await read();
    if (ttl > 0 && view.status !== "PENDING") {
      if (this.statuses.size >= this.cacheSize) this.statuses.delete(this.statuses.keys().next().value!);
      this.statuses.set(key, { at: this.clock(), view });
    }
    return view;
  }

  async revoke(uid: Hex, reason: RevocationReasonName): Promise<RevocationResult> {
    const key = uid.toLowerCase() as Hex;
    const proof = await this.findProof(key);
    if (proof === null) throw new AttestationNotFoundError(key, "no anchored batch holds it");
    const tx = await this.options.ledger.revokeAttestation(proof, RevocationReason[reason]);
    this.statuses.delete(`a:${key}`);
    return { uid: key, reason, txHash: tx.txHash };
  }

  private async findProof(uid: Hex): Promise<AttestationProof | null> {
    const cached = this.proofs.get(uid);
    if (cached) return cached;
    for (const locator of this.options.locators) {
      const proof = await locator.findProof(uid);
      if (proof) {
        if (this.proofs.size >= this.cacheSize) this.proofs.delete(this.proofs.keys().next().value!);
        this.proofs.set(uid, proof);
        return proof;
      }
    }
    return null;
  }

  private now(): string {
    return new Date(this.clock()).toISOString();
  }
}
