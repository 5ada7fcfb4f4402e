// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC4626} from "@openzeppelin/contracts/interfaces/IERC4626.sol";
import {IPositionAdapter} from "./IPositionAdapter.sol";
import {PositionConfig, PositionKind, Call} from "../libraries/PolicyTypes.sol";
import {IAdapterErrors, IPolicyErrors} from "../interfaces/Errors.sol";

/// @title ERC4626Adapter
/// @notice ERC-4626 vault shares (savings vaults such as scrvUSD, sDAI): worth convertToAssets(shares)
/// of the vault's asset; the exit redeems what the vault lets the Safe redeem now. Venue = the vault.
contract ERC4626Adapter is IPositionAdapter, IAdapterErrors {
    /// @inheritdoc IPositionAdapter
    function value(address token, address account, PositionConfig calldata)
        external
        view
        returns (uint256, bool, bool)
    {
        uint256 shares = IERC20(token).balanceOf(account);
        if (shares == 0) return (0, false, true);
        try IERC4626(token).convertToAssets(shares) returns (uint256 assets) {
            return (assets, false, true);
        } catch {
            return (0, false, false);
        }
    }

    /// @inheritdoc IPositionAdapter
    function unwind(address token, address account, PositionConfig calldata)
        external
        view
        returns (Call[] memory calls)
    {
        uint256 shares = IERC4626(token).maxRedeem(account);
        if (shares == 0) return calls;
        calls = new Call[](1);
        calls[0] = Call(token, 0, abi.encodeCall(IERC4626.redeem, (shares, account, account)));
    }

    /// @inheritdoc IPositionAdapter
    function healthFactor(address, PositionConfig calldata) external pure returns (uint256) {
        return type(uint256).max;
    }

    /// @inheritdoc IPositionAdapter
    function validate(address token, PositionConfig calldata c) external view {
        if (c.kind != PositionKind.ERC4626) revert AdapterKindMismatch(token, uint8(c.kind));
        if (c.venue != token) revert IPolicyErrors.VenueMissing(token);
        if (IERC4626(token).asset() != c.underlying) revert IPolicyErrors.VaultAssetMismatch(token, c.underlying);
    }
}
