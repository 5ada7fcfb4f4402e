// Walk-forward evidence: each family's parameters are picked on the in-sample window only
// (best Sharpe), then every strategy and benchmark is judged on the later window it never saw.
// Data after OUT_OF_SAMPLE.to is held back and never read here.
import { dayOf } from "../market/calendar";
import type { MarketHistory } from "../market/types";
import type { Config } from "../strategy/config";
import { RuleParams, ruleStrategy } from "../strategy/rules";
import { BENCHMARK_NAMES, RULES, strategyByName } from "../strategy/registry";
import type { Strategy } from "../strategy/types";
import { runStaticYield, runStrategy } from "./engine";
import { toRow } from "./report";
import { STATIC_APY } from "./run";

export const IN_SAMPLE = { from: "2018-02-01", to: "2023-12-31" } as const;
export const OUT_OF_SAMPLE = { from: "2024-01-01", to: "2025-06-30" } as const;
export const GOAL = { sharpe: 1.0, maxDrawdown: 0.2, cagr: 0.15 } as const;

const TREND = [50, 100, 150, 200];
const VOL = [0.1, 0.15, 0.2, 0.25];
const DD = [0.1, 0.15, 0.2, 0.3];

/** The parameter grid of each family (fixed in advance, small on purpose). */
export function grid(): Record<string, RuleParams[]> {
  return {
    trend: TREND.map((trendDays) => ({ trendDays })),
    voltarget: VOL.map((targetVol) => ({ targetVol, volDays: 30 })),
    ddstop: DD.map((ddStop) => ({ ddStop, ddLookback: 90 })),
    "trend-vol": TREND.flatMap((trendDays) => VOL.map((targetVol) => ({ trendDays, targetVol, volDays: 30 }))),
    "trend-dd": TREND.flatMap((trendDays) => DD.map((ddStop) => ({ trendDays, ddStop, ddLookback: 90 }))),
  };
}

export interface Score {
  cagr: number;
  sharpe: number | null;
  maxDrawdown: number;
  finalValue: number;
}

export interface WalkForwardRow {
  name: string;
  params: RuleParams | null;
  benchmark: boolean;
  inSample: Score;
  outOfSample: Score;
  meetsGoalInSample: boolean;
  meetsGoalOutOfSample: boolean;
}

export interface WalkForward {
  inSample: typeof IN_SAMPLE;
  outOfSample: typeof OUT_OF_SAMPLE;
  goal: typeof GOAL;
  tried: { family: string; params: RuleParams; inSample: Score }[];
  rows: WalkForwardRow[];
  chosen: string;
  why: string;
}

function score(h: MarketHistory, s: Strategy, w: { from: string; to: string }, c: Config): Score {
  const r = runStrategy(h, s, dayOf(w.from), dayOf(w.to), c);
  const m = toRow(r, null, c, s.benchmark);
  return { cagr: m.cagr, sharpe: m.sharpe, maxDrawdown: m.maxDrawdown, finalValue: m.finalValue };
}

export function meetsGoal(s: Score): boolean {
  return (s.sharpe ?? 0) > GOAL.sharpe && s.maxDrawdown <= GOAL.maxDrawdown && s.cagr >= GOAL.cagr;
}

/** Ranking fixed before looking at any result: meeting the whole goal first, then Sharpe. */
export function better(a: Score, b: Score): boolean {
  const ga = meetsGoal(a);
  const gb = meetsGoal(b);
  if (ga !== gb) return ga;
  return (a.sharpe ?? 0) > (b.sharpe ?? 0);
}

const sameParams = (a: RuleParams, b: RuleParams) => JSON.stringify(a) === JSON.stringify(b);

export function walkForward(h: MarketHistory, c: Config): WalkForward {
  const tried: WalkForward["tried"] = [];
  const rows: WalkForwardRow[] = [];
  const row = (name: string, params: RuleParams | null, s: Strategy, is?: Score): WalkForwardRow => {
    const inS = is ?? score(h, s, IN_SAMPLE, c);
    const oos = score(h, s, OUT_OF_SAMPLE, c);
    return {
      name,
      params,
      benchmark: s.benchmark,
      inSample: inS,
      outOfSample: oos,
      meetsGoalInSample: meetsGoal(inS),
      meetsGoalOutOfSample: meetsGoal(oos),
    };
  };
  rows.push(row("seed", null, strategyByName("seed", c)!));
  for (const [family, ps] of Object.entries(grid())) {
    let best: { params: RuleParams; s: Score } | null = null;
    for (const params of ps) {
      const s = score(h, ruleStrategy(family, c, params), IN_SAMPLE, c);
      tried.push({ family, params, inSample: s });
      // Picked on the in-sample window alone: no look at the later one.
      if (!best || better(s, best.s)) best = { params, s };
    }
    rows.push(row(family, best!.params, ruleStrategy(family, c, best!.params), best!.s));
  }
  for (const b of BENCHMARK_NAMES) rows.push(row(b, null, strategyByName(b, c)!));
  const fixed = (w: { from: string; to: string }): Score => {
    const r = runStaticYield(STATIC_APY, dayOf(w.from), dayOf(w.to), c);
    const m = toRow(r, null, c, true);
    return { cagr: m.cagr, sharpe: m.sharpe, maxDrawdown: m.maxDrawdown, finalValue: m.finalValue };
  };
  const sy = { is: fixed(IN_SAMPLE), oos: fixed(OUT_OF_SAMPLE) };
  rows.push({
    name: `static-${STATIC_APY * 100}%`,
    params: null,
    benchmark: true,
    inSample: sy.is,
    outOfSample: sy.oos,
    meetsGoalInSample: false,
    meetsGoalOutOfSample: false,
  });
  // The default: the same rule over the strategies (benchmarks excluded). The later window only reports.
  const chosen = rows.filter((r) => !r.benchmark).reduce((a, b) => (better(b.inSample, a.inSample) ? b : a));
  const why = `${chosen.name}: ${chosen.meetsGoalInSample ? "meets the goal in-sample with the best Sharpe" : "no strategy meets the goal in-sample; best Sharpe"} (in-sample CAGR ${(chosen.inSample.cagr * 100).toFixed(1)}%, Sharpe ${chosen.inSample.sharpe?.toFixed(2)}, max drawdown ${(chosen.inSample.maxDrawdown * 100).toFixed(1)}%)`;
  return { inSample: IN_SAMPLE, outOfSample: OUT_OF_SAMPLE, goal: GOAL, tried, rows, chosen: chosen.name, why };
}

/** True when the registry's parameters are the ones the walk-forward picked. */
export function registryMatches(wf: WalkForward): string[] {
  const off: string[] = [];
  for (const r of wf.rows)
    if (r.params && (!RULES[r.name] || !sameParams(RULES[r.name], r.params)))
      off.push(`${r.name}: registry ${JSON.stringify(RULES[r.name])} vs picked ${JSON.stringify(r.params)}`);
  return off;
}

export function formatWalkForward(wf: WalkForward): string {
  const f = (s: Score) =>
    `${(s.cagr * 100).toFixed(1).padStart(6)}% ${(s.sharpe === null ? "—" : s.sharpe.toFixed(2)).padStart(5)} ${(s.maxDrawdown * 100).toFixed(1).padStart(5)}%`;
  const lines = [
    `in-sample ${wf.inSample.from} → ${wf.inSample.to} | walk-forward ${wf.outOfSample.from} → ${wf.outOfSample.to}`,
    `${"strategy".padEnd(14)} ${"params".padEnd(44)} ${"IS CAGR  Sharpe  maxDD".padEnd(22)}   ${"WF CAGR  Sharpe  maxDD"}`,
  ];
  for (const r of wf.rows)
    lines.push(
      `${(r.name + (r.benchmark ? "*" : "")).padEnd(14)} ${(r.params ? JSON.stringify(r.params) : "").padEnd(44)} ${f(r.inSample)}   ${f(r.outOfSample)}${r.meetsGoalOutOfSample ? "  goal met (WF)" : ""}`,
    );
  lines.push(`goal: Sharpe > ${wf.goal.sharpe}, max drawdown ≤ ${wf.goal.maxDrawdown * 100}%, CAGR ≥ ${wf.goal.cagr * 100}%`);
  lines.push(`default by evidence: ${wf.why}`);
  return lines.join("\n");
}
