// A whole backtest: the chosen strategy first, then every other named strategy, then the benchmarks.
import { UserError } from "../errors";
import { dayOf, isoOf } from "../market/calendar";
import { firstDecisionDay, lastDecisionDay } from "../market/replay";
import type { MarketHistory } from "../market/types";
import type { Config } from "../strategy/config";
import type { Position } from "../strategy/types";
import { BENCHMARK_NAMES, STRATEGY_NAMES, strategyByName } from "../strategy/registry";
import { RunResult, runStaticYield, runStrategy } from "./engine";
import { ResultRow, toRow } from "./report";

export const STATIC_APY = 0.065;

export interface BacktestOptions {
  from: string;
  to: string;
  strategy: string;
  config: Config;
  /** Strategies to run besides the chosen one (default: every named strategy). */
  others?: string[];
  /** Keep the chosen strategy's daily decision records (runs[0].decisions). */
  keepDecisions?: boolean;
  /** Holdings before the first day (USD per position; default config.capitalUsd in USDC). */
  initialUsd?: Partial<Record<Position, number>>;
}

export interface BacktestOutput {
  from: string;
  to: string;
  strategy: string;
  results: ResultRow[];
  runs: RunResult[];
}

/** Checks a window against the data: one-line errors naming the fix. */
export function checkWindow(h: MarketHistory, from: string, to: string): { fromDay: number; toDay: number } {
  const fromDay = dayOf(from);
  const toDay = dayOf(to);
  // The first decision needs a close before it; the last fill needs that day's close.
  const first = firstDecisionDay(h);
  const last = lastDecisionDay(h) - 1;
  const range = `choose --from/--to between ${isoOf(first)} and ${isoOf(last)}`;
  // Each bound against the data first: a --from past the data's end is not a swapped pair.
  if (fromDay > last) throw new UserError(`--from ${from} is after the data's last day (${isoOf(last)}); ${range}`);
  if (toDay < first) throw new UserError(`--to ${to} is before the data's first decision day (${isoOf(first)}); ${range}`);
  if (fromDay > toDay) throw new UserError(`--from ${from} is after --to ${to}; swap them`);
  if (fromDay < first || toDay > last) throw new UserError(`the data covers ${isoOf(first)} → ${isoOf(last)}; ${range} (got ${from} → ${to})`);
  return { fromDay, toDay };
}

export function runBacktest(h: MarketHistory, o: BacktestOptions): BacktestOutput {
  const { fromDay, toDay } = checkWindow(h, o.from, o.to);
  const all = [...STRATEGY_NAMES, ...BENCHMARK_NAMES];
  if (!all.includes(o.strategy)) throw new UserError(`unknown strategy "${o.strategy}"; choose one of ${all.join(", ")}`);
  const names = [o.strategy, ...(o.others ?? all).filter((n) => n !== o.strategy)];
  const runs: RunResult[] = [];
  const results: ResultRow[] = [];
  for (const name of names) {
    const s = strategyByName(name, o.config)!;
    const r = runStrategy(h, s, fromDay, toDay, o.config, { keepDecisions: o.keepDecisions && name === o.strategy, initialUsd: o.initialUsd });
    runs.push(r);
    results.push(toRow(r, h, o.config, s.benchmark));
  }
  const y = runStaticYield(STATIC_APY, fromDay, toDay, o.config);
  runs.push(y);
  results.push(toRow(y, null, o.config, true));
  return { from: o.from, to: o.to, strategy: o.strategy, results, runs };
}
