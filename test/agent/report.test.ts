import { expect } from "chai";
import type { RunResult } from "../../agent/src/backtest/engine";
import { toRow, winRate } from "../../agent/src/backtest/report";
import { dayOf } from "../../agent/src/market/calendar";
import { defaultConfig } from "../../agent/src/strategy/config";
import { tinyHistory } from "./helpers";

describe("agent backtest report: win rate of tactical moves, turnover, costs", () => {
  const c = { ...defaultConfig(), rates: { aaveFallbackApr: 0.365, pendlePtApr: 0, vaultApr: 0, riskFree: 0 } };
  // BTC 100 for 10 days, then 110 (+10%) from day 10 on; ETH flat. Stables earn 0.1% a day.
  const btc = Array.from({ length: 60 }, (_, i) => (i < 10 ? 100 : 110));
  const h = tinyHistory("2024-01-01", { btc, eth: Array(60).fill(10) });
  const d0 = dayOf("2024-01-01");
  const run = (moves: RunResult["moves"]): RunResult => ({
    name: "x",
    description: "",
    firstDay: d0,
    initial: 100,
    equity: Float64Array.from([100, 110, 121, 110]),
    trades: 3,
    feesUsd: 1.5,
    gasUsd: 75,
    tradedUsd: 220,
    moves,
    borrowCostUsd: 0,
    liquidations: 0,
    plays: [],
  });

  it("a move wins when Δshare × (sleeve return − stable return) − cost > 0 after 30 days", () => {
    // From day 5 to day 35: BTC +10%, stables 30 × 0.1% = 3%.
    const buy = { day: d0 + 5, delta: 0.4, btcShare: 1, cost: 0.001 }; // 0.4 × 7% − 0.1% > 0: wins
    const sell = { day: d0 + 5, delta: -0.4, btcShare: 1, cost: 0 }; // −0.4 × 7% < 0: loses
    const costly = { day: d0 + 5, delta: 0.1, btcShare: 1, cost: 0.01 }; // 0.1 × 7% − 1% < 0: loses
    const late = { day: d0 + 40, delta: 0.4, btcShare: 1, cost: 0 }; // its 30 days end after the run: not judged
    const ethMove = { day: d0 + 5, delta: 0.4, btcShare: 0, cost: 0 }; // ETH flat: 0.4 × (0 − 3%) < 0
    const r = winRate(run([buy, sell, costly, late, ethMove]), h, c, d0 + 59);
    expect(r.judged).to.equal(4);
    expect(r.rate).to.equal(0.25);
    expect(winRate(run([]), h, c, d0 + 59)).to.deep.equal({ judged: 0, rate: null });
  });

  it("row: turnover per year over the average equity, fees and gas as paid", () => {
    const row = toRow(run([]), h, c, false);
    // traded 220 over 4 days, average equity 110.25: 220 / 110.25 / (4/365)
    expect(row.turnover).to.be.closeTo(220 / 110.25 / (4 / 365), 1e-9);
    expect(row.feesUsd).to.equal(1.5);
    expect(row.gasUsd).to.equal(75);
    expect(row.trades).to.equal(3);
    expect(row.winRate).to.equal(null);
    expect(row.maxDrawdown).to.be.closeTo(1 - 110 / 121, 1e-12);
  });
});
