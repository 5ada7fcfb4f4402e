import { expect } from "chai";
import { insights, MIN_CASES, patternsOf, triggerKey, type Outcome } from "../../../lib/analytics/insights";
import { reviewerContext } from "../../../agent/src/learn/context";
import { monthlyReport, monthlyReportMessage } from "../../../agent/src/learn/report";
import { joinOutcomes } from "../../../agent/src/learn/journal";
import { buildUserPrompt } from "../../../agent/src/approval/prompt";
import { ApprovalRequestSchema } from "../../../agent/src/approval/types";
import { request } from "../approval/fixtures";

/** n decisions on consecutive days of `month` with the given 7-day excess (1d and 30d: half and twice it). */
function cases(n: number, x7: number, over: Partial<Outcome> = {}, month = "2024-03", start = 1): Outcome[] {
  return Array.from({ length: n }, (_, i) => ({
    date: `${month}-${String(start + i).padStart(2, "0")}`,
    triggers: ["drift: btc is 6.1 points from target (limit 5)"],
    phase: "euphoria",
    mode: "tactical",
    play: null,
    indicators: { fearGreed: 10 * (i + 1) },
    excess: { "1d": x7 / 2, "7d": x7, "30d": x7 * 2 },
    costUsd: 30,
    gainUsd: x7 * 400_000,
    ...over,
  }));
}

describe("learn: insights (lib/analytics/insights.ts)", () => {
  it("a trigger's kind masks its numbers: two drifts are one pattern", () => {
    expect(triggerKey("drift: btc is 6.1 points from target (limit 5)")).to.equal("drift");
    expect(triggerKey("drift: eth is 7.0 points from target (limit 5)")).to.equal("drift");
    expect(triggerKey("sma200 cross up")).to.equal("sma# cross up");
  });

  it("groups per trigger, phase, mode, play and indicator tercile, with counts, win rate and quality score", () => {
    const xs = [
      ...cases(6, -0.02),
      ...cases(6, 0.004, { triggers: ["trend: btc above sma50"], phase: "accumulation", mode: "conservative", play: "expiry 2024-03-29" }, "2024-03", 10),
    ];
    const ins = insights(xs);
    expect(ins.decisions).to.equal(12);
    expect(ins.scored).to.equal(12);
    expect(ins.wins).to.equal(6);
    expect(ins.winRate).to.equal(0.5);
    // 6 × clamp(-2) = -6, 6 × 0.4 = 2.4: mean -0.3 → 50 - 15 = 35.
    expect(ins.qualityScore).to.be.closeTo(35, 1e-9);
    const g = (k: string) => ins.groups.find((x) => `${x.by} ${x.key}` === k)!;
    expect(g("trigger drift")).to.include({ n: 6, wins: 0, verdict: "hurt" });
    expect(g("trigger drift").meanExcess["30d"]).to.be.closeTo(-0.04, 1e-12);
    expect(g("trigger trend")).to.include({ n: 6, wins: 6, verdict: "helped" });
    expect(g("play expiry")).to.include({ n: 6, verdict: "helped" });
    expect(g("phase euphoria").qualityScore).to.equal(0);
    expect(ins.hurt).to.deep.equal(["trigger drift", "phase euphoria", "mode tactical"]);
    expect(ins.helped).to.include.members(["trigger trend", "play expiry", "phase accumulation", "mode conservative"]);
    // Indicator terciles: 12 values of fearGreed (10..60 twice) in three ranges that together hold every decision.
    const ranges = ins.groups.filter((x) => x.by === "indicator");
    expect(ranges.length).to.equal(3);
    expect(ranges.reduce((a, x) => a + x.n, 0)).to.equal(12);
    expect(ins.gas.costUsd).to.equal(360);
  });

  it(`no claim from fewer than MIN_CASES (${MIN_CASES}) judged decisions, however one-sided`, () => {
    const ins = insights([...cases(MIN_CASES - 1, -0.05), ...cases(3, null as unknown as number, {}, "2024-04")]);
    expect(ins.groups.every((g) => g.verdict === "too few cases")).to.equal(true);
    expect(ins.hurt).to.deep.equal([]);
    // Windows not elapsed count as decisions, not as judged ones.
    expect(ins.decisions).to.equal(MIN_CASES + 2);
    expect(ins.scored).to.equal(MIN_CASES - 1);
    expect(insights(cases(MIN_CASES, -0.05)).hurt).to.include("trigger drift");
  });

  it("--from/--to keep only the decisions dated inside", () => {
    const ins = insights([...cases(3, 0.01), ...cases(4, -0.01, {}, "2024-04")], { from: "2024-04-01", to: "2024-04-30" });
    expect(ins.decisions).to.equal(4);
    expect(ins.winRate).to.equal(0);
  });

  it("the reviewer's context: this decision's patterns first, losing ones next, within the token budget", () => {
    const xs = [...cases(6, -0.02), ...cases(6, 0.01, { triggers: ["trend: up"], phase: "bear", mode: "hedge" }, "2024-03", 10)];
    const ins = insights(xs);
    const ctx = reviewerContext(ins, { triggers: ["drift: eth is 9 points"], phase: "euphoria", mode: "tactical" }, 400);
    expect(ctx.lines[0]).to.match(/^this decision's trigger drift: n=6 .*: hurt$/);
    expect(ctx.lines.join("\n").length / 4).to.be.at.most(400);
    const small = reviewerContext(ins, { triggers: ["drift: x"] }, 40);
    expect(small.lines.length).to.equal(1);
    expect(reviewerContext(ins, { triggers: [] }, 5).lines).to.deep.equal([]);
  });

  it("the approval request carries the context as trusted facts; without it the prompt is unchanged", () => {
    const ins = insights(cases(6, -0.02));
    const learning = reviewerContext(ins, { triggers: ["drift: btc"] });
    const req = ApprovalRequestSchema.parse(request({ learning }));
    const p = buildUserPrompt(req, "B0UNDARY");
    expect(p).to.include("Past outcomes of similar decisions against holding still (the agent's own measurements, trusted; no claim below 5 cases)");
    expect(p).to.include("- this decision's trigger drift: n=6");
    // Trusted: outside the untrusted market fence.
    expect(p.indexOf("this decision's trigger drift")).to.be.lessThan(p.indexOf("Market context"));
    expect(buildUserPrompt(ApprovalRequestSchema.parse(request()), "B0UNDARY")).to.not.include("Past outcomes");
    expect(() => ApprovalRequestSchema.parse(request({ learning: { minCases: 0, tokenBudget: 10, lines: [] } }))).to.throw();
  });

  it("the monthly report: that month's decisions only, JSON and HTML (escaped), verdicts with counts", () => {
    const xs = [...cases(6, -0.02, { triggers: ["<b>drift</b>: x"] }), ...cases(2, 0.01, {}, "2024-04")];
    const r = monthlyReport(xs, "2024-03", { now: new Date("2024-04-01T00:00:00Z") });
    expect(r.json.insights.decisions).to.equal(6);
    expect(r.json.insights.from).to.equal("2024-03-01");
    expect(r.json.insights.to).to.equal("2024-03-31");
    expect(r.summary).to.match(/^6 decisions, judged 6: win rate 0%, quality score 0; helped: none with enough cases; hurt: trigger <b>drift<\/b>/);
    expect(r.html).to.include("&lt;b&gt;drift&lt;/b&gt;").and.not.include("<b>drift</b>");
    expect(r.html).to.include('<tr class="hurt">');
    expect(monthlyReport(xs, "2024-04").summary).to.match(/helped: none with enough cases; hurt: none with enough cases/);
    expect(() => monthlyReport(xs, "2024-13")).to.throw(/not YYYY-MM/);
    // The report sender's message: once per treasury and month, the claims as a table.
    const msg = monthlyReportMessage(r, "1:0xSafe");
    expect(msg).to.deep.include({ kind: "monthly", scope: "1:0xSafe", period: "2024-03", title: "Treasury insights 2024-03" });
    expect(msg.sections[1].table![0]).to.deep.equal(["group", "n", "win rate", "quality", "mean excess 7d", "verdict"]);
    expect(msg.sections[1].table!.slice(1).map((row) => row[0])).to.deep.equal(["trigger <b>drift</b>", "phase euphoria", "mode tactical"]);
  });

  it("the chain's outcomes: journal records joined to the indexer's judgement by decision hash", () => {
    const records = [
      { hash: "0xAA", date: "2024-03-02", body: { signals: { phase: "bear", mode: "hedge", triggers: ["drift: btc"], reasons: [{ indicator: "vol30", value: 0.5 }, { indicator: "x", value: "text" }] } } },
      { hash: "0xbb", date: "2024-03-01", body: { signals: { triggers: ["trend: up"], reasons: [] } } },
      { hash: "0xcc", date: "2024-03-03", body: {} },
    ];
    const judged = [
      { decisionHash: "0xaa", navBefore: 400_000, tx: { gasUsd: 3 }, later: { "1d": { excess: 0.001 }, "7d": { excess: -0.002 }, "30d": null } },
      { decisionHash: "0xBB", later: { "1d": null, "7d": null, "30d": null } },
    ];
    const xs = joinOutcomes(records, judged);
    expect(xs.map((x) => x.date)).to.deep.equal(["2024-03-01", "2024-03-02"]);
    expect(xs[1]).to.deep.equal({ date: "2024-03-02", triggers: ["drift: btc"], phase: "bear", mode: "hedge", play: null, indicators: { vol30: 0.5 }, excess: { "1d": 0.001, "7d": -0.002, "30d": null }, costUsd: 3, gainUsd: -800 });
    expect(patternsOf(xs[1])).to.deep.equal(["trigger drift", "phase bear", "mode hedge"]);
  });
});
