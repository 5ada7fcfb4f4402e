// VaR from replayed history and the drawdown stop (pure).
import path from "node:path";
import { expect } from "chai";
import { dailyReturns, drawdownStop, historicalVar } from "../../../agent/src/risk/var";
import { zeroWeights } from "../../../agent/src/strategy/types";
import { readDailyCsv } from "./varData";

describe("agent risk: VaR and drawdown stop", () => {
  it("VaR 95% of a known return series is the 5th-percentile loss, scaled by the volatile weight", () => {
    // 100 days: returns -10%, -9%, ..., cycling; 5th percentile of the sorted returns.
    const closes = [100];
    const rets = Array.from({ length: 100 }, (_, i) => (i % 20) / 100 - 0.1);
    for (const r of rets) closes.push(closes[closes.length - 1] * (1 + r));
    const w = { ...zeroWeights(), btc: 0.5, usdc: 0.5 };
    const sorted = [...rets].sort((a, b) => a - b);
    expect(historicalVar(w, { btc: closes })).to.be.closeTo(-sorted[5] * 0.5, 1e-9);
    expect(historicalVar({ ...zeroWeights(), usdc: 1 }, { btc: closes })).to.equal(0);
    expect(() => historicalVar(w, { btc: closes.slice(0, 10) })).to.throw(/at least 30 days/);
  });

  it("on the replayed BTC/ETH history, a 40% volatile book has a one-day VaR of a few percent", () => {
    const dir = path.join(__dirname, "..", "..", "..", "data", "market");
    const btc = readDailyCsv(path.join(dir, "btc_usd_daily.csv"));
    const eth = readDailyCsv(path.join(dir, "eth_usd_daily.csv"));
    const v = historicalVar({ ...zeroWeights(), btc: 0.24, eth: 0.16, usdc: 0.6 }, { btc, eth });
    expect(v).to.be.greaterThan(0.01).and.lessThan(0.06);
    expect(dailyReturns([100, null, 110, 121])).to.deep.equal([0.10000000000000009]);
  });

  it("drawdown stop fires at the limit from the running peak, not before", () => {
    expect(drawdownStop([100, 120, 110], 0.1)).to.deep.include({ stop: false, peak: 120 });
    expect(drawdownStop([100, 120, 108], 0.1).stop).to.equal(true);
    expect(() => drawdownStop([1], 1.5)).to.throw(/fraction/);
  });
});
