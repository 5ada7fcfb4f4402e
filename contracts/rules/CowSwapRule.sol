// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IRule, IOrderRule} from "./IRule.sol";
import {RuleLib} from "./RuleLib.sol";
import {IPolicyView} from "../interfaces/IPolicyView.sol";
import {IPolicyErrors} from "../interfaces/Errors.sol";
import {GPv2OrderData, IGPv2Settlement} from "../interfaces/IProtocols.sol";
import {AssetClass, AssetConfig, Effect, Outflow} from "../libraries/PolicyTypes.sol";
import {FeedPrice} from "../libraries/FeedPrice.sol";
import {AggregatorV3Interface} from "@chainlink/contracts/src/v0.8/shared/interfaces/AggregatorV3Interface.sol";

/// @dev The part of TreasuryPolicy this rule reads besides IPolicyView: the per-transaction loss limit.
interface IPolicyLimits {
    function limits()
        external
        view
        returns (uint16 maxLossBps, uint128 autonomyLimitUsd, uint128 dailyBudgetUsd, uint64 minHealthFactor);
}

/// @title CowSwapRule
/// @notice CoW Protocol orders the Safe pre-signs on GPv2Settlement (`setPreSignature(uid, true)`).
/// The uid is only a hash, so the Safe's call carries the whole GPv2Order.Data ABI-encoded after
/// the normal arguments (GPv2Settlement's decoder ignores trailing calldata); the rule recomputes
/// the uid from it and checks the order: the Safe's own sell order (fill-or-kill, ERC-20 balances,
/// no fee) between registered assets, proceeds to the Safe, valid for at most MAX_VALIDITY, with a
/// limit price no worse than the oracle price less the policy's maxLossBps.
/// @dev The fill happens later, in a solver's `settle`, outside any Safe transaction: the policy's
/// NAV check covers the signing transaction only, so the limit-price check here is what protects
/// the trade. Cancelling a pre-signature (`signed = false`) moves nothing and is always allowed.
/// The agent module meters an order as a swap of its sell amount and books its worst-case loss
/// against the oracle at signing (orderUsd); it also keeps the order so a pause can withdraw it.
contract CowSwapRule is IRule, IOrderRule, IPolicyErrors {
    /// @notice Latest validTo allowed, from the block of the signing transaction: bounds how long
    /// a limit checked against today's oracle price stays fillable.
    uint256 public constant MAX_VALIDITY = 1 hours;

    /// @dev GPv2Order constants (GPv2Order.sol): the EIP-712 type hash and the hashed enum strings.
    bytes32 internal constant ORDER_TYPE_HASH = keccak256(
        "Order(address sellToken,address buyToken,address receiver,uint256 sellAmount,uint256 buyAmount,uint32 validTo,bytes32 appData,uint256 feeAmount,string kind,bool partiallyFillable,string sellTokenBalance,string buyTokenBalance)"
    );
    bytes32 internal constant KIND_SELL = keccak256("sell");
    bytes32 internal constant BALANCE_ERC20 = keccak256("erc20");

    uint256 private constant BPS = 10_000;
    /// @dev setPreSignature(bytes,bool) canonically encoded: selector, offset (0x40), signed, uid
    /// length (56), uid padded to 64 bytes.
    uint256 private constant ARGS_END = 4 + 5 * 32;
    /// @dev ... followed by the 12 static words of GPv2Order.Data.
    uint256 private constant ORDER_END = ARGS_END + 12 * 32;

    /// @inheritdoc IRule
    function ruleId() external pure returns (bytes32) {
        return "cow";
    }

    /// @inheritdoc IRule
    function check(address safe, address target, bytes calldata data, IPolicyView policy)
        external
        view
        returns (Effect effect, address[] memory tokens, Outflow[] memory outflows)
    {
        if (!_signed(data)) return (Effect.Neutral, tokens, outflows); // unsigning: de-risk, always allowed
        GPv2OrderData memory o = _order(safe, target, data);
        (AssetConfig memory sell, AssetConfig memory buy) = _assets(o, policy);
        (uint256 sellUsd, uint256 buyUsd) = (_value(o.sellToken, o.sellAmount, sell), _value(o.buyToken, o.buyAmount, buy));
        (uint16 maxLossBps,,,) = IPolicyLimits(address(policy)).limits();
        uint256 minBuyUsd = sellUsd * (BPS - maxLossBps) / BPS;
        if (buyUsd < minBuyUsd) revert OrderLimitBelowOracle(buyUsd, minBuyUsd);
        effect = sell.assetClass == AssetClass.Volatile && buy.assetClass == AssetClass.Stable ? Effect.Derisk : Effect.Risk;
        return (effect, RuleLib.pair(o.sellToken, o.buyToken), outflows);
    }

    /// @inheritdoc IOrderRule
    /// @dev The agent module counts it towards the autonomy limit, the 24 h turnover and the 24 h loss
    /// budget, since the fill itself happens outside the module. Call after `check`.
    function orderUsd(address, address, bytes calldata data, IPolicyView policy)
        external
        view
        returns (uint256 sellUsd, uint256 worstLossUsd)
    {
        if (!_signed(data)) return (0, 0);
        // `check` has judged this very calldata (the policy asks it first): only the amounts are read here.
        if (data.length != ORDER_END) revert MalformedCalldata();
        GPv2OrderData memory o = abi.decode(data[ARGS_END:ORDER_END], (GPv2OrderData));
        sellUsd = _value(o.sellToken, o.sellAmount, policy.asset(o.sellToken));
        uint256 buyUsd = _value(o.buyToken, o.buyAmount, policy.asset(o.buyToken));
        worstLossUsd = buyUsd < sellUsd ? sellUsd - buyUsd : 0;
    }

    /// @dev Whether `data` is setPreSignature(uid, true) (reverts unless it is a canonical setPreSignature).
    function _signed(bytes calldata data) internal pure returns (bool) {
        if (data.length < ARGS_END || bytes4(data[:4]) != IGPv2Settlement.setPreSignature.selector) {
            revert MalformedCalldata();
        }
        // The uid where GPv2Settlement's decoder finds it: offset 0x40, length 56.
        if (uint256(bytes32(data[4:36])) != 0x40 || uint256(bytes32(data[68:100])) != 56) revert MalformedCalldata();
        uint256 signed = uint256(bytes32(data[36:68]));
        if (signed > 1) revert MalformedCalldata();
        return signed == 1;
    }

    /// @dev The appended order, checked against the uid and this rule's order constraints.
    function _order(address safe, address target, bytes calldata data) internal view returns (GPv2OrderData memory o) {
        if (data.length != ORDER_END) revert MalformedCalldata();
        o = abi.decode(data[ARGS_END:ORDER_END], (GPv2OrderData));
        bytes calldata uid = data[100:156];
        address owner = address(bytes20(uid[32:52]));
        if (owner != safe) revert OrderOwnerNotSafe(owner);
        bytes32 digest = keccak256(
            abi.encodePacked("\x19\x01", IGPv2Settlement(target).domainSeparator(), keccak256(abi.encode(ORDER_TYPE_HASH, o)))
        );
        if (bytes32(uid[:32]) != digest || uint32(bytes4(uid[52:56])) != o.validTo) revert OrderUidMismatch();
        if (o.receiver != address(0)) RuleLib.requireSafe(o.receiver, safe); // 0 = the owner
        if (o.kind != KIND_SELL) revert OrderKindNotAllowed(o.kind);
        if (o.partiallyFillable) revert OrderPartialFillNotAllowed();
        if (o.sellTokenBalance != BALANCE_ERC20) revert OrderBalanceNotAllowed(o.sellTokenBalance);
        if (o.buyTokenBalance != BALANCE_ERC20) revert OrderBalanceNotAllowed(o.buyTokenBalance);
        if (o.validTo > block.timestamp + MAX_VALIDITY) revert OrderValidToTooFar(o.validTo, block.timestamp + MAX_VALIDITY);
        if (o.feeAmount != 0) revert OrderFeeNotAllowed(o.feeAmount);
        // Same token on both sides would be a round trip the valuation cannot meter.
        if (o.sellToken == o.buyToken) revert MalformedCalldata();
    }

    function _assets(GPv2OrderData memory o, IPolicyView policy)
        internal
        view
        returns (AssetConfig memory sell, AssetConfig memory buy)
    {
        sell = policy.asset(o.sellToken);
        if (!sell.registered) revert TokenNotRegistered(o.sellToken);
        buy = policy.asset(o.buyToken);
        if (!buy.registered) revert TokenNotRegistered(o.buyToken);
    }

    /// @dev USD value (18 decimals) of `amount` of a registered asset at its feed's price; reverts
    /// when the price is not usable (FeedPrice: the valuation's own test).
    function _value(address token, uint256 amount, AssetConfig memory a) internal view returns (uint256) {
        (, int256 answer,, uint256 updatedAt,) = AggregatorV3Interface(a.feed).latestRoundData();
        (uint256 price, bool ok) = FeedPrice.usd(a, answer, updatedAt);
        if (!ok) revert OrderPriceUnavailable(token);
        return amount * price / 10 ** a.decimals;
    }
}
