// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.30;

import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";

/// @title EcdsaVerifier (test only)
/// @notice Exposes OpenZeppelin's ECDSA recovery, the same path the registries use to check
///         signatures, so custody tests can prove HSM signatures verify on chain (low s included:
///         `ECDSA.recover` reverts with `ECDSAInvalidSignatureS` on a high-s signature).
contract EcdsaVerifier {
    /// @notice Signer of a 65-byte signature over a raw digest (EIP-712 digests, transaction hashes).
    /// @param digest the 32-byte digest that was signed.
    /// @param signature r ‖ s ‖ v; reverts on a malformed or high-s signature.
    /// @return the recovered signer.
    function recoverDigest(bytes32 digest, bytes calldata signature) external pure returns (address) {
        return ECDSA.recover(digest, signature);
    }

    /// @notice Signer of an EIP-191 personal-sign signature over `message`.
    /// @param message the message as signed, before the EIP-191 prefix.
    /// @param signature r ‖ s ‖ v; reverts on a malformed or high-s signature.
    /// @return the recovered signer.
    function recoverPersonalMessage(bytes calldata message, bytes calldata signature) external pure returns (address) {
        return ECDSA.recover(MessageHashUtils.toEthSignedMessageHash(message), signature);
    }
}
