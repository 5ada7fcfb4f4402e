// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IRule} from "./IRule.sol";
import {RuleLib} from "./RuleLib.sol";
import {IPolicyView} from "../interfaces/IPolicyView.sol";
import {IPolicyErrors} from "../interfaces/Errors.sol";
import {IUniswapV3SwapRouter, IUniswapSwapRouter02} from "../interfaces/IProtocols.sol";
import {AssetClass, AssetConfig, Effect, Outflow} from "../libraries/PolicyTypes.sol";

/// @title UniswapV3Rule
/// @notice Uniswap v3 exact-input swaps (SwapRouter with deadline, SwapRouter02 without) between
/// registered assets, proceeds to the Safe. Volatile -> stable is de-risking; anything else is risk.
/// @dev Exact input only: the output is what the valuation's loss check protects.
contract UniswapV3Rule is IRule, IPolicyErrors {
    /// @inheritdoc IRule
    function ruleId() external pure returns (bytes32) {
        return "uniswap-v3";
    }

    /// @inheritdoc IRule
    function check(address safe, address, bytes calldata data, IPolicyView policy)
        external
        view
        returns (Effect effect, address[] memory tokens, Outflow[] memory outflows)
    {
        bytes4 selector = bytes4(data[:4]);
        address tokenIn;
        address tokenOut;
        if (selector == IUniswapV3SwapRouter.exactInputSingle.selector) {
            IUniswapV3SwapRouter.ExactInputSingleParams memory p =
                abi.decode(data[4:], (IUniswapV3SwapRouter.ExactInputSingleParams));
            RuleLib.requireSafe(p.recipient, safe);
            (tokenIn, tokenOut) = (p.tokenIn, p.tokenOut);
        } else if (selector == IUniswapSwapRouter02.exactInputSingle.selector) {
            IUniswapSwapRouter02.ExactInputSingleParams memory p =
                abi.decode(data[4:], (IUniswapSwapRouter02.ExactInputSingleParams));
            RuleLib.requireSafe(p.recipient, safe);
            (tokenIn, tokenOut) = (p.tokenIn, p.tokenOut);
        } else if (selector == IUniswapV3SwapRouter.exactInput.selector) {
            IUniswapV3SwapRouter.ExactInputParams memory p =
                abi.decode(data[4:], (IUniswapV3SwapRouter.ExactInputParams));
            RuleLib.requireSafe(p.recipient, safe);
            (tokenIn, tokenOut) = _path(p.path, policy);
        } else if (selector == IUniswapSwapRouter02.exactInput.selector) {
            IUniswapSwapRouter02.ExactInputParams memory p =
                abi.decode(data[4:], (IUniswapSwapRouter02.ExactInputParams));
            RuleLib.requireSafe(p.recipient, safe);
            (tokenIn, tokenOut) = _path(p.path, policy);
        } else {
            revert MalformedCalldata();
        }
        return (_swapEffect(tokenIn, tokenOut, policy), RuleLib.pair(tokenIn, tokenOut), outflows);
    }

    function _swapEffect(address tokenIn, address tokenOut, IPolicyView policy) internal view returns (Effect) {
        // A path back to its first token is a round trip inside one call: the Safe's balances would
        // only show its net, so the gross value traded could not be metered.
        if (tokenIn == tokenOut) revert MalformedCalldata();
        AssetConfig memory a = policy.asset(tokenIn);
        if (!a.registered) revert TokenNotRegistered(tokenIn);
        AssetConfig memory b = policy.asset(tokenOut);
        if (!b.registered) revert TokenNotRegistered(tokenOut);
        return a.assetClass == AssetClass.Volatile && b.assetClass == AssetClass.Stable ? Effect.Derisk : Effect.Risk;
    }

    /// @dev Uniswap path: token (20) | fee (3) | token (20) | ... Every hop's token must be registered
    /// (intermediate hops included: a pool of an unpriced token could be anything).
    function _path(bytes memory path, IPolicyView policy) internal view returns (address first, address last) {
        if (path.length < 43 || (path.length - 20) % 23 != 0) revert MalformedCalldata();
        for (uint256 i; i + 20 <= path.length; i += 23) {
            address t;
            assembly {
                t := shr(96, mload(add(add(path, 32), i)))
            }
            RuleLib.requireAsset(policy, t);
            if (i == 0) first = t;
            last = t;
        }
    }
}
