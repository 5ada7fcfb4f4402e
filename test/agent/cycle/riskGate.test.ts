// Risk on top of the chain's rules (pure): the VaR of the portfolio after the plan and the drawdown
// stop; above either limit, or with no VaR to go by, only a risk-reducing plan goes ahead.
import { expect } from "chai";
import { riskOnTop } from "../../../agent/src/cycle/riskGate";
import { zeroWeights } from "../../../agent/src/strategy/types";

// 400 days of BTC closes moving ±4% on alternate days, then a 10% fall every 20th day.
const btc: number[] = [];
for (let i = 0, x = 40_000; i < 400; i++) btc.push((x *= i % 20 === 19 ? 0.9 : i % 2 ? 1.04 : 0.97));
const w = (btcW: number) => ({ ...zeroWeights(), usdc: 1 - btcW, btc: btcW });
const base = { closes: { btc }, navHistory: [400_000, 401_000, 400_500], riskReducing: false, maxVar1d: 0.05, maxDrawdown: 0.25, lookbackDays: 365 };

describe("agent/cycle: risk on top (VaR after the plan, drawdown stop)", () => {
  it("within both limits: ok, with the figures recorded", () => {
    const r = riskOnTop({ ...base, weightsAfter: w(0.3) });
    expect(r.ok, r.reason).to.equal(true);
    expect(r.var1d).to.be.closeTo(0.3 * 0.1, 1e-9); // the 10% falls are the worst 5% of days
    expect(r.drawdown).to.be.closeTo(1 - 400_500 / 401_000, 1e-9);
    expect(r.navPoints).to.equal(3);
  });

  it("VaR above the limit: a risk-adding plan is held, a risk-reducing one may go", () => {
    const r = riskOnTop({ ...base, weightsAfter: w(0.6) });
    expect(r.ok).to.equal(false);
    expect(r.reason).to.match(/one-day 95% VaR after the plan is 6\.00% of NAV \(limit 5\.00%\): only risk-reducing plans/);
    expect(riskOnTop({ ...base, weightsAfter: w(0.6), riskReducing: true }).ok).to.equal(true);
  });

  it("drawdown stop: NAV 30% under its journaled peak holds a risk-adding plan", () => {
    const r = riskOnTop({ ...base, weightsAfter: w(0.1), navHistory: [400_000, 420_000, 294_000] });
    expect(r.ok).to.equal(false);
    expect(r.reason).to.match(/drawdown stop: NAV is 30\.00% under its peak \(limit 25\.00%\)/);
    expect(riskOnTop({ ...base, weightsAfter: w(0.1), navHistory: [420_000, 294_000], riskReducing: true }).ok).to.equal(true);
  });

  it("too little history for a VaR: when in doubt nothing that adds risk", () => {
    const r = riskOnTop({ ...base, weightsAfter: w(0.2), closes: { btc: btc.slice(0, 10) } });
    expect(r.ok).to.equal(false);
    expect(r.var1d).to.equal(null);
    expect(r.reason).to.match(/VaR unavailable \(VaR needs at least 30 days/);
    // An all-stable portfolio after the plan has no volatile risk to measure: VaR 0.
    expect(riskOnTop({ ...base, weightsAfter: w(0), closes: { btc: btc.slice(0, 10) } })).to.include({ ok: true, var1d: 0 });
  });
});
