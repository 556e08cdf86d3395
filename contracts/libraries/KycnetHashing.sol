// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {Hashes} from "@openzeppelin/contracts/utils/cryptography/Hashes.sol";
import {IAttestationRegistry} from "../interfaces/IAttestationRegistry.sol";
import {IConsentRegistry} from "../interfaces/IConsentRegistry.sol";

/// @title KycnetHashing
/// @notice Every content-derived identifier of docs/protocol.md, in one place so the SDK's
/// TypeScript and these contracts can be checked against the same vectors.
library KycnetHashing {
    /// @notice EIP-712 domain name of the ConsentRegistry (protocol §4).
    string internal constant CONSENT_DOMAIN_NAME = "kycnet ConsentRegistry";
    /// @notice EIP-712 domain version of the ConsentRegistry (protocol §4).
    string internal constant CONSENT_DOMAIN_VERSION = "1";

    // The type strings below are fixed by EIP-712 and protocol §4. keccak256 of a literal is
    // folded at compile time, so their length (over 32 bytes) costs no gas.

    /// @notice EIP-712 type hash of the domain (name, version, chain id, verifying contract).
    bytes32 internal constant EIP712_DOMAIN_TYPEHASH =
        keccak256("EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)");

    /// @notice EIP-712 type hash of `IConsentRegistry.ConsentGrant`.
    bytes32 internal constant CONSENT_GRANT_TYPEHASH =
        keccak256(
            "ConsentGrant(bytes32 attestationUid,address grantee,uint8 purpose,uint32 fieldMask,uint64 validUntil,uint256 nonce,uint64 deadline)"
        );

    /// @notice EIP-712 type hash of `IConsentRegistry.ConsentRevocation`.
    bytes32 internal constant CONSENT_REVOCATION_TYPEHASH =
        keccak256("ConsentRevocation(bytes32 consentId,uint256 nonce,uint64 deadline)");

    /// @notice Attestation uid (protocol §3): binds chain, registry and issuing account to the
    /// record so a uid is unique per deployment. `data` is a static struct, so its ABI encoding
    /// is its eight fields in order, exactly as the protocol lists them.
    /// @param chainId the chain the registry is deployed on.
    /// @param registry the AttestationRegistry's address.
    /// @param issuer the member account that anchors the record.
    /// @param data the record.
    /// @return the attestation uid.
    function attestationUid(
        uint256 chainId,
        address registry,
        address issuer,
        IAttestationRegistry.AttestationData memory data
    ) internal pure returns (bytes32) {
        return keccak256(abi.encode(chainId, registry, issuer, data));
    }

    /// @notice Same as {attestationUid} for a record still in calldata: encoding it straight from
    /// calldata skips a per-field copy into memory, which is most of the per-record cost of
    /// anchoring.
    /// @param chainId the chain the registry is deployed on.
    /// @param registry the AttestationRegistry's address.
    /// @param issuer the member account that anchors the record.
    /// @param data the record, in calldata.
    /// @return the attestation uid.
    function attestationUidCalldata(
        uint256 chainId,
        address registry,
        address issuer,
        IAttestationRegistry.AttestationData calldata data
    ) internal pure returns (bytes32) {
        return keccak256(abi.encode(chainId, registry, issuer, data));
    }

    /// @notice Root of `@openzeppelin/merkle-tree` `SimpleMerkleTree.of(leaves, {sortLeaves:false})`:
    /// a heap of 2n-1 nodes, leaf i at index 2n-2-i, node k = commutativeKeccak256(2k+1, 2k+2).
    /// @param leaves the batch's uids in batch order; must not be empty.
    /// @return the tree's root.
    function batchRoot(bytes32[] memory leaves) internal pure returns (bytes32) {
        uint256 n = leaves.length;
        bytes32[] memory tree = new bytes32[](2 * n - 1);
        for (uint256 i = 0; i < n; ++i) {
            tree[2 * n - 2 - i] = leaves[i];
        }
        // Inner nodes are the indices 0..n-2, filled from the bottom of the heap up.
        for (uint256 k = n - 1; k > 0; --k) {
            tree[k - 1] = Hashes.commutativeKeccak256(tree[2 * k - 1], tree[2 * k]);
        }
        return tree[0];
    }

    /// @notice StandardMerkleTree leaf of one record field (protocol §2):
    /// keccak256(bytes.concat(keccak256(abi.encode(name, value, salt)))).
    /// @param name the canonical field name.
    /// @param value the field's canonical value.
    /// @param salt the field's 32-byte random salt.
    /// @return the leaf hash.
    function recordLeaf(string memory name, string memory value, bytes32 salt) internal pure returns (bytes32) {
        return keccak256(bytes.concat(keccak256(abi.encode(name, value, salt))));
    }

    /// @notice EIP-712 struct hash of a grant, which is also its consent id.
    /// @param grant the grant.
    /// @return the struct hash.
    function consentGrantHash(IConsentRegistry.ConsentGrant memory grant) internal pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    CONSENT_GRANT_TYPEHASH,
                    grant.attestationUid,
                    grant.grantee,
                    grant.purpose,
                    grant.fieldMask,
                    grant.validUntil,
                    grant.nonce,
                    grant.deadline
                )
            );
    }

    /// @notice EIP-712 struct hash of a consent revocation.
    /// @param revocation the revocation.
    /// @return the struct hash.
    function consentRevocationHash(IConsentRegistry.ConsentRevocation memory revocation) internal pure returns (bytes32) {
        return
            keccak256(
                abi.encode(CONSENT_REVOCATION_TYPEHASH, revocation.consentId, revocation.nonce, revocation.deadline)
            );
    }

    /// @notice The ConsentRegistry's EIP-712 domain separator for a given deployment.
    /// @param chainId the chain the ConsentRegistry is deployed on.
    /// @param verifyingContract the ConsentRegistry's address.
    /// @return the domain separator.
    function consentDomainSeparator(uint256 chainId, address verifyingContract) internal pure returns (bytes32) {
        return
            keccak256(
                abi.encode(
                    EIP712_DOMAIN_TYPEHASH,
                    keccak256(bytes(CONSENT_DOMAIN_NAME)),
                    keccak256(bytes(CONSENT_DOMAIN_VERSION)),
                    chainId,
                    verifyingContract
                )
            );
    }
}
