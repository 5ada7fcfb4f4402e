// Performance analytics over a NAV series: pure functions (data in, data out). The indexer's API
// (indexer/src/api) and the agent's dashboard (agent/src/server/dashboard/series.ts) use them; the
// formulas themselves have one home each, shared with the backtest's daily-equity metrics
// (equity.ts): returns.ts (APY), risk.ts (volatility, Sharpe, Sortino), drawdown.ts, gas.ts.
//
// Method (also returned by /performance as `method`):
// - Sub-period return between consecutive snapshots i-1 and i: r_i = (NAV_i - F_i) / NAV_{i-1} - 1,
//   F_i = net external flow (deposits minus payments, USD at the flow's block) in blocks
//   (b_{i-1}, b_i]. A flow's block always has a snapshot (every treasury event takes one), so the
//   flow is at the end of its period and never counted as return.
// - Time-weighted return: TWR = prod(1 + r_i) - 1 (the index I). APY = (1 + TWR)^(365 d / elapsed) - 1,
//   only over a window of at least MIN_APY_DAYS: annualising an hour raises its return to the
//   8,760th power (a 0.1 % dip reads as an APY of -100 %), so a shorter window has APY null and
//   `apyNote` says why.
// - Daily series: last snapshot of each UTC day; daily return = I(day) / I(previous day) - 1.
// - Volatility = sample stdev of daily returns * sqrt(365). Sharpe = mean(daily - rf) / stdev * sqrt(365).
//   Sortino = mean(daily - rf) / sqrt(mean(min(0, daily - rf)^2)) * sqrt(365). rf = (1 + annual)^(1/365) - 1,
//   the annual risk-free rate (default 0) compounded daily. Null with fewer than two daily returns;
//   Sharpe / Sortino also null when the deviation is rounding noise (a fixed yield): risk.ts.
// - Max drawdown: largest fall of the index I from its running peak, over every snapshot.
// - Gains (USD) = NAV_end - NAV_start - net external flows; gas = USD gas of treasury transactions.

import { DAY, annualise } from "./returns";
import { riskOf } from "./risk";
import { drawdown } from "./drawdown";
import { costToGain } from "./gas";

export interface Point {
  block: bigint;
  timestamp: number;
  nav: number;
}
export interface Flow {
  block: bigint;
  usd: number;
}
export interface GasCost {
  block: bigint;
  usd: number | null;
  eth: number;
}

export { DAY };
/** The shortest window whose return is annualised (shorter: APY null, with the reason). */
export const MIN_APY_DAYS = 7;
export const METHOD =
  "TWR: r_i = (NAV_i - F_i)/NAV_{i-1} - 1 per snapshot interval, F_i = net external flow (deposits - payments) in (b_{i-1}, b_i]; " +
  `APY = (1+TWR)^(365d/elapsed)-1, null over windows under ${MIN_APY_DAYS} days; daily returns from the last snapshot of each UTC day; vol = stdev(daily, n-1)*sqrt(365); ` +
  "Sharpe = mean(daily-rf)/stdev*sqrt(365), rf = (1+annual)^(1/365)-1; Sortino = mean(daily-rf)/sqrt(mean(min(0,daily-rf)^2))*sqrt(365); " +
  "max drawdown on the TWR index; gains = NAV_end - NAV_start - net flows.";

/** TWR index per point (1 at the first), with the net flow of each interval. */
export function twrIndex(points: Point[], flows: Flow[]): { index: number[]; flowIn: number[] } {
  const index = [1];
  const flowIn = [0];
  let f = 0;
  for (let i = 1; i < points.length; i++) {
    const lo = points[i - 1].block;
    const hi = points[i].block;
    while (f < flows.length && flows[f].block <= lo) f++;
    let net = 0;
    for (let k = f; k < flows.length && flows[k].block <= hi; k++) net += flows[k].usd;
    const prev = points[i - 1].nav;
    const r = prev > 0 ? (points[i].nav - net) / prev - 1 : 0;
    index.push(index[i - 1] * (1 + r));
    flowIn.push(net);
  }
  return { index, flowIn };
}

/** "1.0 h", "2.5 days": a window's length for a note. */
const spanText = (seconds: number) => (seconds < DAY ? `${(seconds / 3600).toFixed(1)} h` : `${(seconds / DAY).toFixed(1)} days`);

export interface DailyPoint {
  date: string;
  timestamp: number;
  nav: number;
  index: number;
  return: number;
  netFlowUsd: number;
}

export interface Performance {
  from: number;
  to: number;
  points: number;
  navStart: number;
  navEnd: number;
  netFlowsUsd: number;
  twr: number;
  apy: number | null;
  /** Why `apy` is null (the window is too short to annualise), else null. */
  apyNote: string | null;
  volatility: number | null;
  sharpe: number | null;
  sortino: number | null;
  maxDrawdown: number;
  gainsUsd: number;
  gasUsd: number;
  gasEth: number;
  gasToGains: number | null;
  riskFreeRate: number;
  daily: DailyPoint[];
  method: string;
}

/** Performance of `points` (sorted, already limited to the window; the first is the base). */
export function performance(points: Point[], flows: Flow[], gas: GasCost[], riskFreeRate = 0): Performance | null {
  if (points.length === 0) return null;
  const { index, flowIn } = twrIndex(points, flows);
  const first = points[0];
  const last = points[points.length - 1];
  const n = points.length;
  const twr = index[n - 1] - 1;
  const elapsed = last.timestamp - first.timestamp;
  const longEnough = elapsed >= MIN_APY_DAYS * DAY;
  const apy = longEnough ? annualise(twr, elapsed / DAY) : null;
  const apyNote = longEnough ? null : `n/a: the window is ${spanText(elapsed)}; APY is annualised over ${MIN_APY_DAYS} days or more (see twr for the window's return)`;

  // Daily series: the last point of each UTC day.
  const daily: DailyPoint[] = [];
  let prevIndex = 1;
  let dayFlow = 0;
  for (let i = 0; i < n; i++) {
    dayFlow += flowIn[i];
    const day = Math.floor(points[i].timestamp / DAY);
    const nextDay = i + 1 < n ? Math.floor(points[i + 1].timestamp / DAY) : null;
    if (nextDay === day) continue;
    daily.push({
      date: new Date(day * DAY * 1000).toISOString().slice(0, 10),
      timestamp: points[i].timestamp,
      nav: points[i].nav,
      index: index[i],
      return: index[i] / prevIndex - 1,
      netFlowUsd: dayFlow,
    });
    prevIndex = index[i];
    dayFlow = 0;
  }
  // The first day's return is measured from the base point, within that day.
  const { volatility, sharpe, sortino } = riskOf(
    daily.map((d) => d.return),
    riskFreeRate,
  );
  const { maxDrawdown } = drawdown(index, index[0]);
  const netFlowsUsd = flowIn.reduce((a, b) => a + b, 0);
  const gainsUsd = last.nav - first.nav - netFlowsUsd;
  const inWindow = gas.filter((g) => g.block > first.block && g.block <= last.block);
  const gasUsd = inWindow.reduce((a, g) => a + (g.usd ?? 0), 0);
  const gasEth = inWindow.reduce((a, g) => a + g.eth, 0);
  return {
    from: first.timestamp,
    to: last.timestamp,
    points: n,
    navStart: first.nav,
    navEnd: last.nav,
    netFlowsUsd,
    twr,
    apy,
    apyNote,
    volatility,
    sharpe,
    sortino,
    maxDrawdown,
    gainsUsd,
    gasUsd,
    gasEth,
    gasToGains: costToGain(gasUsd, gainsUsd),
    riskFreeRate,
    daily,
    method: METHOD,
  };
}
