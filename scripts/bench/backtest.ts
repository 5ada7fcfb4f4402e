// Backtest speed benchmark (reports numbers, asserts nothing): the whole data set, 2018-02-01 →
// 2025-06-30, per strategy and for the full `treasury backtest` run (every strategy and benchmark).
// `npm run bench:backtest` prints a table and writes bench/backtest.json. Goal: < 0.5 s.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { performance } from "node:perf_hooks";
import { runStrategy } from "../../agent/src/backtest/engine";
import { runBacktest } from "../../agent/src/backtest/run";
import { dayOf } from "../../agent/src/market/calendar";
import { loadHistory } from "../../agent/src/market/replay";
import { defaultConfig } from "../../agent/src/strategy/config";
import { BENCHMARK_NAMES, DEFAULT_STRATEGY, STRATEGY_NAMES, strategyByName } from "../../agent/src/strategy/registry";

const FROM = "2018-02-01";
const TO = "2025-06-30";
const REPEAT = 7;
const GOAL_S = 0.5;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const ms = (x: number) => Math.round(x * 100) / 100;

function main() {
  const c = defaultConfig();
  let t = performance.now();
  const h = loadHistory();
  const loadMs = performance.now() - t;
  const days = dayOf(TO) - dayOf(FROM) + 1;
  const strategies = [];
  for (const name of [...STRATEGY_NAMES, ...BENCHMARK_NAMES]) {
    const runs: number[] = [];
    for (let k = 0; k < REPEAT; k++) {
      t = performance.now();
      runStrategy(h, strategyByName(name, c)!, dayOf(FROM), dayOf(TO), c);
      runs.push(performance.now() - t);
    }
    strategies.push({ name, firstRunMs: ms(runs[0]), medianMs: ms(median(runs.slice(1))), usPerDay: ms((median(runs.slice(1)) * 1000) / days) });
  }
  const full: number[] = [];
  for (let k = 0; k < 3; k++) {
    t = performance.now();
    runBacktest(h, { from: FROM, to: TO, strategy: DEFAULT_STRATEGY, config: c });
    full.push(performance.now() - t);
  }
  t = performance.now();
  execFileSync(process.execPath, [path.join(__dirname, "..", "..", "agent", "bin", "treasury.js"), "backtest", "--json"], { stdio: "ignore" });
  const cliMs = performance.now() - t;
  let commit = "unknown";
  try {
    commit = execFileSync("git", ["rev-parse", "HEAD"], { encoding: "utf8" }).trim();
  } catch {
    /* not a git checkout */
  }
  const out = {
    generatedAt: new Date().toISOString(),
    command: "npm run bench:backtest",
    gitCommit: commit,
    machine: { cpus: os.cpus().length, cpu: os.cpus()[0]?.model ?? "unknown", node: process.version, loadAvg1m: ms(os.loadavg()[0]) },
    window: { from: FROM, to: TO, days },
    goalSeconds: GOAL_S,
    dataLoadMs: ms(loadMs),
    strategies,
    fullBacktest: { what: "every strategy + benchmarks + metrics (treasury backtest, in process)", firstRunMs: ms(full[0]), medianMs: ms(median(full)) },
    cliProcessMs: { what: "`treasury backtest --json` as a fresh process (node start, ts-node transpile, data load, run)", ms: ms(cliMs) },
  };
  const file = path.join(__dirname, "..", "..", "bench", "backtest.json");
  fs.writeFileSync(file, JSON.stringify(out, null, 2) + "\n");
  console.log(`data load ${out.dataLoadMs} ms; ${days} days ${FROM} → ${TO}`);
  for (const s of strategies) console.log(`${s.name.padEnd(12)} first ${String(s.firstRunMs).padStart(8)} ms   median ${String(s.medianMs).padStart(7)} ms   ${s.usPerDay} µs/day`);
  console.log(`full backtest (all rows): first ${out.fullBacktest.firstRunMs} ms, median ${out.fullBacktest.medianMs} ms; CLI process ${out.cliProcessMs.ms} ms (goal per strategy < ${GOAL_S * 1000} ms)`);
  console.log(`wrote ${path.relative(process.cwd(), file)}`);
}

main();
