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

  anchorBatch(batch: readonly AttestationData[]): Promise<AnchoredBatch>;
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
