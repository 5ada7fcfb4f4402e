// The honest test of feedback (issue 19 §4): the strategy with its parameters fixed before 2024, run
// on 2024-01 → 2025-06 with and without the feedback (withFeedback: refuse a trade matching a pattern
// that lost in >= MIN_CASES earlier cases). The feedback starts from the outcomes of the same
// strategy's proposals over the in-sample years and learns on from its own proposals, each judged
// only once its 7-day window had closed before the day of the decision (no look-ahead).
import { dayOf } from "../market/calendar";
import type { MarketHistory } from "../market/types";
import { viewAt } from "../market/view";
import type { Config } from "../strategy/config";
import { strategyByName } from "../strategy/registry";
import { runStrategy } from "../backtest/engine";
import { toRow } from "../backtest/report";
import { IN_SAMPLE, OUT_OF_SAMPLE } from "../backtest/walkforward";
import { insights, MIN_CASES, type Insights } from "../../../lib/analytics/insights";
import { judgeProposals, recording, withFeedback, type FeedbackLog } from "./feedback";
import { UserError } from "../errors";

export interface ExperimentRow {
  name: string;
  cagr: number;
  sharpe: number | null;
  maxDrawdown: number;
  finalValue: number;
  trades: number;
  /** Trades the feedback refused. */
  refused: number;
  /** Over the trades made in the window, judged with the whole window's data. */
  winRate: number | null;
  qualityScore: number | null;
  judged: number;
}

export interface Experiment {
  strategy: string;
  inSample: { from: string; to: string };
  window: { from: string; to: string };
  minCases: number;
  priorCases: number;
  /** Without feedback, then with it learning from everything known, then from the last LOOKBACK_DAYS only. */
  rows: ExperimentRow[];
  refusedPatterns: Record<string, Record<string, number>>;
  /** Insights over the window's trades without feedback (what the year teaches). */
  insights: Insights;
  answer: string;
}

/** The second variant's memory: a year (fixed before any run of the experiment was seen). */
export const LOOKBACK_DAYS = 365;

export function feedbackExperiment(h: MarketHistory, c: Config, o: { strategy?: string; minCases?: number } = {}): Experiment {
  const name = o.strategy ?? "trend-dd";
  const s = strategyByName(name, c);
  if (!s) throw new UserError(`unknown strategy "${name}"`);
  const minCases = o.minCases ?? MIN_CASES;
  const from = dayOf(OUT_OF_SAMPLE.from);
  const to = dayOf(OUT_OF_SAMPLE.to);
  // What was known before 2024: the in-sample proposals judged on the closes up to 2023-12-31.
  const priorLog: FeedbackLog = { proposals: [], refused: [] };
  runStrategy(h, recording(s, priorLog), dayOf(IN_SAMPLE.from), dayOf(IN_SAMPLE.to), c);
  const prior = judgeProposals(viewAt(h, from), priorLog.proposals, c);
  const end = viewAt(h, to + 1);
  const row = (label: string, log: FeedbackLog, strategy: typeof s): ExperimentRow => {
    const r = runStrategy(h, strategy, from, to, c);
    const m = toRow(r, null, c, false);
    const refusedDates = new Set(log.refused.map((x) => x.date));
    const made = log.proposals.filter((p) => !refusedDates.has(p.decision.date));
    const ins = insights(judgeProposals(end, made, c), { minCases });
    return { name: label, cagr: m.cagr, sharpe: m.sharpe, maxDrawdown: m.maxDrawdown, finalValue: m.finalValue, trades: r.trades, refused: log.refused.length, winRate: ins.winRate, qualityScore: ins.qualityScore, judged: ins.scored };
  };
  const plainLog: FeedbackLog = { proposals: [], refused: [] };
  const plain = row(name, plainLog, recording(s, plainLog));
  const refusedPatterns: Record<string, Record<string, number>> = {};
  const variants = [
    { label: `${name}+feedback (all history)`, lookbackDays: undefined },
    { label: `${name}+feedback (last ${LOOKBACK_DAYS} days)`, lookbackDays: LOOKBACK_DAYS },
  ].map((v) => {
    const log: FeedbackLog = { proposals: [], refused: [] };
    const r = row(v.label, log, withFeedback(s, c, { prior, minCases, lookbackDays: v.lookbackDays, log }));
    const counts: Record<string, number> = {};
    for (const x of log.refused) for (const p of x.patterns) counts[p] = (counts[p] ?? 0) + 1;
    refusedPatterns[v.label] = counts;
    return r;
  });
  const verdict = (fb: ExperimentRow) => {
    if (fb.refused === 0) return `${fb.name}: no, it refused no trade (no pattern lost in >= ${minCases} earlier cases), so it changed nothing`;
    const sharpeUp = (fb.sharpe ?? 0) > (plain.sharpe ?? 0);
    const valueUp = fb.finalValue > plain.finalValue;
    if (sharpeUp && valueUp) return `${fb.name}: yes, Sharpe and final value both higher (${fb.refused} trades refused)`;
    if (!sharpeUp && !valueUp) return `${fb.name}: no, Sharpe and final value both lower (${fb.refused} trades refused)`;
    return `${fb.name}: mixed, ${sharpeUp ? "Sharpe higher, final value lower" : "final value higher, Sharpe lower"} (${fb.refused} trades refused)`;
  };
  const answer = variants.map(verdict).join("; ");
  return {
    strategy: name,
    inSample: { ...IN_SAMPLE },
    window: { ...OUT_OF_SAMPLE },
    minCases,
    priorCases: prior.length,
    rows: [plain, ...variants],
    refusedPatterns,
    insights: insights(judgeProposals(end, plainLog.proposals, c), { minCases }),
    answer,
  };
}

export function formatExperiment(e: Experiment): string {
  const pct = (x: number | null) => (x === null ? "—" : `${(x * 100).toFixed(1)}%`);
  const lines = [
    `feedback experiment: ${e.strategy}, parameters fixed on ${e.inSample.from} → ${e.inSample.to}, run ${e.window.from} → ${e.window.to}; MIN_CASES ${e.minCases}; ${e.priorCases} in-sample proposals known at the start`,
    `| run | CAGR | Sharpe | max DD | final value | trades | refused | win rate (7d) | quality score | judged |`,
    `|---|---|---|---|---|---|---|---|---|---|`,
  ];
  for (const r of e.rows)
    lines.push(`| ${r.name} | ${pct(r.cagr)} | ${r.sharpe === null ? "—" : r.sharpe.toFixed(2)} | ${pct(r.maxDrawdown)} | $${Math.round(r.finalValue).toLocaleString("en-US")} | ${r.trades} | ${r.refused} | ${pct(r.winRate)} | ${r.qualityScore === null ? "—" : r.qualityScore.toFixed(1)} | ${r.judged} |`);
  for (const [run, counts] of Object.entries(e.refusedPatterns)) lines.push(`refused by ${run}: ${Object.entries(counts).map(([k, v]) => `${k} ×${v}`).join(", ") || "none"}`);
  lines.push(`answer: ${e.answer}`);
  return lines.join("\n");
}
