// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IRule} from "./IRule.sol";
import {RuleLib} from "./RuleLib.sol";
import {IPolicyView} from "../interfaces/IPolicyView.sol";
import {IPolicyErrors} from "../interfaces/Errors.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {Effect, Outflow, PositionKind} from "../libraries/PolicyTypes.sol";

/// @title ERC4626Rule
/// @notice ERC-4626 vault calls: deposit, mint (risk), withdraw, redeem (exit), on a vault registered
/// as an ERC-4626 position, with the Safe as receiver (and owner).
contract ERC4626Rule is IRule, IPolicyErrors {
    /// @inheritdoc IRule
    function ruleId() external pure returns (bytes32) {
        return "erc4626";
    }

    /// @inheritdoc IRule
    function check(address safe, address target, bytes calldata data, IPolicyView policy)
        external
        view
        returns (Effect effect, address[] memory tokens, Outflow[] memory outflows)
    {
        (PositionKind kind, address underlying) = policy.positionOf(target);
        if (kind != PositionKind.ERC4626) revert PositionNotRegistered(target);
        bytes4 selector = bytes4(data[:4]);
        if (selector == IERC4626.deposit.selector || selector == IERC4626.mint.selector) {
            (, address receiver) = abi.decode(data[4:], (uint256, address));
            RuleLib.requireSafe(receiver, safe);
            effect = Effect.Risk;
        } else if (selector == IERC4626.withdraw.selector || selector == IERC4626.redeem.selector) {
            (, address receiver, address owner) = abi.decode(data[4:], (uint256, address, address));
            RuleLib.requireSafe(receiver, safe);
            RuleLib.requireSafe(owner, safe);
            effect = Effect.Exit;
        } else {
            revert MalformedCalldata();
        }
        return (effect, RuleLib.pair(underlying, target), outflows);
    }
}
