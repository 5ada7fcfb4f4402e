// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IPolicyView} from "../interfaces/IPolicyView.sol";
import {IPolicyErrors} from "../interfaces/Errors.sol";

/// @title RuleLib
/// @notice Checks the call rules share: the receiver is the Safe, a token is a registered asset,
/// raw ABI words of calldata whose layout a typed decode cannot express cheaply.
library RuleLib {
    /// @dev Reverts unless `a` is the Safe.
    function requireSafe(address a, address safe) internal pure {
        if (a != safe) revert IPolicyErrors.ReceiverNotSafe(a);
    }

    /// @dev Reverts unless `token` is a registered asset.
    function requireAsset(IPolicyView policy, address token) internal view {
        if (!policy.asset(token).registered) revert IPolicyErrors.TokenNotRegistered(token);
    }

    /// @dev Address in ABI word `i` of `args` (reverts if out of range or not a clean address).
    function word(bytes calldata args, uint256 i) internal pure returns (address) {
        if (args.length < (i + 1) * 32) revert IPolicyErrors.MalformedCalldata();
        uint256 w = uint256(bytes32(args[i * 32:(i + 1) * 32]));
        if (w > type(uint160).max) revert IPolicyErrors.MalformedCalldata();
        return address(uint160(w));
    }

    /// @dev Word index of the dynamic tuple whose head offset is in word `i`.
    function offset(bytes calldata args, uint256 i) internal pure returns (uint256) {
        if (args.length < (i + 1) * 32) revert IPolicyErrors.MalformedCalldata();
        uint256 off = uint256(bytes32(args[i * 32:(i + 1) * 32]));
        if (off % 32 != 0 || off >= args.length) revert IPolicyErrors.MalformedCalldata();
        return off / 32;
    }

    /// @dev [a] ++ rest.
    function prepend(address a, address[] memory rest) internal pure returns (address[] memory out) {
        out = new address[](rest.length + 1);
        out[0] = a;
        for (uint256 i; i < rest.length; ++i) out[i + 1] = rest[i];
    }

    /// @dev [a, b].
    function pair(address a, address b) internal pure returns (address[] memory out) {
        out = new address[](2);
        (out[0], out[1]) = (a, b);
    }
}
