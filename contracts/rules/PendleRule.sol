// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IRule} from "./IRule.sol";
import {RuleLib} from "./RuleLib.sol";
import {IPolicyView} from "../interfaces/IPolicyView.sol";
import {IPolicyErrors} from "../interfaces/Errors.sol";
import {IPMarket, IStandardizedYield, IPPrincipalToken, IPYieldToken} from "@pendle/core-v2/contracts/interfaces/IPMarket.sol";
import {IPActionSwapPTV3} from "@pendle/core-v2/contracts/interfaces/IPActionSwapPTV3.sol";
import {IPActionMiscV3} from "@pendle/core-v2/contracts/interfaces/IPActionMiscV3.sol";
import {Effect, Outflow, PositionConfig, PositionKind} from "../libraries/PolicyTypes.sol";

/// @title PendleRule
/// @notice Pendle v2 router calls: buy PT (risk), sell PT on the market (de-risking), redeem PT+YT
/// at maturity (exit), on the market of a registered PT, proceeds to the Safe, no aggregator swap
/// and no limit-order fill (both call arbitrary contracts).
/// @dev The calldata is read by ABI word (the router's structs are deep); a market or YT is matched
/// to a registered PT by asking the market for its tokens and comparing with the PT's registered market.
contract PendleRule is IRule, IPolicyErrors {
    using RuleLib for bytes;

    /// @inheritdoc IRule
    function ruleId() external pure returns (bytes32) {
        return "pendle-v2";
    }

    /// @inheritdoc IRule
    function check(address safe, address, bytes calldata data, IPolicyView policy)
        external
        view
        returns (Effect effect, address[] memory tokens, Outflow[] memory outflows)
    {
        bytes4 selector = bytes4(data[:4]);
        bytes calldata args = data[4:];
        RuleLib.requireSafe(args.word(0), safe); // receiver
        tokens = new address[](3);
        if (selector == IPActionSwapPTV3.swapExactTokenForPt.selector) {
            // (receiver, market, minPtOut, ApproxParams[5 words], TokenInput*, LimitOrderData*)
            (tokens[1],) = _marketPt(args.word(1), policy);
            uint256 input = args.offset(8);
            tokens[0] = args.word(input); // TokenInput.tokenIn
            RuleLib.requireAsset(policy, tokens[0]);
            _requireNoExternalSwap(args.word(input + 3), args.word(args.offset(9)));
            effect = Effect.Risk;
        } else if (selector == IPActionSwapPTV3.swapExactPtForToken.selector) {
            // (receiver, market, exactPtIn, TokenOutput*, LimitOrderData*)
            (tokens[1],) = _marketPt(args.word(1), policy);
            uint256 output = args.offset(3);
            tokens[0] = args.word(output); // TokenOutput.tokenOut
            RuleLib.requireAsset(policy, tokens[0]);
            _requireNoExternalSwap(args.word(output + 3), args.word(args.offset(4)));
            // A sale on the market, not a redemption: its proceeds depend on the AMM price, so it is
            // a de-risking trade (owners only when prices are broken), never an unchecked agent exit.
            effect = Effect.Derisk;
        } else if (selector == IPActionMiscV3.redeemPyToToken.selector) {
            // (receiver, YT, netPyIn, TokenOutput*)
            address yt = args.word(1);
            tokens[1] = _ytPt(yt, policy);
            tokens[2] = yt;
            uint256 output = args.offset(3);
            tokens[0] = args.word(output);
            RuleLib.requireAsset(policy, tokens[0]);
            _requireNoExternalSwap(args.word(output + 3), address(0));
            effect = Effect.Exit;
        } else {
            revert MalformedCalldata();
        }
        if (tokens[2] == address(0)) {
            assembly {
                mstore(tokens, 2)
            }
        }
        return (effect, tokens, outflows);
    }

    /// @dev The PT of `market` if it is a registered PT position's market (and the market's YT).
    function _marketPt(address market, IPolicyView policy) internal view returns (address pt, address yt) {
        if (market.code.length == 0) revert PositionNotRegistered(market);
        try IPMarket(market).readTokens() returns (IStandardizedYield, IPPrincipalToken pt_, IPYieldToken yt_) {
            (pt, yt) = (address(pt_), address(yt_));
        } catch {
            revert PositionNotRegistered(market);
        }
        PositionConfig memory c = policy.position(pt);
        if (c.kind != PositionKind.PendlePT || c.market != market) revert PositionNotRegistered(market);
    }

    /// @dev The PT of `yt` if it is the YT of a registered PT position's market.
    function _ytPt(address yt, IPolicyView policy) internal view returns (address pt) {
        if (yt.code.length == 0) revert PositionNotRegistered(yt);
        try IPYieldToken(yt).PT() returns (address pt_) {
            pt = pt_;
        } catch {
            revert PositionNotRegistered(yt);
        }
        PositionConfig memory c = policy.position(pt);
        if (c.kind != PositionKind.PendlePT) revert PositionNotRegistered(yt);
        (, address marketYt) = _marketPt(c.market, policy);
        if (marketYt != yt) revert PositionNotRegistered(yt);
    }

    /// @dev Pendle aggregator swaps and limit-order fills call arbitrary external contracts: refused.
    function _requireNoExternalSwap(address pendleSwap, address limitRouter) internal pure {
        if (pendleSwap != address(0) || limitRouter != address(0)) revert ExternalSwapNotAllowed();
    }
}
