// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IOrderKeeper
/// @notice What the policy asks of the agent module when a guardian pauses the agent: withdraw every
/// order the agent signed that a third party could still fill (CoW pre-signatures), since a pause must
/// take away all of the agent's power at once, including the orders it left open.
interface IOrderKeeper {
    /// @notice Withdraws (unsigns) every open order the agent signed. Any guardian, or the policy.
    function withdrawOrders() external;
}
