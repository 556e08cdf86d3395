/** Converts between kycnet's protocol types and the tuples ethers passes to and from contracts. */
import type { AttestationData, AttestationProof, ConsentGrant, ConsentRevocation, Hex } from "@kycnet/sdk/protocol";
import type { ConsentRecord, MemberInfo } from "../ledger-client.ts";
import { getBytes } from "ethers";

export const attestationTuple = (d: AttestationData) => ({ ...d });

export const proofTuple = (p: AttestationProof) => ({
  issuer: p.issuer,
  data: attestationTuple(p.data),
  batchRoot: p.batchRoot,
  proof: [...p.proof],
});

export const grantTuple = (g: ConsentGrant) => ({ ...g });
export const revocationTuple = (r: ConsentRevocation) => ({ ...r });

export interface MemberResult {
  id: bigint;
  account: string;
  status: bigint;
  activeSince: bigint;
  removedAt: bigint;
  name: string;
  peerId: string;
  transportKey: string;
}

export function memberFromResult(m: MemberResult | null): MemberInfo | null {
  if (m === null || m.id === 0n) return null;
  return Object.freeze({
    id: Number(m.id),
    account: m.account as Hex,
    name: m.name,
    active: m.status === 1n,
    activeSince: m.activeSince,
    removedAt: m.removedAt,
    peerId: getBytes(m.peerId),
    transportKey: getBytes(m.transportKey),
  });
}

export interface ConsentResult {
  attestationUid: string;
  subject: string;
  grantedAt: bigint;
  fieldMask: bigint;
  grantee: string;
  validUntil: bigint;
  purpose: bigint;
  issuerMemberId: bigint;
  revokedAt: bigint;
}

export function consentFromResult(consentId: Hex, c: ConsentResult | null): ConsentRecord | null {
  if (c === null || c.grantedAt === 0n) return null;
  return Object.freeze({
    consentId,
    attestationUid: c.attestationUid as Hex,
    subject: c.subject as Hex,
    grantee: c.grantee as Hex,
    purpose: Number(c.purpose),
    fieldMask: Number(c.fieldMask),
    grantedAt: c.grantedAt,
    validUntil: c.validUntil,
    revokedAt: c.revokedAt,
    issuerMemberId: Number(c.issuerMemberId),
  });
}
