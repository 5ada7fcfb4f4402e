// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IPool} from "@aave/core-v3/contracts/interfaces/IPool.sol";
import {DataTypes} from "@aave/core-v3/contracts/protocol/libraries/types/DataTypes.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IPositionAdapter} from "./IPositionAdapter.sol";
import {AaveAdapterBase} from "./AaveAdapterBase.sol";
import {PositionConfig, PositionKind, Call} from "../libraries/PolicyTypes.sol";

/// @title AaveDebtAdapter
/// @notice Aave v3 variable-rate debt: a liability of its balance in the underlying (interest
/// included), counted negatively in NAV. The health factor is the pool's for the whole account.
/// The exit repays from the Safe's wallet balance of the underlying, then from its aTokens of the
/// same asset (repayWithATokens), so it needs no price and no swap. Venue = the Aave Pool.
contract AaveDebtAdapter is IPositionAdapter, AaveAdapterBase {
    uint256 private constant VARIABLE = 2;

    /// @inheritdoc IPositionAdapter
    function value(address token, address account, PositionConfig calldata)
        external
        view
        returns (uint256, bool, bool)
    {
        return (_balance(token, account), true, true);
    }

    /// @inheritdoc IPositionAdapter
    /// @dev approve(pool, wallet part) + repay(wallet part) when the Safe holds the underlying, then
    /// repayWithATokens(max) (Aave caps it at the debt left and the aToken balance; it reverts if the
    /// Safe has no aTokens of the asset, which the exit reports without stopping). Approval is exact.
    function unwind(address token, address account, PositionConfig calldata c)
        external
        view
        returns (Call[] memory calls)
    {
        uint256 debt = _balance(token, account);
        if (debt == 0) return calls;
        uint256 cash = IERC20(c.underlying).balanceOf(account);
        uint256 fromWallet = cash < debt ? cash : debt;
        bool fromATokens = fromWallet < debt;
        calls = new Call[]((fromWallet > 0 ? 2 : 0) + (fromATokens ? 1 : 0));
        uint256 n;
        if (fromWallet > 0) {
            calls[n++] = Call(c.underlying, 0, abi.encodeCall(IERC20.approve, (c.venue, fromWallet)));
            calls[n++] = Call(c.venue, 0, abi.encodeCall(IPool.repay, (c.underlying, fromWallet, VARIABLE, account)));
        }
        if (fromATokens) {
            calls[n] = Call(c.venue, 0, abi.encodeCall(IPool.repayWithATokens, (c.underlying, type(uint256).max, VARIABLE)));
        }
    }

    /// @inheritdoc IPositionAdapter
    function healthFactor(address account, PositionConfig calldata c) external view returns (uint256) {
        return _poolHealthFactor(account, c);
    }

    /// @inheritdoc IPositionAdapter
    function validate(address token, PositionConfig calldata c) external view {
        _validate(token, c);
    }

    function _listed(DataTypes.ReserveData memory r) internal pure override returns (address) {
        return r.variableDebtTokenAddress;
    }

    function _kind() internal pure override returns (PositionKind) {
        return PositionKind.AaveVariableDebt;
    }
}
