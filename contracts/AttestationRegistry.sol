// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {IAttestationRegistry} from "./interfaces/IAttestationRegistry.sol";
import {IConsortiumRegistry} from "./interfaces/IConsortiumRegistry.sol";
import {KycnetHashing} from "./libraries/KycnetHashing.sol";
import {KycnetTypes} from "./libraries/KycnetTypes.sol";

/// @title AttestationRegistry
/// @notice Batch anchoring of attestations by consortium members (protocol §3). Anchoring writes
/// one storage slot per batch and one event per record, never per-record storage: an EAS-style
/// per-record slot would cost ≥ 20k gas each, several times the whole per-record budget.
contract AttestationRegistry is IAttestationRegistry {
    IConsortiumRegistry private immutable _consortium;

    mapping(bytes32 batchRoot => Batch) private _batches;
    mapping(bytes32 uid => Revocation) private _revocations;

    /// @notice Binds the registry to its consortium for good (immutable): only that consortium's
    /// active members may anchor and revoke.
    /// @param consortium_ the ConsortiumRegistry.
    constructor(IConsortiumRegistry consortium_) {
        _consortium = consortium_;
    }

    // ----------------------------------------------------------------------------------------
    // Writes
    // ----------------------------------------------------------------------------------------

    /// @inheritdoc IAttestationRegistry
    function anchor(AttestationData[] calldata batch, AuditHead calldata audit) external returns (bytes32 batchRoot) {
        _checkActiveMember(msg.sender);
        uint256 n = batch.length;
        if (n == 0) revert EmptyBatch();
        if (n > KycnetTypes.MAX_BATCH_SIZE) revert BatchTooLarge(n, KycnetTypes.MAX_BATCH_SIZE);

        bytes32[] memory uids = new bytes32[](n);
        for (uint256 i = 0; i < n; ++i) {
            _checkRecord(i, batch[i]);
            uids[i] = KycnetHashing.attestationUidCalldata(block.chainid, address(this), msg.sender, batch[i]);
        }
        batchRoot = KycnetHashing.batchRoot(uids);
        if (_batches[batchRoot].anchoredAt != 0) revert BatchAlreadyAnchored(batchRoot);
        // n <= MAX_BATCH_SIZE, so the cast is exact.
        _batches[batchRoot] = Batch({issuer: msg.sender, anchoredAt: uint64(block.timestamp), count: uint32(n)});

        for (uint256 i = 0; i < n; ++i) {
            emit Attested(uids[i], msg.sender, batch[i].subject, batchRoot);
        }
        emit BatchAnchored(batchRoot, msg.sender, uint32(n));
        // An event, not storage: about 1.6k gas per batch (a few gas per record at 256).
        if (audit.count != 0) emit AuditAnchored(msg.sender, audit.count, audit.head);
    }

    /// @inheritdoc IAttestationRegistry
    function anchorAudit(AuditHead calldata audit) external {
        _checkActiveMember(msg.sender);
        if (audit.count == 0) revert EmptyAuditHead();
        emit AuditAnchored(msg.sender, audit.count, audit.head);
    }

    /// @inheritdoc IAttestationRegistry
    function revoke(AttestationProof calldata attestation, uint8 reason) external {
        _checkActiveMember(msg.sender);
        if (!KycnetTypes.isRevocationReason(reason)) revert InvalidReason(reason);
        bytes32 uid = _requireAnchored(attestation);
        if (!_sameMember(msg.sender, attestation.issuer)) revert NotIssuer(msg.sender, attestation.issuer);
        Revocation storage r = _revocations[uid];
        if (r.revokedAt != 0) revert AlreadyRevoked(uid, r.revokedAt);

        r.revokedAt = uint64(block.timestamp);
        r.reason = reason;
        emit Revoked(uid, attestation.issuer, reason);
    }

    // ----------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------

    /// @inheritdoc IAttestationRegistry
    function verify(AttestationProof calldata attestation) external view returns (bytes32 uid) {
        return _requireAnchored(attestation);
    }

    /// @inheritdoc IAttestationRegistry
    function verifyAt(
        AttestationProof calldata attestation,
        uint64 at
    ) external view returns (bytes32 uid, KycnetTypes.AttestationStatus status) {
        uid = _requireAnchored(attestation);
        status = _statusAt(uid, attestation, at);
    }

    /// @inheritdoc IAttestationRegistry
    function statusOf(
        AttestationProof calldata attestation,
        uint64 at
    ) external view returns (KycnetTypes.AttestationStatus) {
        (bytes32 uid, bool anchored) = _locate(attestation);
        if (!anchored) return KycnetTypes.AttestationStatus.UNKNOWN;
        return _statusAt(uid, attestation, at);
    }

    /// @inheritdoc IAttestationRegistry
    function revocationOf(bytes32 uid) external view returns (Revocation memory) {
        return _revocations[uid];
    }

    /// @inheritdoc IAttestationRegistry
    function batchOf(bytes32 batchRoot) external view returns (Batch memory) {
        return _batches[batchRoot];
    }

    /// @inheritdoc IAttestationRegistry
    function uidOf(address issuer, AttestationData calldata data) external view returns (bytes32) {
        return KycnetHashing.attestationUidCalldata(block.chainid, address(this), issuer, data);
    }

    /// @inheritdoc IAttestationRegistry
    function consortium() external view returns (address) {
        return address(_consortium);
    }

    // ----------------------------------------------------------------------------------------
    // Internals
    // ----------------------------------------------------------------------------------------

    function _checkActiveMember(address account) private view {
        if (!_consortium.isActiveMember(account)) revert NotActiveMember(account);
    }

    function _checkRecord(uint256 index, AttestationData calldata data) private pure {
        InvalidAttestationReason reason = _recordFault(data);
        if (reason != InvalidAttestationReason.NONE) revert InvalidAttestation(index, reason);
    }

    function _recordFault(AttestationData calldata data) private pure returns (InvalidAttestationReason) {
        if (data.subject == address(0)) return InvalidAttestationReason.ZERO_SUBJECT;
        if (data.recordRoot == bytes32(0)) return InvalidAttestationReason.ZERO_RECORD_ROOT;
        if (!KycnetTypes.isMethod(data.method)) return InvalidAttestationReason.UNKNOWN_METHOD;
        if (!KycnetTypes.isAssuranceLevel(data.assuranceLevel)) return InvalidAttestationReason.INVALID_ASSURANCE_LEVEL;
        if (data.expiresAt <= data.issuedAt) return InvalidAttestationReason.EXPIRY_NOT_AFTER_ISSUE;
        bool isReuse = data.method == uint8(KycnetTypes.Method.REUSE);
        if (isReuse == (data.refCommitment == bytes32(0))) return InvalidAttestationReason.REF_COMMITMENT_MISMATCH;
        return InvalidAttestationReason.NONE;
    }

    /// @dev The uid of `attestation` and whether its issuer anchored it in the named batch.
    function _locate(AttestationProof calldata attestation) private view returns (bytes32 uid, bool anchored) {
        uid = KycnetHashing.attestationUidCalldata(block.chainid, address(this), attestation.issuer, attestation.data);
        Batch storage b = _batches[attestation.batchRoot];
        anchored =
            b.anchoredAt != 0 &&
            b.issuer == attestation.issuer &&
            MerkleProof.verifyCalldata(attestation.proof, attestation.batchRoot, uid);
    }

    function _requireAnchored(AttestationProof calldata attestation) private view returns (bytes32 uid) {
        bool anchored;
        (uid, anchored) = _locate(attestation);
        if (!anchored) revert UnknownAttestation(uid, attestation.issuer, attestation.batchRoot);
    }

    /// @dev Status of an anchored attestation at `at` (protocol §3).
    function _statusAt(
        bytes32 uid,
        AttestationProof calldata attestation,
        uint64 at
    ) private view returns (KycnetTypes.AttestationStatus) {
        if (at < attestation.data.issuedAt || at < _batches[attestation.batchRoot].anchoredAt) {
            return KycnetTypes.AttestationStatus.UNKNOWN;
        }
        uint64 revokedAt = _revocations[uid].revokedAt;
        if (revokedAt != 0 && revokedAt <= at) return KycnetTypes.AttestationStatus.REVOKED;
        // The rule for a member that left (ISSUER_LEFT_CONSORTIUM): all its attestations are revoked
        // from its removal, at once and at no gas, since nobody is left to revoke them for fraud.
        uint64 issuerRemovedAt = _consortium.memberRemovedAt(attestation.issuer);
        if (issuerRemovedAt != 0 && issuerRemovedAt <= at) return KycnetTypes.AttestationStatus.REVOKED;
        if (at >= attestation.data.expiresAt) return KycnetTypes.AttestationStatus.EXPIRED;
        return KycnetTypes.AttestationStatus.VALID;
    }

    /// @dev True when both accounts belong to the same member (key rotation keeps the member).
    function _sameMember(address a, address b) private view returns (bool) {
        uint32 memberId = _consortium.memberIdOf(a);
        return memberId != 0 && memberId == _consortium.memberIdOf(b);
    }
}
