// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Effect, Outflow} from "../libraries/PolicyTypes.sol";
import {IPolicyView} from "../interfaces/IPolicyView.sol";

/// @title IRule
/// @notice A call rule: checks the calldata of one protocol's functions for the treasury Safe. The
/// policy maps each allowed (target, selector) to a rule and asks it about every call the Safe would
/// make, from the owners (guard) and the agent (module) alike.
/// @dev Rules are stateless and shared by any number of policies: everything they know about the
/// treasury comes from `policy` (an IPolicyView). A rule reverts with the error that names what is
/// wrong (IPolicyErrors); it never decides who may call (owners or agent): that is the policy's job.
interface IRule {
    /// @notice Checks one call the Safe would make.
    /// @param safe The treasury Safe (the only allowed receiver, onBehalfOf, recipient...).
    /// @param target The called contract (a protocol's pool, vault, router, or a token).
    /// @param data The full calldata, selector included.
    /// @param policy The policy asking, read for its registry (assets, positions, spenders).
    /// @return effect What the call does to risk (Effect, ordered: a batch's effect is its highest).
    /// @return tokens Every token whose Safe balance the call can change (assets and position tokens,
    /// debt tokens included); the valuation may measure only these.
    /// @return outflows Payments to payees (ERC20Rule transfer only); the policy checks who may pay and to whom.
    function check(address safe, address target, bytes calldata data, IPolicyView policy)
        external
        view
        returns (Effect effect, address[] memory tokens, Outflow[] memory outflows);

    /// @notice Short name of the rule's protocol (e.g. "aave-v3"), as bytes32 text; clients use it
    /// with the selector to know which function a registration allows.
    function ruleId() external pure returns (bytes32);
}

/// @title IOrderRule
/// @notice A rule for calls that sign an order someone else fills later (CoW pre-signatures): the
/// Safe's balances do not move in the signing transaction, so the agent module asks the rule what
/// the order may sell, meters that like a swap of the same size, and counts what the order may lose
/// against the oracle toward its loss budget at once.
interface IOrderRule {
    /// @notice What the order signed by this call may do, at oracle prices (USD, 18 decimals); zeros
    /// if the call signs nothing.
    /// @return sellUsd Value of the sell amount.
    /// @return worstLossUsd How far the order's limit is below the oracle value of what it sells: the
    /// most a fill at the limit can lose (0 when the limit is at or above the oracle price).
    function orderUsd(address safe, address target, bytes calldata data, IPolicyView policy)
        external
        view
        returns (uint256 sellUsd, uint256 worstLossUsd);
}
