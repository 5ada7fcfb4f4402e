// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title StubGaugeController
/// @notice Stand-in for Pendle's gauge controller on the local chain: no PENDLE emissions, so a market's
///         gauge has nothing to redeem. The real controller needs a PENDLE token, LayerZero and proxies.
contract StubGaugeController {
    /// @notice The reward token the market's gauge reports (a local placeholder).
    address public immutable pendle;

    constructor(address pendle_) {
        pendle = pendle_;
    }

    /// @notice Called by the market's gauge on every reward update; nothing to distribute locally.
    function redeemMarketReward() external {}
}

/// @title StubVePendle
/// @notice Stand-in for vePENDLE: nobody holds voting power locally, so LP boosts are always neutral.
contract StubVePendle {
    function totalSupplyAndBalanceCurrent(address) external pure returns (uint128, uint128) {
        return (0, 0);
    }

    function balanceOf(address) external pure returns (uint128) {
        return 0;
    }

    function totalSupplyCurrent() external pure returns (uint128) {
        return 0;
    }

    function totalSupplyStored() external pure returns (uint128) {
        return 0;
    }
}
