import { expect } from "chai";
import { runStaticYield, runStrategy } from "../../agent/src/backtest/engine";
import { dayOf } from "../../agent/src/market/calendar";
import { btcHold, fixedStrategy } from "../../agent/src/strategy/benchmarks";
import { Config, defaultConfig } from "../../agent/src/strategy/config";
import { zeroWeights } from "../../agent/src/strategy/types";
import { tinyHistory } from "./helpers";

function cfg(over: Partial<Config> = {}): Config {
  return { ...defaultConfig(), capitalUsd: 1000, ...over };
}

describe("agent backtest engine", () => {
  // BTC closes 100, 200, 400, 800 on Jan 1..4; ETH flat.
  const h = tinyHistory("2024-01-01", { btc: [100, 200, 400, 800], eth: [10, 10, 10, 10] });
  const free = cfg({
    costs: { swapFeeBps: 0, slippageBps: 0, gasUsdPerRebalance: 0 },
    rates: { aaveFallbackApr: 0, pendlePtApr: 0, vaultApr: 0, riskFree: 0 },
  });

  it("fills at the close of the decision day, not at the close that produced the signal", () => {
    // Decision for Jan 2 sees Jan 1's close (100); the buy fills at Jan 2's close (200).
    const r = runStrategy(h, btcHold(free), dayOf("2024-01-02"), dayOf("2024-01-04"), free);
    expect(Array.from(r.equity)).to.deep.equal([1000, 2000, 4000]);
    expect(r.trades).to.equal(1);
  });

  it("charges swap fee + slippage on the volatile notional and gas per rebalance", () => {
    const c = cfg({ costs: { swapFeeBps: 30, slippageBps: 20, gasUsdPerRebalance: 5 }, rates: free.rates });
    const r = runStrategy(h, btcHold(c), dayOf("2024-01-02"), dayOf("2024-01-03"), c);
    // buy 1000 of BTC: fee 0.5% = 5, gas 5 → 990 invested at 200, worth 1980 at 400
    expect(r.feesUsd).to.be.closeTo(5, 1e-9);
    expect(r.gasUsd).to.equal(5);
    expect(r.equity[0]).to.be.closeTo(990, 1e-9);
    expect(r.equity[1]).to.be.closeTo(1980, 1e-9);
  });

  it("accrues Aave from stable_yield where present, else the configured rate; PT and vault at their rates", () => {
    const y = tinyHistory("2024-01-01", { btc: [1, 1, 1, 1], eth: [1, 1, 1, 1], stableYield: [0.365, 0.365, Number.NaN, 0.365] });
    const c = cfg({ costs: free.costs, rates: { aaveFallbackApr: 0.73, pendlePtApr: 0, vaultApr: 0, riskFree: 0 } });
    const s = fixedStrategy("aave", "all Aave", { ...zeroWeights(), aaveUsdc: 1 }, "never", c);
    const r = runStrategy(y, s, dayOf("2024-01-02"), dayOf("2024-01-04"), c);
    // Jan 2: cash (no yield) then deposit; Jan 3: gap → 73%/365 = 0.2%; Jan 4: 0.1%
    expect(r.equity[0]).to.be.closeTo(1000, 1e-9);
    expect(r.equity[1]).to.be.closeTo(1002, 1e-9);
    expect(r.equity[2]).to.be.closeTo(1002 * 1.001, 1e-9);
  });

  it("static yield compounds daily to the APY", () => {
    const r = runStaticYield(0.065, dayOf("2024-01-01"), dayOf("2024-12-30"), cfg());
    expect(r.equity.length).to.equal(365);
    expect(r.equity[364]).to.be.closeTo(1065, 1e-6);
  });

  it("does not trade on a day without a price (a gap is not a fill)", () => {
    const g = tinyHistory("2024-01-01", { btc: [100, Number.NaN, 400, 800], eth: [10, 10, 10, 10] });
    const r = runStrategy(g, btcHold(free), dayOf("2024-01-02"), dayOf("2024-01-04"), free);
    // Jan 2 has no close: stays in cash; buys at Jan 3's 400
    expect(Array.from(r.equity)).to.deep.equal([1000, 1000, 2000]);
  });
});
