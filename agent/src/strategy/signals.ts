// A day's signals: indicators, phase, mode, target weights and reasons. Pure: the market comes in
// as a view (replay or live), the answer goes out as data.
import type { MarketHistory, MarketView } from "../market/types";
import { viewAt } from "../market/view";
import { daysToExpiry, drawdown, latest, realisedVol, sma, sumLast } from "./indicators";
import { Decision, Strategy, StrategyInput, Weights, zeroWeights } from "./types";

export interface Indicators {
  btc: number | null;
  eth: number | null;
  mvrv: number | null;
  fearGreed: number | null;
  funding7d: number | null;
  stableYield: number | null;
  btcSma200: number | null;
  btcVol30: number | null;
  btcDrawdown365: number | null;
  daysToExpiry: number;
}

export function indicators(v: MarketView): Indicators {
  const s = v.series;
  const l = (x: Float64Array) => latest(x)?.value ?? null;
  return {
    btc: l(s.btc),
    eth: l(s.eth),
    mvrv: l(s.mvrv),
    fearGreed: l(s.fearGreed),
    funding7d: sumLast(s.funding, 7),
    stableYield: l(s.stableYield),
    btcSma200: sma(s.btc, 200),
    btcVol30: realisedVol(s.btc, 30),
    btcDrawdown365: drawdown(s.btc, 365),
    daysToExpiry: daysToExpiry(v.day),
  };
}

/** Turns a view back into a history (the series it holds end the day before the view). */
export function historyOf(v: MarketView): MarketHistory {
  return { startDay: v.startDay, length: v.series.btc.length, series: v.series, sources: {} };
}

/**
 * The decision for the view's day, with the strategy's memory rebuilt by replaying it over the
 * `warmupDays` before (assuming the treasury held its targets: the chain-reading agent passes real
 * weights instead). Only data dated before each replayed day is used. Debt a play asked for is
 * assumed taken in the warm-up like the targets; with the chain's weights, `heldLeverage` is the
 * debt the chain holds (absent: none), so an open play is neither forgotten nor repeated.
 */
export function signalsFor(
  view: MarketView,
  strategy: Strategy,
  warmupDays = 120,
  held?: Weights,
  heldLeverage?: StrategyInput["leverage"],
): { decision: Decision; indicators: Indicators } {
  const h = historyOf(view);
  let state: unknown;
  let current: Weights = { ...zeroWeights(), usdc: 1 };
  let lev: StrategyInput["leverage"];
  const withLev = (l: StrategyInput["leverage"]) => (l ? { leverage: l } : {});
  for (let d = view.day - warmupDays; d < view.day; d++) {
    if (d - h.startDay < 1) continue;
    const out = strategy.decide({ view: viewAt(h, d), current, state, ...withLev(lev) });
    state = out.state;
    if (out.decision.rebalance) current = out.decision.targets;
    // As in the backtest engine: the debt follows every decision (absent = repaid).
    const l = out.decision.leverage;
    lev = l && l.borrow > 0 ? { borrow: l.borrow, buy: l.buy } : undefined;
  }
  const out = strategy.decide({ view, current: held ?? current, state, ...withLev(held ? heldLeverage : lev) });
  return { decision: out.decision, indicators: indicators(view) };
}
