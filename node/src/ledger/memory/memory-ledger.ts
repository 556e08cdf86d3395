/**
 * The in-memory fake of the `LedgerClient` port. It follows docs/protocol.md and the three
 * contracts check for check, in the contracts' order, and fails with `ContractRevertError`
 * carrying the same custom error names and arguments, so code tested against it behaves the same
 * on a real chain. The compliance suite (test/node/ledger/ledger-client.compliance.ts) runs the
 * same tests against this fake and the ethers adapter on Hardhat.
 */
import { Signature, getAddress, verifyTypedData } from "ethers";
import {
  ALL_FIELDS_MASK, AttestationStatus, CONSENT_GRANT_TYPES, CONSENT_REVOCATION_TYPES, MAX_BATCH_SIZE, Method,
  assertUint, attestationUid, buildBatch, consentDomain, consentIdOf, verifyBatchInclusion,
  type AttestationData, type AttestationProof, type AttestationStatusName, type ConsentGrant, type ConsentRevocation,
  type ConsentStatusName, type Hex, type RevocationReasonCode,
} from "@kycnet/sdk/protocol";
import { InvalidArgumentError } from "@kycnet/sdk/errors";
import { ContractRevertError } from "../errors.ts";
import { ReadOnlyLedgerError } from "../errors.ts";
import type { AnchoredBatch, ContractAddresses, ConsentRecord, LedgerClient, TxInfo } from "../ledger-client.ts";
import { MemoryChain, checkedAddress, systemClock, type MemoryMemberInput } from "./memory-chain.ts";
import {
  assertAddress, assertBytes32, assertEncodableData, assertEncodableGrant, assertEncodableProof, assertEncodableRevocation,
} from "./abi-bounds.ts";

/** Fixed addresses of the fake contracts (they enter UIDs and the EIP-712 domain like real ones). */
export const MEMORY_CONTRACT_ADDRESSES: ContractAddresses = Object.freeze({
  consortium: getAddress("0x00000000000000000000000000000000c0de0001") as Hex,
  attestations: getAddress("0x00000000000000000000000000000000c0de0002") as Hex,
  consents: getAddress("0x00000000000000000000000000000000c0de0003") as Hex,
});

export interface MemoryConsortiumOptions {
  readonly chainId?: bigint;
  readonly members: readonly MemoryMemberInput[];
  /** Unix seconds for the next block (each block is at least 1 s after the last). Defaults to the wall clock. */
  readonly clock?: () => bigint;
  readonly addresses?: ContractAddresses;
}

export interface MemoryConsortium {
  readonly chainId: bigint;
  readonly addresses: ContractAddresses;
  /** A client writing as `account` (any account: a non-member gets the contracts' reverts), or read-only for null. */
  ledgerFor(account: Hex | null): LedgerClient;
  /** What the chain considers "now": the latest block's time. */
  now(): bigint;
  /** Seals an empty block at the clock's time, so reads see a clock a test moved forward. */
  mineEmptyBlock(): TxInfo;
  /** Test helper standing in for an executed REMOVE_MEMBER proposal. */
  removeMember(account: Hex): TxInfo;
}

interface BatchState { readonly issuer: Hex; readonly anchoredAt: bigint; readonly count: number }
interface ConsentState {
  readonly attestationUid: Hex; readonly subject: Hex; readonly grantedAt: bigint; readonly fieldMask: number;
  readonly grantee: Hex; readonly validUntil: bigint; readonly purpose: number; readonly issuerMemberId: number;
  readonly attestationExpiresAt: bigint; revokedAt: bigint;
}

// IAttestationRegistry.InvalidAttestationReason
const Fault = { ZERO_SUBJECT: 1, ZERO_RECORD_ROOT: 2, UNKNOWN_METHOD: 3, INVALID_ASSURANCE_LEVEL: 4, EXPIRY_NOT_AFTER_ISSUE: 5, REF_UID_MISMATCH: 6 } as const;
const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000" as Hex;

const revert = (name: string, ...args: unknown[]): ContractRevertError => new ContractRevertError(name, args, undefined);

export function createMemoryConsortium(options: MemoryConsortiumOptions): MemoryConsortium {
  const chain = new MemoryChain(options.chainId ?? 31337n, options.clock ?? systemClock, options.members);
  const addresses = Object.freeze({ ...(options.addresses ?? MEMORY_CONTRACT_ADDRESSES) });
  const uidContext = { chainId: chain.chainId, registry: addresses.attestations };
  const domain = consentDomain({ chainId: chain.chainId, verifyingContract: addresses.consents });
  const batches = new Map<string, BatchState>();
  const revocations = new Map<string, { revokedAt: bigint; reason: number }>();
  const consents = new Map<string, ConsentState>();
  const usedNonces = new Set<string>();

  // ---- AttestationRegistry ----

  const checkActiveMember = (account: Hex): void => {
    if (!chain.isActiveMember(account)) throw revert("NotActiveMember", account);
  };

  const recordFault = (d: AttestationData): number => {
    if (BigInt(d.subject) === 0n) return Fault.ZERO_SUBJECT;
    if (BigInt(d.recordRoot) === 0n) return Fault.ZERO_RECORD_ROOT;
    if (!(Object.values(Method) as number[]).includes(d.method)) return Fault.UNKNOWN_METHOD;
    if (d.assuranceLevel !== 1 && d.assuranceLevel !== 2) return Fault.INVALID_ASSURANCE_LEVEL;
    if (d.expiresAt <= d.issuedAt) return Fault.EXPIRY_NOT_AFTER_ISSUE;
    if ((d.method === Method.REUSE) === (BigInt(d.refUid) === 0n)) return Fault.REF_UID_MISMATCH;
    return 0;
  };

  /** `_locate`: the uid the proof claims, and whether the proof shows it anchored by that issuer. */
  const locate = (a: AttestationProof): { uid: Hex; anchored: boolean } => {
    const uid = attestationUid(uidContext, a.issuer, a.data);
    const batch = batches.get(a.batchRoot.toLowerCase());
    const anchored = batch !== undefined && sameAddress(batch.issuer, a.issuer) && verifyBatchInclusion(a.batchRoot, uid, a.proof);
    return { uid, anchored };
  };

  const requireAnchored = (a: AttestationProof): Hex => {
    const { uid, anchored } = locate(a);
    if (!anchored) throw revert("UnknownAttestation", uid, a.issuer, a.batchRoot);
    return uid;
  };

  const statusAt = (uid: Hex, a: AttestationProof, at: bigint): AttestationStatusName => {
    const anchoredAt = batches.get(a.batchRoot.toLowerCase())?.anchoredAt ?? 0n;
    if (at < a.data.issuedAt || at < anchoredAt) return "UNKNOWN";
    const revokedAt = revocations.get(uid)?.revokedAt ?? 0n;
    if (revokedAt !== 0n && revokedAt <= at) return "REVOKED";
    if (at >= a.data.expiresAt) return "EXPIRED";
    return "VALID";
  };

  const sameMember = (a: Hex, b: Hex): boolean => {
    const id = chain.memberIdOf(a);
    return id !== 0 && id === chain.memberIdOf(b);
  };

  const anchor = (sender: Hex, batch: readonly AttestationData[]): AnchoredBatch => {
    const now = chain.nextBlockTime();
    checkActiveMember(sender);
    if (batch.length === 0) throw revert("EmptyBatch");
    if (batch.length > MAX_BATCH_SIZE) throw revert("BatchTooLarge", BigInt(batch.length), BigInt(MAX_BATCH_SIZE));
    batch.forEach((data, i) => {
      const fault = recordFault(data);
      if (fault !== 0) throw revert("InvalidAttestation", BigInt(i), BigInt(fault));
    });
    const uids = batch.map((data) => attestationUid(uidContext, sender, data));
    const tree = buildBatch(uids);
    if (batches.has(tree.root.toLowerCase())) throw revert("BatchAlreadyAnchored", tree.root);
    batches.set(tree.root.toLowerCase(), { issuer: sender, anchoredAt: now, count: batch.length });
    const tx = chain.mine(now, "anchor");
    return {
      ...tx, batchRoot: tree.root, uids,
      proofs: batch.map((data, i) => Object.freeze({ issuer: sender, data, batchRoot: tree.root, proof: tree.proofOf(i) })),
    };
  };

  const revokeAttestation = (sender: Hex, a: AttestationProof, reason: number): TxInfo => {
    const now = chain.nextBlockTime();
    checkActiveMember(sender);
    if (!Number.isInteger(reason) || reason < 1 || reason > 5) throw revert("InvalidReason", BigInt(reason));
    const uid = requireAnchored(a);
    if (!sameMember(sender, a.issuer)) throw revert("NotIssuer", sender, a.issuer);
    const existing = revocations.get(uid);
    if (existing !== undefined) throw revert("AlreadyRevoked", uid, existing.revokedAt);
    revocations.set(uid, { revokedAt: now, reason });
    return chain.mine(now, "revoke");
  };

  // ---- ConsentRegistry ----

  /** `ECDSA.tryRecover` as the contract uses it: 65 bytes, v 27|28, low s; anything else recovers 0. */
  const recoverSigner = (verify: () => string, signature: string): Hex => {
    try {
      if (!/^0x[0-9a-fA-F]{130}$/.test(signature)) return ZERO_ADDRESS;
      const v = Number.parseInt(signature.slice(130, 132), 16);
      if (v !== 27 && v !== 28) return ZERO_ADDRESS;
      Signature.from(signature); // throws on a high s, as OpenZeppelin refuses malleable signatures
      return getAddress(verify()) as Hex;
    } catch {
      return ZERO_ADDRESS;
    }
  };

  const checkSubjectSignature = (signer: Hex, subject: Hex): void => {
    if (!sameAddress(signer, subject)) throw revert("InvalidSubjectSignature", signer, subject);
  };

  const useNonce = (subject: Hex, nonce: bigint): void => {
    const k = `${subject.toLowerCase()}:${nonce}`;
    if (usedNonces.has(k)) throw revert("NonceAlreadyUsed", subject, nonce);
    usedNonces.add(k);
  };

  const requireConsent = (consentId: Hex): ConsentState => {
    const c = consents.get(consentId.toLowerCase());
    if (c === undefined) throw revert("UnknownConsent", consentId);
    return c;
  };

  const isFieldMask = (mask: number): boolean => Number.isInteger(mask) && mask > 0 && (mask & ~ALL_FIELDS_MASK) === 0;

  const grantBySig = (sender: Hex, grant: ConsentGrant, a: AttestationProof, signature: string): TxInfo & { consentId: Hex } => {
    const now = chain.nextBlockTime();
    checkActiveMember(sender);
    if (now > grant.deadline) throw revert("SignatureExpired", grant.deadline);
    const uid = requireAnchored(a);
    if (uid.toLowerCase() !== grant.attestationUid.toLowerCase()) throw revert("AttestationMismatch", grant.attestationUid, uid);
    const status = statusAt(uid, a, now);
    if (status !== "VALID") throw revert("AttestationNotValid", uid, BigInt(AttestationStatus[status]));
    const consentId = consentIdOf(grant);
    const signer = recoverSigner(() => verifyTypedData(domain, CONSENT_GRANT_TYPES, { ...grant }, signature), signature);
    checkSubjectSignature(signer, a.data.subject);
    // _storeGrant
    if (!chain.isActiveMember(grant.grantee)) throw revert("GranteeNotActiveMember", grant.grantee);
    if (grant.validUntil <= now) throw revert("InvalidValidUntil", grant.validUntil);
    if (!Number.isInteger(grant.purpose) || grant.purpose < 1 || grant.purpose > 3) throw revert("InvalidPurpose", BigInt(grant.purpose));
    if (!isFieldMask(grant.fieldMask)) throw revert("InvalidFieldMask", BigInt(grant.fieldMask));
    if (consents.has(consentId.toLowerCase())) throw revert("ConsentAlreadyExists", consentId);
    const subject = checkedAddress(a.data.subject);
    useNonce(subject, grant.nonce);
    consents.set(consentId.toLowerCase(), {
      attestationUid: uid, subject, grantedAt: now, fieldMask: grant.fieldMask, grantee: checkedAddress(grant.grantee),
      validUntil: grant.validUntil, purpose: grant.purpose, issuerMemberId: chain.memberIdOf(a.issuer),
      attestationExpiresAt: a.data.expiresAt, revokedAt: 0n,
    });
    return { ...chain.mine(now, "grantBySig"), consentId };
  };

  const revokeConsentBySig = (sender: Hex, revocation: ConsentRevocation, signature: string): TxInfo => {
    const now = chain.nextBlockTime();
    checkActiveMember(sender);
    if (now > revocation.deadline) throw revert("SignatureExpired", revocation.deadline);
    const c = requireConsent(revocation.consentId);
    const signer = recoverSigner(() => verifyTypedData(domain, CONSENT_REVOCATION_TYPES, { ...revocation }, signature), signature);
    checkSubjectSignature(signer, c.subject);
    if (c.revokedAt !== 0n) throw revert("ConsentAlreadyRevoked", revocation.consentId, c.revokedAt);
    useNonce(c.subject, revocation.nonce);
    c.revokedAt = now;
    return chain.mine(now, "revokeBySig");
  };

  const recordDisclosure = (sender: Hex, consentId: Hex, fieldMask: number, requestId: Hex): TxInfo => {
    const now = chain.nextBlockTime();
    checkActiveMember(sender);
    const c = requireConsent(consentId);
    if (chain.memberIdOf(sender) !== c.issuerMemberId) throw revert("NotAttestationIssuer", sender, consentId);
    if (c.revokedAt !== 0n) throw revert("ConsentAlreadyRevoked", consentId, c.revokedAt);
    if (now >= c.validUntil) throw revert("ConsentExpired", consentId, c.validUntil);
    if (!isFieldMask(fieldMask)) throw revert("InvalidFieldMask", BigInt(fieldMask));
    if ((fieldMask & ~c.fieldMask) !== 0) throw revert("FieldsNotGranted", consentId, BigInt(fieldMask), BigInt(c.fieldMask));
    if (chain.activeMemberIdOf(c.grantee) === 0) throw revert("GranteeNotActiveMember", c.grantee);
    const attestationRevokedAt = revocations.get(c.attestationUid)?.revokedAt ?? 0n;
    if (attestationRevokedAt !== 0n) throw revert("AttestationRevoked", c.attestationUid, attestationRevokedAt);
    if (now >= c.attestationExpiresAt) throw revert("AttestationExpired", c.attestationUid, c.attestationExpiresAt);
    return chain.mine(now, "recordDisclosure");
  };

  const consentStatusAt = (consentId: Hex, t: bigint): ConsentStatusName => {
    const c = consents.get(consentId.toLowerCase());
    if (c === undefined || t < c.grantedAt) return "NONE";
    if (c.revokedAt !== 0n && c.revokedAt <= t) return "REVOKED";
    if (t >= c.validUntil) return "EXPIRED";
    return "ACTIVE";
  };

  const consentRecord = (consentId: Hex): ConsentRecord | null => {
    const c = consents.get(consentId.toLowerCase());
    if (c === undefined) return null;
    return Object.freeze({
      consentId, attestationUid: c.attestationUid, subject: c.subject, grantee: c.grantee, purpose: c.purpose,
      fieldMask: c.fieldMask, grantedAt: c.grantedAt, validUntil: c.validUntil, revokedAt: c.revokedAt, issuerMemberId: c.issuerMemberId,
    });
  };

  // ---- the port, per member ----

  const ledgerFor = (account: Hex | null): LedgerClient => {
    const signerAccount = account === null ? null : checkedAddress(account);
    const sender = (operation: string): Hex => {
      if (signerAccount === null) throw new ReadOnlyLedgerError(operation);
      return signerAccount;
    };
    return Object.freeze({
      addresses,
      chainId: async () => chain.chainId,
      account: async () => sender("account"),
      isActiveMember: async (address: Hex) => { assertAddress(address, "account"); return chain.isActiveMember(address); },
      findMember: async (address: Hex) => { assertAddress(address, "account"); return chain.findMember(address); },
      findMemberByPeerId: async (peerId: Uint8Array) => chain.findMemberByPeerId(peerId),

      async anchorBatch(batch: readonly AttestationData[]): Promise<AnchoredBatch> {
        // Same order as the ethers adapter: the size check comes before the signer is needed.
        if (batch.length === 0 || batch.length > MAX_BATCH_SIZE) {
          throw new InvalidArgumentError("batch", `must hold 1 to ${MAX_BATCH_SIZE} attestations`);
        }
        batch.forEach((data, i) => assertEncodableData(data, `batch[${i}]`));
        return anchor(sender("anchor"), batch);
      },
      async revokeAttestation(a: AttestationProof, reason: RevocationReasonCode): Promise<TxInfo> {
        const issuer = sender("revoke");
        assertEncodableProof(a);
        assertUint(reason, "reason", 8);
        return revokeAttestation(issuer, a, reason);
      },
      async attestationStatus(a: AttestationProof, at?: bigint): Promise<AttestationStatusName> {
        assertEncodableProof(a);
        if (at !== undefined) assertUint(at, "at", 64);
        const { uid, anchored } = locate(a);
        return anchored ? statusAt(uid, a, at ?? chain.now()) : "UNKNOWN";
      },
      async grantConsentBySig(grant: ConsentGrant, a: AttestationProof, signature: string) {
        const relayer = sender("grantBySig");
        assertEncodableGrant(grant);
        assertEncodableProof(a);
        return grantBySig(relayer, grant, a, signature);
      },
      async revokeConsentBySig(revocation: ConsentRevocation, signature: string) {
        const relayer = sender("revokeBySig");
        assertEncodableRevocation(revocation);
        return revokeConsentBySig(relayer, revocation, signature);
      },
      async consentStatus(consentId: Hex, at?: bigint) {
        assertBytes32(consentId, "consentId");
        if (at !== undefined) assertUint(at, "at", 64);
        return consentStatusAt(consentId, at ?? chain.now());
      },
      findConsent: async (consentId: Hex) => { assertBytes32(consentId, "consentId"); return consentRecord(consentId); },
      async recordDisclosure(consentId: Hex, fieldMask: number, requestId: Hex) {
        const issuer = sender("recordDisclosure");
        assertBytes32(consentId, "consentId");
        assertUint(fieldMask, "fieldMask", 32);
        assertBytes32(requestId, "requestId");
        return recordDisclosure(issuer, consentId, fieldMask, requestId);
      },
    });
  };

  return Object.freeze({
    chainId: chain.chainId, addresses, ledgerFor,
    now: () => chain.now(),
    mineEmptyBlock: () => chain.mineEmptyBlock(),
    removeMember: (account: Hex) => chain.removeMember(account),
  });
}

const sameAddress = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
