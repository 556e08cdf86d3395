// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {MerkleProof} from "@openzeppelin/contracts/utils/cryptography/MerkleProof.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {IAttestationRegistry} from "../interfaces/IAttestationRegistry.sol";
import {IConsentRegistry} from "../interfaces/IConsentRegistry.sol";
import {KycnetHashing} from "../libraries/KycnetHashing.sol";

/// @title KycnetHashingHarness
/// @notice Test-only: exposes KycnetHashing so the shared vectors (test/vectors/) can be checked
/// against the Solidity implementation. Never deployed outside tests.
contract KycnetHashingHarness {
    function attestationUid(
        uint256 chainId,
        address registry,
        address issuer,
        IAttestationRegistry.AttestationData calldata data
    ) external pure returns (bytes32) {
        return KycnetHashing.attestationUid(chainId, registry, issuer, data);
    }

    function batchRoot(bytes32[] calldata uids) external pure returns (bytes32) {
        return KycnetHashing.batchRoot(uids);
    }

    function verifyProof(bytes32[] calldata proof, bytes32 root, bytes32 leaf) external pure returns (bool) {
        return MerkleProof.verifyCalldata(proof, root, leaf);
    }

    function recordLeaf(string calldata name, string calldata value, bytes32 salt) external pure returns (bytes32) {
        return KycnetHashing.recordLeaf(name, value, salt);
    }

    function consentGrantHash(IConsentRegistry.ConsentGrant calldata grant) external pure returns (bytes32) {
        return KycnetHashing.consentGrantHash(grant);
    }

    function consentRevocationHash(
        IConsentRegistry.ConsentRevocation calldata revocation
    ) external pure returns (bytes32) {
        return KycnetHashing.consentRevocationHash(revocation);
    }

    function consentDomainSeparator(uint256 chainId, address verifyingContract) external pure returns (bytes32) {
        return KycnetHashing.consentDomainSeparator(chainId, verifyingContract);
    }

    /// @notice The EIP-712 digest a subject signs: "\x19\x01" ‖ domainSeparator ‖ structHash.
    function typedDataDigest(bytes32 domainSeparator, bytes32 structHash) external pure returns (bytes32) {
        return MessageHashUtils.toTypedDataHash(domainSeparator, structHash);
    }

    function typehashes() external pure returns (bytes32 domain, bytes32 grant, bytes32 revocation) {
        return (
            KycnetHashing.EIP712_DOMAIN_TYPEHASH,
            KycnetHashing.CONSENT_GRANT_TYPEHASH,
            KycnetHashing.CONSENT_REVOCATION_TYPEHASH
        );
    }
}
