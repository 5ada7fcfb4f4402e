// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ISafe} from "./interfaces/ISafe.sol";
import {IFallbackHandlerErrors} from "./interfaces/Errors.sol";

/// @title TreasuryFallbackHandler
/// @notice Fallback handler for the treasury Safe: Safe 1.4.1's CompatibilityFallbackHandler in
/// every respect (token callbacks, `simulate`, `getModules`, message hashes) except ERC-1271.
/// @dev CompatibilityFallbackHandler accepts the owners' off-chain signatures of a message as the
/// Safe's ERC-1271 signature. The guard never sees those, so a quorum could sign a token permit,
/// `transferWithAuthorization`, a Permit2 transfer or an exchange order and move funds past the
/// payee list and the timelock. Here a message is valid only if the Safe approved it on-chain with
/// SignMessageLib (`signedMessages`), which takes a Safe transaction the TreasuryGuard lets through
/// only when scheduled on the policy's timelock (so any guardian may veto it once). That is the
/// Safe web app's "sign on-chain" flow; off-chain message signatures are refused.
/// Every other call is delegated to the deployment's CompatibilityFallbackHandler (stateless code,
/// so a delegatecall is safe): `msg.sender` stays the Safe and the appended sender is preserved.
contract TreasuryFallbackHandler is IFallbackHandlerErrors {
    /// @notice Safe 1.4.1 CompatibilityFallbackHandler whose code serves every other call.
    address public immutable compatibilityHandler;

    // keccak256("SafeMessage(bytes message)")
    bytes32 private constant SAFE_MSG_TYPEHASH = 0x60b3cbf8b4a223d68d641b3b6ddf9a298e7f33710cf3d3a9d1146b5a6150fbca;
    bytes4 private constant LEGACY_MAGIC_VALUE = 0x20c13b0b; // isValidSignature(bytes,bytes)
    bytes4 private constant MAGIC_VALUE = 0x1626ba7e; // isValidSignature(bytes32,bytes)

    /// @param compatibilityHandler_ The deployment's CompatibilityFallbackHandler (Safe 1.4.1).
    constructor(address compatibilityHandler_) {
        if (compatibilityHandler_ == address(0)) revert ZeroHandler();
        compatibilityHandler = compatibilityHandler_;
    }

    /// @notice Legacy ERC-1271: valid only for data the calling Safe approved on-chain, with empty
    /// signatures. Reverts otherwise, as CompatibilityFallbackHandler does for an unapproved hash.
    /// @param data The signed data.
    /// @param signature Must be empty: owner signatures alone are refused.
    /// @return The legacy magic value 0x20c13b0b.
    function isValidSignature(bytes memory data, bytes memory signature) public view returns (bytes4) {
        bytes32 messageHash = _messageHash(ISafe(msg.sender), data);
        if (signature.length != 0 || ISafe(msg.sender).signedMessages(messageHash) == 0) {
            revert MessageNotApproved(messageHash);
        }
        return LEGACY_MAGIC_VALUE;
    }

    /// @notice ERC-1271: the magic value for a hash the calling Safe approved on-chain, else 0.
    /// @param dataHash The signed hash (e.g. an EIP-712 permit digest).
    /// @param signature Must be empty: owner signatures alone are refused.
    /// @return 0x1626ba7e if approved, 0x00000000 otherwise.
    function isValidSignature(bytes32 dataHash, bytes calldata signature) external view returns (bytes4) {
        if (signature.length != 0) return bytes4(0);
        bytes32 messageHash = _messageHash(ISafe(msg.sender), abi.encode(dataHash));
        return ISafe(msg.sender).signedMessages(messageHash) != 0 ? MAGIC_VALUE : bytes4(0);
    }

    /// @dev The hash SignMessageLib stores: EIP-712 SafeMessage(bytes message) in the Safe's domain.
    function _messageHash(ISafe safe, bytes memory message) internal view returns (bytes32) {
        bytes32 safeMessageHash = keccak256(abi.encode(SAFE_MSG_TYPEHASH, keccak256(message)));
        return keccak256(abi.encodePacked(bytes1(0x19), bytes1(0x01), safe.domainSeparator(), safeMessageHash));
    }

    /// @dev Everything else: CompatibilityFallbackHandler's code, in this context.
    fallback() external {
        address target = compatibilityHandler;
        assembly {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), target, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(ok) { revert(0, returndatasize()) }
            return(0, returndatasize())
        }
    }
}
