import { expect } from "chai";
import { runStrategy } from "../../agent/src/backtest/engine";
import { borrowApr, borrowCost, healthFactor, liquidateAtLow } from "../../agent/src/backtest/leverage";
import { toRow } from "../../agent/src/backtest/report";
import { formatTable } from "../../agent/src/backtest/format";
import { dayOf } from "../../agent/src/market/calendar";
import type { MarketHistory } from "../../agent/src/market/types";
import { defaultConfig } from "../../agent/src/strategy/config";
import { Decision, Strategy, StrategyInput, Weights, zeroWeights } from "../../agent/src/strategy/types";
import { tinyHistory } from "./helpers";

const c = defaultConfig();

describe("agent backtest leverage: borrow cost and liquidation model", () => {
  it("borrow APR is derived from the supply rate (no borrow rate in the data): supply / (U × (1 − RF))", () => {
    expect(borrowApr(0.045, c)).to.be.closeTo(0.045 / (0.8 * 0.9), 1e-12);
    // A gap takes the configured fallback supply rate, derived the same way.
    expect(borrowApr(Number.NaN, c)).to.be.closeTo(c.rates.aaveFallbackApr / 0.72, 1e-12);
  });

  it("borrow cost = rate × time × debt", () => {
    expect(borrowCost(100_000, 0.073, 1)).to.be.closeTo(20, 1e-9);
    expect(borrowCost(80_000, 0.0625, 30)).to.be.closeTo((80_000 * 0.0625 * 30) / 365, 1e-9);
    expect(borrowCost(0, 0.5, 10)).to.equal(0);
  });

  it("a crafted crash day liquidates (close factor 50%, WBTC bonus 6.5%); a mild day does not", () => {
    const coll = [
      { asset: "usdc" as const, units: 10_000 },
      { asset: "btc" as const, units: 1 },
    ];
    const px = (btc: number) => ({ usdc: 1, btc, eth: Number.NaN });
    // Debt 40,000: HF at 60,000 = (8,000 + 46,800) / 40,000 = 1.37; at a 40,000 low = 0.98.
    expect(healthFactor(coll, px(60_000), 40_000)).to.be.closeTo(1.37, 1e-9);
    const mild = liquidateAtLow(coll, px(60_000), 40_000);
    expect(mild.liquidations).to.equal(0);
    expect(mild.debtUsd).to.equal(40_000);
    const crash = liquidateAtLow(coll, px(40_000), 40_000);
    expect(crash.healthAtLow).to.be.closeTo(0.98, 1e-9);
    expect(crash.liquidations).to.equal(1);
    expect(crash.debtUsd).to.be.closeTo(20_000, 1e-6);
    // Seized 20,000 × 1.065 = 21,300 of BTC at the low.
    expect(crash.collateral[1].units).to.be.closeTo(1 - 21_300 / 40_000, 1e-12);
    expect(crash.lossUsd).to.be.closeTo(1_300, 1e-6);
    expect(healthFactor(crash.collateral, px(40_000), crash.debtUsd)).to.be.at.least(1);
    // Below HF 0.95 the whole debt can go in one call: 3 BTC at 15,000, HF 0.8775, 42,600 seized.
    const deep = liquidateAtLow([{ asset: "btc", units: 3 }], px(15_000), 40_000);
    expect(deep.healthAtLow).to.be.closeTo(0.8775, 1e-9);
    expect(deep.debtUsd).to.be.closeTo(0, 1e-6);
    expect(deep.liquidations).to.equal(1);
    expect(deep.collateral[0].units).to.be.closeTo(3 - 42_600 / 15_000, 1e-12);
    // Collateral worth less than the debt plus the bonus: the BTC goes first, then the USDC; the rest is bad debt.
    const under = liquidateAtLow(coll, px(30_000), 40_000);
    expect(under.liquidations).to.equal(2);
    expect(under.collateral.every((x) => x.units < 1e-9)).to.equal(true);
    expect(under.debtUsd).to.be.closeTo(40_000 - 30_000 / 1.065 - 10_000 / 1.05, 1e-6);
  });
});

/** A test strategy: fixed targets, asks for `borrow` of NAV in BTC from day `on` until day `off`. */
function levStrategy(targets: Weights, borrow: number, on: number, off: number): Strategy {
  return {
    name: "lev",
    description: "test",
    benchmark: false,
    needs: [],
    decide({ view, current, state }: StrategyInput) {
      const d: Decision = {
        date: view.date,
        strategy: "lev",
        targets,
        rebalance: Math.abs(current.aaveUsdc - targets.aaveUsdc) > 1e-9 || view.day === on || view.day === off,
        hold: false,
        triggers: [],
        reasons: [],
        issues: [],
      };
      if (view.day >= on && view.day < off) d.leverage = { borrow, buy: "btc", play: "test" };
      return { decision: d, state };
    },
  };
}

function history(lowOnDay: number | null, lowFactor: number): { h: MarketHistory; d0: number } {
  const n = 40;
  const h = tinyHistory("2024-01-01", { btc: Array(n).fill(100), eth: Array(n).fill(10), stableYield: Array(n).fill(0.045) });
  const low = Float64Array.from(h.series.btc.map((x) => x * 0.99));
  if (lowOnDay !== null) low[lowOnDay] = h.series.btc[lowOnDay] * lowFactor;
  h.lows = { btc: low, eth: Float64Array.from(h.series.eth) };
  return { h, d0: dayOf("2024-01-01") };
}

describe("agent backtest leverage: engine rows", () => {
  // 15% of NAV supplied on Aave as USDC, the rest cash: borrowing 20% in BTC gives HF 1.38 at entry.
  const targets = { ...zeroWeights(), aaveUsdc: 0.15, usdc: 0.85 };

  it("interest accrues daily at the derived rate, the exit repays the whole debt, the row carries borrowCostUsd and liquidations", () => {
    const { h, d0 } = history(null, 1);
    const s = levStrategy(targets, 0.2, d0 + 5, d0 + 15);
    const r = runStrategy(h, s, d0 + 1, d0 + 30, c);
    expect(r.plays).to.have.length(1);
    const p = r.plays[0];
    expect(p.entryDay).to.equal(d0 + 5);
    expect(p.exitDay).to.equal(d0 + 15);
    // Debt compounds daily for the 10 days held (entry at day 5's close, repaid at day 15's).
    const apr = 0.045 / 0.72;
    expect(r.borrowCostUsd).to.be.closeTo(p.borrowedUsd * (Math.pow(1 + apr / 365, 10) - 1), 1e-6);
    expect(r.liquidations).to.equal(0);
    const row = toRow(r, h, c, false);
    expect(row.borrowCostUsd).to.equal(r.borrowCostUsd);
    expect(row.liquidations).to.equal(0);
    expect(formatTable([row])).to.match(/borrow\s+liq/);
    // Flat prices: the leg loses exactly its fees, gas and interest.
    expect(p.pnlUsd).to.be.closeTo(-(p.feesUsd + p.borrowCostUsd), 1e-6);
    expect(r.equity[r.equity.length - 1]).to.be.lessThan(c.capitalUsd * 1.01);
  });

  it("a crash day's low liquidates the position and counts it; the same run with a mild low does not", () => {
    const crash = history(10, 0.5); // day 10's low at half the close: HF (0.15·0.8 + 0.2·0.5·0.78)/0.2 < 1
    const mild = history(10, 0.9);
    const { d0 } = crash;
    const a = runStrategy(crash.h, levStrategy(targets, 0.2, d0 + 5, d0 + 15), d0 + 1, d0 + 30, c);
    const b = runStrategy(mild.h, levStrategy(targets, 0.2, d0 + 5, d0 + 15), d0 + 1, d0 + 30, c);
    expect(a.liquidations).to.be.at.least(1);
    expect(a.plays[0].liquidations).to.equal(a.liquidations);
    expect(toRow(a, crash.h, c, false).liquidations).to.equal(a.liquidations);
    expect(b.liquidations).to.equal(0);
    // The liquidation bonus is a loss the mild run does not have.
    expect(a.equity[a.equity.length - 1]).to.be.lessThan(b.equity[b.equity.length - 1]);
  });

  it("the strategy is told the debt it holds (valued at the last close), and nothing once it is repaid", () => {
    const { h, d0 } = history(null, 1);
    const seen: { day: number; lev: StrategyInput["leverage"] }[] = [];
    const base = levStrategy(targets, 0.2, d0 + 5, d0 + 15);
    const spy: Strategy = { ...base, decide: (i) => (seen.push({ day: i.view.day, lev: i.leverage }), base.decide(i)) };
    runStrategy(h, spy, d0 + 1, d0 + 20, c);
    const at = (k: number) => seen.find((x) => x.day === d0 + k)!.lev;
    expect(at(5)).to.equal(undefined);
    expect(at(6)!.buy).to.equal("btc");
    expect(at(6)!.borrow).to.be.closeTo(0.2, 0.005);
    expect(at(15)!.borrow).to.be.greaterThan(0);
    expect(at(16)).to.equal(undefined);
  });
});

describe("agent backtest leverage: leaving repays first", () => {
  it("switching the bought asset repays the old debt before the new one is borrowed, the same day", () => {
    const { h, d0 } = history(null, 1);
    const targets = { ...zeroWeights(), aaveUsdc: 0.15, usdc: 0.85 };
    const btcLeg = levStrategy(targets, 0.2, d0 + 5, d0 + 10);
    const s: Strategy = {
      ...btcLeg,
      decide(i) {
        const out = btcLeg.decide(i);
        if (i.view.day >= d0 + 10 && i.view.day < d0 + 15) out.decision.leverage = { borrow: 0.1, buy: "eth", play: "eth" };
        return out;
      },
    };
    const seen: StrategyInput["leverage"][] = [];
    const spy: Strategy = { ...s, decide: (i) => (seen.push(i.leverage), s.decide(i)) };
    const r = runStrategy(h, spy, d0 + 1, d0 + 20, c);
    expect(r.plays.map((p) => [p.buy, p.entryDay - d0, p.exitDay! - d0])).to.deep.equal([
      ["btc", 5, 10],
      ["eth", 10, 15],
    ]);
    // The day after the switch the strategy sees one debt, in ETH, at the new size: the BTC debt is gone.
    expect(seen[10]!.buy).to.equal("eth");
    expect(seen[10]!.borrow).to.be.closeTo(0.1, 0.005);
  });
});
