// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {IAttestationRegistry} from "./interfaces/IAttestationRegistry.sol";
import {IConsentRegistry} from "./interfaces/IConsentRegistry.sol";
import {IConsortiumRegistry} from "./interfaces/IConsortiumRegistry.sol";
import {KycnetHashing} from "./libraries/KycnetHashing.sol";
import {KycnetTypes} from "./libraries/KycnetTypes.sol";

/// @title ConsentRegistry
/// @notice Customer consents and the disclosure log (protocol §4). A consent is checked against
/// its attestation once, when granted; what later checks need (subject, grantee, mask, validity,
/// issuing member, attestation expiry) is stored, so disclosures need no proof.
contract ConsentRegistry is IConsentRegistry, EIP712 {
    IConsortiumRegistry private immutable _consortium;
    IAttestationRegistry private immutable _attestations;

    mapping(bytes32 consentId => Consent) private _consents;
    mapping(address subject => mapping(uint256 nonce => bool)) private _usedNonces;

    /// @notice Binds the registry to its consortium and attestation registry for good (immutable),
    /// and fixes its EIP-712 domain (protocol §4).
    /// @param consortium_ the ConsortiumRegistry whose active members relay and receive consents.
    /// @param attestations_ the AttestationRegistry consents' attestations are proven against.
    constructor(
        IConsortiumRegistry consortium_,
        IAttestationRegistry attestations_
    ) EIP712(KycnetHashing.CONSENT_DOMAIN_NAME, KycnetHashing.CONSENT_DOMAIN_VERSION) {
        _consortium = consortium_;
        _attestations = attestations_;
    }

    // ----------------------------------------------------------------------------------------
    // Grants
    // ----------------------------------------------------------------------------------------

    /// @inheritdoc IConsentRegistry
    function grantBySig(
        ConsentGrant calldata grant_,
        IAttestationRegistry.AttestationProof calldata attestation,
        bytes calldata signature
    ) external returns (bytes32 consentId) {
        _checkActiveMember(msg.sender);
        if (block.timestamp > grant_.deadline) revert SignatureExpired(grant_.deadline);
        _checkAttestation(grant_, attestation);
        consentId = KycnetHashing.consentGrantHash(grant_);
        _checkSubjectSignature(_hashTypedDataV4(consentId), signature, attestation.data.subject);
        _storeGrant(consentId, grant_, attestation);
    }

    /// @inheritdoc IConsentRegistry
    function grant(
        ConsentGrant calldata grant_,
        IAttestationRegistry.AttestationProof calldata attestation
    ) external returns (bytes32 consentId) {
        _checkAttestation(grant_, attestation);
        if (msg.sender != attestation.data.subject) revert NotSubject(msg.sender, attestation.data.subject);
        consentId = KycnetHashing.consentGrantHash(grant_);
        _storeGrant(consentId, grant_, attestation);
    }

    /// @dev The proof must be of the attestation the grant names, and that attestation VALID now.
    function _checkAttestation(
        ConsentGrant calldata grant_,
        IAttestationRegistry.AttestationProof calldata attestation
    ) private view {
        (bytes32 uid, KycnetTypes.AttestationStatus status) = _attestations.verifyAt(
            attestation,
            uint64(block.timestamp)
        );
        if (uid != grant_.attestationUid) revert AttestationMismatch(grant_.attestationUid, uid);
        if (status != KycnetTypes.AttestationStatus.VALID) revert AttestationNotValid(uid, status);
    }

    function _storeGrant(
        bytes32 consentId,
        ConsentGrant calldata grant_,
        IAttestationRegistry.AttestationProof calldata attestation
    ) private {
        if (!_consortium.isActiveMember(grant_.grantee)) revert GranteeNotActiveMember(grant_.grantee);
        if (grant_.validUntil <= block.timestamp) revert InvalidValidUntil(grant_.validUntil);
        if (!KycnetTypes.isPurpose(grant_.purpose)) revert InvalidPurpose(grant_.purpose);
        if (!KycnetTypes.isFieldMask(grant_.fieldMask)) revert InvalidFieldMask(grant_.fieldMask);
        // Checked before the nonce so that replaying the very same grant names the consent.
        if (_consents[consentId].grantedAt != 0) revert ConsentAlreadyExists(consentId);
        address subject = attestation.data.subject;
        _useNonce(subject, grant_.nonce);

        _consents[consentId] = Consent({
            attestationUid: grant_.attestationUid,
            subject: subject,
            grantedAt: uint64(block.timestamp),
            fieldMask: grant_.fieldMask,
            grantee: grant_.grantee,
            validUntil: grant_.validUntil,
            purpose: grant_.purpose,
            issuerMemberId: _consortium.memberIdOf(attestation.issuer),
            attestationExpiresAt: attestation.data.expiresAt,
            revokedAt: 0
        });
        emit ConsentGranted(
            consentId,
            grant_.attestationUid,
            grant_.grantee,
            subject,
            grant_.purpose,
            grant_.fieldMask,
            grant_.validUntil
        );
    }

    // ----------------------------------------------------------------------------------------
    // Revocations
    // ----------------------------------------------------------------------------------------

    /// @inheritdoc IConsentRegistry
    function revokeBySig(ConsentRevocation calldata revocation, bytes calldata signature) external {
        _checkActiveMember(msg.sender);
        if (block.timestamp > revocation.deadline) revert SignatureExpired(revocation.deadline);
        Consent storage c = _requireConsent(revocation.consentId);
        bytes32 digest = _hashTypedDataV4(KycnetHashing.consentRevocationHash(revocation));
        _checkSubjectSignature(digest, signature, c.subject);
        if (c.revokedAt != 0) revert ConsentAlreadyRevoked(revocation.consentId, c.revokedAt);
        _useNonce(c.subject, revocation.nonce);
        _markRevoked(revocation.consentId, c);
    }

    /// @inheritdoc IConsentRegistry
    function revoke(bytes32 consentId) external {
        Consent storage c = _requireConsent(consentId);
        if (msg.sender != c.subject) revert NotSubject(msg.sender, c.subject);
        if (c.revokedAt != 0) revert ConsentAlreadyRevoked(consentId, c.revokedAt);
        _markRevoked(consentId, c);
    }

    function _markRevoked(bytes32 consentId, Consent storage c) private {
        c.revokedAt = uint64(block.timestamp);
        emit ConsentRevoked(consentId, c.attestationUid, c.subject);
    }

    // ----------------------------------------------------------------------------------------
    // Disclosures
    // ----------------------------------------------------------------------------------------

    /// @inheritdoc IConsentRegistry
    function recordDisclosure(bytes32 consentId, uint32 fieldMask, bytes32 requestId) external {
        _checkActiveMember(msg.sender);
        Consent storage c = _requireConsent(consentId);
        uint32 callerMemberId = _consortium.memberIdOf(msg.sender);
        if (callerMemberId != c.issuerMemberId) revert NotAttestationIssuer(msg.sender, consentId);
        if (c.revokedAt != 0) revert ConsentAlreadyRevoked(consentId, c.revokedAt);
        if (block.timestamp >= c.validUntil) revert ConsentExpired(consentId, c.validUntil);
        if (!KycnetTypes.isFieldMask(fieldMask)) revert InvalidFieldMask(fieldMask);
        if (fieldMask & ~c.fieldMask != 0) revert FieldsNotGranted(consentId, fieldMask, c.fieldMask);
        // The grantee is a member, not an account: its key may have been rotated since the grant.
        if (_consortium.activeMemberIdOf(c.grantee) == 0) revert GranteeNotActiveMember(c.grantee);
        uint64 attestationRevokedAt = _attestations.revocationOf(c.attestationUid).revokedAt;
        if (attestationRevokedAt != 0) revert AttestationRevoked(c.attestationUid, attestationRevokedAt);
        if (block.timestamp >= c.attestationExpiresAt) {
            revert AttestationExpired(c.attestationUid, c.attestationExpiresAt);
        }
        emit Disclosed(consentId, c.attestationUid, c.grantee, fieldMask, requestId);
    }

    // ----------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------

    /// @inheritdoc IConsentRegistry
    function statusOf(bytes32 consentId) external view returns (KycnetTypes.ConsentStatus) {
        return _statusAt(_consents[consentId], uint64(block.timestamp));
    }

    /// @inheritdoc IConsentRegistry
    function statusAt(bytes32 consentId, uint64 t) external view returns (KycnetTypes.ConsentStatus) {
        return _statusAt(_consents[consentId], t);
    }

    /// @inheritdoc IConsentRegistry
    function getConsent(bytes32 consentId) external view returns (Consent memory) {
        return _requireConsent(consentId);
    }

    /// @inheritdoc IConsentRegistry
    function isNonceUsed(address subject, uint256 nonce) external view returns (bool) {
        return _usedNonces[subject][nonce];
    }

    /// @inheritdoc IConsentRegistry
    function consentIdOf(ConsentGrant calldata grant_) external pure returns (bytes32) {
        return KycnetHashing.consentGrantHash(grant_);
    }

    /// @inheritdoc IConsentRegistry
    function grantDigest(ConsentGrant calldata grant_) external view returns (bytes32) {
        return _hashTypedDataV4(KycnetHashing.consentGrantHash(grant_));
    }

    /// @inheritdoc IConsentRegistry
    function revocationDigest(ConsentRevocation calldata revocation) external view returns (bytes32) {
        return _hashTypedDataV4(KycnetHashing.consentRevocationHash(revocation));
    }

    /// @inheritdoc IConsentRegistry
    function consortium() external view returns (address) {
        return address(_consortium);
    }

    /// @inheritdoc IConsentRegistry
    function attestations() external view returns (address) {
        return address(_attestations);
    }

    // ----------------------------------------------------------------------------------------
    // Internals
    // ----------------------------------------------------------------------------------------

    function _checkActiveMember(address account) private view {
        if (!_consortium.isActiveMember(account)) revert NotActiveMember(account);
    }

    function _requireConsent(bytes32 consentId) private view returns (Consent storage c) {
        c = _consents[consentId];
        if (c.grantedAt == 0) revert UnknownConsent(consentId);
    }

    /// @dev Malformed or high-s signatures recover to nothing and report signer 0.
    function _checkSubjectSignature(bytes32 digest, bytes calldata signature, address subject) private pure {
        (address signer, ECDSA.RecoverError err, ) = ECDSA.tryRecoverCalldata(digest, signature);
        if (err != ECDSA.RecoverError.NoError) signer = address(0);
        if (signer != subject) revert InvalidSubjectSignature(signer, subject);
    }

    function _useNonce(address subject, uint256 nonce) private {
        if (_usedNonces[subject][nonce]) revert NonceAlreadyUsed(subject, nonce);
        _usedNonces[subject][nonce] = true;
    }

    function _statusAt(Consent storage c, uint64 t) private view returns (KycnetTypes.ConsentStatus) {
        if (c.grantedAt == 0 || t < c.grantedAt) return KycnetTypes.ConsentStatus.NONE;
        if (c.revokedAt != 0 && c.revokedAt <= t) return KycnetTypes.ConsentStatus.REVOKED;
        if (t >= c.validUntil) return KycnetTypes.ConsentStatus.EXPIRED;
        return KycnetTypes.ConsentStatus.ACTIVE;
    }
}
