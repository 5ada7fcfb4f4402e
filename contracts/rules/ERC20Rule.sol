// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IRule} from "./IRule.sol";
import {IPolicyView} from "../interfaces/IPolicyView.sol";
import {IPolicyErrors} from "../interfaces/Errors.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {Effect, Outflow} from "../libraries/PolicyTypes.sol";

/// @title ERC20Rule
/// @notice ERC-20 approve and transfer on any registered asset or position token. Registered for
/// "any target" (address(0)) with the two selectors, so a new asset needs no rule of its own.
/// @dev approve: only to allowlisted spenders (protocol contracts), moves nothing. transfer: a
/// payment, returned as an outflow; the policy checks that only the owners pay, only payees
/// receive, and only priced assets are paid.
contract ERC20Rule is IRule, IPolicyErrors {
    /// @inheritdoc IRule
    function ruleId() external pure returns (bytes32) {
        return "erc20";
    }

    /// @inheritdoc IRule
    function check(address, address target, bytes calldata data, IPolicyView policy)
        external
        view
        returns (Effect effect, address[] memory tokens, Outflow[] memory outflows)
    {
        if (!policy.isRegisteredToken(target)) revert TokenNotRegistered(target);
        bytes4 selector = bytes4(data[:4]);
        (address who, uint256 amount) = abi.decode(data[4:], (address, uint256));
        if (selector == IERC20.approve.selector) {
            if (!policy.isSpender(who)) revert SpenderNotAllowed(who);
            return (Effect.Neutral, tokens, outflows);
        }
        if (selector != IERC20.transfer.selector) revert MalformedCalldata();
        tokens = new address[](1);
        tokens[0] = target;
        outflows = new Outflow[](1);
        outflows[0] = Outflow(target, who, amount);
        return (Effect.Payment, tokens, outflows);
    }
}
