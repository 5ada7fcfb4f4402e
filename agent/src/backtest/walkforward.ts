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

export function score(h: MarketHistory, s: Strategy, w: { from: string; to: string }, c: Config): Score {
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

export interface Selection {
  tried: WalkForward["tried"];
  /** Each family's in-sample pick (seed is taken as it is: the plan's numbers are not tuned). */
  picks: { name: string; params: RuleParams | null; strategy: Strategy; inSample: Score }[];
  chosen: { name: string; params: RuleParams | null; strategy: Strategy; inSample: Score };
}

/** The whole selection on one in-sample window: each family's parameters, then the default. */
export function select(h: MarketHistory, c: Config, window: { from: string; to: string }): Selection {
  const tried: WalkForward["tried"] = [];
  const seed = strategyByName("seed", c)!;
  const picks: Selection["picks"] = [{ name: "seed", params: null, strategy: seed, inSample: score(h, seed, window, c) }];
  for (const [family, ps] of Object.entries(grid())) {
    let best: { params: RuleParams; s: Score } | null = null;
    for (const params of ps) {
      const s = score(h, ruleStrategy(family, c, params), window, c);
      tried.push({ family, params, inSample: s });
      // Picked on the in-sample window alone: no look at the later one.
      if (!best || better(s, best.s)) best = { params, s };
    }
    picks.push({ name: family, params: best!.params, strategy: ruleStrategy(family, c, best!.params), inSample: best!.s });
  }
  const chosen = picks.reduce((a, b) => (better(b.inSample, a.inSample) ? b : a));
  return { tried, picks, chosen };
}

export function walkForward(h: MarketHistory, c: Config): WalkForward {
  const sel = select(h, c, IN_SAMPLE);
  const tried = sel.tried;
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
  for (const p of sel.picks) rows.push(row(p.name, p.params, p.strategy, p.inSample));
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
  const chosen = rows.find((r) => r.name === sel.chosen.name)!;
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
