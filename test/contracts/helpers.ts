/**
 * Shared builders for the contract tests: deployment of the three registries, attestation
 * records, and the TypeScript-side reference computations (ethers + @openzeppelin/merkle-tree)
 * that the contracts are checked against. Nothing here imports the SDK: the point is to check the
 * contracts against the libraries directly.
 */
import { SimpleMerkleTree } from "@openzeppelin/merkle-tree";
import {
  AbiCoder, concat, encodeBytes32String, getAddress, id, keccak256, ZeroHash, type BaseContractMethod, type Contract, type Signer,
} from "ethers";
import type { HardhatEthers } from "@nomicfoundation/hardhat-ethers/types";

export type Hex = `0x${string}`;

export interface AttestationData {
  subject: string;
  recordRoot: string;
  method: number;
  assuranceLevel: number;
  pipelineVersion: string;
  issuedAt: bigint;
  expiresAt: bigint;
  refCommitment: string;
}

export interface AttestationProof {
  issuer: string;
  data: AttestationData;
  batchRoot: string;
  proof: string[];
}

export interface ConsentGrant {
  attestationUid: string;
  grantee: string;
  purpose: number;
  fieldMask: number;
  validUntil: bigint;
  nonce: bigint;
  deadline: bigint;
}

export interface MemberInput {
  account: string;
  name: string;
  peerId: string;
  transportKey: string;
}

export const Method = { NONE: 0, FULL_EKYC: 1, FULL_EKYC_NFC: 2, REUSE: 3, IN_PERSON: 4 } as const;
export const Purpose = { NONE: 0, ONBOARDING: 1, PERIODIC_REVIEW: 2, TRANSACTION_LIMIT_UPGRADE: 3 } as const;
export const Reason = {
  NONE: 0, CUSTOMER_REQUEST: 1, DOCUMENT_EXPIRED: 2, DATA_CORRECTED: 3, FRAUD_SUSPECTED: 4, ISSUER_LEFT_CONSORTIUM: 5,
} as const;
export const AttestationStatus = { UNKNOWN: 0n, VALID: 1n, REVOKED: 2n, EXPIRED: 3n } as const;
export const ConsentStatus = { NONE: 0n, ACTIVE: 1n, REVOKED: 2n, EXPIRED: 3n } as const;
export const InvalidReason = {
  NONE: 0n, ZERO_SUBJECT: 1n, ZERO_RECORD_ROOT: 2n, UNKNOWN_METHOD: 3n, INVALID_ASSURANCE_LEVEL: 4n,
  EXPIRY_NOT_AFTER_ISSUE: 5n, REF_COMMITMENT_MISMATCH: 6n,
} as const;
export const MemberStatus = { NONE: 0n, ACTIVE: 1n, REMOVED: 2n } as const;
export const ALL_FIELDS = 0x7ff;
export const YEAR = 365n * 24n * 3600n;
export const DAY = 24n * 3600n;

const abi = AbiCoder.defaultAbiCoder();

/** A libp2p-looking peer id (identity multihash prefix + 32 bytes), unique per label. */
export function peerIdFor(label: string): string {
  return concat(["0x002408011220", id(`peer:${label}`)]);
}

/** A compressed SEC1 P-256 public key shape (prefix 0x02 + 32 bytes). */
export function transportKeyFor(label: string): string {
  return concat(["0x02", id(`transport:${label}`)]);
}

export function memberInput(account: string, label: string): MemberInput {
  return { account, name: `Bank ${label}`, peerId: peerIdFor(label), transportKey: transportKeyFor(label) };
}

export interface Kycnet {
  consortium: Contract;
  attestations: Contract;
  consents: Contract;
  chainId: bigint;
}

export async function deployKycnet(
  ethers: HardhatEthers,
  members: readonly Signer[],
  threshold: number,
  auditors: readonly string[] = [],
): Promise<Kycnet> {
  const inputs = await Promise.all(members.map(async (m, i) => memberInput(await m.getAddress(), String(i))));
  const consortium = await ethers.deployContract("ConsortiumRegistry", [inputs, auditors, threshold]);
  const attestations = await ethers.deployContract("AttestationRegistry", [await consortium.getAddress()]);
  const consents = await ethers.deployContract("ConsentRegistry", [
    await consortium.getAddress(),
    await attestations.getAddress(),
  ]);
  const { chainId } = await ethers.provider.getNetwork();
  return { consortium, attestations, consents, chainId };
}

let recordCounter = 0;

/** A well-formed FULL_EKYC record issued at `now`, valid for a year. */
export function makeRecord(now: bigint, overrides: Partial<AttestationData> = {}): AttestationData {
  recordCounter += 1;
  return {
    subject: getAddress(`0x${id(`subject:${recordCounter}`).slice(26)}`),
    recordRoot: id(`record:${recordCounter}`),
    method: Method.FULL_EKYC,
    assuranceLevel: 1,
    pipelineVersion: encodeBytes32String("ekyc/0.1.0"),
    issuedAt: now,
    expiresAt: now + YEAR,
    refCommitment: ZeroHash,
    ...overrides,
  };
}

/** The protocol §3 uid, computed with ethers only. */
export function expectedUid(chainId: bigint, registry: string, issuer: string, d: AttestationData): Hex {
  return keccak256(
    abi.encode(
      ["uint256", "address", "address", "address", "bytes32", "uint8", "uint8", "bytes32", "uint64", "uint64", "bytes32"],
      [chainId, registry, issuer, d.subject, d.recordRoot, d.method, d.assuranceLevel, d.pipelineVersion, d.issuedAt, d.expiresAt, d.refCommitment],
    ),
  ) as Hex;
}

export interface BuiltBatch {
  tree: SimpleMerkleTree;
  uids: Hex[];
  proofs: AttestationProof[];
}

/** The batch tree `@openzeppelin/merkle-tree` builds for these records, and one proof per record. */
export function buildBatch(chainId: bigint, registry: string, issuer: string, records: readonly AttestationData[]): BuiltBatch {
  const uids = records.map((r) => expectedUid(chainId, registry, issuer, r));
  const tree = SimpleMerkleTree.of(uids, { sortLeaves: false });
  const proofs = records.map((data, i) => ({ issuer, data, batchRoot: tree.root, proof: tree.getProof(i) }));
  return { tree, uids, proofs };
}

/** The audit head a batch carries when the test is not about it: count 0 emits no AuditAnchored. */
export const NO_AUDIT_HEAD = { count: 0n, head: "0x" + "00".repeat(32) } as const;

/** Anchors `records` as `issuer` and returns the proofs of each (checked against the library). */
export async function anchorRecords(k: Kycnet, issuer: Signer, records: readonly AttestationData[]): Promise<BuiltBatch> {
  const built = buildBatch(k.chainId, await k.attestations.getAddress(), await issuer.getAddress(), records);
  await (await (k.attestations.connect(issuer) as Contract).getFunction("anchor")(records, NO_AUDIT_HEAD)).wait();
  return built;
}

export async function eip712Domain(consents: Contract, chainId: bigint) {
  return { name: "kycnet ConsentRegistry", version: "1", chainId, verifyingContract: await consents.getAddress() };
}

export const GRANT_TYPES = {
  ConsentGrant: [
    { name: "attestationUid", type: "bytes32" },
    { name: "grantee", type: "address" },
    { name: "purpose", type: "uint8" },
    { name: "fieldMask", type: "uint32" },
    { name: "validUntil", type: "uint64" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint64" },
  ],
};

export const REVOCATION_TYPES = {
  ConsentRevocation: [
    { name: "consentId", type: "bytes32" },
    { name: "nonce", type: "uint256" },
    { name: "deadline", type: "uint64" },
  ],
};

export type ConsortiumFn =
  | "proposeAdmitMember" | "proposeRemoveMember" | "proposeRotateAccount" | "proposeUpdateEndpoint"
  | "proposeAddAuditor" | "proposeRemoveAuditor" | "proposeThreshold" | "approve" | "execute"
  | "isActiveMember" | "wasActiveMemberAt" | "memberOf" | "memberRemovedAt" | "memberIdOf" | "activeMemberIdOf" | "memberById" | "memberByPeerId"
  | "accountRecord" | "isAuditor" | "memberCount" | "activeMemberCount" | "threshold" | "proposal"
  | "proposalCount" | "proposalLifetime";
export type AttestationFn =
  | "anchor" | "anchorAudit" | "revoke" | "verify" | "verifyAt" | "statusOf" | "revocationOf" | "batchOf" | "uidOf" | "consortium";
export type ConsentFn =
  | "grantBySig" | "grant" | "revokeBySig" | "revoke" | "recordDisclosure" | "statusOf" | "statusAt"
  | "getConsent" | "isNonceUsed" | "consentIdOf" | "grantDigest" | "revocationDigest" | "consortium" | "attestations";
export type HarnessFn =
  | "attestationUid" | "batchRoot" | "verifyProof" | "recordLeaf" | "consentGrantHash" | "consentRevocationHash"
  | "consentDomainSeparator" | "typedDataDigest" | "typehashes";

/**
 * Typed access to a contract's functions by name, optionally sent from `signer`. (ethers'
 * `Contract` has an index signature, which strict `noUncheckedIndexedAccess` types as possibly
 * undefined; listing the names keeps the tests type-checked.)
 */
export function bind<N extends string>(contract: Contract, signer?: Signer): Record<N, BaseContractMethod> {
  const target = signer === undefined ? contract : (contract.connect(signer) as Contract);
  return new Proxy({} as Record<N, BaseContractMethod>, {
    // "then" is probed when the proxy is returned from an async function: it is not a method.
    get: (_, name) => (typeof name !== "string" || name === "then" ? undefined : target.getFunction(name)),
  });
}

/** The first `n` Hardhat accounts with their addresses (throws when the network has fewer). */
export async function accounts(ethers: HardhatEthers, n: number): Promise<{ signer: Signer; address: string }[]> {
  const all = await ethers.getSigners();
  if (all.length < n) throw new Error(`need ${n} accounts, the network has ${all.length}`);
  return Promise.all(all.slice(0, n).map(async (signer) => ({ signer: signer, address: await signer.getAddress() })));
}
