// One formula in one home (issue 19): the indexer's /performance (lib/analytics/performance.ts, over NAV
// snapshots) and the backtest's metrics (lib/analytics/equity.ts, over a daily equity curve) must give
// the same numbers for the same NAV series: the backtest's own equity curve of the default strategy
// over 2024, fed to both as the indexer would see it (one snapshot at the end of each day, no flows).
import { expect } from "chai";
import { DAY, performance, type Point } from "../../lib/analytics/performance";
import { computeMetrics } from "../../lib/analytics/equity";
import { loadHistory } from "../../agent/src/market/replay";
import { runBacktest } from "../../agent/src/backtest/run";
import { defaultConfig } from "../../agent/src/strategy/config";
import { DEFAULT_STRATEGY } from "../../agent/src/strategy/registry";
import { dayOf } from "../../agent/src/market/calendar";

/** The indexer's view of an equity curve: the base value at the first day's start, then each day's value at its last second. */
function asSnapshots(initial: number, equity: ArrayLike<number>, firstDay: number): Point[] {
  const t0 = firstDay * DAY;
  const pts: Point[] = [{ block: 1n, timestamp: t0, nav: initial }];
  for (let k = 0; k < equity.length; k++) pts.push({ block: BigInt(k + 2), timestamp: t0 + (k + 1) * DAY - 1, nav: equity[k] });
  return pts;
}

/** Equal to 1e-12 relative (the indexer's returns go through the TWR index product: rounding only). */
const same = (a: number | null, b: number | null, what: string) => {
  if (a === null || b === null) return expect(a, what).to.equal(b);
  expect(a, what).to.be.closeTo(b, 1e-12 * Math.max(1, Math.abs(b)));
};

function bothWays(initial: number, equity: ArrayLike<number>, firstDay: number, riskFree: number) {
  const bt = computeMetrics(initial, equity, firstDay, riskFree);
  const ix = performance(asSnapshots(initial, equity, firstDay), [], [], riskFree)!;
  expect(ix.daily.length, "one daily return per backtest day").to.equal(equity.length);
  same(ix.twr, bt.totalReturn, "total return");
  same(ix.volatility, bt.volatility, "volatility");
  same(ix.sharpe, bt.sharpe, "Sharpe");
  same(ix.sortino, bt.sortino, "Sortino");
  same(ix.maxDrawdown, bt.maxDrawdown, "max drawdown");
  // APY is over the snapshots' elapsed time: one second short of the backtest's n days.
  expect(ix.apy!, "APY vs CAGR").to.be.closeTo(bt.cagr, 1e-6);
  return { bt, ix };
}

describe("lib/analytics: the indexer's performance and the backtest's metrics agree on the same NAV series", () => {
  const h = loadHistory();
  const config = defaultConfig();
  const out = runBacktest(h, { from: "2024-01-01", to: "2024-12-31", strategy: DEFAULT_STRATEGY, config, others: [] });
  const run = out.runs[0];

  it("the default strategy's 2024 equity: same return, volatility, Sharpe, Sortino, drawdown (risk-free 0)", () => {
    const { bt } = bothWays(run.initial, run.equity, run.firstDay, 0);
    // The backtest's report is the same figure (no second formula behind `treasury backtest`).
    expect(out.results[0].sharpe).to.equal(bt.sharpe);
    expect(bt.sharpe).to.be.a("number");
    expect(bt.maxDrawdown).to.be.greaterThan(0);
  });

  it("with a risk-free rate of 4%: the same daily rate on both paths ((1 + 4%)^(1/365) - 1)", () => {
    const { bt } = bothWays(run.initial, run.equity, run.firstDay, 0.04);
    expect(bt.sharpe!).to.be.lessThan(computeMetrics(run.initial, run.equity, run.firstDay, 0).sharpe!);
  });

  it("a fixed yield: no Sharpe or Sortino on either path (rounding noise is not risk)", () => {
    const equity = Array.from({ length: 60 }, (_, k) => 100_000 * Math.pow(1 + 0.05 / 365, k + 1));
    const { bt, ix } = bothWays(100_000, equity, dayOf("2024-03-01"), 0);
    expect(bt.sharpe).to.equal(null);
    expect(ix.sharpe).to.equal(null);
    expect(ix.sortino).to.equal(null);
  });
});
