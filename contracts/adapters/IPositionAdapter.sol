// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {PositionConfig, Call} from "../libraries/PolicyTypes.sol";

/// @title IPositionAdapter
/// @notice One adapter per kind of position (Aave aToken, Aave variable debt, ERC-4626 share, Pendle PT):
/// the only code that knows how a position token is valued and unwound. The valuation values every
/// registered position through its adapter, the agent module's emergency exit unwinds through it, and
/// the policy asks it to validate a position at registration, so none of them switches on a kind.
/// Adding a kind = deploying one adapter and registering positions that name it (timelocked).
/// @dev Adapters are stateless and hold no funds or approvals: they only read and return calldata.
interface IPositionAdapter {
    /// @notice What `account` holds (or owes) in position `token`, as an amount of the underlying.
    /// @param token The position token.
    /// @param account The holder (the Safe).
    /// @param c The position's registered configuration.
    /// @return amount Amount of `c.underlying` (its decimals); 0 when nothing is held, whatever ok says.
    /// @return liability True for a debt: the amount is owed and counts negatively in NAV.
    /// @return ok False when the amount cannot be determined (e.g. a rate oracle failed).
    function value(address token, address account, PositionConfig calldata c)
        external
        view
        returns (uint256 amount, bool liability, bool ok);

    /// @notice The calls (from `account`, CALL only) that return the position to `account`'s own balance
    /// (withdraw, redeem, repay). Empty when there is nothing to do or no exit without a price.
    /// @param token The position token.
    /// @param account The holder (the Safe).
    /// @param c The position's registered configuration.
    /// @return calls To execute in order; the emergency exit runs liabilities' calls before the others.
    function unwind(address token, address account, PositionConfig calldata c)
        external
        view
        returns (Call[] memory calls);

    /// @notice The lending health factor of `account` at the position's venue (1e18 = 1.0), as the venue
    /// itself reports it, for any position at a lending venue (asset or liability): the venue's account
    /// data, not the registry, says whether there is debt. type(uint256).max where there is no debt or
    /// the venue does not lend.
    /// @param account The borrower (the Safe).
    /// @param c The position's registered configuration.
    function healthFactor(address account, PositionConfig calldata c) external view returns (uint256);

    /// @notice Reverts (IAdapterErrors / IPolicyErrors) unless `c` describes `token` correctly for this
    /// adapter: kind, venue, underlying, market. Called by the policy when the position is registered.
    /// @param token The position token.
    /// @param c The configuration to register.
    function validate(address token, PositionConfig calldata c) external view;
}
