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
    /// @notice {KycnetHashing-attestationUid} (the memory variant; the registry uses the calldata one).
    /// @param chainId the chain the registry is deployed on.
    /// @param registry the AttestationRegistry's address.
    /// @param issuer the member account that anchors the record.
    /// @param data the record.
    /// @return the attestation uid.
    function attestationUid(
        uint256 chainId,
        address registry,
        address issuer,
        IAttestationRegistry.AttestationData calldata data
    ) external pure returns (bytes32) {
        return KycnetHashing.attestationUid(chainId, registry, issuer, data);
    }

    /// @notice {KycnetHashing-batchRoot}.
    /// @param uids the batch's uids in batch order, not empty.
    /// @return the batch root.
    function batchRoot(bytes32[] calldata uids) external pure returns (bytes32) {
        return KycnetHashing.batchRoot(uids);
    }

    /// @notice OpenZeppelin's MerkleProof check, the one AttestationRegistry runs on a uid.
    /// @param proof the SimpleMerkleTree proof.
    /// @param root the batch root.
    /// @param leaf the uid.
    /// @return whether `proof` proves `leaf` under `root`.
    function verifyProof(bytes32[] calldata proof, bytes32 root, bytes32 leaf) external pure returns (bool) {
        return MerkleProof.verifyCalldata(proof, root, leaf);
    }

    /// @notice {KycnetHashing-recordLeaf}.
    /// @param name the canonical field name.
    /// @param value the field's canonical value.
    /// @param salt the field's salt.
    /// @return the leaf hash.
    function recordLeaf(string calldata name, string calldata value, bytes32 salt) external pure returns (bytes32) {
        return KycnetHashing.recordLeaf(name, value, salt);
    }

    /// @notice {KycnetHashing-consentGrantHash}.
    /// @param grant the grant.
    /// @return its struct hash, the consent id.
    function consentGrantHash(IConsentRegistry.ConsentGrant calldata grant) external pure returns (bytes32) {
        return KycnetHashing.consentGrantHash(grant);
    }

    /// @notice {KycnetHashing-consentRevocationHash}.
    /// @param revocation the revocation.
    /// @return its struct hash.
    function consentRevocationHash(
        IConsentRegistry.ConsentRevocation calldata revocation
    ) external pure returns (bytes32) {
        return KycnetHashing.consentRevocationHash(revocation);
    }

    /// @notice {KycnetHashing-consentDomainSeparator}.
    /// @param chainId the chain the ConsentRegistry is deployed on.
    /// @param verifyingContract the ConsentRegistry's address.
    /// @return the domain separator.
    function consentDomainSeparator(uint256 chainId, address verifyingContract) external pure returns (bytes32) {
        return KycnetHashing.consentDomainSeparator(chainId, verifyingContract);
    }

    /// @notice The EIP-712 digest a subject signs: "\x19\x01" ‖ domainSeparator ‖ structHash.
    /// @param domainSeparator the EIP-712 domain separator.
    /// @param structHash the EIP-712 struct hash.
    /// @return the digest.
    function typedDataDigest(bytes32 domainSeparator, bytes32 structHash) external pure returns (bytes32) {
        return MessageHashUtils.toTypedDataHash(domainSeparator, structHash);
    }

    /// @notice The EIP-712 type hashes of {KycnetHashing}.
    /// @return domain the EIP712Domain type hash.
    /// @return grant the ConsentGrant type hash.
    /// @return revocation the ConsentRevocation type hash.
    function typehashes() external pure returns (bytes32 domain, bytes32 grant, bytes32 revocation) {
        return (
            KycnetHashing.EIP712_DOMAIN_TYPEHASH,
            KycnetHashing.CONSENT_GRANT_TYPEHASH,
            KycnetHashing.CONSENT_REVOCATION_TYPEHASH
        );
    }
}
