// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @notice Types shared by the policy, the guard and the agent module.

/// @dev Stable assets are exempt from the volatile cap; volatile ones count towards it.
enum AssetClass {
    Stable,
    Volatile
}

/// @dev What a position token is. Informational (events, the agent, the indexer): valuing and
/// unwinding are done by the position's adapter (contracts/adapters), which checks at registration
/// that the kind and the rest of the configuration match the token.
enum PositionKind {
    None,
    AaveAToken, // 1:1 with the underlying (balance already includes accrued interest)
    ERC4626, // convertToAssets(shares)
    PendlePT, // PT -> asset rate from the market's TWAP oracle (1:1 after expiry)
    AaveVariableDebt // a liability: 1:1 with the underlying owed, counted negatively in NAV
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

/// @dev How the allocation caps judge a transaction's outcome (TreasuryValuation.finish).
enum CapsMode {
    Off, // approvals, configuration, exits back into the Safe: caps never block them
    NoRise, // de-risking only (no call takes risk): a breached weight may stay where it was, not rise
    Reduce // takes risk: a breached weight must end strictly lower than before
}

/// @dev How the caps judge a transaction (or agent batch) whose riskiest call has effect `e`: the guard
/// and the module both ask this, so owners and agent are judged alike.
function capsModeOf(Effect e) pure returns (CapsMode) {
    if (e <= Effect.Exit) return CapsMode.Off;
    if (e == Effect.Derisk) return CapsMode.NoRise;
    return CapsMode.Reduce;
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
    address adapter; // IPositionAdapter for this kind: values and unwinds the position
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
    uint64 minHealthFactor; // 1e18 = 1.0: floor of the Safe's lending health factor while it has debt
}

/// @dev Value of the Safe's holdings, in USD with 18 decimals. `values` lists assets first, then
/// positions, in registry order (a liability's value is what is owed); `protocolValues` follows the
/// protocol registry (liabilities excluded).
struct Snapshot {
    bool healthy; // every held asset had a fresh, positive price
    uint256 version; // policy configVersion the snapshot was valued under
    uint256 nav; // holdings minus debt (0 if the debt exceeds the holdings)
    uint256 volatileValue; // gross volatile exposure: spot, collateral and debt in volatile assets, never netted
    uint256[] values;
    uint256[] protocolValues;
    uint256[] prices; // per registered asset, USD 18 decimals; 0 = not needed (not held)
    uint256 debt; // total liabilities
    uint256 healthFactor; // lowest lending health factor (1e18 = 1.0) at any lending venue of the registry, as the venue reports it (type(uint256).max: no debt there)
    uint256 liabilities; // bit j set = position j is a liability (held or not)
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
