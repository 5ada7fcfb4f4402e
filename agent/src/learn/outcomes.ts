// The outcome of a backtest decision against holding still, from market series alone. Pure.
//
// A rebalance decided on day D fills at D's close. Over h days, holding still keeps the weights held
// before (`current`); the decision holds `targets`. Both start from the same value at D's close, so
// the excess is sum_p (targets_p - current_p) * g_p(D, D+h) - cost, g_p the growth of position p from
// D's close to D+h's close (BTC/ETH closes; Aave at the day's stable yield; Pendle PT and the vault
// at their configured APRs; cash 0) and cost the swap fee + slippage on the volatile notional traded
// plus gas, as a fraction of NAV. It is known once D+h's close is: from day D+h+1 on. The series may
// end before (a view of what was known on a later day): then the outcome is null.
import type { Config } from "../strategy/config";
import { POSITIONS, type Decision, type Position, type Weights } from "../strategy/types";
import type { Field } from "../market/types";
import { excessOver, HORIZONS } from "../../../lib/analytics/decisions";
import type { Outcome } from "../../../lib/analytics/insights";

type Series = Pick<Record<Field, ArrayLike<number>>, "btc" | "eth" | "stableYield">;

function lastValid(s: ArrayLike<number>, i: number): number {
  for (let k = Math.min(i, s.length - 1); k >= 0; k--) if (!Number.isNaN(s[k])) return s[k];
  return Number.NaN;
}

/** Growth of each position from day `d`'s close to day `d + h`'s close; null when not known yet. */
export function growth(series: Series, startDay: number, d: number, h: number, c: Config): Record<Position, number> | null {
  const i0 = d - startDay;
  const i1 = i0 + h;
  if (i0 < 0 || i1 >= series.btc.length || i1 >= series.eth.length) return null;
  const b0 = lastValid(series.btc, i0);
  const b1 = lastValid(series.btc, i1);
  const e0 = lastValid(series.eth, i0);
  const e1 = lastValid(series.eth, i1);
  if ([b0, b1, e0, e1].some((x) => !(x > 0))) return null;
  let aave = 1;
  for (let k = i0 + 1; k <= i1; k++) {
    const sy = k < series.stableYield.length ? series.stableYield[k] : Number.NaN;
    aave *= 1 + (Number.isNaN(sy) ? c.rates.aaveFallbackApr : sy) / 365;
  }
  return {
    usdc: 0,
    aaveUsdc: aave - 1,
    pendlePt: Math.pow(1 + c.rates.pendlePtApr / 365, h) - 1,
    vault: Math.pow(1 + c.rates.vaultApr / 365, h) - 1,
    btc: b1 / b0 - 1,
    eth: e1 / e0 - 1,
  };
}

/** The trade's cost as a fraction of NAV (the engine's: fee on the volatile notional, gas). */
export function tradeCost(current: Weights, targets: Weights, c: Config): number {
  const swap = Math.abs(targets.btc - current.btc) + Math.abs(targets.eth - current.eth);
  return (swap * (c.costs.swapFeeBps + c.costs.slippageBps)) / 10_000 + c.costs.gasUsdPerRebalance / c.capitalUsd;
}

/** Excess over holding still after h days; null while D+h's close is not in `series`. */
export function tradeExcess(series: Series, startDay: number, day: number, current: Weights, targets: Weights, h: number, c: Config): number | null {
  const g = growth(series, startDay, day, h, c);
  if (!g) return null;
  // The decision's return (the targets' growth, net of the trade's cost) against holding still (the
  // weights before), by the indexer's definition (lib/analytics/decisions.ts excessOver).
  let actual = 0;
  let holding = 0;
  for (const p of POSITIONS) {
    actual += targets[p] * g[p];
    holding += current[p] * g[p];
  }
  return excessOver(actual - tradeCost(current, targets, c), holding);
}

/** Numeric indicator values a decision gives as reasons. */
export function indicatorsOf(d: Decision): Record<string, number> {
  const out: Record<string, number> = {};
  for (const r of d.reasons) if (typeof r.value === "number" && Number.isFinite(r.value)) out[r.indicator] = r.value;
  return out;
}

/** A rebalance decision (made on `day` from `current`) with its outcomes as far as `series` reaches. */
export function outcomeOf(series: Series, startDay: number, day: number, d: Decision, current: Weights, c: Config): Outcome {
  const excess: Record<string, number | null> = {};
  for (const h of HORIZONS) excess[`${h}d`] = tradeExcess(series, startDay, day, current, d.targets, h, c);
  const cost = tradeCost(current, d.targets, c);
  return {
    date: d.date,
    triggers: d.triggers,
    phase: d.phase ?? null,
    mode: d.mode ?? null,
    play: d.leverage && d.leverage.borrow > 0 ? d.leverage.play : null,
    indicators: indicatorsOf(d),
    excess,
    costUsd: cost * c.capitalUsd,
    gainUsd: excess["7d"] === null ? null : excess["7d"] * c.capitalUsd,
  };
}
