// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Holdings
/// @notice Arithmetic on the `values` arrays of snapshots (assets first, then positions), shared by the
/// valuation and the agent module so both meter a batch the same way.
library Holdings {
    /// @notice Value moved between two valuations `a` and `b`: the drops of holdings plus the rises of
    /// liabilities (a borrow moves value as much as a sale does).
    /// @param liabilities Bit j set = holding (a.length - nPositions + j) is a debt.
    /// @param nPositions Number of positions at the end of the arrays.
    function moved(uint256[] memory a, uint256[] memory b, uint256 liabilities, uint256 nPositions)
        internal
        pure
        returns (uint256 usd)
    {
        uint256 n = a.length < b.length ? a.length : b.length;
        uint256 nA = a.length - nPositions;
        for (uint256 i; i < n; ++i) {
            bool owed = i >= nA && (liabilities >> (i - nA)) & 1 == 1;
            (uint256 from, uint256 to) = owed ? (b[i], a[i]) : (a[i], b[i]);
            if (from > to) usd += from - to;
        }
    }
}
