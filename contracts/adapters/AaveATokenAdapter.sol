// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IPool} from "@aave/core-v3/contracts/interfaces/IPool.sol";
import {DataTypes} from "@aave/core-v3/contracts/protocol/libraries/types/DataTypes.sol";
import {IPositionAdapter} from "./IPositionAdapter.sol";
import {AaveAdapterBase} from "./AaveAdapterBase.sol";
import {PositionConfig, PositionKind, Call} from "../libraries/PolicyTypes.sol";

/// @title AaveATokenAdapter
/// @notice Aave v3 supply positions: an aToken is worth its balance of the underlying (interest
/// included); the exit withdraws everything back to the Safe. Venue = the Aave Pool.
contract AaveATokenAdapter is IPositionAdapter, AaveAdapterBase {
    /// @inheritdoc IPositionAdapter
    function value(address token, address account, PositionConfig calldata)
        external
        view
        returns (uint256, bool, bool)
    {
        return (_balance(token, account), false, true);
    }

    /// @inheritdoc IPositionAdapter
    /// @dev Withdrawing collateral while debt is open can fail (health factor below 1): the emergency
    /// exit repays debt first, then calls this.
    function unwind(address token, address account, PositionConfig calldata c)
        external
        view
        returns (Call[] memory calls)
    {
        if (_balance(token, account) == 0) return calls;
        calls = new Call[](1);
        calls[0] = Call(c.venue, 0, abi.encodeCall(IPool.withdraw, (c.underlying, type(uint256).max, account)));
    }

    /// @inheritdoc IPositionAdapter
    /// @dev The pool's, as for the debt: collateral is where a hidden debt would show.
    function healthFactor(address account, PositionConfig calldata c) external view returns (uint256) {
        return _poolHealthFactor(account, c);
    }

    /// @inheritdoc IPositionAdapter
    function validate(address token, PositionConfig calldata c) external view {
        _validate(token, c);
    }

    function _listed(DataTypes.ReserveData memory r) internal pure override returns (address) {
        return r.aTokenAddress;
    }

    function _kind() internal pure override returns (PositionKind) {
        return PositionKind.AaveAToken;
    }
}
