// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IPool} from "@aave/core-v3/contracts/interfaces/IPool.sol";
import {DataTypes} from "@aave/core-v3/contracts/protocol/libraries/types/DataTypes.sol";
import {IScaledBalanceToken} from "@aave/core-v3/contracts/interfaces/IScaledBalanceToken.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {PositionConfig, PositionKind} from "../libraries/PolicyTypes.sol";
import {IAdapterErrors} from "../interfaces/Errors.sol";

/// @dev What Aave v3's aTokens and debt tokens say of themselves (IncentivizedERC20.POOL, and
/// UNDERLYING_ASSET_ADDRESS on both token kinds).
interface IAaveReserveToken {
    function POOL() external view returns (address);
    function UNDERLYING_ASSET_ADDRESS() external view returns (address);
}

/// @title AaveAdapterBase
/// @notice What the Aave v3 adapters share: the position's venue is the Aave Pool, the token is one of
/// the reserve's tokens for the underlying, and balances include accrued interest (1:1 underlying).
abstract contract AaveAdapterBase is IAdapterErrors {
    /// @dev Aave v3 UserConfiguration: bit 2i is "borrowing reserve i" (bit 2i + 1: used as collateral).
    uint256 internal constant BORROWING_MASK = 0x5555555555555555555555555555555555555555555555555555555555555555;
    /// @dev The token the pool lists for `c.underlying` in this adapter's role.
    function _listed(DataTypes.ReserveData memory r) internal pure virtual returns (address);

    function _kind() internal pure virtual returns (PositionKind);

    /// @dev Balance with interest; the scaled balance is one storage read in the token itself (zero
    /// exactly when balanceOf is zero), while balanceOf also asks the pool for the index.
    function _balance(address token, address account) internal view returns (uint256) {
        if (IScaledBalanceToken(token).scaledBalanceOf(account) == 0) return 0;
        return IERC20(token).balanceOf(account);
    }

    /// @dev The venue's word alone is not enough: a contract that only claims to be an Aave pool can list
    /// any token (a debt token as an aToken). The token must also name the venue as its own pool and the
    /// underlying as its asset, which a real Aave token states immutably.
    function _validate(address token, PositionConfig calldata c) internal view {
        if (c.kind != _kind()) revert AdapterKindMismatch(token, uint8(c.kind));
        address listed = _listed(IPool(c.venue).getReserveData(c.underlying));
        if (listed != token) revert LendingTokenMismatch(token, listed);
        address pool;
        address underlying;
        try IAaveReserveToken(token).POOL() returns (address p) {
            pool = p;
        } catch {}
        if (pool != c.venue) revert LendingPoolMismatch(token, pool);
        try IAaveReserveToken(token).UNDERLYING_ASSET_ADDRESS() returns (address u) {
            underlying = u;
        } catch {}
        if (underlying != c.underlying) revert LendingTokenMismatch(token, underlying);
    }

    /// @dev The pool's own health factor of `account` (type(uint256).max without debt), for every Aave
    /// position, asset or liability: the floor must hold whenever the account owes anything at the pool,
    /// whatever the registry lists.
    /// The pool's user configuration (one storage word, the pool's own record of what the account
    /// borrows) is read first; the account data, which prices every reserve the account uses, only when
    /// it borrows anything.
    function _poolHealthFactor(address account, PositionConfig calldata c) internal view returns (uint256 hf) {
        if (IPool(c.venue).getUserConfiguration(account).data & BORROWING_MASK == 0) return type(uint256).max;
        (,,,,, hf) = IPool(c.venue).getUserAccountData(account);
    }
}
