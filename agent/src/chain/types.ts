// What the agent knows about the treasury at one block: read from chain in one multicall
// (portfolio.ts), consumed by the pure planner and checker. USD amounts: bigint, 18 decimals.
import type { Address, Hex } from "viem";

import type { RuleKind } from "./ruleKinds";

export type { RuleKind };

/** PositionKind enum: 1 Aave aToken, 2 ERC-4626, 3 Pendle PT, 4 Aave variable debt (a liability). */
export type PositionKindName = "aave" | "erc4626" | "pendlePt" | "aaveDebt";

export interface PolicyAsset {
  token: Address;
  feed: Address;
  maxStaleness: number;
  decimals: number;
  feedDecimals: number;
  volatile: boolean;
}

export interface PolicyPosition {
  token: Address;
  kind: PositionKindName;
  underlying: Address;
  protocol: Hex;
  venue: Address;
  market: Address;
  twapDuration: number;
  /** IPositionAdapter that values and unwinds it. */
  adapter: Address;
}

export interface PolicyView {
  address: Address;
  valuation: Address;
  module: Address;
  guard: Address;
  safe: Address;
  multiSendCallOnly: Address;
  paused: boolean;
  configVersion: bigint;
  caps: { maxVolatileBps: number; maxProtocolBps: number; maxPositionBps: number };
  /** minHealthFactor: while the Safe has debt, its Aave health factor floor (1e18 = 1.0). */
  limits: { maxLossBps: number; autonomyLimitUsd: bigint; dailyBudgetUsd: bigint; minHealthFactor: bigint };
  agents: Address[];
  spenders: Address[];
  payees: Address[];
  /** Call-rule registrations; target 0x0…0 = any contract (ERC-20 approve / transfer). */
  rules: { target: Address; selector: Hex; rule: Address; kind: RuleKind }[];
  /** Registry order: values in snapshots list assets first, then positions. */
  assets: PolicyAsset[];
  positions: PolicyPosition[];
  protocols: Hex[];
  /** Pendle market → its YT (redeemPyToToken's argument rule needs it). */
  pendleYts: Record<Address, Address>;
}

export interface AssetHolding {
  token: Address;
  symbol: string;
  decimals: number;
  volatile: boolean;
  balance: bigint;
  /** USD per whole token, 18 decimals, from the feed; 0n when the feed is unusable. */
  priceUsd: bigint;
  /** Fresh (within maxStaleness), positive and not from the future. */
  priceOk: boolean;
  /** As the valuation counts it (0 for an asset not held). */
  valueUsd: bigint;
}

export interface PositionHolding {
  token: Address;
  symbol: string;
  kind: PositionKindName;
  underlying: Address;
  protocol: Hex;
  balance: bigint;
  valueUsd: bigint;
}

/** A Uniswap v3 pool's state: enough to price a swap inside its current (full-range) liquidity. */
export interface PoolState {
  address: Address;
  token0: Address;
  token1: Address;
  fee: number;
  sqrtPriceX96: bigint;
  liquidity: bigint;
}

export interface Portfolio {
  chainId: number;
  blockNumber: bigint;
  timestamp: bigint;
  safe: { address: Address; owners: Address[]; threshold: number; nonce: bigint };
  policy: PolicyView;
  assets: AssetHolding[];
  positions: PositionHolding[];
  /** Every held asset had a usable price (else the agent may only exit positions). */
  healthy: boolean;
  /** Holdings minus debt (TreasuryValuation's NAV). */
  navUsd: bigint;
  /** Gross volatile exposure: spot, collateral and debt in volatile assets, never netted. */
  volatileUsd: bigint;
  /** Liabilities (registered Aave variable debt) in USD; their values are what is owed. */
  debtUsd: bigint;
  /** The Safe's lowest Aave health factor while it has debt (1e18 = 1.0), else 2^256 - 1. */
  healthFactor: bigint;
  /** Snapshot values in registry order (assets, then positions) and protocol values: what the chain checks. */
  values: bigint[];
  protocolValues: bigint[];
  /** Snapshot prices per registered asset (0 = not fetched: not held). */
  snapshotPrices: bigint[];
  /** allocation() from the valuation; null when it reverts (a held asset without price). */
  allocation: { volatileBps: number; protocols: { id: Hex; bps: number }[]; holdings: { token: Address; bps: number }[] } | null;
  budget: { usedUsd: bigint; lossUsd: bigint; remainingUsd: bigint };
  /** allowance(safe, spender) per token, for every registered asset and position token and spender. */
  allowances: Record<Address, Record<Address, bigint>>;
  /** Uniswap v3 pools of the deployments file. */
  pools: PoolState[];
  /** Aave reserves of the deployments file by underlying (lower-case address): LTV and liquidation
   * threshold in basis points, what the pool's own borrow / withdraw checks and the health factor use.
   * Absent (an older reader or a hand-built portfolio): the check scales the health factor by value alone. */
  aaveReserves?: Record<string, { ltvBps: number; liquidationThresholdBps: number }>;
}
