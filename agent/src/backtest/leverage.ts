// The backtest's model of Aave debt: what borrowing costs (rate × time × debt, accrued daily), and
// what a day's low does to the health factor (liquidation with Aave v3's close factor and the
// collateral's bonus). Pure: numbers in, numbers out; the engine holds the state.
import type { Config } from "../strategy/config";
import { AAVE_COLLATERAL } from "../strategy/plays/expiry";

/** Aave v3: a liquidation may repay 50% of the debt, or all of it once HF < 0.95. */
export const CLOSE_FACTOR = 0.5;
export const CLOSE_FACTOR_HF_THRESHOLD = 0.95;

/**
 * USDC variable borrow APR for a day. data/market has Aave's USDC *supply* rate only (no borrow rate,
 * no utilisation), so the borrow rate is derived from Aave's identity supply = borrow × U × (1 − RF)
 * with the configured utilisation and reserve factor (stated in docs/strategy.md). A gap in the
 * supply rate takes the configured fallback supply APR.
 */
export function borrowApr(supplyApr: number, c: Config): number {
  const supply = Number.isNaN(supplyApr) ? c.rates.aaveFallbackApr : supplyApr;
  const k = c.borrowModel.utilisation * (1 - c.borrowModel.reserveFactor);
  return k > 0 ? supply / k : supply;
}

/** Interest owed for `days` days on `debtUsd` at `apr` (simple: rate × time × debt). */
export function borrowCost(debtUsd: number, apr: number, days = 1): number {
  return (debtUsd * apr * days) / 365;
}

export type CollateralAsset = keyof typeof AAVE_COLLATERAL;

/** One supplied reserve: its amount in units and its price (USD per unit; 1 for USDC). */
export interface Collateral {
  asset: CollateralAsset;
  units: number;
}

/** Health factor: Σ collateral value × liquidation threshold / debt (Infinity without debt). */
export function healthFactor(coll: Collateral[], prices: Record<CollateralAsset, number>, debtUsd: number): number {
  if (debtUsd <= 0) return Infinity;
  let s = 0;
  for (const c of coll) s += c.units * prices[c.asset] * AAVE_COLLATERAL[c.asset].liquidationThreshold;
  return s / debtUsd;
}

export interface LiquidationResult {
  collateral: Collateral[];
  debtUsd: number;
  /** Liquidation calls made (0 when the health factor stayed ≥ 1 at the low). */
  liquidations: number;
  /** Value the liquidators took beyond the debt they repaid (the bonus), at the low. */
  lossUsd: number;
  healthAtLow: number;
}

/**
 * What the day's low does: at the low prices, while HF < 1, a liquidator repays the close factor
 * of the debt (all of it below HF 0.95) and seizes that value times the collateral's bonus, from the
 * volatile collateral first (the largest bonus), then the next. Each call counts as one liquidation.
 */
export function liquidateAtLow(coll: Collateral[], low: Record<CollateralAsset, number>, debtUsd: number): LiquidationResult {
  const c = coll.map((x) => ({ ...x }));
  let debt = debtUsd;
  let n = 0;
  let loss = 0;
  const hf0 = healthFactor(c, low, debt);
  const order = [...c].sort((a, b) => AAVE_COLLATERAL[b.asset].bonus - AAVE_COLLATERAL[a.asset].bonus);
  for (let guard = 0; guard < 50 && debt > 1e-6; guard++) {
    const hf = healthFactor(c, low, debt);
    if (hf >= 1) break;
    const target = order.find((x) => x.units * low[x.asset] > 1e-9);
    if (!target) break; // nothing left to seize: bad debt stays
    const bonus = AAVE_COLLATERAL[target.asset].bonus;
    const have = target.units * low[target.asset];
    let repay = (hf < CLOSE_FACTOR_HF_THRESHOLD ? 1 : CLOSE_FACTOR) * debt;
    // Aave caps the repay by the collateral available at the bonus.
    if (repay * bonus > have) repay = have / bonus;
    const seized = repay * bonus;
    target.units -= seized / low[target.asset];
    debt -= repay;
    loss += seized - repay;
    n++;
  }
  return { collateral: c, debtUsd: debt, liquidations: n, lossUsd: loss, healthAtLow: hf0 };
}
