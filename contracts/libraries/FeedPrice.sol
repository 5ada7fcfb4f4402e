// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AssetConfig} from "./PolicyTypes.sol";

/// @title FeedPrice
/// @notice The one test of whether a Chainlink-style round is usable, shared by the valuation and the
/// call rules that price an order (CowSwapRule), so every part of the guardrails trusts the same prices.
library FeedPrice {
    /// @notice USD price with 18 decimals from a round of `a.feed`.
    /// @param a The asset's registered configuration (feed decimals ≤ 18, staleness limit).
    /// @param answer The round's answer.
    /// @param updatedAt The round's update time.
    /// @return price 0 when not usable.
    /// @return ok False if the answer is not positive, the round has no time, is from the future, or
    /// is older than `a.maxStaleness`.
    function usd(AssetConfig memory a, int256 answer, uint256 updatedAt) internal view returns (uint256 price, bool ok) {
        if (answer <= 0 || updatedAt == 0 || updatedAt > block.timestamp) return (0, false);
        if (block.timestamp - updatedAt > a.maxStaleness) return (0, false);
        return (uint256(answer) * 10 ** (18 - a.feedDecimals), true);
    }
}
