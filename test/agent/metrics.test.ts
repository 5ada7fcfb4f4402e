import { expect } from "chai";
import { computeMetrics } from "../../agent/src/backtest/metrics";
import { dayOf } from "../../agent/src/market/calendar";

describe("agent backtest metrics (hand-computed example)", () => {
  // 100 → 110 → 99 → 108.9: daily returns +10%, −10%, +10%.
  const m = computeMetrics(100, [110, 99, 108.9], dayOf("2024-01-01"));

  it("return, CAGR, volatility, Sharpe, Sortino", () => {
    expect(m.finalValue).to.equal(108.9);
    expect(m.totalReturn).to.be.closeTo(0.089, 1e-12);
    expect(m.cagr).to.be.closeTo(Math.pow(1.089, 365 / 3) - 1, 1e-9);
    // mean 1/30; sample variance ((1/15)² + (2/15)² + (1/15)²)/2 = 1/75
    const sd = Math.sqrt(1 / 75);
    expect(m.volatility).to.be.closeTo(sd * Math.sqrt(365), 1e-12);
    expect(m.sharpe!).to.be.closeTo((1 / 30 / sd) * Math.sqrt(365), 1e-9);
    // downside deviation √(0.01/3)
    expect(m.sortino!).to.be.closeTo((1 / 30 / Math.sqrt(0.01 / 3)) * Math.sqrt(365), 1e-9);
  });

  it("max drawdown with its dates, and Calmar", () => {
    expect(m.maxDrawdown).to.be.closeTo(0.1, 1e-12);
    expect(m.maxDrawdownPeak).to.equal("2024-01-01");
    expect(m.maxDrawdownTrough).to.equal("2024-01-02");
    expect(m.calmar).to.be.closeTo(m.cagr / 0.1, 1e-9);
  });

  it("a drawdown from the starting value dates its peak the day before the first day", () => {
    const d = computeMetrics(100, [90, 95], dayOf("2024-01-01"));
    expect(d.maxDrawdown).to.be.closeTo(0.1, 1e-12);
    expect(d.maxDrawdownPeak).to.equal("2023-12-31");
  });

  it("risk-free rate lowers Sharpe; a constant yield has no Sharpe", () => {
    // The annual rate's daily rate compounds to it over 365 days (lib/analytics/returns.ts dailyRate):
    // (1 + 36.5%)^(1/365) - 1, not 36.5%/365 (the indexer's convention, now the one for both).
    const rf = computeMetrics(100, [110, 99, 108.9], dayOf("2024-01-01"), 0.365);
    const rfd = Math.pow(1.365, 1 / 365) - 1;
    expect(rf.sharpe!).to.be.closeTo(((1 / 30 - rfd) / Math.sqrt(1 / 75)) * Math.sqrt(365), 1e-9);
    const flat = computeMetrics(100, [100.1, 100.2001], dayOf("2024-01-01"));
    expect(flat.sharpe).to.equal(null);
    expect(flat.maxDrawdown).to.equal(0);
  });
});
