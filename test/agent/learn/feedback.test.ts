import { expect } from "chai";
import { runStrategy } from "../../../agent/src/backtest/engine";
import { dayOf, isoOf } from "../../../agent/src/market/calendar";
import { loadHistory } from "../../../agent/src/market/replay";
import { FIELDS } from "../../../agent/src/market/types";
import { viewAt } from "../../../agent/src/market/view";
import { defaultConfig } from "../../../agent/src/strategy/config";
import { strategyByName } from "../../../agent/src/strategy/registry";
import { zeroWeights, type Decision, type Strategy } from "../../../agent/src/strategy/types";
import { tradeExcess } from "../../../agent/src/learn/outcomes";
import { withFeedback, type FeedbackLog } from "../../../agent/src/learn/feedback";
import { feedbackExperiment } from "../../../agent/src/learn/experiment";
import { MIN_CASES, type Outcome } from "../../../lib/analytics/insights";
import { cloneHistory, tinyHistory } from "../helpers";

describe("learn: outcomes and feedback in the backtest (real data)", () => {
  const h = loadHistory();
  const c = defaultConfig();

  it("a trade's excess over holding still: the weights moved times each position's growth, less the trade's cost", () => {
    // BTC 100 → 110 over the 7 days after day 0's close; ETH flat; no stable yield (the fallback APR).
    const t = tinyHistory("2024-01-01", { btc: [100, 101, 102, 103, 104, 105, 106, 110, 90], eth: Array(9).fill(50), stableYield: Array(9).fill(0) });
    const cur = { ...zeroWeights(), usdc: 1 };
    const tgt = { ...zeroWeights(), usdc: 0.8, btc: 0.2 };
    const cost = (0.2 * (c.costs.swapFeeBps + c.costs.slippageBps)) / 10_000 + c.costs.gasUsdPerRebalance / c.capitalUsd;
    const d0 = dayOf("2024-01-01");
    expect(tradeExcess(t.series, t.startDay, d0, cur, tgt, 7, c)).to.be.closeTo(0.2 * 0.1 - cost, 1e-12);
    expect(tradeExcess(t.series, t.startDay, d0, cur, tgt, 1, c)).to.be.closeTo(0.2 * 0.01 - cost, 1e-12);
    // The 30-day window runs past the data: not known.
    expect(tradeExcess(t.series, t.startDay, d0, cur, tgt, 30, c)).to.equal(null);
    // Seen from day 8 (closes up to day 7): the 7-day outcome is known; from day 7 it is not.
    expect(tradeExcess(viewAt(t, d0 + 8).series, t.startDay, d0, cur, tgt, 7, c)).to.not.equal(null);
    expect(tradeExcess(viewAt(t, d0 + 7).series, t.startDay, d0, cur, tgt, 7, c)).to.equal(null);
  });

  it("feedback refuses a trade whose pattern lost in >= MIN_CASES earlier cases, and only then", () => {
    const d: Decision = { date: "2024-06-03", strategy: "x", targets: { ...zeroWeights(), usdc: 0.7, btc: 0.3 }, rebalance: true, hold: false, phase: "bear", mode: "hedge", triggers: ["drift: btc is 9 points"], reasons: [], issues: [] };
    const inner: Strategy = { name: "x", description: "x", benchmark: false, needs: [], decide: () => ({ decision: d, state: null }) };
    const lost = (n: number): Outcome[] => Array.from({ length: n }, (_, i) => ({ date: `2023-01-${String(i + 1).padStart(2, "0")}`, triggers: ["drift: eth is 7 points"], indicators: {}, excess: { "1d": -0.01, "7d": -0.01, "30d": -0.01 } }));
    const input = { view: viewAt(h, dayOf("2024-06-03")), current: { ...zeroWeights(), usdc: 1 }, state: undefined };
    const log: FeedbackLog = { proposals: [], refused: [] };
    const out = withFeedback(inner, c, { prior: lost(MIN_CASES), log }).decide(input);
    expect(out.decision.rebalance).to.equal(false);
    expect(out.decision.targets).to.deep.equal(input.current);
    expect(out.decision.reasons.at(-1)!.says).to.equal("refused by feedback: trigger drift lost in earlier cases");
    expect(log.refused).to.deep.equal([{ date: "2024-06-03", patterns: ["trigger drift"] }]);
    expect(withFeedback(inner, c, { prior: lost(MIN_CASES - 1) }).decide(input).decision.rebalance).to.equal(true);
    // A cap breach is never refused: the chain's limits come first.
    const breach: Strategy = { ...inner, decide: () => ({ decision: { ...d, triggers: ["cap breach by price moves: btc"] }, state: null }) };
    const lostBreach = lost(MIN_CASES).map((o) => ({ ...o, triggers: ["cap breach by price moves: eth"] }));
    expect(withFeedback(breach, c, { prior: lostBreach }).decide(input).decision.rebalance).to.equal(true);
  });

  it("no look-ahead: a proposal counts only once its 7-day window closed before the day (a crash after the day is not known)", () => {
    // BTC flat at 100 for 20 days, then 50. Proposals buying BTC on days 13..18 lose 15% each, but
    // only the closes of days 20..25 show it.
    const t = tinyHistory("2024-01-01", { btc: [...Array(20).fill(100), ...Array(20).fill(50)], eth: Array(40).fill(50), stableYield: Array(40).fill(0) });
    const d0 = dayOf("2024-01-01");
    const buy = { ...zeroWeights(), usdc: 0.7, btc: 0.3 };
    const cash = { ...zeroWeights(), usdc: 1 };
    const dec = (day: number): Decision => ({ date: isoOf(day), strategy: "x", targets: buy, rebalance: true, hold: false, triggers: ["drift: btc"], reasons: [], issues: [] });
    const inner: Strategy = { name: "x", description: "x", benchmark: false, needs: [], decide: (i) => ({ decision: dec(i.view.day), state: null }) };
    const run = (day: number) => {
      const log: FeedbackLog = { proposals: [13, 14, 15, 16, 17, 18].map((k) => ({ day: d0 + k, decision: dec(d0 + k), current: cash })), refused: [] };
      return withFeedback(inner, c, { log }).decide({ view: viewAt(t, day), current: cash, state: undefined }).decision.rebalance;
    };
    // Day 20 (closes up to day 19): the crash is in the future, nothing is known: the trade goes ahead.
    expect(run(d0 + 20)).to.equal(true);
    // Day 26: all six windows closed (days 20..25), all lost: refused.
    expect(run(d0 + 26)).to.equal(false);
  });

  it("no look-ahead: scrambling every value from day D on leaves every feedback decision up to D unchanged", () => {
    const D = dayOf("2024-09-15");
    const from = dayOf("2024-01-01");
    const m = cloneHistory(h);
    for (const f of FIELDS) {
      const s = m.series[f];
      for (let i = D - m.startDay; i < s.length; i++) s[i] = i % 7 === 0 ? Number.NaN : s[i] * (i % 2 ? 3 : 0.2) + 1;
    }
    // seed: its phases and modes give the feedback patterns to learn within the window itself.
    const s = strategyByName("seed", c)!;
    const a: Decision[] = [];
    const b: Decision[] = [];
    const la: FeedbackLog = { proposals: [], refused: [] };
    const lb: FeedbackLog = { proposals: [], refused: [] };
    runStrategy(h, withFeedback(s, c, { log: la }), from, D, c, { onDecision: (d) => a.push(d) });
    runStrategy(m, withFeedback(s, c, { log: lb }), from, D, c, { onDecision: (d) => b.push(d) });
    expect(b.length).to.equal(D - from + 1);
    expect(JSON.stringify(b)).to.equal(JSON.stringify(a));
    // The test has teeth: what it learnt in the window (no prior) made it refuse trades.
    expect(la.refused.length).to.be.greaterThan(0);
  });

  it("the honest test: three rows over 2024-01 → 2025-06 (without, with feedback on all history, on the last year), parameters fixed before 2024, and an answer", () => {
    const e = feedbackExperiment(h, c);
    expect(e.window).to.deep.equal({ from: "2024-01-01", to: "2025-06-30" });
    expect(e.rows.map((r) => r.name)).to.deep.equal(["trend-dd", "trend-dd+feedback (all history)", "trend-dd+feedback (last 365 days)"]);
    expect(e.priorCases).to.be.greaterThan(0);
    // Without feedback: exactly the walk-forward's out-of-sample run of the strategy.
    const plain = runStrategy(h, strategyByName("trend-dd", c)!, dayOf("2024-01-01"), dayOf("2025-06-30"), c);
    expect(e.rows[0].finalValue).to.equal(plain.equity[plain.equity.length - 1]);
    expect(e.rows[0].refused).to.equal(0);
    // A variant that refused nothing is the plain run, number for number.
    for (const r of e.rows.slice(1)) if (r.refused === 0) expect({ ...r, name: "" }).to.deep.equal({ ...e.rows[0], name: "" });
    expect(e.answer.split("; ").length).to.equal(2);
    for (const a of e.answer.split("; ")) expect(a).to.match(/^trend-dd\+feedback \(.*\): (yes|no|mixed),/);
  });
});
