// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {DataTypes} from "@aave/core-v3/contracts/protocol/libraries/types/DataTypes.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IPositionAdapter} from "../adapters/IPositionAdapter.sol";
import {PositionConfig, Call} from "../libraries/PolicyTypes.sol";

/// @title AttackerLendingVenue
/// @notice Test-only ATTACKER contract (adversarial tests, never deployed by the product): a "venue"
/// that claims to be an Aave pool and lists whatever token it is told as the aToken of any asset, so a
/// real debt token could be registered as a holding through the real AaveATokenAdapter.
contract AttackerLendingVenue {
    address public immutable listed;

    constructor(address listed_) {
        listed = listed_;
    }

    function getReserveData(address) external view returns (DataTypes.ReserveData memory r) {
        r.aTokenAddress = listed;
        r.variableDebtTokenAddress = listed;
    }

    function getUserAccountData(address)
        external
        pure
        returns (uint256, uint256, uint256, uint256, uint256, uint256)
    {
        return (0, 0, 0, 0, 0, type(uint256).max);
    }
}

/// @title AttackerPositionAdapter
/// @notice Test-only ATTACKER adapter: validates anything and values any token as a holding (never a
/// liability). With it, only the policy's own debt probe stands between a debt token and NAV.
contract AttackerPositionAdapter is IPositionAdapter {
    function value(address token, address account, PositionConfig calldata)
        external
        view
        returns (uint256, bool, bool)
    {
        return (IERC20(token).balanceOf(account), false, true);
    }

    function unwind(address, address, PositionConfig calldata) external pure returns (Call[] memory calls) {
        return calls;
    }

    function healthFactor(address, PositionConfig calldata) external pure returns (uint256) {
        return type(uint256).max;
    }

    function validate(address, PositionConfig calldata) external pure {}
}
