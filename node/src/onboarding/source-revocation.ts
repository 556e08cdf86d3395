/**
 * Reads an attestation's revocation from the chain, with its reason by name. Re-onboarding refuses a
 * revoked source whatever the reason, and says which (a source revoked for fraud must not spread
 * through another bank); the revocation cascade uses the same decoding for `Revoked` events.
 */
import { Contract, type Provider } from "ethers";
import { AttestationRegistryAbi } from "@kycnet/sdk/chain";
import { RevocationReason, type Hex, type RevocationReasonName } from "@kycnet/sdk/protocol";

export interface SourceRevocation {
  readonly revokedAt: bigint;
  /** The reason's name, or "UNKNOWN" for a code this node does not know (a newer contract). */
  readonly reason: RevocationReasonName | "UNKNOWN";
}

/** The name of an on-chain revocation reason code. */
export function revocationReasonName(code: number): RevocationReasonName | "UNKNOWN" {
  const found = Object.entries(RevocationReason).find(([, c]) => c === code);
  return found === undefined ? "UNKNOWN" : (found[0] as RevocationReasonName);
}

/** Null while the attestation is not revoked. */
export async function revocationOf(provider: Provider, registry: Hex, uid: Hex): Promise<SourceRevocation | null> {
  const attestations = new Contract(registry, AttestationRegistryAbi, provider);
  const r = (await attestations.getFunction("revocationOf")(uid)) as { revokedAt: bigint; reason: bigint };
  if (r.revokedAt === 0n) return null;
  return { revokedAt: r.revokedAt, reason: revocationReasonName(Number(r.reason)) };
}
