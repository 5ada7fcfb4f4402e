// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC4626} from "@openzeppelin/contracts/token/ERC20/extensions/ERC4626.sol";
import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @dev The two Aave v3 Pool entry points the vault uses (signatures as in @aave/core-v3 IPool).
interface IAaveV3PoolMinimal {
    function supply(address asset, uint256 amount, address onBehalfOf, uint16 referralCode) external;
    function withdraw(address asset, uint256 amount, address to) external returns (uint256);
}

/// @dev The aToken getters the vault uses (as in @aave/core-v3 IAToken).
interface IATokenMinimal {
    function UNDERLYING_ASSET_ADDRESS() external view returns (address);
    function POOL() external view returns (address);
}

/// @title AaveSavingsVault
/// @notice Local-chain stand-in for savings vaults such as Curve's scrvUSD or Spark's sDAI: an
///         ERC-4626 vault whose share price rises from a real yield source. Every deposit is supplied
///         to an Aave v3 market, and `totalAssets()` is the vault's aToken balance plus idle assets,
///         so the share price grows exactly as Aave interest (paid by real borrowers) accrues.
/// @dev Built on OpenZeppelin ERC4626 (virtual shares/assets protect against donation/inflation
///      attacks). No fees, no admin, no strategy switching: test infrastructure only.
contract AaveSavingsVault is ERC4626 {
    using SafeERC20 for IERC20;

    /// @notice The Aave v3 Pool the assets are supplied to.
    IAaveV3PoolMinimal public immutable aavePool;
    /// @notice The interest-bearing aToken the vault holds.
    IERC20 public immutable aToken;

    error ATokenMismatch(address aTokenUnderlying, address asset);

    /// @param asset_ The underlying (e.g. USDC for the scrvUSD-shaped vault, DAI for the sDAI-shaped one).
    /// @param aToken_ Aave v3 aToken of `asset_`; its POOL() is where assets are supplied.
    /// @param name_ Share token name.
    /// @param symbol_ Share token symbol.
    constructor(IERC20 asset_, address aToken_, string memory name_, string memory symbol_)
        ERC20(name_, symbol_)
        ERC4626(asset_)
    {
        address underlying = IATokenMinimal(aToken_).UNDERLYING_ASSET_ADDRESS();
        if (underlying != address(asset_)) revert ATokenMismatch(underlying, address(asset_));
        aToken = IERC20(aToken_);
        aavePool = IAaveV3PoolMinimal(IATokenMinimal(aToken_).POOL());
        asset_.forceApprove(address(aavePool), type(uint256).max);
    }

    /// @notice Assets under management: aToken balance (principal + accrued Aave interest) plus idle assets.
    function totalAssets() public view override returns (uint256) {
        return aToken.balanceOf(address(this)) + IERC20(asset()).balanceOf(address(this));
    }

    /// @notice Withdrawals are capped by what Aave can pay out right now (its available liquidity).
    function maxWithdraw(address owner) public view override returns (uint256) {
        return Math.min(super.maxWithdraw(owner), _withdrawableLiquidity());
    }

    /// @notice Redemptions are capped like {maxWithdraw}, expressed in shares.
    function maxRedeem(address owner) public view override returns (uint256) {
        uint256 byLiquidity = _convertToShares(_withdrawableLiquidity(), Math.Rounding.Floor);
        return Math.min(super.maxRedeem(owner), byLiquidity);
    }

    /// @dev Pull assets in (OZ), then supply them all to Aave so they start earning immediately.
    function _deposit(address caller, address receiver, uint256 assets, uint256 shares) internal override {
        super._deposit(caller, receiver, assets, shares);
        aavePool.supply(asset(), assets, address(this), 0);
    }

    /// @dev Withdraw the shortfall from Aave into the vault, then let OZ burn shares and pay out.
    function _withdraw(address caller, address receiver, address owner, uint256 assets, uint256 shares)
        internal
        override
    {
        uint256 idle = IERC20(asset()).balanceOf(address(this));
        if (assets > idle) aavePool.withdraw(asset(), assets - idle, address(this));
        super._withdraw(caller, receiver, owner, assets, shares);
    }

    /// @dev Idle assets plus the lesser of our aToken balance and the cash Aave holds for this reserve.
    function _withdrawableLiquidity() private view returns (uint256) {
        IERC20 underlying = IERC20(asset());
        uint256 aaveCash = underlying.balanceOf(address(aToken));
        return underlying.balanceOf(address(this)) + Math.min(aToken.balanceOf(address(this)), aaveCash);
    }
}
