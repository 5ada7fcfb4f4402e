// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {AssetConfig, PositionConfig, PositionKind} from "../libraries/PolicyTypes.sol";

/// @title IPolicyView
/// @notice The read-only part of the TreasuryPolicy that call rules (contracts/rules) need. Each
/// function reads at most a few storage slots: rules call them on every checked transaction.
interface IPolicyView {
    /// @notice The treasury Safe.
    function safe() external view returns (address);

    /// @notice Configuration of an asset (registered = false if unknown). One storage slot.
    /// @param token The token.
    function asset(address token) external view returns (AssetConfig memory);

    /// @notice Full configuration of a position token (kind None if unknown).
    /// @param token The position token.
    function position(address token) external view returns (PositionConfig memory);

    /// @notice Kind and underlying of a position token (kind None if unknown). One storage slot.
    /// @param token The position token.
    function positionOf(address token) external view returns (PositionKind kind, address underlying);

    /// @notice Whether `token` is a registered asset or position token.
    /// @param token The token.
    function isRegisteredToken(address token) external view returns (bool);

    /// @notice Whether `spender` may receive approvals.
    /// @param spender The spender.
    function isSpender(address spender) external view returns (bool);

    /// @notice Whether `payee` may receive payments from the owners.
    /// @param payee The payee.
    function isPayee(address payee) external view returns (bool);

    /// @notice The registered position tokens over `asset` at `venue` (e.g. an Aave pool's aToken and
    /// debt token for one asset, in registration order); reverts TokenNotRegistered(asset) unless
    /// `asset` is a registered asset: a rule's two questions about an asset in one call.
    /// @param venue The venue (Aave Pool, ERC-4626 vault, Pendle router).
    /// @param asset The asset.
    function requireAssetPositions(address venue, address asset) external view returns (address[] memory);
}
