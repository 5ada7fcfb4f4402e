// Whole-system benchmark (a benchmark, not a test): `npm run bench:system` replays one simulated year
// headless (world day, agent cycle, owners, indexer; scripts/replay) and writes bench/system.json:
//   {days, seconds, daysPerSec, cycles, txs, perDay: {feeds, arbitrage, cycle, indexer}}
// perDay are milliseconds per simulated day: `feeds` the world's day (chain time, feeds and the
// pools' swaps in one block), `arbitrage` the check that each pool ended on its feed (and a second
// swap if not), `cycle` the agent's runCycle (+ the owners' signatures and execution on days with a
// proposal), `indexer` the wait for the indexer to catch up at the end, spread over the days.
// `seconds` is the replay alone; the setup (compile, anvil, world, services, indexer start) is apart.
//   BENCH_FROM / BENCH_TO (default 2024-07-01 → 2025-06-30)
import fs from "node:fs";
import path from "node:path";
import os from "node:os";
import { replayHeadless } from "../replay/headless";

const ROOT = path.resolve(__dirname, "..", "..");

async function main() {
  const from = process.env.BENCH_FROM ?? "2024-07-01";
  const to = process.env.BENCH_TO ?? "2025-06-30";
  const r = await replayHeadless({ from, to, reportsDir: path.join(ROOT, "reports", "bench-system"), log: (s) => (s.startsWith("[agent]") || s.startsWith("[owners]") ? undefined : console.log(s)) });
  if (!r.summary) throw new Error("the replay did not finish");
  const days = r.days.length;
  const per = (ms: number) => Math.round(ms / days);
  const out = {
    days,
    seconds: Math.round(r.summary.seconds * 10) / 10,
    daysPerSec: Math.round((days / r.summary.seconds) * 100) / 100,
    cycles: r.summary.journal.cycles,
    txs: r.txs,
    perDay: { feeds: per(r.timing.feeds), arbitrage: per(r.timing.arbitrage), cycle: per(r.timing.cycle + r.timing.owners), indexer: per(r.timing.indexer) },
    setupSeconds: Math.round(r.setupSeconds),
    machine: `${os.cpus().length} cores (${os.cpus()[0]?.model ?? "?"})`, loadAverage1m: Number(os.loadavg()[0].toFixed(2)),
  };
  fs.writeFileSync(path.join(ROOT, "bench", "system.json"), JSON.stringify(out, null, 2) + "\n");
  console.log(JSON.stringify(out, null, 2));
  if (r.failed) process.exitCode = 1;
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
