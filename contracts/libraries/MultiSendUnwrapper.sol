// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IPolicyErrors} from "../interfaces/Errors.sol";

/// @title MultiSendUnwrapper
/// @notice Reads the calls of a Safe MultiSend(CallOnly) 1.4.1 batch straight from calldata, so each
/// one can be checked on its own, like Zodiac Roles' MultiSendUnwrapper.
/// @dev `multiSend(bytes transactions)`; each entry is operation (1) | to (20) | value (32) |
/// data length (32) | data, packed. Nothing is copied to memory.
library MultiSendUnwrapper {
    /// @dev multiSend(bytes)
    bytes4 internal constant MULTISEND = 0x8d80ff0a;

    /// @notice The packed transactions of a multiSend(bytes) call.
    /// @param data The calldata of the delegatecall to MultiSendCallOnly.
    /// @return txs The `transactions` argument.
    function transactions(bytes calldata data) internal pure returns (bytes calldata txs) {
        if (data.length < 68 || bytes4(data[:4]) != MULTISEND) revert IPolicyErrors.MalformedCalldata();
        uint256 offset = 4 + uint256(bytes32(data[4:36]));
        if (offset + 32 > data.length) revert IPolicyErrors.MalformedCalldata();
        uint256 len = uint256(bytes32(data[offset:offset + 32]));
        if (offset + 32 + len > data.length) revert IPolicyErrors.MalformedCalldata();
        txs = data[offset + 32:offset + 32 + len];
    }

    /// @notice Number of entries; reverts unless the entries exactly fill `txs`.
    /// @param txs The packed transactions.
    function count(bytes calldata txs) internal pure returns (uint256 n) {
        uint256 i;
        while (i < txs.length) {
            if (i + 85 > txs.length) revert IPolicyErrors.MalformedCalldata();
            i += 85 + uint256(bytes32(txs[i + 53:i + 85]));
            ++n;
        }
        if (i != txs.length) revert IPolicyErrors.MalformedCalldata();
    }

    /// @notice The entry at byte `i` (call `count` first: it validates the lengths).
    /// @param txs The packed transactions.
    /// @param i Byte offset of the entry.
    /// @return operation 0 call, 1 delegatecall.
    /// @return to The called address.
    /// @return value The ETH value.
    /// @return data The call's data.
    /// @return next Byte offset of the next entry.
    function entry(bytes calldata txs, uint256 i)
        internal
        pure
        returns (uint8 operation, address to, uint256 value, bytes calldata data, uint256 next)
    {
        operation = uint8(txs[i]);
        to = address(bytes20(txs[i + 1:i + 21]));
        value = uint256(bytes32(txs[i + 21:i + 53]));
        next = i + 85 + uint256(bytes32(txs[i + 53:i + 85]));
        data = txs[i + 85:next];
    }
}
