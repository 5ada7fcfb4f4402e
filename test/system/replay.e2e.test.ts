// The whole system over real history, headless (as `npm start -- --headless`): eight simulated
// weeks of data/market/ on the local chain (world day, the agent's runCycle, the owners signing
// proposals through the local tx service), the indexer following the chain, then one truth three
// ways: the indexer's final NAV equals TreasuryValuation.nav() to the cent, the journal has one
// cycle per simulated day, every executed decision's hash is in the journal, on chain and in the
// indexer, and the chain run matches the backtest of the same strategy and window (final value
// within 2%, max drawdown within 2 points). Then the reports on disk.
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Journal } from "../../agent/src/journal";
import { replayHeadless, type HeadlessResult } from "../../scripts/replay/headless";
import { DRAWDOWN_TOLERANCE_PTS, FINAL_VALUE_TOLERANCE } from "../../scripts/replay/report";
import { keyOf, SIGNER_INDICES } from "../../scripts/replay/driver";
import { privateKeyToAccount } from "viem/accounts";
import { randomBytes } from "node:crypto";
import { aiTotals } from "../../agent/src/ai/store";
import { startWebhookReceiver, type WebhookReceiver } from "../../scripts/standins/alertServers";

const FROM = "2024-07-01";
const TO = "2024-08-25"; // 8 weeks: a proposal on day 1, module trades, the early-August fall

describe("whole system: eight weeks replayed on the chain, three ways", function () {
  this.timeout(20 * 60_000);
  let r: HeadlessResult;
  const reportsDir = fs.mkdtempSync(path.join(os.tmpdir(), "replay-report-"));
  const lines: string[] = [];

  // The alert channels of the run (a signed webhook): the reports the loop sends go there, the
  // monthly insights among them (issue 19 §4: on the first cycle of a month, once).
  const SECRET = `whsec_${randomBytes(24).toString("base64")}`;
  let rx: WebhookReceiver;
  const saved = { url: process.env.ALERT_WEBHOOK_URL, secret: process.env.ALERT_WEBHOOK_SECRET };

  before(async () => {
    rx = await startWebhookReceiver(SECRET);
    Object.assign(process.env, { ALERT_WEBHOOK_URL: `${rx.origin}/hook`, ALERT_WEBHOOK_SECRET: SECRET });
    r = await replayHeadless({ from: FROM, to: TO, reportsDir, log: (s) => lines.push(s) });
  });
  after(async () => {
    for (const [k, v] of [["ALERT_WEBHOOK_URL", saved.url], ["ALERT_WEBHOOK_SECRET", saved.secret]] as const) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await rx?.close();
    fs.rmSync(reportsDir, { recursive: true, force: true });
    if (r?.dataDir) fs.rmSync(r.dataDir, { recursive: true, force: true });
  });

  it("runs every day with no failed cycle, and trades", () => {
    expect(r.summary, lines.slice(-20).join("\n")).to.not.equal(null);
    expect(r.days.length).to.equal(56);
    expect(r.failed, r.days.filter((d) => ["failed", "aborted"].includes(d.report.status)).map((d) => `${d.date}: ${d.report.reason}`).join("\n")).to.equal(false);
    expect(r.summary!.chain.trades, "executed trades").to.be.greaterThan(0);
    expect(r.summary!.chain.proposals, "a proposal above the autonomy limit").to.be.greaterThan(0);
  });

  it("the pools are deep enough that no trade of the treasury moves a price by 0.3% or more", () => {
    const worst = Math.max(...r.days.map((d) => d.poolMoveBps));
    expect(worst).to.be.greaterThan(0); // the treasury did trade on the pools
    expect(worst).to.be.lessThan(30);
  });

  it("proposals are confirmed by owners #1 and #2 and executed", () => {
    const owners = SIGNER_INDICES.map((i) => privateKeyToAccount(keyOf(i)).address.toLowerCase());
    const signed = r.days.flatMap((d) => d.signed);
    expect(signed.length).to.equal(r.summary!.chain.proposals);
    for (const s of signed) expect(s.confirmedBy.map((a) => a.toLowerCase())).to.deep.equal(owners);
  });

  it("the indexer's final NAV equals TreasuryValuation.nav() at its last block, to the cent", () => {
    expect(r.summary!.agreement.indexerVsChainCents).to.equal(0);
    expect(r.summary!.indexer.finalNav).to.be.closeTo(r.summary!.chain.finalNav, 0.01);
  });

  it("the journal holds one cycle per simulated day, and every executed decision is on chain and in the indexer", async () => {
    expect(r.summary!.journal.cycles).to.equal(56);
    expect(r.summary!.agreement.missingHashes).to.deep.equal([]);
    const j = await Journal.open({ dataDir: r.dataDir });
    try {
      const rows = await j.recent(10_000);
      const dates = new Set(rows.map((x) => x.date));
      expect(dates.size).to.equal(56);
      const executed = rows.filter((x) => x.status === "executed").map((x) => x.hash.toLowerCase());
      const onChain = r.days.flatMap((d) => [...(d.report.status === "executed" && d.report.hash ? [d.report.hash] : []), ...d.signed.map((s) => s.decision ?? "")]).map((h) => h.toLowerCase());
      expect(executed.sort()).to.deep.equal(onChain.sort());
      expect(r.summary!.indexer.decisions).to.equal(executed.length);
    } finally {
      await j.close();
    }
  });

  it("the chain run matches the backtest of the same strategy and window", () => {
    const a = r.summary!.agreement;
    expect(Math.abs(a.finalValueGap), a.why.join("\n")).to.be.at.most(FINAL_VALUE_TOLERANCE);
    expect(Math.abs(a.maxDrawdownGapPts), a.why.join("\n")).to.be.at.most(DRAWDOWN_TOLERANCE_PTS);
    expect(a.ok, a.why.join("\n")).to.equal(true);
  });

  it("writes summary.json in the documented shape, report.html, equity.csv and decisions.csv", () => {
    for (const f of ["summary.json", "report.html", "equity.csv", "decisions.csv"]) expect(fs.existsSync(path.join(reportsDir, f)), f).to.equal(true);
    const s = JSON.parse(fs.readFileSync(path.join(reportsDir, "summary.json"), "utf8"));
    expect(Object.keys(s)).to.include.members(["from", "to", "days", "seconds", "chain", "backtest", "indexer", "journal", "benchmarks"]);
    const fig = ["startNav", "finalNav", "totalReturn", "cagr", "volatility", "sharpe", "maxDrawdown", "trades", "proposals", "gasUsd", "feesUsd"];
    expect(Object.keys(s.chain)).to.have.members(fig);
    expect(Object.keys(s.backtest)).to.have.members(fig);
    expect(Object.keys(s.indexer)).to.have.members(["finalNav", "twr", "decisions", "winRate", "qualityScore"]);
    expect(Object.keys(s.journal)).to.have.members(["cycles", "executed", "proposed", "held", "failed"]);
    expect(s.benchmarks.map((b: { name: string }) => b.name)).to.include.members(["mix-60-40", "btc-hold"]);
    // What the run's decisions teach: the journal's decisions as the indexer judged them.
    expect(Object.keys(s.learning)).to.have.members(["qualityScore", "winRate", "insights"]);
    expect(s.learning.insights.decisions).to.equal(s.indexer.decisions);
    expect(s.learning.qualityScore).to.equal(s.indexer.qualityScore);
    for (const m of ["2024-07", "2024-08"]) for (const ext of ["json", "html"]) expect(fs.existsSync(path.join(reportsDir, `insights-${m}.${ext}`)), `insights-${m}.${ext}`).to.equal(true);
    expect(fs.readFileSync(path.join(reportsDir, "equity.csv"), "utf8").trim().split("\n")).to.have.length(57);
    const html = fs.readFileSync(path.join(reportsDir, "report.html"), "utf8");
    expect(html).to.match(/<svg[^>]*>.*<path/s);
    expect(html).to.not.match(/<script|https?:\/\/(?!www\.w3\.org)/);
  });

  it("the run's monthly insights: in early August (the first cycle of the month, or the next once the indexer has judged July) the report for July is written (JSON + HTML), recorded and sent once", async () => {
    const files = ["json", "html"].map((ext) => path.join(r.dataDir, "reports", `insights-2024-07.${ext}`));
    for (const f of files) expect(fs.existsSync(f), `${f} (written by the agent's loop, agent/src/ai/loop.ts monthlyDue)`).to.equal(true);
    const json = JSON.parse(fs.readFileSync(files[0], "utf8"));
    expect(json.month).to.equal("2024-07");
    expect(json.insights.decisions, "July's executed decisions, as the indexer judged them").to.be.greaterThan(0);
    expect(fs.readFileSync(files[1], "utf8")).to.match(/^<!doctype html>/i);
    // No report for August: its month has not ended within the window.
    expect(fs.existsSync(path.join(r.dataDir, "reports", "insights-2024-08.json"))).to.equal(false);
    const j = await Journal.open({ dataDir: r.dataDir });
    try {
      expect((await aiTotals(j)).monthly, "one monthly record (the journal's once-per-month key)").to.equal(1);
    } finally {
      await j.close();
    }
    const sent = rx.received.map((x) => JSON.parse(x.body).data).filter((d) => d.kind === "report.monthly");
    expect(sent.map((d) => d.period), "the monthly report reaches the alert channel exactly once").to.deep.equal(["2024-07"]);
    expect(rx.received.filter((x) => JSON.parse(x.body).data.kind === "report.daily").length, "the daily summaries went out too").to.equal(56);
  });
});
