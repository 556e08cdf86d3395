// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {KycnetTypes} from "../libraries/KycnetTypes.sol";

/// @title IAttestationRegistry
/// @notice Anchors batches of eKYC attestations (protocol §3). Only the batch root is stored
/// (one slot per batch); each record is proven later by its inclusion proof against that root.
/// The only per-record state is a revocation.
interface IAttestationRegistry {
    /// @notice One attestation as the issuing bank signs it off (protocol §3, field order fixed).
    struct AttestationData {
        address subject; // fresh customer key address, one per attestation
        bytes32 recordRoot; // StandardMerkleTree root of the record's eleven salted fields
        uint8 method; // KycnetTypes.Method
        uint8 assuranceLevel; // 1 | 2
        bytes32 pipelineVersion; // short ASCII string, right-padded
        uint64 issuedAt;
        uint64 expiresAt; // > issuedAt
        bytes32 refUid; // source attestation for REUSE, else 0
    }

    /// @notice An attestation and the proof that `issuer` anchored it in batch `batchRoot`.
    struct AttestationProof {
        address issuer; // the member account that anchored the batch
        AttestationData data;
        bytes32 batchRoot;
        bytes32[] proof; // SimpleMerkleTree proof of the uid
    }

    /// @notice The one storage slot of an anchored batch.
    struct Batch {
        address issuer;
        uint64 anchoredAt;
        uint32 count;
    }

    struct Revocation {
        uint64 revokedAt; // 0 when not revoked
        uint8 reason; // KycnetTypes.RevocationReason
    }

    /// @notice Why `anchor` rejected a record.
    enum InvalidAttestationReason {
        NONE,
        ZERO_SUBJECT,
        ZERO_RECORD_ROOT,
        UNKNOWN_METHOD,
        INVALID_ASSURANCE_LEVEL,
        EXPIRY_NOT_AFTER_ISSUE,
        /// REUSE without a source uid, or another method with one
        REF_UID_MISMATCH
    }

    event Attested(bytes32 indexed uid, address indexed issuer, address indexed subject, bytes32 batchRoot);
    event BatchAnchored(bytes32 indexed batchRoot, address indexed issuer, uint32 count);
    event Revoked(bytes32 indexed uid, address indexed issuer, uint8 reason);

    /// @notice The caller is not an active member of the consortium.
    error NotActiveMember(address account);
    error EmptyBatch();
    error BatchTooLarge(uint256 count, uint256 max);
    error InvalidAttestation(uint256 index, InvalidAttestationReason reason);
    error BatchAlreadyAnchored(bytes32 batchRoot);
    /// @notice No batch of `issuer` with root `batchRoot` includes `uid`.
    error UnknownAttestation(bytes32 uid, address issuer, bytes32 batchRoot);
    /// @notice `caller` does not belong to the member that issued the attestation.
    error NotIssuer(address caller, address issuer);
    error AlreadyRevoked(bytes32 uid, uint64 revokedAt);
    error InvalidReason(uint8 reason);

    /// @notice Anchor 1..1024 attestations issued by the caller, an active member.
    /// @return batchRoot the SimpleMerkleTree root (heap layout, unsorted leaves) of their uids.
    function anchor(AttestationData[] calldata batch) external returns (bytes32 batchRoot);

    /// @notice Revoke an attestation, immediately. Only an active account of the issuing member
    /// (the anchoring account or one it was rotated to) may revoke.
    /// @param reason a KycnetTypes.RevocationReason, not NONE.
    function revoke(AttestationProof calldata attestation, uint8 reason) external;

    /// @notice The uid of an anchored attestation; reverts with `UnknownAttestation` otherwise.
    /// Says nothing about revocation or expiry: see `statusOf`.
    function verify(AttestationProof calldata attestation) external view returns (bytes32 uid);

    /// @notice Uid and status at time `at` of an anchored attestation; reverts with
    /// `UnknownAttestation` when it was never anchored.
    function verifyAt(
        AttestationProof calldata attestation,
        uint64 at
    ) external view returns (bytes32 uid, KycnetTypes.AttestationStatus status);

    /// @notice Status at time `at` (protocol §3): UNKNOWN when not anchored, or `at` is before
    /// issuance or anchoring; REVOKED when revoked at or before `at`; EXPIRED when
    /// `at >= expiresAt`; else VALID. Never reverts.
    function statusOf(
        AttestationProof calldata attestation,
        uint64 at
    ) external view returns (KycnetTypes.AttestationStatus);

    function revocationOf(bytes32 uid) external view returns (Revocation memory);

    /// @notice The batch stored under `batchRoot` (all zero when none).
    function batchOf(bytes32 batchRoot) external view returns (Batch memory);

    /// @notice The uid `issuer` gets for `data` in this registry on this chain.
    function uidOf(address issuer, AttestationData calldata data) external view returns (bytes32);

    /// @notice The consortium whose active members may anchor.
    function consortium() external view returns (address);
}
