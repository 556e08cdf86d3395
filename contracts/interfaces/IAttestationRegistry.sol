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
        // REUSE: keccak256(abi.encode("kycnet/reuse-source/1", sourceUid, salt)), the salt kept in
        // the issuer's vault, so the chain does not link a REUSE attestation to its source; else 0
        bytes32 refCommitment;
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

    /// @notice The head of the issuing bank's hash-chained audit log when it built the transaction:
    /// entry `count` of the log has hash `head` (docs/audit-trail.md). Carried in events only,
    /// never stored: an auditor compares every anchored head with the log, so a later edit of an
    /// entry, even with every following hash recomputed, or a cut of the log, no longer matches.
    struct AuditHead {
        uint64 count; // entries in the log; 0: no head carried (an empty log)
        bytes32 head; // sha256 of entry `count`
    }

    /// @notice The only per-record state: when and why the issuer revoked an attestation.
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
        /// REUSE without a source commitment, or another method with one
        REF_COMMITMENT_MISMATCH
    }

    // ----------------------------------------------------------------------------------------
    // Events
    // ----------------------------------------------------------------------------------------

    /// @notice One per record of an anchored batch. Filtering on `uid` finds the anchoring
    /// transaction, whose calldata holds the whole batch, so anyone can rebuild the attestation's
    /// proof from its uid alone (sdk/src/chain).
    /// @param uid the attestation uid (protocol §3).
    /// @param issuer the member account that anchored the batch.
    /// @param subject the attestation's customer key address.
    /// @param batchRoot the root the uid's inclusion proof is checked against.
    event Attested(bytes32 indexed uid, address indexed issuer, address indexed subject, bytes32 batchRoot);

    /// @notice A batch was anchored, after the `Attested` events of its records.
    /// @param batchRoot the batch's SimpleMerkleTree root of uids, the key of its storage slot.
    /// @param issuer the member account that anchored it.
    /// @param count the number of records in the batch (1..1024).
    event BatchAnchored(bytes32 indexed batchRoot, address indexed issuer, uint32 count);

    /// @notice The issuer's audit log had `count` entries, the last with hash `head`, when it
    /// sent this transaction (an `anchor` batch, or an audit-only `anchorAudit`).
    /// @param issuer the member account that sent the transaction.
    /// @param count the number of entries in the issuer's audit log.
    /// @param head the hash of entry `count`.
    event AuditAnchored(address indexed issuer, uint64 count, bytes32 head);

    /// @notice The issuing member revoked an attestation; it is REVOKED from this block's timestamp on.
    /// @param uid the revoked attestation.
    /// @param issuer the account that anchored it (not necessarily the account that revoked it,
    /// after a key rotation).
    /// @param reason a KycnetTypes.RevocationReason.
    event Revoked(bytes32 indexed uid, address indexed issuer, uint8 reason);

    // ----------------------------------------------------------------------------------------
    // Errors
    // ----------------------------------------------------------------------------------------

    /// @notice The caller is not an active member of the consortium.
    /// @param account the caller.
    error NotActiveMember(address account);

    /// @notice `anchor` was called with no records.
    error EmptyBatch();

    /// @notice `anchor` was called with more records than one transaction may anchor.
    /// @param count the number of records sent.
    /// @param max the limit, KycnetTypes.MAX_BATCH_SIZE.
    error BatchTooLarge(uint256 count, uint256 max);

    /// @notice A record of the batch breaks a rule of protocol §5; the whole batch is rejected.
    /// @param index the position of the first faulty record in the batch.
    /// @param reason what is wrong with it.
    error InvalidAttestation(uint256 index, InvalidAttestationReason reason);

    /// @notice A batch with this root was already anchored (an outbox retry of a mined transaction).
    /// @param batchRoot the root of the batch.
    error BatchAlreadyAnchored(bytes32 batchRoot);

    /// @notice No batch of `issuer` with root `batchRoot` includes `uid`.
    /// @param uid the uid recomputed from the proof's data.
    /// @param issuer the account the proof names as issuer.
    /// @param batchRoot the batch the proof names.
    error UnknownAttestation(bytes32 uid, address issuer, bytes32 batchRoot);

    /// @notice `caller` does not belong to the member that issued the attestation.
    /// @param caller the account that tried to revoke.
    /// @param issuer the account that anchored the attestation.
    error NotIssuer(address caller, address issuer);

    /// @notice The attestation was already revoked; a revocation is final.
    /// @param uid the attestation.
    /// @param revokedAt when it was revoked.
    error AlreadyRevoked(bytes32 uid, uint64 revokedAt);

    /// @notice `anchorAudit` was called with an empty audit head (count 0).
    error EmptyAuditHead();

    /// @notice `reason` is not a KycnetTypes.RevocationReason other than NONE.
    /// @param reason the value sent.
    error InvalidReason(uint8 reason);

    // ----------------------------------------------------------------------------------------
    // Writes
    // ----------------------------------------------------------------------------------------

    /// @notice Anchor 1..1024 attestations issued by the caller, an active member. Emits one
    /// `Attested` per record, then `BatchAnchored`, then `AuditAnchored` when `audit.count` > 0.
    /// @param batch the records, each checked against protocol §5; their uids name the caller as issuer.
    /// @param audit the caller's audit head when it built the batch (count 0: none).
    /// @return batchRoot the SimpleMerkleTree root (heap layout, unsorted leaves) of their uids.
    function anchor(AttestationData[] calldata batch, AuditHead calldata audit) external returns (bytes32 batchRoot);

    /// @notice Anchor only the caller's audit head (an active member), when it has no attestation
    /// to anchor but its log grew. Emits `AuditAnchored`.
    /// @param audit the caller's audit head; its count must not be 0.
    function anchorAudit(AuditHead calldata audit) external;

    /// @notice Revoke an attestation, immediately. Only an active account of the issuing member
    /// (the anchoring account or one it was rotated to) may revoke.
    /// @param attestation the attestation and its inclusion proof.
    /// @param reason a KycnetTypes.RevocationReason, not NONE.
    function revoke(AttestationProof calldata attestation, uint8 reason) external;

    // ----------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------

    /// @notice The uid of an anchored attestation; reverts with `UnknownAttestation` otherwise.
    /// Says nothing about revocation or expiry: see `statusOf`.
    /// @param attestation the attestation and its inclusion proof.
    /// @return uid the attestation's uid.
    function verify(AttestationProof calldata attestation) external view returns (bytes32 uid);

    /// @notice Uid and status at time `at` of an anchored attestation; reverts with
    /// `UnknownAttestation` when it was never anchored.
    /// @param attestation the attestation and its inclusion proof.
    /// @param at the time, in unix seconds, the status is wanted for.
    /// @return uid the attestation's uid.
    /// @return status its status at `at`, as `statusOf` defines it.
    function verifyAt(
        AttestationProof calldata attestation,
        uint64 at
    ) external view returns (bytes32 uid, KycnetTypes.AttestationStatus status);

    /// @notice Status at time `at` (protocol §3): UNKNOWN when not anchored, or `at` is before
    /// issuance or anchoring; REVOKED when revoked at or before `at`, or when the issuing member
    /// was removed from the consortium at or before `at` (the rule for ISSUER_LEFT_CONSORTIUM,
    /// which `revocationOf` does not show: see `IConsortiumRegistry.memberRemovedAt`); EXPIRED when
    /// `at >= expiresAt`; else VALID. Never reverts.
    /// @param attestation the attestation and its inclusion proof.
    /// @param at the time, in unix seconds, the status is wanted for.
    /// @return the attestation's status at `at`.
    function statusOf(
        AttestationProof calldata attestation,
        uint64 at
    ) external view returns (KycnetTypes.AttestationStatus);

    /// @notice The revocation of an attestation, by uid alone (no proof needed: revocations are
    /// keyed by uid).
    /// @param uid the attestation.
    /// @return its revocation, all zero when it is not revoked.
    function revocationOf(bytes32 uid) external view returns (Revocation memory);

    /// @notice The batch stored under `batchRoot` (all zero when none).
    /// @param batchRoot the batch's root.
    /// @return the batch's issuer, anchoring time and record count.
    function batchOf(bytes32 batchRoot) external view returns (Batch memory);

    /// @notice The uid `issuer` gets for `data` in this registry on this chain.
    /// @param issuer the member account that would anchor the record.
    /// @param data the record.
    /// @return the uid, as protocol §3 computes it.
    function uidOf(address issuer, AttestationData calldata data) external view returns (bytes32);

    /// @notice The consortium whose active members may anchor.
    /// @return the ConsortiumRegistry's address.
    function consortium() external view returns (address);
}
