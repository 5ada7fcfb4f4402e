// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title TestERC20
/// @notice Local-chain stand-in for USDC / DAI / WBTC: a plain OpenZeppelin ERC20 with configurable
///         decimals whose supply only the owner (the world deployer) can mint.
/// @dev Test infrastructure only. The owner-restricted mint keeps "free money" out of product flows:
///      only the world deployment and explicit world controls create tokens.
contract TestERC20 is ERC20, Ownable {
    uint8 private immutable _decimals;

    /// @param name_ ERC20 name.
    /// @param symbol_ ERC20 symbol.
    /// @param decimals_ Token decimals (USDC 6, DAI 18, WBTC 8).
    /// @param owner_ The only account allowed to mint.
    constructor(string memory name_, string memory symbol_, uint8 decimals_, address owner_)
        ERC20(name_, symbol_)
        Ownable(owner_)
    {
        _decimals = decimals_;
    }

    /// @inheritdoc ERC20
    function decimals() public view override returns (uint8) {
        return _decimals;
    }

    /// @notice Mint `amount` base units to `to`.
    function mint(address to, uint256 amount) external onlyOwner {
        _mint(to, amount);
    }
}
