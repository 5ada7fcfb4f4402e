import type { DataIssue, Field, MarketView } from "../market/types";

/** Where the treasury's value sits. `usdc` is cash in the Safe (exempt from the position cap on chain). */
export const POSITIONS = ["usdc", "aaveUsdc", "pendlePt", "vault", "btc", "eth"] as const;
export type Position = (typeof POSITIONS)[number];
export type Weights = Record<Position, number>;

export const VOLATILE: readonly Position[] = ["btc", "eth"];
/** On-chain protocol of each position (per-protocol cap); cash and spot tokens have none. */
export const PROTOCOL: Partial<Record<Position, string>> = { aaveUsdc: "aave", pendlePt: "pendle", vault: "savings-vault" };

export type Phase = "accumulation" | "euphoria" | "top" | "bear";
export type Mode = "conservative" | "tactical" | "aggressive" | "hedge";

/** One indicator's say in a decision: plain words for people, data for machines. */
export interface Reason {
  indicator: string;
  value: number | string | null;
  says: string;
}

export interface Decision {
  date: string;
  strategy: string;
  /** Target weights (sum 1), within the caps for every non-benchmark strategy. */
  targets: Weights;
  /** True when the target should be traded to now. */
  rebalance: boolean;
  /** True when data was missing or rejected: no trade, the reasons say why. */
  hold: boolean;
  phase?: Phase;
  mode?: Mode;
  risk?: number;
  triggers: string[];
  reasons: Reason[];
  issues: DataIssue[];
  /** Leverage a tactical play (expiry) asks for on top of the targets; absent or borrow 0: no debt (repay any). */
  leverage?: Leverage;
}

/**
 * Borrowing on Aave as an overlay of the targets: supply collateral, borrow USDC at the variable rate,
 * buy `buy`. The targets stay the unlevered weights (sum 1); the debt and what it bought come on top,
 * so gross volatile exposure is volatileWeight(targets) + borrow and must stay within the volatile cap,
 * the health-factor floor plus a margin, and the per-position caps. Leaving repays first.
 */
export interface Leverage {
  /** USDC owed to Aave after the trade, as a fraction of NAV (0 = repay everything). */
  borrow: number;
  /** What the borrowed USDC buys (and what is sold first to repay). */
  buy: "btc" | "eth";
  /** The play that asked for it, e.g. "expiry 2024-06-28". */
  play: string;
}

export interface StrategyInput {
  view: MarketView;
  /** Weights held before the decision (valued at the last close). */
  current: Weights;
  /** Strategy-owned memory carried from the previous decision (undefined on the first day). */
  state: unknown;
  /** Debt held before the decision (valued at the last close), so a play sees a liquidation or a
   * repay it did not ask for; absent = no debt. `current` stays the unlevered weights (sum 1). */
  leverage?: { borrow: number; buy: "btc" | "eth" };
}

export interface StrategyOutput {
  decision: Decision;
  state: unknown;
}

export interface Strategy {
  readonly name: string;
  readonly description: string;
  /** Benchmarks are not bound by the on-chain caps (BTC buy-and-hold holds 100% BTC). */
  readonly benchmark: boolean;
  /** The market fields its decisions depend on: stale or missing data on these means hold. */
  readonly needs: readonly Field[];
  decide(input: StrategyInput): StrategyOutput;
}

export function zeroWeights(): Weights {
  return { usdc: 0, aaveUsdc: 0, pendlePt: 0, vault: 0, btc: 0, eth: 0 };
}

export function volatileWeight(w: Weights): number {
  return w.btc + w.eth;
}
