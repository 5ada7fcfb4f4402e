// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IRule} from "./IRule.sol";
import {RuleLib} from "./RuleLib.sol";
import {IPolicyView} from "../interfaces/IPolicyView.sol";
import {IPolicyErrors} from "../interfaces/Errors.sol";
import {IAaveV3Pool} from "../interfaces/IProtocols.sol";
import {IPool} from "@aave/core-v3/contracts/interfaces/IPool.sol";
import {Effect, Outflow} from "../libraries/PolicyTypes.sol";

/// @title AaveV3Rule
/// @notice Aave v3 Pool calls: supply, withdraw, borrow, repay, repayWithATokens. Every asset must
/// be registered and every position the Safe's own (onBehalfOf / to == Safe); debt is variable rate only.
/// @dev Borrowing is enabled by registering this rule for the pool's `borrow` selector (timelocked,
/// like any loosening); it is not registered by default. Repaying is registered by default and is an
/// exit (de-risking): allowed for the agent, and with prices broken.
contract AaveV3Rule is IRule, IPolicyErrors {
    /// @notice Aave's interest rate mode for variable-rate debt (stable = 1 is refused).
    uint256 public constant VARIABLE_RATE = 2;

    /// @inheritdoc IRule
    function ruleId() external pure returns (bytes32) {
        return "aave-v3";
    }

    /// @inheritdoc IRule
    function check(address safe, address target, bytes calldata data, IPolicyView policy)
        external
        view
        returns (Effect effect, address[] memory tokens, Outflow[] memory outflows)
    {
        bytes4 selector = bytes4(data[:4]);
        bytes calldata args = data[4:];
        address asset = address(uint160(uint256(bytes32(args[:32])))); // every entry point's first argument
        if (uint256(bytes32(args[:32])) > type(uint160).max) revert MalformedCalldata();
        // First: the asset is registered (one call also returns the Safe's aToken / debt token over it).
        tokens = RuleLib.prepend(asset, policy.requireAssetPositions(target, asset));
        if (selector == IAaveV3Pool.supply.selector) {
            (,, address onBehalfOf,) = abi.decode(args, (address, uint256, address, uint16));
            RuleLib.requireSafe(onBehalfOf, safe);
            effect = Effect.Risk;
        } else if (selector == IAaveV3Pool.withdraw.selector) {
            (,, address to) = abi.decode(args, (address, uint256, address));
            RuleLib.requireSafe(to, safe);
            effect = Effect.Exit;
        } else if (selector == IAaveV3Pool.borrow.selector) {
            (,, uint256 mode,, address onBehalfOf) = abi.decode(args, (address, uint256, uint256, uint16, address));
            RuleLib.requireSafe(onBehalfOf, safe);
            _requireVariable(mode);
            // The debt must be valued: its variable debt token must be a registered (liability) position
            // at this pool, or NAV would count the borrowed cash and not the debt.
            _requireListed(tokens, IPool(target).getReserveData(asset).variableDebtTokenAddress);
            effect = Effect.Risk;
        } else if (selector == IAaveV3Pool.repay.selector) {
            (,, uint256 mode, address onBehalfOf) = abi.decode(args, (address, uint256, uint256, address));
            RuleLib.requireSafe(onBehalfOf, safe);
            _requireVariable(mode);
            effect = Effect.Exit; // de-risking: it only lowers debt
        } else if (selector == IAaveV3Pool.repayWithATokens.selector) {
            (,, uint256 mode) = abi.decode(args, (address, uint256, uint256));
            _requireVariable(mode);
            effect = Effect.Exit;
        } else {
            revert MalformedCalldata();
        }
        return (effect, tokens, outflows);
    }

    function _requireListed(address[] memory tokens, address token) internal pure {
        for (uint256 i; i < tokens.length; ++i) {
            if (tokens[i] == token) return;
        }
        revert PositionNotRegistered(token);
    }

    function _requireVariable(uint256 mode) internal pure {
        if (mode != VARIABLE_RATE) revert InterestRateModeNotAllowed(mode);
    }
}
