// Volatility, Sharpe and Sortino of daily returns: one formula for the indexer's /performance, the
// agent's dashboard and the backtest (equity.ts). Pure.
//
// - Volatility = sample standard deviation (n - 1) of the daily returns * sqrt(365).
// - Sharpe = mean(r - rf_d) / stdev(r) * sqrt(365); rf_d = dailyRate(riskFree) (returns.ts).
// - Sortino = mean(r - rf_d) / sqrt(mean(min(0, r - rf_d)^2)) * sqrt(365) (downside deviation over
//   all n days, the usual target-semideviation).
// - All three null with fewer than two returns. Sharpe / Sortino null when their deviation is under
//   MIN_DEVIATION: a fixed yield's daily returns differ only by rounding (a deviation of ~1e-18), and
//   dividing by it gives a meaningless ratio of ~1e15.
import { DAYS_PER_YEAR, dailyRate } from "./returns";

/** A daily deviation under this is rounding noise, not risk (1e-9 a day is 0.000002% a year). */
export const MIN_DEVIATION = 1e-9;

export interface Risk {
  volatility: number | null;
  sharpe: number | null;
  sortino: number | null;
}

const mean = (xs: ArrayLike<number>) => {
  let s = 0;
  for (let k = 0; k < xs.length; k++) s += xs[k];
  return s / xs.length;
};

/** Sample standard deviation (n - 1); null with fewer than two values. */
export function stdev(xs: ArrayLike<number>): number | null {
  if (xs.length < 2) return null;
  const m = mean(xs);
  let s2 = 0;
  for (let k = 0; k < xs.length; k++) s2 += (xs[k] - m) ** 2;
  return Math.sqrt(s2 / (xs.length - 1));
}

/** Annualised volatility, Sharpe and Sortino of daily returns at an annual risk-free rate. */
export function riskOf(daily: ArrayLike<number>, riskFree = 0): Risk {
  const sd = stdev(daily);
  if (sd === null) return { volatility: null, sharpe: null, sortino: null };
  const rf = dailyRate(riskFree);
  const n = daily.length;
  let ex = 0;
  let down2 = 0;
  for (let k = 0; k < n; k++) {
    const e = daily[k] - rf;
    ex += e;
    if (e < 0) down2 += e * e;
  }
  const meanEx = ex / n;
  const downDev = Math.sqrt(down2 / n);
  const year = Math.sqrt(DAYS_PER_YEAR);
  return {
    volatility: sd * year,
    sharpe: sd > MIN_DEVIATION ? (meanEx / sd) * year : null,
    sortino: downDev > MIN_DEVIATION ? (meanEx / downDev) * year : null,
  };
}
