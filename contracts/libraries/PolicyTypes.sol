// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Types shared by the policy, the guard and the agent module.

/// @dev Stable assets are exempt from the volatile cap; volatile ones count towards it.
enum AssetClass {
    Stable,
    Volatile
}

/// @dev How a position token is turned into an amount of its underlying asset.
enum PositionKind {
    None,
    AaveAToken, // 1:1 with the underlying (balance already includes accrued interest)
    ERC4626, // convertToAssets(shares)
    PendlePT // PT -> asset rate from the market's TWAP oracle (1:1 after expiry)
}

/// @dev What a call does to risk. Ordered: a batch's effect is the highest of its calls.
enum Effect {
    Neutral, // approvals, config, receipts
    Exit, // withdrawals and redemptions back to the Safe, debt repayments
    Derisk, // volatile -> stable swaps
    Payment, // transfers to payees (external outflows)
    Risk // anything that takes on market or protocol risk
}

enum Actor {
    Owner,
    Agent
}

struct AssetConfig {
    address feed; // Chainlink-style AggregatorV3 (USD)
    uint32 maxStaleness; // seconds
    uint8 decimals; // token decimals, read at registration
    uint8 feedDecimals; // feed decimals, read at registration
    AssetClass assetClass;
    bool registered;
}

struct PositionConfig {
    PositionKind kind;
    address underlying; // a registered asset
    bytes32 protocol; // e.g. "aave-v3", "erc4626:scrvUSD", "pendle"
    address venue; // Aave Pool / ERC-4626 vault / Pendle router: where the emergency exit goes
    address market; // Pendle market (PT only)
    uint32 twapDuration; // Pendle oracle TWAP window in seconds (PT only)
}

struct Caps {
    uint16 maxVolatileBps; // share of NAV in volatile assets
    uint16 maxProtocolBps; // share of NAV in any one protocol
    uint16 maxPositionBps; // share of NAV in any one position or volatile asset
}

struct Limits {
    uint16 maxLossBps; // NAV after >= NAV before * (1 - maxLossBps), payments excluded
    uint128 autonomyLimitUsd; // 18 decimals: largest agent batch
    uint128 dailyBudgetUsd; // 18 decimals: agent turnover in any rolling 24 h
}

/// @dev Value of the Safe's holdings, in USD with 18 decimals. `values` lists assets first, then
/// positions, in registry order; `protocolValues` follows the protocol registry.
struct Snapshot {
    bool healthy; // every held asset had a fresh, positive price
    uint256 version; // policy configVersion the snapshot was valued under
    uint256 nav;
    uint256 volatileValue;
    uint256[] values;
    uint256[] protocolValues;
    uint256[] prices; // per registered asset, USD 18 decimals; 0 = not needed (not held)
}

/// @dev A token amount that leaves the Safe to a payee.
struct Outflow {
    address token;
    address to;
    uint256 amount;
}

struct Call {
    address to;
    uint256 value;
    bytes data;
}

struct AssetView {
    address token;
    AssetConfig config;
}

struct PositionView {
    address token;
    PositionConfig config;
}

/// @dev One call-rule registration: calls of `selector` on `target` (address(0): any) are judged by `rule`.
struct RuleView {
    address target;
    bytes4 selector;
    address rule; // an IRule (contracts/rules)
    bytes32 ruleId; // the rule's IRule.ruleId(), e.g. "aave-v3"
}

/// @dev The registry, caps and limits the valuation reads from the policy in one call.
struct ValuationConfig {
    address safe;
    address pendleOracle;
    AssetView[] assets;
    PositionView[] positions;
    bytes32[] protocols;
    Caps caps;
    Limits limits;
    uint256 version;
}
