import { expect } from "chai";
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { runTreasury } from "../helpers/treasuryCli";
import { DEFAULT_DATA_DIR } from "../../agent/src/market/replay";
import { DEFAULT_STRATEGY } from "../../agent/src/strategy/registry";

const cli = (...args: string[]) => runTreasury({}, ...args);

describe("agent CLI: treasury", () => {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "treasury-cli-"));
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it("--help lists every verb, and each verb has --help", async () => {
    const h = await cli("--help");
    expect(h.code).to.equal(0);
    for (const v of ["backtest", "signals", "walkforward"]) expect(h.out).to.contain(v);
    const b = await cli("backtest", "--help");
    expect(b.code).to.equal(0);
    for (const o of ["--from", "--to", "--strategy", "--data", "--json", "--equity"]) expect(b.out).to.contain(o);
    const s = await cli("signals", "--help");
    for (const o of ["--date", "--live", "--json"]) expect(s.out).to.contain(o);
  });

  it("backtest --json: one object, the chosen strategy first, every benchmark, fractions", async () => {
    const r = await cli("backtest", "--from", "2023-01-01", "--to", "2023-12-31", "--json");
    expect(r.code).to.equal(0);
    const j = JSON.parse(r.out);
    expect(j.from).to.equal("2023-01-01");
    expect(j.to).to.equal("2023-12-31");
    const names = j.results.map((x: { name: string }) => x.name);
    expect(names[0]).to.equal(DEFAULT_STRATEGY);
    for (const n of ["seed", "trend", "static-plan", "mix-60-40", "btc-hold", "static-6.5%"]) expect(names).to.include(n);
    const btc = j.results.find((x: { name: string }) => x.name === "btc-hold");
    // BTC: 16,547.50 at the 2022-12-31 close... bought at the 2023-01-01 close, 42,265.19 on 2023-12-31
    expect(btc.totalReturn).to.be.within(1.4, 1.6);
    for (const k of [
      "finalValue",
      "totalReturn",
      "cagr",
      "volatility",
      "sharpe",
      "sortino",
      "maxDrawdown",
      "calmar",
      "turnover",
      "feesUsd",
      "gasUsd",
      "trades",
      "winRate",
    ])
      expect(j.results[0]).to.have.property(k);
    const seed = await cli("backtest", "--from", "2023-01-01", "--to", "2023-03-31", "--json", "--strategy", "seed");
    expect(JSON.parse(seed.out).results[0].name).to.equal("seed");
  });

  it("backtest table and --equity CSV of every row", async () => {
    const file = path.join(tmp, "eq.csv");
    const r = await cli("backtest", "--from", "2024-01-01", "--to", "2024-01-31", "--equity", file);
    expect(r.code).to.equal(0);
    expect(r.out).to.contain("strategy").and.contain("btc-hold*").and.contain("maxDD");
    const lines = fs.readFileSync(file, "utf8").trim().split("\n");
    expect(lines.length).to.equal(32);
    expect(lines[0].split(",")[0]).to.equal("date");
    expect(lines[0]).to.contain("static-6.5%");
    expect(lines[1].startsWith("2024-01-01,")).to.equal(true);
    const dec = path.join(tmp, "decisions.jsonl");
    const d = await cli("backtest", "--from", "2024-01-01", "--to", "2024-01-31", "--strategy", "seed", "--decisions", dec);
    expect(d.code).to.equal(0);
    const records = fs
      .readFileSync(dec, "utf8")
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l));
    expect(records).to.have.length(31);
    expect(records[0]).to.include({ date: "2024-01-01", strategy: "seed", rebalance: true });
    expect(records[0]).to.have.keys(
      "date",
      "strategy",
      "targets",
      "rebalance",
      "hold",
      "phase",
      "mode",
      "risk",
      "triggers",
      "reasons",
      "issues",
    );
  });

  it("bad input: one-line error naming the fix, exit 2", async () => {
    const bad = fs.mkdtempSync(path.join(tmp, "bad-"));
    for (const f of fs.readdirSync(DEFAULT_DATA_DIR)) fs.copyFileSync(path.join(DEFAULT_DATA_DIR, f), path.join(bad, f));
    fs.appendFileSync(path.join(bad, "fear_greed_daily.csv"), "2025-07-01,abc,Fear\n");
    const cases: [string[], RegExp][] = [
      [["backtest", "--from", "2024-06-01", "--to", "2024-01-01"], /--from 2024-06-01 is after --to 2024-01-01; swap them/],
      [["backtest", "--from", "2024-02-30"], /not a calendar date/],
      [["backtest", "--to", "2030-01-01"], /the data covers .* choose --from\/--to between \d{4}-\d\d-\d\d and 2025-06-30/],
      // Past the data's end is not a swapped pair (the default --to is the data's last day).
      [["backtest", "--from", "2030-01-01"], /^error: --from 2030-01-01 is after the data's last day \(2025-06-30\); choose --from\/--to between \d{4}-\d\d-\d\d and 2025-06-30$/m],
      [["backtest", "--to", "2010-01-01"], /--to 2010-01-01 is before the data's first decision day/],
      [["backtest", "--data", path.join(tmp, "nope")], /does not exist; pass --data DIR/],
      [["backtest", "--data", bad], /fear_greed_daily\.csv:\d+: "abc" in column value is not a number/],
      [["backtest", "--strategy", "moon"], /unknown strategy "moon"; choose one of/],
      [["signals", "--date", "1999-01-01"], /no market data for 1999-01-01/],
      [["backtest", "--frm", "2024-01-01"], /unknown option/],
    ];
    for (const [args, re] of cases) {
      const r = await cli(...args);
      expect(r.code, args.join(" ") + r.err).to.equal(2);
      expect(r.err.trim().split("\n"), args.join(" ")).to.have.length(1);
      expect(r.err, args.join(" ")).to.match(re);
    }
  });

  it("signals --date --json: indicators, phase, mode, targets and reasons", async () => {
    const r = await cli("signals", "--date", "2021-11-10", "--strategy", "seed", "--json");
    expect(r.code).to.equal(0);
    const j = JSON.parse(r.out);
    expect(j.date).to.equal("2021-11-10");
    // Known value: CoinMetrics MVRV 2.721 on 2021-11-09 ... the view ends the day before
    expect(j.indicators.mvrv).to.be.within(2.5, 3.0);
    expect(j.decision.phase).to.equal("euphoria");
    expect(j.decision.mode).to.equal("tactical");
    expect(j.decision.reasons.length).to.be.greaterThan(3);
    const sum = Object.values(j.decision.targets as Record<string, number>).reduce((a, b) => a + b, 0);
    expect(sum).to.be.closeTo(1, 1e-9);
    const text = await cli("signals", "--date", "2022-06-19");
    expect(text.out).to.contain("Signals for 2022-06-19").and.contain("targets:");
  });

  it("`npx treasury` works from the repository root through the package bin", () => {
    const root = path.join(__dirname, "..", "..");
    const out = execFileSync("npx", ["--no-install", "treasury", "--help"], { cwd: root, encoding: "utf8" });
    expect(out).to.contain("backtest");
    const bad = spawnSync("npx", ["--no-install", "treasury", "backtest", "--from", "x"], { cwd: root, encoding: "utf8" });
    expect(bad.status).to.equal(2);
    expect(bad.stderr).to.contain('"x" is not a date');
  });
});
