import { expect } from "chai";
import { runStrategy } from "../../agent/src/backtest/engine";
import { dayOf } from "../../agent/src/market/calendar";
import { loadHistory } from "../../agent/src/market/replay";
import { FIELDS } from "../../agent/src/market/types";
import { viewAt } from "../../agent/src/market/view";
import { capLimits, capViolations } from "../../agent/src/strategy/caps";
import { defaultConfig } from "../../agent/src/strategy/config";
import { BENCHMARK_NAMES, STRATEGY_NAMES, strategyByName } from "../../agent/src/strategy/registry";
import { signalsFor } from "../../agent/src/strategy/signals";
import { cloneHistory, expectNoLookAhead } from "./helpers";

describe("agent: no look-ahead, caps always hold (real data)", () => {
  const h = loadHistory();
  const c = defaultConfig();
  const D = dayOf("2022-06-15");
  const from = dayOf("2021-01-01");

  it("a view for day D holds only values dated before D", () => {
    const v = viewAt(h, D);
    for (const f of FIELDS) expect(v.series[f].length).to.equal(D - h.startDay);
    expect(v.series.btc[v.series.btc.length - 1]).to.equal(h.series.btc[D - 1 - h.startDay]);
  });

  it("changing every value and every daily low from day D on leaves every decision up to D unchanged", () => {
    expectNoLookAhead(h, [...STRATEGY_NAMES, ...BENCHMARK_NAMES], from, D, c);
  });

  it("signals for day D (with the replayed warm-up) ignore every value from D on", () => {
    const m = cloneHistory(h);
    for (const f of FIELDS) for (let i = D - m.startDay; i < m.length; i++) m.series[f][i] = i % 5 ? m.series[f][i] * 7 : Number.NaN;
    for (const name of STRATEGY_NAMES) {
      const a = signalsFor(viewAt(h, D), strategyByName(name, c)!);
      const b = signalsFor(viewAt(m, D), strategyByName(name, c)!);
      expect(JSON.stringify(b), name).to.equal(JSON.stringify(a));
    }
  });

  it("every target of every strategy satisfies the on-chain caps, every day 2018-02 → 2025-06", () => {
    const lim = capLimits(c);
    for (const name of STRATEGY_NAMES) {
      const bad: string[] = [];
      runStrategy(h, strategyByName(name, c)!, dayOf("2018-02-01"), dayOf("2025-06-30"), c, {
        onDecision: (d) => {
          const v = capViolations(d.targets, lim);
          if (v.length) bad.push(`${d.date}: ${v.join(", ")}`);
        },
      });
      expect(bad.slice(0, 3), name).to.deep.equal([]);
    }
  });

  it("caps read from config: a 20% volatile cap is never exceeded", () => {
    const tight = { ...c, caps: { maxVolatileBps: 2000, maxProtocolBps: 3000, maxPositionBps: 2500 } };
    const lim = capLimits(tight);
    let maxVol = 0;
    const bad: string[] = [];
    for (const name of STRATEGY_NAMES) {
      runStrategy(h, strategyByName(name, tight)!, dayOf("2020-01-01"), dayOf("2022-12-31"), tight, {
        onDecision: (d) => {
          const v = capViolations(d.targets, lim);
          if (v.length) bad.push(`${name} ${d.date}: ${v.join(", ")}`);
          maxVol = Math.max(maxVol, d.targets.btc + d.targets.eth);
        },
      });
    }
    expect(bad.slice(0, 3)).to.deep.equal([]);
    expect(maxVol).to.be.closeTo(0.2 - 0.0025, 1e-9);
  });
});
