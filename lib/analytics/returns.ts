// Returns and their annualisation: the one home of these formulas for the indexer's /performance,
// the agent's dashboard and the backtest (equity.ts). Pure; fractions, not percents.
//
// - A period's return: r_k = v_k / v_{k-1} - 1 (v_{-1} = the value before the first period).
// - Annualised (CAGR / APY): (1 + growth)^(365 / days) - 1, compounded over a 365-day year.
// - A daily rate of an annual one: (1 + annual)^(1/365) - 1, the rate that compounds to `annual`
//   over 365 days (the same convention as the APY, so a portfolio earning exactly the risk-free
//   rate has an excess return of 0 every day and a Sharpe of 0).

export const DAY = 86_400;
export const DAYS_PER_YEAR = 365;

/** Period returns of `values`, the first measured from `start` (the value before it). */
export function periodReturns(values: ArrayLike<number>, start: number): number[] {
  const out: number[] = [];
  let prev = start;
  for (let k = 0; k < values.length; k++) {
    out.push(values[k] / prev - 1);
    prev = values[k];
  }
  return out;
}

/** Growth `growth` (e.g. 0.05 for +5%) over `days` days as an annual compounded rate. */
export const annualise = (growth: number, days: number): number => Math.pow(1 + growth, DAYS_PER_YEAR / days) - 1;

/** Growth over `days` days at the annual compounded rate `annual` (the inverse of annualise). */
export const growthOver = (annual: number, days: number): number => Math.pow(1 + annual, days / DAYS_PER_YEAR) - 1;

/** The daily rate that compounds to `annual` over a 365-day year. */
export const dailyRate = (annual: number): number => growthOver(annual, 1);
