import { expect } from "chai";
import { dayOf, weekday } from "../../agent/src/market/calendar";
import { viewAt } from "../../agent/src/market/view";
import { allocate } from "../../agent/src/strategy/allocation";
import { capLimits } from "../../agent/src/strategy/caps";
import { defaultConfig } from "../../agent/src/strategy/config";
import { SEED_PARAMS, riskLevel, seedPhase, seedStrategy } from "../../agent/src/strategy/seed";
import { Weights } from "../../agent/src/strategy/types";
import { tinyHistory } from "./helpers";

const c = defaultConfig();
const lim = capLimits(c);
const N = 260;
const START = "2024-01-01"; // 260 days → decision day 2024-09-17 (a Tuesday), 10 days before the Sep expiry

/** Flat market for N days; `last` overrides the final values (the day before the decision). */
function market(last: { mvrv?: number[]; fg?: number; btc?: number } = {}) {
  const mvrv = Array(N).fill(2);
  const tail = last.mvrv ?? [];
  tail.forEach((v, k) => (mvrv[N - tail.length + k] = v));
  const btc = Array(N).fill(100);
  if (last.btc !== undefined) btc[N - 1] = last.btc;
  const fg = Array(N).fill(50);
  if (last.fg !== undefined) fg[N - 1] = last.fg;
  return tinyHistory(START, { btc, eth: Array(N).fill(10), mvrv, fearGreed: fg, funding: Array(N).fill(0.0003) });
}
const decisionDay = dayOf(START) + N;

describe("agent seed strategy (the original plan's rules)", () => {
  it("phase: top ≥ 3.5, euphoria ≥ 2.5 or greed ≥ 80, bear under the trend, else accumulation", () => {
    const p = SEED_PARAMS;
    expect(seedPhase(p, 3.6, 50, 100, 90)).to.equal("top");
    expect(seedPhase(p, 2.6, 50, 100, 90)).to.equal("euphoria");
    expect(seedPhase(p, 1.5, 85, 100, 90)).to.equal("euphoria");
    expect(seedPhase(p, 1.5, 50, 80, 90)).to.equal("bear");
    expect(seedPhase(p, 0.9, 50, 80, 90)).to.equal("accumulation");
    expect(seedPhase(p, 1.5, 50, 100, 90)).to.equal("accumulation");
    expect(seedPhase(p, 1.5, 50, 100, null)).to.equal("accumulation");
  });

  it("risk level counts volatility, extreme sentiment, drawdown and hot funding", () => {
    expect(riskLevel(0.5, 50, -0.1, 0.002)).to.equal(1);
    expect(riskLevel(0.9, 10, -0.5, 0.005)).to.equal(5);
    expect(riskLevel(null, 76, null, null)).to.equal(2);
  });

  it("accumulation → aggressive: volatile at the cap", () => {
    const s = seedStrategy(c);
    const { decision } = s.decide({ view: viewAt(market(), decisionDay), current: { ...allocate(0, c, lim) }, state: undefined });
    expect(decision.phase).to.equal("accumulation");
    expect(decision.mode).to.equal("aggressive");
    expect(decision.targets.btc + decision.targets.eth).to.be.closeTo(lim.volatile, 1e-12);
    expect(decision.rebalance).to.equal(true);
  });

  it("MVRV crossing 3.5 sells 25% of the volatile sleeve, once per crossing", () => {
    const s = seedStrategy(c);
    const current: Weights = allocate(0.4, c, lim);
    const before = current.btc + current.eth;
    const h = market({ mvrv: [3.4, 3.6] });
    const out = s.decide({ view: viewAt(h, decisionDay), current, state: { mode: "tactical" } });
    expect(out.decision.phase).to.equal("top");
    expect(out.decision.mode).to.equal("conservative");
    expect(out.decision.targets.btc + out.decision.targets.eth).to.be.closeTo(before * 0.75, 1e-12);
    expect(out.decision.triggers.join(" ")).to.contain("mvrv crossed 3.5");
    // Next day, still above 3.5 without a new crossing: no further sale.
    const h2 = market({ mvrv: [3.4, 3.6, 3.8] });
    const next = s.decide({ view: viewAt(h2, decisionDay), current: out.decision.targets, state: out.state });
    expect(next.decision.targets.btc + next.decision.targets.eth).to.be.closeTo(before * 0.75, 1e-12);
    expect(next.decision.rebalance).to.equal(false);
  });

  it("the expiry window (7 days before the quarterly expiry) raises the tactical share", () => {
    const s = seedStrategy(c);
    const tactical = (h: ReturnType<typeof market>, day: number) =>
      s.decide({ view: viewAt(h, day), current: allocate(0.25, c, lim), state: { mode: "tactical" } }).decision;
    const far = tactical(market({ mvrv: [2.6] }), decisionDay); // 10 days before 2024-09-27
    expect(far.mode).to.equal("tactical");
    expect(far.targets.btc + far.targets.eth).to.be.closeTo(0.25, 1e-12);
    const h = tinyHistory(START, {
      btc: Array(N + 5).fill(100),
      eth: Array(N + 5).fill(10),
      mvrv: Array(N + 5).fill(2.6),
      fearGreed: Array(N + 5).fill(50),
    });
    const near = tactical(h, decisionDay + 4); // 6 days before
    expect(near.targets.btc + near.targets.eth).to.be.closeTo(0.3, 1e-12);
    expect(near.reasons.map((r) => r.indicator)).to.include("expiryWindow");
  });

  it("holds (no trade) when a needed field is missing or stale, and says which and why", () => {
    const s = seedStrategy(c);
    const h = market();
    for (let k = 1; k <= 5; k++) h.series.mvrv[h.length - k] = Number.NaN;
    const { decision } = s.decide({ view: viewAt(h, decisionDay), current: allocate(0, c, lim), state: undefined });
    expect(decision.hold).to.equal(true);
    expect(decision.rebalance).to.equal(false);
    expect(
      decision.reasons.some((r) => r.indicator === "mvrv" && /hold: BTC MVRV: latest value is from .* 6 days old/.test(r.says)),
    ).to.equal(true);
    // A one-day gap is within the staleness limit: the last known value is used, not a zero.
    const g = market({ mvrv: [0.5] });
    g.series.mvrv[g.length - 1] = Number.NaN;
    g.series.mvrv[g.length - 2] = 3.0;
    const d2 = s.decide({ view: viewAt(g, decisionDay), current: allocate(0, c, lim), state: undefined }).decision;
    expect(d2.hold).to.equal(false);
    expect(d2.phase).to.equal("euphoria");
  });

  it("rebalances on drift > 5 points or at the weekly review, not on small drift mid-week", () => {
    const s = seedStrategy(c);
    const target = allocate(lim.volatile, c, lim);
    const drifted = (d: number) => ({ ...target, btc: target.btc + d, aaveUsdc: target.aaveUsdc - d });
    const run = (day: number, d: number) =>
      s.decide({ view: viewAt(market(), day), current: drifted(d), state: { mode: "aggressive" } }).decision;
    expect(weekday(decisionDay)).to.equal(2);
    expect(run(decisionDay, -0.02).rebalance).to.equal(false);
    // Prices pushing volatile over its cap trade back at once.
    expect(run(decisionDay, 0.02).triggers.join()).to.contain("cap breach");
    expect(run(decisionDay, -0.06).triggers.join()).to.contain("drift");
    const monday = decisionDay - 1;
    expect(run(monday, -0.02).triggers.join()).to.contain("weekly review");
    expect(run(monday, -0.005).rebalance).to.equal(false);
  });
});
