/**
 * Attestations, their content-derived UIDs and batch inclusion proofs (docs/protocol.md §3).
 * The AttestationRegistry computes the same UID and the same batch root on chain; the test
 * vectors in test/vectors/ prove it.
 */
import { SimpleMerkleTree } from "@openzeppelin/merkle-tree";
import { AbiCoder, ZeroHash, decodeBytes32String, encodeBytes32String, getAddress, keccak256 } from "ethers";
import { InvalidArgumentError } from "../errors.ts";
import { assertAddress, assertBytes32, assertUint, type Hex } from "./bytes.ts";
import { AssuranceLevel, Method, type AssuranceLevelCode, type MethodCode } from "./vocabulary.ts";

/** Mirrors `struct AttestationData` in contracts/interfaces/IAttestationRegistry.sol. */
export interface AttestationData {
  readonly subject: Hex;
  readonly recordRoot: Hex;
  readonly method: MethodCode;
  readonly assuranceLevel: AssuranceLevelCode;
  readonly pipelineVersion: Hex;
  readonly issuedAt: bigint;
  readonly expiresAt: bigint;
  /** REUSE: `reuseSourceCommitment(sourceUid, salt)`; other methods: zero. Never the source uid in clear. */
  readonly refCommitment: Hex;
}

/** Everything needed to prove on chain that an attestation was anchored (protocol §3). */
export interface AttestationProof {
  readonly issuer: Hex;
  readonly data: AttestationData;
  readonly batchRoot: Hex;
  readonly proof: readonly Hex[];
}

/** Deployment coordinates a UID is bound to. */
export interface UidContext {
  readonly chainId: bigint;
  readonly registry: Hex;
}

export const MAX_BATCH_SIZE = 1024;

const ATTESTATION_TUPLE =
  "tuple(address subject,bytes32 recordRoot,uint8 method,uint8 assuranceLevel,bytes32 pipelineVersion,uint64 issuedAt,uint64 expiresAt,bytes32 refCommitment)";
const UID_ENCODING = [
  "uint256",
  "address",
  "address",
  "address",
  "bytes32",
  "uint8",
  "uint8",
  "bytes32",
  "uint64",
  "uint64",
  "bytes32",
] as const;

/** The ABI tuple type of AttestationData, for encoding calls by hand. */
export const ATTESTATION_DATA_ABI = ATTESTATION_TUPLE;

/** A short ASCII pipeline version ("ekyc/1.0.0") as the bytes32 the chain stores. */
export function encodePipelineVersion(version: string): Hex {
  if (!/^[\x20-\x7e]{1,31}$/.test(version))
    throw new InvalidArgumentError("pipelineVersion", "must be 1–31 printable ASCII characters");
  return encodeBytes32String(version) as Hex;
}

export function decodePipelineVersion(value: Hex): string {
  return decodeBytes32String(value);
}

/** Checks and normalises attestation data from outside (JSON, API bodies). */
export function toAttestationData(input: Readonly<Record<string, unknown>>): AttestationData {
  assertAddress(input.subject, "subject");
  assertBytes32(input.recordRoot, "recordRoot");
  assertBytes32(input.pipelineVersion, "pipelineVersion");
  const refCommitment = input.refCommitment ?? ZeroHash;
  assertBytes32(refCommitment, "refCommitment");
  const method = Number(assertUint(input.method, "method", 8));
  if (!(Object.values(Method) as number[]).includes(method)) throw new InvalidArgumentError("method", "unknown method");
  const level = Number(assertUint(input.assuranceLevel, "assuranceLevel", 8));
  if (!(Object.values(AssuranceLevel) as number[]).includes(level))
    throw new InvalidArgumentError("assuranceLevel", "must be 1 or 2");
  const issuedAt = assertUint(input.issuedAt, "issuedAt", 64);
  const expiresAt = assertUint(input.expiresAt, "expiresAt", 64);
  if (expiresAt <= issuedAt) throw new InvalidArgumentError("expiresAt", "must be after issuedAt");
  if (BigInt(input.subject) === 0n) throw new InvalidArgumentError("subject", "must not be the zero address");
  if (BigInt(input.recordRoot) === 0n) throw new InvalidArgumentError("recordRoot", "must not be zero");
  if ((method === Method.REUSE) !== (BigInt(refCommitment) !== 0n)) {
    throw new InvalidArgumentError("refCommitment", "is required for REUSE and only for REUSE");
  }
  return Object.freeze({
    subject: getAddress(input.subject) as Hex,
    recordRoot: input.recordRoot.toLowerCase() as Hex,
    method: method as MethodCode,
    assuranceLevel: level as AssuranceLevelCode,
    pipelineVersion: input.pipelineVersion.toLowerCase() as Hex,
    issuedAt,
    expiresAt,
    refCommitment: refCommitment.toLowerCase() as Hex,
  });
}

const REUSE_SOURCE_TAG = "kycnet/reuse-source/1";

/**
 * The on-chain `refCommitment` of a REUSE attestation (protocol §3): a salted hash of the source
 * attestation's uid. The issuing bank keeps the salt with the record, so it (or an auditor it shows
 * the salt to) can prove which source the attestation was built on, while nobody reading the chain
 * can tell: every source uid is public, so an unsalted hash would link the two by a dictionary of uids.
 */
export function reuseSourceCommitment(sourceUid: Hex, salt: Hex): Hex {
  assertBytes32(sourceUid, "sourceUid");
  assertBytes32(salt, "salt");
  if (BigInt(salt) === 0n) throw new InvalidArgumentError("salt", "must be 32 random bytes, not zero");
  return keccak256(
    AbiCoder.defaultAbiCoder().encode(["string", "bytes32", "bytes32"], [REUSE_SOURCE_TAG, sourceUid, salt]),
  ) as Hex;
}

/** The content-derived UID, identical to AttestationRegistry's `uidOf(issuer, data)`. */
export function attestationUid(context: UidContext, issuer: Hex, data: AttestationData): Hex {
  assertAddress(context.registry, "registry");
  assertAddress(issuer, "issuer");
  return keccak256(
    AbiCoder.defaultAbiCoder().encode(
      [...UID_ENCODING],
      [
        context.chainId,
        context.registry,
        issuer,
        data.subject,
        data.recordRoot,
        data.method,
        data.assuranceLevel,
        data.pipelineVersion,
        data.issuedAt,
        data.expiresAt,
        data.refCommitment,
      ],
    ),
  ) as Hex;
}

/** A batch of UIDs in anchoring order, with its root and per-UID inclusion proofs. */
export interface Batch {
  readonly uids: readonly Hex[];
  readonly root: Hex;
  proofOf(index: number): Hex[];
}

/** The batch tree the contract builds: SimpleMerkleTree over the UIDs, in order, not sorted. */
export function buildBatch(uids: readonly Hex[]): Batch {
  if (uids.length === 0) throw new InvalidArgumentError("batch", "must not be empty");
  if (uids.length > MAX_BATCH_SIZE) throw new InvalidArgumentError("batch", `at most ${MAX_BATCH_SIZE} attestations`);
  uids.forEach((u, i) => assertBytes32(u, `batch[${i}]`));
  const tree = SimpleMerkleTree.of([...uids], { sortLeaves: false });
  return Object.freeze({
    uids: Object.freeze([...uids]),
    root: tree.root as Hex,
    proofOf: (index: number) => tree.getProof(index) as Hex[],
  });
}

/** True when `uid` is included in the batch with `root` by `proof` (same rule as OZ MerkleProof). */
export function verifyBatchInclusion(root: Hex, uid: Hex, proof: readonly Hex[]): boolean {
  assertBytes32(root, "batchRoot");
  assertBytes32(uid, "uid");
  proof.forEach((p, i) => assertBytes32(p, `proof[${i}]`));
  return SimpleMerkleTree.verify(root, uid, [...proof]);
}
