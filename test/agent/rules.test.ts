import { expect } from "chai";
import { dayOf } from "../../agent/src/market/calendar";
import { viewAt } from "../../agent/src/market/view";
import { capLimits } from "../../agent/src/strategy/caps";
import { defaultConfig } from "../../agent/src/strategy/config";
import { ruleStrategy } from "../../agent/src/strategy/rules";
import { mix6040, staticPlan } from "../../agent/src/strategy/benchmarks";
import { zeroWeights } from "../../agent/src/strategy/types";
import { tinyHistory } from "./helpers";

const c = defaultConfig();
const lim = capLimits(c);
const START = "2024-01-01";
const cash = { ...zeroWeights(), usdc: 1 };

describe("agent alternative rules (hand-computed tiny series)", () => {
  it("trend: each asset only above its n-day average; unknown average counts as out", () => {
    // BTC rises 1..60, ETH falls 60..1: over the last 50 days BTC (60) > its mean (35.5), ETH (1) < its mean (25.5)
    const btc = Array.from({ length: 60 }, (_, i) => i + 1);
    const eth = Array.from({ length: 60 }, (_, i) => 60 - i);
    const h = tinyHistory(START, { btc, eth });
    const s = ruleStrategy("trend", c, { trendDays: 50 });
    const d = s.decide({ view: viewAt(h, dayOf(START) + 60), current: cash, state: undefined }).decision;
    expect(d.targets.btc).to.be.closeTo(lim.volatile * 0.6, 1e-12);
    expect(d.targets.eth).to.equal(0);
    expect(d.reasons.map((r) => r.says)).to.include("BTC 60 above its 50-day average 36: in");
    expect(d.rebalance).to.equal(true);
    // With 40 days of data the 50-day average is not known: no exposure on a guess.
    const early = s.decide({ view: viewAt(h, dayOf(START) + 40), current: cash, state: undefined }).decision;
    expect(early.targets.btc + early.targets.eth).to.equal(0);
    expect(early.reasons[0].says).to.contain("not known: out");
  });

  it("voltarget: volatile share = target / realised volatility, capped", () => {
    // Prices alternate 100, 110: 30 log returns ±ln 1.1, mean 0, sample variance 30·ln²1.1 / 29
    const alt = Array.from({ length: 31 }, (_, i) => (i % 2 ? 110 : 100));
    const h = tinyHistory(START, { btc: alt, eth: alt });
    const vol = Math.log(1.1) * Math.sqrt(30 / 29) * Math.sqrt(365);
    const d = ruleStrategy("vt", c, { targetVol: 0.1, volDays: 30 }).decide({
      view: viewAt(h, dayOf(START) + 31),
      current: cash,
      state: undefined,
    }).decision;
    expect(d.targets.btc + d.targets.eth).to.be.closeTo(0.1 / vol, 1e-9);
    // A calm market would ask for more than the cap: the cap wins.
    const calm = Array.from({ length: 31 }, (_, i) => 100 * 1.0001 ** i + (i % 2) * 0.01);
    const h2 = tinyHistory(START, { btc: calm, eth: calm });
    const d2 = ruleStrategy("vt", c, { targetVol: 0.1, volDays: 30 }).decide({
      view: viewAt(h2, dayOf(START) + 31),
      current: cash,
      state: undefined,
    }).decision;
    expect(d2.targets.btc + d2.targets.eth).to.be.closeTo(lim.volatile, 1e-12);
  });

  it("ddstop: out below −20% from the 90-day high, back in only within −10% (hysteresis)", () => {
    const btc = [100, 90, 79, 85, 91];
    const h = tinyHistory(START, { btc, eth: btc.map(() => 10) });
    const s = ruleStrategy("dd", c, { ddStop: 0.2, ddLookback: 90 });
    let state: unknown;
    let current = cash;
    const vols: number[] = [];
    for (let k = 1; k <= btc.length; k++) {
      const out = s.decide({ view: viewAt(h, dayOf(START) + k), current, state });
      state = out.state;
      if (out.decision.rebalance) current = out.decision.targets;
      vols.push(+(out.decision.targets.btc + out.decision.targets.eth).toFixed(4));
    }
    // 100: in; 90 (−10%): in; 79 (−21%): out; 85 (−15%): still out; 91 (−9%): back in
    expect(vols).to.deep.equal([0.3975, 0.3975, 0, 0, 0.3975]);
  });

  it("holds when a price it needs is stale, naming the field", () => {
    const h = tinyHistory(START, { btc: [1, 2, 3, 4, 5, 6], eth: [1, 2, Number.NaN, Number.NaN, Number.NaN, Number.NaN] });
    const d = ruleStrategy("trend", c, { trendDays: 2 }).decide({
      view: viewAt(h, dayOf(START) + 6),
      current: cash,
      state: undefined,
    }).decision;
    expect(d.hold).to.equal(true);
    expect(d.rebalance).to.equal(false);
    expect(d.reasons.map((r) => r.says).join()).to.match(/hold: ETH price .*2024-01-02, 5 days old/);
  });
});

describe("agent benchmarks", () => {
  const flat = tinyHistory("2024-01-01", { btc: Array(70).fill(100), eth: Array(70).fill(10) });

  it("mix-60-40 trades on the first day and then on the 1st of each month only", () => {
    const s = mix6040(c);
    const w = s.decide({ view: viewAt(flat, dayOf("2024-01-10")), current: cash, state: undefined }).decision;
    expect(w.triggers).to.deep.equal(["initial allocation"]);
    expect(w.targets.aaveUsdc).to.equal(0.6);
    expect(w.targets.btc + w.targets.eth).to.be.closeTo(0.4, 1e-12);
    const drifted = { ...w.targets, btc: w.targets.btc + 0.1, aaveUsdc: 0.5 };
    expect(s.decide({ view: viewAt(flat, dayOf("2024-01-20")), current: drifted, state: undefined }).decision.rebalance).to.equal(false);
    expect(s.decide({ view: viewAt(flat, dayOf("2024-02-01")), current: drifted, state: undefined }).decision.triggers).to.deep.equal([
      "monthly rebalance",
    ]);
  });

  it("static-plan is the plan's weights, rebalanced on more than 5 points of drift", () => {
    const s = staticPlan(c);
    const t = s.decide({ view: viewAt(flat, dayOf("2024-01-10")), current: cash, state: undefined }).decision.targets;
    expect(t).to.deep.include({ aaveUsdc: 0.25, pendlePt: 0.2, vault: 0.15 });
    expect(t.btc + t.eth).to.be.closeTo(0.3975, 1e-12);
    const small = { ...t, btc: t.btc + 0.04, aaveUsdc: t.aaveUsdc - 0.04 };
    const big = { ...t, btc: t.btc + 0.06, aaveUsdc: t.aaveUsdc - 0.06 };
    expect(s.decide({ view: viewAt(flat, dayOf("2024-01-15")), current: small, state: undefined }).decision.rebalance).to.equal(false);
    expect(s.decide({ view: viewAt(flat, dayOf("2024-01-15")), current: big, state: undefined }).decision.triggers[0]).to.match(
      /^drift: (btc|aaveUsdc) 6\.0 points/,
    );
    expect(Object.values(t).reduce((x, y) => x + y, 0)).to.be.closeTo(1, 1e-12);
  });
});
