import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { runTreasury } from "../../helpers/treasuryCli";
import { Journal } from "../../../agent/src/journal";

describe("learn: `treasury insights` and `treasury config apply`", function () {
  this.timeout(120_000);
  let dir: string;
  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "learn-cli-"));
  });
  afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

  it("insights --backtest --json: grouped stats with counts and the no-claim threshold; --report writes each month", async () => {
    const rep = path.join(dir, "reports");
    const r = await runTreasury({}, "insights", "--backtest", "--from", "2024-01-01", "--to", "2024-03-31", "--json", "--report", rep);
    expect(r.err).to.equal("");
    expect(r.code).to.equal(0);
    const j = JSON.parse(r.out);
    expect(j.source).to.equal("backtest of trend-dd");
    expect(j.minCases).to.equal(5);
    expect(j.decisions).to.be.greaterThan(0);
    expect(j.groups.length).to.be.greaterThan(0);
    for (const g of j.groups) if (g.scored < 5) expect(g.verdict).to.equal("too few cases");
    expect(fs.readdirSync(rep).sort()).to.deep.equal(["insights-2024-01.html", "insights-2024-01.json", "insights-2024-02.html", "insights-2024-02.json", "insights-2024-03.html", "insights-2024-03.json"]);
    const t = await runTreasury({}, "insights", "--backtest", "--from", "2024-01-01", "--to", "2024-03-31");
    expect(t.out).to.match(/^Insights 2024-01-01 → 2024-03-31 \(backtest of trend-dd\): \d+ decisions/);
  });

  it("insights --suggest: a config diff with walk-forward evidence on the data before --as-of only", async () => {
    const f = path.join(dir, "suggest.json");
    const r = await runTreasury({}, "insights", "--backtest", "--from", "2020-01-01", "--to", "2020-12-31", "--suggest", f, "--as-of", "2021-01-01", "--json");
    expect(r.err).to.equal("");
    expect(r.code).to.equal(0);
    const d = JSON.parse(fs.readFileSync(f, "utf8"));
    expect(d.kind).to.equal("treasury-config-diff");
    // 2020 has 366 days: the held-out year is the 365 days before --as-of, the selection everything earlier.
    expect(d.evidence.selection).to.deep.equal({ from: "2018-02-01", to: "2020-01-01" });
    expect(d.evidence.holdout).to.deep.equal({ from: "2020-01-02", to: "2020-12-31" });
    expect(d.evidence.current.strategy).to.equal("trend-dd");
    if (d.changes.length) expect(d.changes).to.deep.equal([{ path: "strategy", from: "trend-dd", to: d.evidence.picked.strategy }]);
    expect(JSON.parse(r.out).suggestion.why).to.equal(d.evidence.why);
    const early = await runTreasury({}, "insights", "--backtest", "--suggest", f, "--as-of", "2019-06-01");
    expect(early.code).to.equal(2);
    expect(early.err).to.match(/^error: --as-of 2019-06-01 leaves less than a year to select on before the held-out year; choose a day after .*\n$/);
  });

  it("insights refuses bad input in one line (exit 2)", async () => {
    const bad = await runTreasury({}, "insights", "--backtest", "--min-cases", "0");
    expect(bad.code).to.equal(2);
    expect(bad.err).to.equal("error: --min-cases 0 is not a positive integer; give e.g. 5\n");
    const swapped = await runTreasury({}, "insights", "--backtest", "--from", "2024-05-01", "--to", "2024-04-01");
    expect(swapped.err).to.equal("error: --from 2024-05-01 is after --to 2024-04-01; swap them\n");
    const chain = await runTreasury({ RPC_URL: "http://127.0.0.1:1", INDEXER_URL: "", AGENT_CONFIG: "", AGENT_DATA_DIR: dir }, "insights");
    expect(chain.code).to.equal(2);
    expect(chain.err).to.match(/^error: the chain's decisions are judged by the indexer: set INDEXER_URL .*\n$/);
  });

  async function configEvents(dataDir: string) {
    const j = await Journal.open({ dataDir });
    try {
      return await j.events("config");
    } finally {
      await j.close();
    }
  }

  it("config apply: a diff is validated, journaled (who, when, what) and written", async () => {
    const cfg = path.join(dir, "agent.json");
    fs.writeFileSync(cfg, JSON.stringify({ strategy: "trend-dd", dataDir: path.join(dir, "data") }, null, 2));
    const diff = path.join(dir, "diff.json");
    fs.writeFileSync(diff, JSON.stringify({ kind: "treasury-config-diff", asOf: "2025-07-01", changes: [{ path: "strategy", from: "trend-dd", to: "trend-vol" }], evidence: {} }));
    const r = await runTreasury({ RPC_URL: "http://127.0.0.1:1", AGENT_CONFIG: "" }, "config", "apply", diff, "--config", cfg, "--by", "alice", "--json");
    expect(r.err).to.equal("");
    expect(r.code).to.equal(0);
    expect(JSON.parse(r.out)).to.include({ by: "alice", target: cfg });
    expect(JSON.parse(fs.readFileSync(cfg, "utf8"))).to.deep.equal({ strategy: "trend-vol", dataDir: path.join(dir, "data") });
    const ev = await configEvents(path.join(dir, "data"));
    expect(ev.length).to.equal(1);
    expect(ev[0].kind).to.equal("config.apply");
    expect(ev[0].detail).to.deep.include({ by: "alice", changes: [{ path: "strategy", from: "trend-dd", to: "trend-vol" }] });
    expect(fs.readdirSync(dir).filter((f) => f.endsWith(".new"))).to.deep.equal([]);
  });

  it("config apply refuses an invalid config or a stale diff in one line, and loses nothing", async () => {
    const cfg = path.join(dir, "agent.json");
    const before = JSON.stringify({ strategy: "trend-dd", dataDir: path.join(dir, "data") }, null, 2);
    fs.writeFileSync(cfg, before);
    const bad = path.join(dir, "bad.json");
    fs.writeFileSync(bad, JSON.stringify({ strategy: "trend-dd", dataDir: path.join(dir, "data"), slippageBps: 5000 }));
    const r = await runTreasury({ RPC_URL: "http://127.0.0.1:1", AGENT_CONFIG: "" }, "config", "apply", bad, "--config", cfg);
    expect(r.code).to.equal(2);
    expect(r.err).to.match(/^error: refused, .*agent\.json unchanged: config slippageBps .*: .*\n$/);
    expect(r.err.trim().split("\n").length).to.equal(1);
    const stale = path.join(dir, "stale.json");
    fs.writeFileSync(stale, JSON.stringify({ kind: "treasury-config-diff", changes: [{ path: "strategy", from: "seed", to: "trend" }] }));
    const s = await runTreasury({ RPC_URL: "http://127.0.0.1:1", AGENT_CONFIG: "" }, "config", "apply", stale, "--config", cfg);
    expect(s.code).to.equal(2);
    expect(s.err).to.match(/^error: change file .*: strategy is "trend-dd" in .*, not "seed" as the diff expects; make the suggestion again\n$/);
    const none = await runTreasury({ AGENT_CONFIG: "" }, "config", "apply", bad);
    expect(none.err).to.equal("error: no config file to change: pass --config FILE or set AGENT_CONFIG\n");
    expect(fs.readFileSync(cfg, "utf8")).to.equal(before);
    expect(fs.readdirSync(dir).sort()).to.deep.equal(["agent.json", "bad.json", "stale.json"]);
  });
});
