// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {KycnetTypes} from "../libraries/KycnetTypes.sol";
import {IAttestationRegistry} from "./IAttestationRegistry.sol";

/// @title IConsentRegistry
/// @notice Customer consents (protocol §4): the subject key of an attestation lets one grantee
/// bank receive some fields of the record, for a purpose, until `validUntil`. Signed EIP-712 by
/// the subject and relayed by a member (`…BySig`) or sent by the subject itself. Every disclosure
/// under a consent is logged by the issuing bank.
interface IConsentRegistry {
    /// @notice What the subject signs. Its EIP-712 struct hash is the consent id.
    struct ConsentGrant {
        bytes32 attestationUid;
        address grantee; // the grantee member's account
        uint8 purpose; // KycnetTypes.Purpose
        uint32 fieldMask; // bits of protocol §2, within 0x7FF
        uint64 validUntil;
        uint256 nonce; // unordered: each (subject, nonce) pair is usable once
        uint64 deadline; // last second at which the signature may be relayed
    }

    struct ConsentRevocation {
        bytes32 consentId;
        uint256 nonce;
        uint64 deadline;
    }

    /// @notice What the registry keeps of a consent: only what later checks need.
    struct Consent {
        bytes32 attestationUid;
        address subject;
        uint64 grantedAt;
        uint32 fieldMask;
        address grantee;
        uint64 validUntil;
        uint8 purpose;
        uint32 issuerMemberId; // member that issued the attestation (survives key rotation)
        uint64 attestationExpiresAt;
        uint64 revokedAt; // 0 while not revoked
    }

    event ConsentGranted(
        bytes32 indexed consentId,
        bytes32 indexed attestationUid,
        address indexed grantee,
        address subject,
        uint8 purpose,
        uint32 fieldMask,
        uint64 validUntil
    );
    event ConsentRevoked(bytes32 indexed consentId, bytes32 indexed attestationUid, address indexed subject);
    event Disclosed(
        bytes32 indexed consentId,
        bytes32 indexed attestationUid,
        address indexed grantee,
        uint32 fieldMask,
        bytes32 requestId
    );

    error NotActiveMember(address account);
    /// @notice The grantee is not (or no longer) an active member.
    error GranteeNotActiveMember(address grantee);
    error SignatureExpired(uint64 deadline);
    /// @notice The signature recovers to `signer` (0 when malformed), not to `expected`.
    error InvalidSubjectSignature(address signer, address expected);
    /// @notice `caller` is not the subject `subject`.
    error NotSubject(address caller, address subject);
    /// @notice The grant names `expected` but the proof is of attestation `actual`.
    error AttestationMismatch(bytes32 expected, bytes32 actual);
    error AttestationNotValid(bytes32 uid, KycnetTypes.AttestationStatus status);
    error AttestationRevoked(bytes32 uid, uint64 revokedAt);
    error AttestationExpired(bytes32 uid, uint64 expiresAt);
    error InvalidValidUntil(uint64 validUntil);
    error InvalidPurpose(uint8 purpose);
    error InvalidFieldMask(uint32 fieldMask);
    error NonceAlreadyUsed(address subject, uint256 nonce);
    error ConsentAlreadyExists(bytes32 consentId);
    error UnknownConsent(bytes32 consentId);
    error ConsentExpired(bytes32 consentId, uint64 validUntil);
    error ConsentAlreadyRevoked(bytes32 consentId, uint64 revokedAt);
    /// @notice `caller` does not belong to the member that issued the consent's attestation.
    error NotAttestationIssuer(address caller, bytes32 consentId);
    /// @notice `requested` has fields outside the consent's `granted` mask.
    error FieldsNotGranted(bytes32 consentId, uint32 requested, uint32 granted);

    /// @notice Record a grant signed by the attestation's subject; sent by an active member.
    /// @return consentId the EIP-712 struct hash of `grant`.
    function grantBySig(
        ConsentGrant calldata grant,
        IAttestationRegistry.AttestationProof calldata attestation,
        bytes calldata signature
    ) external returns (bytes32 consentId);

    /// @notice Record a grant sent by the attestation's subject itself (`deadline` is not checked:
    /// there is no signature to relay).
    function grant(
        ConsentGrant calldata grant,
        IAttestationRegistry.AttestationProof calldata attestation
    ) external returns (bytes32 consentId);

    /// @notice Revoke a consent with the subject's signature; sent by any active member.
    function revokeBySig(ConsentRevocation calldata revocation, bytes calldata signature) external;

    /// @notice Revoke a consent, sent by its subject.
    function revoke(bytes32 consentId) external;

    /// @notice Log that the caller, the issuing member, disclosed `fieldMask` to the grantee
    /// under consent `consentId` for request `requestId`. Issuer and grantee are compared as
    /// members, so either side's key rotation keeps the consent usable; a removed side stops it.
    function recordDisclosure(bytes32 consentId, uint32 fieldMask, bytes32 requestId) external;

    function statusOf(bytes32 consentId) external view returns (KycnetTypes.ConsentStatus);

    /// @notice Status at `t`: NONE before the grant, REVOKED when revoked at or before `t`,
    /// EXPIRED when `t >= validUntil`, else ACTIVE.
    function statusAt(bytes32 consentId, uint64 t) external view returns (KycnetTypes.ConsentStatus);

    /// @notice The stored consent; reverts with `UnknownConsent`.
    function getConsent(bytes32 consentId) external view returns (Consent memory);

    function isNonceUsed(address subject, uint256 nonce) external view returns (bool);

    /// @notice The consent id (EIP-712 struct hash) of `grant`.
    function consentIdOf(ConsentGrant calldata grant) external pure returns (bytes32);

    /// @notice The EIP-712 digest the subject signs for `grant`.
    function grantDigest(ConsentGrant calldata grant) external view returns (bytes32);

    /// @notice The EIP-712 digest the subject signs for `revocation`.
    function revocationDigest(ConsentRevocation calldata revocation) external view returns (bytes32);

    /// @notice The consortium whose active members may relay and receive consents.
    function consortium() external view returns (address);

    /// @notice The registry consents' attestations are proven against.
    function attestations() external view returns (address);
}
