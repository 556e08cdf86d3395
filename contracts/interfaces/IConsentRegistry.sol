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

    /// @notice What the subject signs to revoke a consent through a relaying member.
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

    // ----------------------------------------------------------------------------------------
    // Events
    // ----------------------------------------------------------------------------------------

    /// @notice A consent was recorded; it is ACTIVE from this block's timestamp until `validUntil`.
    /// @param consentId the EIP-712 struct hash of the grant.
    /// @param attestationUid the attestation whose record the consent opens.
    /// @param grantee the grantee member's account, as named in the grant.
    /// @param subject the attestation's subject, who signed or sent the grant.
    /// @param purpose a KycnetTypes.Purpose.
    /// @param fieldMask the record fields the grantee may receive (protocol §2 bits).
    /// @param validUntil the first second at which the consent is EXPIRED.
    event ConsentGranted(
        bytes32 indexed consentId,
        bytes32 indexed attestationUid,
        address indexed grantee,
        address subject,
        uint8 purpose,
        uint32 fieldMask,
        uint64 validUntil
    );

    /// @notice The subject revoked a consent; it is REVOKED from this block's timestamp on.
    /// @param consentId the revoked consent.
    /// @param attestationUid the attestation the consent was for.
    /// @param subject the attestation's subject.
    event ConsentRevoked(bytes32 indexed consentId, bytes32 indexed attestationUid, address indexed subject);

    /// @notice The issuing member disclosed record fields to the grantee under a consent.
    /// @param consentId the consent the disclosure was made under.
    /// @param attestationUid the attestation whose record was disclosed.
    /// @param grantee the grantee member's account, as named in the grant.
    /// @param fieldMask the fields disclosed, within the consent's mask.
    /// @param requestId the grantee's request id, which also binds the sealed payload (protocol §6).
    event Disclosed(
        bytes32 indexed consentId,
        bytes32 indexed attestationUid,
        address indexed grantee,
        uint32 fieldMask,
        bytes32 requestId
    );

    // ----------------------------------------------------------------------------------------
    // Errors
    // ----------------------------------------------------------------------------------------

    /// @notice The caller is not an active member's current account.
    /// @param account the caller.
    error NotActiveMember(address account);

    /// @notice The grantee is not (or no longer) an active member.
    /// @param grantee the grantee account named in the consent.
    error GranteeNotActiveMember(address grantee);

    /// @notice The signature's relay deadline has passed.
    /// @param deadline the last second at which it could be relayed.
    error SignatureExpired(uint64 deadline);

    /// @notice The signature recovers to `signer` (0 when malformed), not to `expected`.
    /// @param signer the recovered address, 0 for a malformed or high-s signature.
    /// @param expected the attestation's subject.
    error InvalidSubjectSignature(address signer, address expected);

    /// @notice `caller` is not the subject `subject`.
    /// @param caller the sender.
    /// @param subject the attestation's subject.
    error NotSubject(address caller, address subject);

    /// @notice The grant names `expected` but the proof is of attestation `actual`.
    /// @param expected the grant's `attestationUid`.
    /// @param actual the uid of the attestation the proof proves.
    error AttestationMismatch(bytes32 expected, bytes32 actual);

    /// @notice The attestation is not VALID now, so no consent can be granted on it.
    /// @param uid the attestation.
    /// @param status its status now.
    error AttestationNotValid(bytes32 uid, KycnetTypes.AttestationStatus status);

    /// @notice The consent's attestation was revoked, so nothing more may be disclosed under it.
    /// @param uid the attestation.
    /// @param revokedAt when it was revoked.
    error AttestationRevoked(bytes32 uid, uint64 revokedAt);

    /// @notice The consent's attestation has expired, so nothing more may be disclosed under it.
    /// @param uid the attestation.
    /// @param expiresAt its expiry, as stored with the consent.
    error AttestationExpired(bytes32 uid, uint64 expiresAt);

    /// @notice The grant's `validUntil` is not in the future.
    /// @param validUntil the value sent.
    error InvalidValidUntil(uint64 validUntil);

    /// @notice `purpose` is not a KycnetTypes.Purpose other than NONE.
    /// @param purpose the value sent.
    error InvalidPurpose(uint8 purpose);

    /// @notice `fieldMask` is zero or has bits outside the eleven record fields (0x7FF).
    /// @param fieldMask the value sent.
    error InvalidFieldMask(uint32 fieldMask);

    /// @notice The subject already used `nonce`, for a grant or a revocation.
    /// @param subject the attestation's subject.
    /// @param nonce the nonce sent.
    error NonceAlreadyUsed(address subject, uint256 nonce);

    /// @notice This very grant was already recorded.
    /// @param consentId its id.
    error ConsentAlreadyExists(bytes32 consentId);

    /// @notice No consent was granted with this id.
    /// @param consentId the id sent.
    error UnknownConsent(bytes32 consentId);

    /// @notice The consent is past its `validUntil`.
    /// @param consentId the consent.
    /// @param validUntil the first second at which it was EXPIRED.
    error ConsentExpired(bytes32 consentId, uint64 validUntil);

    /// @notice The consent was revoked: it can be neither revoked again nor disclosed under.
    /// @param consentId the consent.
    /// @param revokedAt when it was revoked.
    error ConsentAlreadyRevoked(bytes32 consentId, uint64 revokedAt);

    /// @notice `caller` does not belong to the member that issued the consent's attestation.
    /// @param caller the sender.
    /// @param consentId the consent.
    error NotAttestationIssuer(address caller, bytes32 consentId);

    /// @notice `requested` has fields outside the consent's `granted` mask.
    /// @param consentId the consent.
    /// @param requested the fields the disclosure names.
    /// @param granted the fields the consent allows.
    error FieldsNotGranted(bytes32 consentId, uint32 requested, uint32 granted);

    // ----------------------------------------------------------------------------------------
    // Grants
    // ----------------------------------------------------------------------------------------

    /// @notice Record a grant signed by the attestation's subject; sent by an active member.
    /// Emits `ConsentGranted`.
    /// @param grant what the subject signed; its `deadline` must not have passed.
    /// @param attestation the proof of the attestation `grant` names, which must be VALID now.
    /// @param signature the subject's 65-byte ECDSA signature (low s) over the grant's EIP-712 digest.
    /// @return consentId the EIP-712 struct hash of `grant`.
    function grantBySig(
        ConsentGrant calldata grant,
        IAttestationRegistry.AttestationProof calldata attestation,
        bytes calldata signature
    ) external returns (bytes32 consentId);

    /// @notice Record a grant sent by the attestation's subject itself (`deadline` is not checked:
    /// there is no signature to relay). Emits `ConsentGranted`.
    /// @param grant the consent, checked as in `grantBySig` except for its `deadline`.
    /// @param attestation the proof of the attestation `grant` names, which must be VALID now.
    /// @return consentId the EIP-712 struct hash of `grant`.
    function grant(
        ConsentGrant calldata grant,
        IAttestationRegistry.AttestationProof calldata attestation
    ) external returns (bytes32 consentId);

    // ----------------------------------------------------------------------------------------
    // Revocations
    // ----------------------------------------------------------------------------------------

    /// @notice Revoke a consent with the subject's signature; sent by any active member.
    /// Emits `ConsentRevoked`.
    /// @param revocation what the subject signed; its `deadline` must not have passed.
    /// @param signature the subject's 65-byte ECDSA signature (low s) over its EIP-712 digest.
    function revokeBySig(ConsentRevocation calldata revocation, bytes calldata signature) external;

    /// @notice Revoke a consent, sent by its subject. Emits `ConsentRevoked`.
    /// @param consentId the consent to revoke.
    function revoke(bytes32 consentId) external;

    // ----------------------------------------------------------------------------------------
    // Disclosures
    // ----------------------------------------------------------------------------------------

    /// @notice Log that the caller, the issuing member, disclosed `fieldMask` to the grantee
    /// under consent `consentId` for request `requestId`. Issuer and grantee are compared as
    /// members, so either side's key rotation keeps the consent usable; a removed side stops it.
    /// Requires the consent ACTIVE and its attestation neither revoked nor expired.
    /// Emits `Disclosed`.
    /// @param consentId the consent the fields were disclosed under.
    /// @param fieldMask the fields disclosed, within the consent's mask.
    /// @param requestId the grantee's request id.
    function recordDisclosure(bytes32 consentId, uint32 fieldMask, bytes32 requestId) external;

    // ----------------------------------------------------------------------------------------
    // Views
    // ----------------------------------------------------------------------------------------

    /// @notice Status now, as `statusAt` defines it for the current block's timestamp.
    /// @param consentId the consent.
    /// @return the consent's status now.
    function statusOf(bytes32 consentId) external view returns (KycnetTypes.ConsentStatus);

    /// @notice Status at `t`: NONE before the grant, REVOKED when revoked at or before `t`,
    /// EXPIRED when `t >= validUntil`, else ACTIVE.
    /// @param consentId the consent (an unknown id is NONE at every time).
    /// @param t the time, in unix seconds.
    /// @return the consent's status at `t`.
    function statusAt(bytes32 consentId, uint64 t) external view returns (KycnetTypes.ConsentStatus);

    /// @notice The stored consent; reverts with `UnknownConsent`.
    /// @param consentId the consent.
    /// @return what the registry keeps of it.
    function getConsent(bytes32 consentId) external view returns (Consent memory);

    /// @notice Whether `subject` already used `nonce` (for a grant or a revocation).
    /// @param subject an attestation subject's address.
    /// @param nonce the nonce.
    /// @return true when the pair can no longer be used.
    function isNonceUsed(address subject, uint256 nonce) external view returns (bool);

    /// @notice The consent id (EIP-712 struct hash) of `grant`.
    /// @param grant the grant.
    /// @return its consent id, the same the SDK computes before sending it.
    function consentIdOf(ConsentGrant calldata grant) external pure returns (bytes32);

    /// @notice The EIP-712 digest the subject signs for `grant`.
    /// @param grant the grant.
    /// @return the digest under this registry's domain.
    function grantDigest(ConsentGrant calldata grant) external view returns (bytes32);

    /// @notice The EIP-712 digest the subject signs for `revocation`.
    /// @param revocation the revocation.
    /// @return the digest under this registry's domain.
    function revocationDigest(ConsentRevocation calldata revocation) external view returns (bytes32);

    /// @notice The consortium whose active members may relay and receive consents.
    /// @return the ConsortiumRegistry's address.
    function consortium() external view returns (address);

    /// @notice The registry consents' attestations are proven against.
    /// @return the AttestationRegistry's address.
    function attestations() external view returns (address);
}
