/**
 * The `LedgerClient` port: everything the node asks of the chain, in kycnet's own types. The
 * ethers adapter (ethers/) talks JSON-RPC to the three contracts; tests can swap in a fake.
 * Writes are signed by the bank's member account (the HSM signer in production).
 */
import type {
  AttestationData,
  AttestationProof,
  AttestationStatusName,
  ConsentGrant,
  ConsentRevocation,
  ConsentStatusName,
  Hex,
  RevocationReasonCode,
} from "@kycnet/sdk/protocol";
import type { AuditAnchor } from "@kycnet/sdk/chain";

export interface ContractAddresses {
  readonly consortium: Hex;
  readonly attestations: Hex;
  readonly consents: Hex;
}

export interface TxInfo {
  readonly txHash: Hex;
  readonly blockNumber: number;
  readonly gasUsed: bigint;
}

export interface AnchoredBatch extends TxInfo {
  readonly batchRoot: Hex;
  readonly uids: readonly Hex[];
  /** One proof per record, in the order given, ready for consent and revocation calls. */
  readonly proofs: readonly AttestationProof[];
}

/** This bank's audit head to anchor: the log has `count` entries, the last with hash `hash` (64 hex, no 0x). */
export interface AuditHeadToAnchor {
  readonly count: number;
  readonly hash: string;
}

export interface MemberInfo {
  readonly id: number;
  readonly account: Hex;
  readonly name: string;
  readonly active: boolean;
  readonly activeSince: bigint;
  readonly removedAt: bigint;
  readonly peerId: Uint8Array;
  readonly transportKey: Uint8Array;
}

export interface ConsentRecord {
  readonly consentId: Hex;
  readonly attestationUid: Hex;
  readonly subject: Hex;
  readonly grantee: Hex;
  readonly purpose: number;
  readonly fieldMask: number;
  readonly grantedAt: bigint;
  readonly validUntil: bigint;
  readonly revokedAt: bigint;
  readonly issuerMemberId: number;
}

export interface LedgerClient {
  readonly addresses: ContractAddresses;
  chainId(): Promise<bigint>;
  /** The member account that signs this client's writes. */
  account(): Promise<Hex>;

  isActiveMember(account: Hex): Promise<boolean>;
  findMember(account: Hex): Promise<MemberInfo | null>;
  findMemberByPeerId(peerId: Uint8Array): Promise<MemberInfo | null>;

  /** Anchors a batch; `auditHead` (count > 0) rides in the same transaction (an AuditAnchored event). */
  anchorBatch(batch: readonly AttestationData[], auditHead?: AuditHeadToAnchor): Promise<AnchoredBatch>;
  /** Anchors only the audit head (count > 0), when there is no attestation to anchor. */
  anchorAuditHead(auditHead: AuditHeadToAnchor): Promise<TxInfo>;
  /** The audit heads `issuer` anchored, from block `fromBlock` on, in chain order. */
  auditAnchors(issuer: Hex, fromBlock?: number): Promise<AuditAnchor[]>;
  revokeAttestation(attestation: AttestationProof, reason: RevocationReasonCode): Promise<TxInfo>;
  attestationStatus(attestation: AttestationProof, at?: bigint): Promise<AttestationStatusName>;

  grantConsentBySig(
    grant: ConsentGrant,
    attestation: AttestationProof,
    signature: string,
  ): Promise<TxInfo & { consentId: Hex }>;
  revokeConsentBySig(revocation: ConsentRevocation, signature: string): Promise<TxInfo>;
  consentStatus(consentId: Hex, at?: bigint): Promise<ConsentStatusName>;
  findConsent(consentId: Hex): Promise<ConsentRecord | null>;
  recordDisclosure(consentId: Hex, fieldMask: number, requestId: Hex): Promise<TxInfo>;
}
