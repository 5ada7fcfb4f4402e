// Performance metrics of a daily equity curve (the backtest and the chain replay). Pure; fractions,
// not percents. Its home is lib/analytics with the indexer's NAV-series metrics (performance.ts): the
// drawdown is one function for both. The Sharpe/volatility here are over one value per day (no flows),
// performance.ts derives the daily series from snapshots and flows first.
import { DAY, drawdown } from "./performance";

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
 * value before the first day. Daily returns r_k; volatility = sample std × √365; Sharpe = (mean r −
 * rf/365) / std × √365; Sortino uses the downside deviation √(Σ min(0, r − rf/365)² / n); CAGR over
 * n/365 years; max drawdown = largest fall from a running peak (fraction ≥ 0); Calmar = CAGR / max drawdown.
 */
export function computeMetrics(initial: number, equity: ArrayLike<number>, firstDay: number, riskFree = 0): Metrics {
  const n = equity.length;
  const rfd = riskFree / 365;
  let prev = initial;
  let sum = 0;
  let sum2 = 0;
  let down2 = 0;
  for (let k = 0; k < n; k++) {
    const v = equity[k];
    const r = v / prev - 1;
    sum += r;
    sum2 += r * r;
    const ex = r - rfd;
    if (ex < 0) down2 += ex * ex;
    prev = v;
  }
  const { maxDrawdown: mdd, peakIndex, troughIndex } = drawdown(equity, initial);
  const finalValue = n ? equity[n - 1] : initial;
  const mean = n ? sum / n : 0;
  const variance = n > 1 ? (sum2 - n * mean * mean) / (n - 1) : 0;
  const std = Math.sqrt(Math.max(0, variance));
  const downDev = n ? Math.sqrt(down2 / n) : 0;
  const totalReturn = finalValue / initial - 1;
  const cagr = n ? Math.pow(finalValue / initial, 365 / n) - 1 : 0;
  const dayIso = (k: number) => (k < 0 ? isoOf(firstDay - 1) : isoOf(firstDay + k));
  return {
    finalValue,
    totalReturn,
    cagr,
    volatility: std * Math.sqrt(365),
    sharpe: std > 1e-9 ? ((mean - rfd) / std) * Math.sqrt(365) : null,
    sortino: downDev > 1e-9 ? ((mean - rfd) / downDev) * Math.sqrt(365) : null,
    maxDrawdown: mdd,
    maxDrawdownPeak: mdd > 0 ? dayIso(peakIndex) : null,
    maxDrawdownTrough: mdd > 0 ? dayIso(troughIndex) : null,
    calmar: mdd > 0 ? cagr / mdd : 0,
  };
}
