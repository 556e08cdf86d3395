// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

/// @title KycnetTypes
/// @notice The shared on-chain vocabulary of docs/protocol.md §1. Values are uint8 on the wire and
/// 0 always means "none / invalid", so an unset field can never pass as a real value.
/// Extend, never renumber: the SDK and the node use the same numbers.
library KycnetTypes {
    /// @notice How the issuing bank verified the customer.
    enum Method {
        NONE,
        FULL_EKYC,
        FULL_EKYC_NFC,
        REUSE,
        IN_PERSON
    }

    /// @notice Why a consent is given.
    enum Purpose {
        NONE,
        ONBOARDING,
        PERIODIC_REVIEW,
        TRANSACTION_LIMIT_UPGRADE
    }

    /// @notice Why an issuer revoked an attestation.
    enum RevocationReason {
        NONE,
        CUSTOMER_REQUEST,
        DOCUMENT_EXPIRED,
        DATA_CORRECTED,
        FRAUD_SUSPECTED,
        ISSUER_LEFT_CONSORTIUM
    }

    /// @notice Status of an attestation at a point in time (protocol §3).
    enum AttestationStatus {
        UNKNOWN,
        VALID,
        REVOKED,
        EXPIRED
    }

    /// @notice Status of a consent at a point in time (protocol §4).
    enum ConsentStatus {
        NONE,
        ACTIVE,
        REVOKED,
        EXPIRED
    }

    /// @notice Lowest assurance level (1: card + selfie).
    uint8 internal constant MIN_ASSURANCE_LEVEL = 1;
    /// @notice Highest assurance level (2: chip data verified).
    uint8 internal constant MAX_ASSURANCE_LEVEL = 2;

    /// @notice Valid bits of a field mask: the eleven canonical record fields of protocol §2.
    uint32 internal constant FIELD_MASK = 0x7FF;

    /// @notice Records one `anchor` call accepts at most (protocol §3).
    uint256 internal constant MAX_BATCH_SIZE = 1024;

    /// @notice True when `value` is a Method other than NONE.
    /// @param value a method as sent on the wire.
    /// @return whether it names a known method.
    function isMethod(uint8 value) internal pure returns (bool) {
        return value > uint8(Method.NONE) && value <= uint8(type(Method).max);
    }

    /// @notice True when `value` is a Purpose other than NONE.
    /// @param value a purpose as sent on the wire.
    /// @return whether it names a known purpose.
    function isPurpose(uint8 value) internal pure returns (bool) {
        return value > uint8(Purpose.NONE) && value <= uint8(type(Purpose).max);
    }

    /// @notice True when `value` is a RevocationReason other than NONE.
    /// @param value a revocation reason as sent on the wire.
    /// @return whether it names a known reason.
    function isRevocationReason(uint8 value) internal pure returns (bool) {
        return value > uint8(RevocationReason.NONE) && value <= uint8(type(RevocationReason).max);
    }

    /// @notice True when `value` is an assurance level, MIN_ASSURANCE_LEVEL..MAX_ASSURANCE_LEVEL.
    /// @param value an assurance level as sent on the wire.
    /// @return whether it is a known level.
    function isAssuranceLevel(uint8 value) internal pure returns (bool) {
        return value >= MIN_ASSURANCE_LEVEL && value <= MAX_ASSURANCE_LEVEL;
    }

    /// @notice True when `mask` names at least one field and only known fields.
    /// @param mask a field mask (protocol §2 bits).
    /// @return whether it is within FIELD_MASK and not zero.
    function isFieldMask(uint32 mask) internal pure returns (bool) {
        return mask != 0 && (mask & ~FIELD_MASK) == 0;
    }
}
