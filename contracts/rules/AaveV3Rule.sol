// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IRule} from "./IRule.sol";
import {RuleLib} from "./RuleLib.sol";
import {IPolicyView} from "../interfaces/IPolicyView.sol";
import {IPolicyErrors} from "../interfaces/Errors.sol";
import {IAaveV3Pool} from "../interfaces/IProtocols.sol";
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
        address asset;
        (asset, effect) = _decode(bytes4(data[:4]), data[4:], safe, policy);
        // The asset itself and the Safe's aToken / debt token over it at this pool.
        tokens = RuleLib.prepend(asset, policy.positionTokens(target, asset));
        return (effect, tokens, outflows);
    }

    /// @dev The asset a call is about and its effect. Checked in this order: the asset is registered,
    /// onBehalfOf / to is the Safe, the rate mode is variable.
    function _decode(bytes4 selector, bytes calldata args, address safe, IPolicyView policy)
        internal
        view
        returns (address, Effect)
    {
        if (selector == IAaveV3Pool.supply.selector) {
            (address asset,, address onBehalfOf,) = abi.decode(args, (address, uint256, address, uint16));
            RuleLib.requireAsset(policy, asset);
            RuleLib.requireSafe(onBehalfOf, safe);
            return (asset, Effect.Risk);
        }
        if (selector == IAaveV3Pool.withdraw.selector) {
            (address asset,, address to) = abi.decode(args, (address, uint256, address));
            RuleLib.requireAsset(policy, asset);
            RuleLib.requireSafe(to, safe);
            return (asset, Effect.Exit);
        }
        if (selector == IAaveV3Pool.borrow.selector) {
            (address asset,, uint256 mode,, address onBehalfOf) =
                abi.decode(args, (address, uint256, uint256, uint16, address));
            RuleLib.requireAsset(policy, asset);
            RuleLib.requireSafe(onBehalfOf, safe);
            _requireVariable(mode);
            return (asset, Effect.Risk);
        }
        if (selector == IAaveV3Pool.repay.selector) {
            (address asset,, uint256 mode, address onBehalfOf) = abi.decode(args, (address, uint256, uint256, address));
            RuleLib.requireAsset(policy, asset);
            RuleLib.requireSafe(onBehalfOf, safe);
            _requireVariable(mode);
            return (asset, Effect.Exit); // de-risking: it only lowers debt
        }
        if (selector == IAaveV3Pool.repayWithATokens.selector) {
            (address asset,, uint256 mode) = abi.decode(args, (address, uint256, uint256));
            RuleLib.requireAsset(policy, asset);
            _requireVariable(mode);
            return (asset, Effect.Exit);
        }
        revert MalformedCalldata();
    }

    function _requireVariable(uint256 mode) internal pure {
        if (mode != VARIABLE_RATE) revert InterestRateModeNotAllowed(mode);
    }
}
