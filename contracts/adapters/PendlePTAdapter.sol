// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IPMarket, IStandardizedYield, IPPrincipalToken, IPYieldToken} from "@pendle/core-v2/contracts/interfaces/IPMarket.sol";
import {IPPYLpOracle} from "@pendle/core-v2/contracts/interfaces/IPPYLpOracle.sol";
import {TokenOutput} from "@pendle/core-v2/contracts/interfaces/IPAllActionTypeV3.sol";
import {SwapData, SwapType} from "@pendle/core-v2/contracts/router/swap-aggregator/IPSwapAggregator.sol";
import {IPActionMiscV3} from "@pendle/core-v2/contracts/interfaces/IPActionMiscV3.sol";
import {IPositionAdapter} from "./IPositionAdapter.sol";
import {PositionConfig, PositionKind, Call} from "../libraries/PolicyTypes.sol";
import {IAdapterErrors, IPolicyErrors} from "../interfaces/Errors.sol";

/// @title PendlePTAdapter
/// @notice Pendle principal tokens: worth PT x the market's PT-to-asset TWAP rate (Pendle's own
/// PendlePYLpOracle, which an in-transaction swap cannot move; 1:1 after expiry). The exit redeems at
/// maturity through the router (venue); before maturity there is no exit without a price (it would be
/// a blind sale), so the PT stays in the Safe. `market` and `twapDuration` are required.
contract PendlePTAdapter is IPositionAdapter, IAdapterErrors {
    /// @notice Pendle's PT/YT/LP TWAP oracle.
    IPPYLpOracle public immutable oracle;

    constructor(IPPYLpOracle oracle_) {
        if (address(oracle_) == address(0)) revert IPolicyErrors.PendleOracleMissing();
        oracle = oracle_;
    }

    /// @inheritdoc IPositionAdapter
    /// @dev A PT is denominated in its SY's asset, which has the underlying's decimals for ERC-4626 SYs.
    function value(address token, address account, PositionConfig calldata c)
        external
        view
        returns (uint256, bool, bool)
    {
        uint256 bal = IERC20(token).balanceOf(account);
        if (bal == 0) return (0, false, true);
        try oracle.getPtToAssetRate(c.market, c.twapDuration) returns (uint256 rate) {
            return (bal * rate / 1e18, false, true);
        } catch {
            return (0, false, false);
        }
    }

    /// @inheritdoc IPositionAdapter
    function unwind(address token, address account, PositionConfig calldata c)
        external
        view
        returns (Call[] memory calls)
    {
        uint256 bal = IERC20(token).balanceOf(account);
        if (bal == 0 || IPMarket(c.market).expiry() > block.timestamp) return calls;
        (,, IPYieldToken yt) = IPMarket(c.market).readTokens();
        TokenOutput memory out = TokenOutput({
            tokenOut: c.underlying,
            minTokenOut: 0,
            tokenRedeemSy: c.underlying,
            pendleSwap: address(0),
            swapData: SwapData({swapType: SwapType.NONE, extRouter: address(0), extCalldata: "", needScale: false})
        });
        calls = new Call[](2);
        calls[0] = Call(token, 0, abi.encodeCall(IERC20.approve, (c.venue, bal)));
        calls[1] = Call(c.venue, 0, abi.encodeCall(IPActionMiscV3.redeemPyToToken, (account, address(yt), bal, out)));
    }

    /// @inheritdoc IPositionAdapter
    function healthFactor(address, PositionConfig calldata) external pure returns (uint256) {
        return type(uint256).max;
    }

    /// @inheritdoc IPositionAdapter
    function validate(address token, PositionConfig calldata c) external view {
        if (c.kind != PositionKind.PendlePT) revert AdapterKindMismatch(token, uint8(c.kind));
        if (c.market == address(0) || c.twapDuration == 0) revert IPolicyErrors.PendleMarketMissing(token);
        (IStandardizedYield sy, IPPrincipalToken pt,) = IPMarket(c.market).readTokens();
        if (address(pt) != token) revert IPolicyErrors.MarketPtMismatch(c.market, token);
        (, address syAsset,) = sy.assetInfo();
        if (syAsset != c.underlying) revert IPolicyErrors.VaultAssetMismatch(address(sy), c.underlying);
    }
}
