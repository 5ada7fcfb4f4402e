// Performance metrics of a daily equity curve (the backtest and the chain replay). Pure; fractions,
// not percents. The formulas are those of the indexer's /performance (performance.ts), from their
// one home: returns.ts (returns, CAGR), risk.ts (volatility, Sharpe, Sortino), drawdown.ts.
import { DAY, annualise, periodReturns } from "./returns";
import { riskOf } from "./risk";
import { drawdown } from "./drawdown";

export interface Metrics {
  finalValue: number;
  totalReturn: number;
  cagr: number;
  volatility: number;
  /** null when returns do not vary (a fixed yield): the ratio is undefined. */
  sharpe: number | null;
  sortino: number | null;
  maxDrawdown: number;
  maxDrawdownPeak: string | null;
  maxDrawdownTrough: string | null;
  calmar: number;
}

const isoOf = (day: number) => new Date(day * DAY * 1000).toISOString().slice(0, 10);

/**
 * `equity[k]` is the value at the end of day `firstDay + k` (days since 1970-01-01); `initial` the
 * value before the first day. Daily returns from `initial`; volatility, Sharpe and Sortino by
 * riskOf (risk.ts; volatility 0 and the ratios null under two days); CAGR = annualise over n days;
 * max drawdown = largest fall from a running peak (fraction >= 0); Calmar = CAGR / max drawdown.
 */
export function computeMetrics(initial: number, equity: ArrayLike<number>, firstDay: number, riskFree = 0): Metrics {
  const n = equity.length;
  const risk = riskOf(periodReturns(equity, initial), riskFree);
  const { maxDrawdown: mdd, peakIndex, troughIndex } = drawdown(equity, initial);
  const finalValue = n ? equity[n - 1] : initial;
  const totalReturn = finalValue / initial - 1;
  const cagr = n ? annualise(totalReturn, n) : 0;
  const dayIso = (k: number) => (k < 0 ? isoOf(firstDay - 1) : isoOf(firstDay + k));
  return {
    finalValue,
    totalReturn,
    cagr,
    volatility: risk.volatility ?? 0,
    sharpe: risk.sharpe,
    sortino: risk.sortino,
    maxDrawdown: mdd,
    maxDrawdownPeak: mdd > 0 ? dayIso(peakIndex) : null,
    maxDrawdownTrough: mdd > 0 ? dayIso(troughIndex) : null,
    calmar: mdd > 0 ? cagr / mdd : 0,
  };
}
