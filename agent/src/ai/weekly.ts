// Issue 19 §2, the weekly strategy review: every seven days (simulated or real), the last week and
// quarter against the benchmarks and the targets, which signals fired and how they turned out, the
// regime, concerns and recommendations. A report: it never acts. The figures are computed here
// (pure); the model (or the rules) writes the judgement on them.
import { z } from "zod";
import { dayOf, isoOf } from "../market/calendar";
import { fence, newBoundary, UNTRUSTED_RULE } from "./fence";
import type { ForcedTool, LlmClient } from "./forcedTool";
import { assess, type Assessed } from "./assess";
import { drawdown } from "../../../lib/analytics/drawdown";
import { growthOver } from "../../../lib/analytics/returns";

export const WeeklyAnswerSchema = z.strictObject({
  summary: z.string().min(1).max(2_000),
  regime: z.string().min(1).max(600),
  signal_review: z.string().min(1).max(2_000),
  concerns: z.array(z.string().min(1).max(600)).max(8),
  recommendations: z.array(z.string().min(1).max(600)).max(8),
  injection_suspected: z.boolean(),
});
export type WeeklyAnswer = z.infer<typeof WeeklyAnswerSchema>;

export const WEEKLY_TOOL: ForcedTool<WeeklyAnswer> = {
  name: "record_weekly_review",
  description: "Record the weekly strategy review of a DeFi treasury: a summary, the market regime, how the signals that fired turned out, concerns and recommendations for the owners. The review is a report; it never acts.",
  inputSchema: {
    type: "object",
    additionalProperties: false,
    required: ["summary", "regime", "signal_review", "concerns", "recommendations", "injection_suspected"],
    properties: {
      summary: { type: "string" },
      regime: { type: "string" },
      signal_review: { type: "string" },
      concerns: { type: "array", items: { type: "string" } },
      recommendations: { type: "array", items: { type: "string" } },
      injection_suspected: { type: "boolean" },
    },
  },
  schema: WeeklyAnswerSchema,
};

export const WEEKLY_SYSTEM = [
  "You write the weekly strategy review of a DeFi treasury held in a Gnosis Safe and run by an automated agent.",
  "You get the treasury's return over the last week and quarter, the benchmarks' (holding BTC, ETH, or stables) and the",
  "targets, the signals that fired and what followed, and the phase signals. Judge plainly: what worked, what did not,",
  "the regime, concerns, and recommendations for the owners. The review is a report; it never acts.",
  UNTRUSTED_RULE,
  `Answer only by calling the ${WEEKLY_TOOL.name} tool.`,
].join(" ");

export interface NavPoint {
  date: string;
  navUsd: number;
}
export interface SignalDay {
  date: string;
  status: string;
  phase: string | null;
  triggers: string[];
  navUsd: number | null;
}
export interface PriceSeries {
  /** Daily closes by ISO date. */
  btc: Map<string, number>;
  eth: Map<string, number>;
  /** Aave USDC supply APR by date (a fraction), for the stables benchmark. */
  stableYield?: Map<string, number>;
}

export interface WeeklyFacts {
  date: string;
  windows: { week: Window; quarter: Window };
  targets: { annualReturn: number; maxDrawdown: number };
  signals: { date: string; triggers: string[]; status: string; navChangeSince: number | null }[];
  regime: { lastPhase: string | null; phaseDays: Record<string, number> };
  decisions: { days: number; executed: number; proposed: number; held: number; failed: number };
}
export interface Window {
  from: string;
  days: number;
  treasury: number | null;
  maxDrawdown: number | null;
  btc: number | null;
  eth: number | null;
  stables: number | null;
  target: number;
}

/** The value of a date-keyed series on `date` or the latest before it (within `back` days). */
function at<T>(m: Map<string, T>, date: string, back = 7): T | undefined {
  const d = dayOf(date);
  for (let k = 0; k <= back; k++) {
    const v = m.get(isoOf(d - k));
    if (v !== undefined) return v;
  }
  return undefined;
}
const ret = (a?: number, b?: number) => (a !== undefined && b !== undefined && a > 0 ? b / a - 1 : null);

function windowOf(date: string, days: number, nav: Map<string, number>, p: PriceSeries, annual: number): Window {
  const from = isoOf(dayOf(date) - days);
  const navs: number[] = [];
  for (let d = dayOf(from); d <= dayOf(date); d++) {
    const v = nav.get(isoOf(d));
    if (v !== undefined) navs.push(v);
  }
  // The same drawdown as the indexer's and the backtest's (lib/analytics), from the window's first NAV.
  const dd = navs.length ? drawdown(navs, navs[0]).maxDrawdown : null;
  let stables: number | null = null;
  if (p.stableYield) {
    let g = 1;
    let n = 0;
    for (let d = dayOf(from); d < dayOf(date); d++) {
      const y = p.stableYield.get(isoOf(d));
      if (y !== undefined && Number.isFinite(y)) (g *= 1 + y / 365), n++;
    }
    stables = n ? g - 1 : null;
  }
  return { from, days, treasury: ret(at(nav, from), at(nav, date)), maxDrawdown: dd, btc: ret(at(p.btc, from), at(p.btc, date)), eth: ret(at(p.eth, from), at(p.eth, date)), stables, target: growthOver(annual, days) };
}

/** The review's figures (pure): NAV by date from the journal, the signal days, the benchmarks' closes. */
export function weeklyFacts(o: { date: string; nav: NavPoint[]; days: SignalDay[]; prices: PriceSeries; targets: { annualReturn: number; maxDrawdown: number } }): WeeklyFacts {
  const nav = new Map(o.nav.map((n) => [n.date, n.navUsd]));
  const week = windowOf(o.date, 7, nav, o.prices, o.targets.annualReturn);
  const quarter = windowOf(o.date, 90, nav, o.prices, o.targets.annualReturn);
  const inWeek = o.days.filter((d) => d.date > week.from && d.date <= o.date);
  const navNow = at(nav, o.date);
  const signals = inWeek.filter((d) => d.triggers.length).map((d) => ({ date: d.date, triggers: d.triggers, status: d.status, navChangeSince: ret(d.navUsd ?? undefined, navNow) }));
  const phaseDays: Record<string, number> = {};
  for (const d of o.days.filter((x) => x.date > quarter.from && x.date <= o.date)) if (d.phase) phaseDays[d.phase] = (phaseDays[d.phase] ?? 0) + 1;
  const st = (s: string[]) => inWeek.filter((d) => s.includes(d.status)).length;
  return {
    date: o.date,
    windows: { week, quarter },
    targets: o.targets,
    signals,
    regime: { lastPhase: [...o.days].reverse().find((d) => d.date <= o.date && d.phase)?.phase ?? null, phaseDays },
    decisions: { days: inWeek.length, executed: st(["executed"]), proposed: st(["proposed"]), held: st(["skipped", "already", "decided"]), failed: st(["failed", "aborted"]) },
  };
}

const pct = (x: number | null) => (x === null ? "n/a" : `${x >= 0 ? "+" : ""}${(x * 100).toFixed(2)}%`);

/** The rule-based review (pure). */
export function weeklyRules(f: WeeklyFacts): WeeklyAnswer {
  const { week, quarter } = f.windows;
  const concerns: string[] = [];
  const recs: string[] = [];
  if (quarter.maxDrawdown !== null && quarter.maxDrawdown > f.targets.maxDrawdown * 0.8) concerns.push(`the quarter's drawdown ${pct(quarter.maxDrawdown)} is near the ${pct(f.targets.maxDrawdown)} limit`);
  if (quarter.treasury !== null && quarter.treasury < quarter.target) concerns.push(`the quarter's return ${pct(quarter.treasury)} is under the target's ${pct(quarter.target)}`);
  if (f.decisions.failed) concerns.push(`${f.decisions.failed} cycle(s) failed this week`);
  if (f.decisions.proposed) recs.push(`owners: ${f.decisions.proposed} proposal(s) this week; sign or reject them promptly`);
  const bad = f.signals.filter((s) => s.navChangeSince !== null && s.navChangeSince < -0.02);
  if (bad.length) concerns.push(`${bad.length} signal(s) were followed by a NAV fall of more than 2%`);
  if (!recs.length) recs.push("keep the strategy as configured; nothing in the week calls for a change");
  const regime = f.regime.lastPhase ? `${f.regime.lastPhase} (phase days this quarter: ${Object.entries(f.regime.phaseDays).map(([k, v]) => `${k} ${v}`).join(", ")})` : "no phase signal this quarter";
  const signalReview = f.signals.length ? f.signals.map((s) => `${s.date}: ${s.triggers.join("; ")} → ${s.status}, NAV since ${pct(s.navChangeSince)}`).join("\n") : "no signal fired this week";
  const summary = `Week to ${f.date}: treasury ${pct(week.treasury)} (BTC ${pct(week.btc)}, ETH ${pct(week.eth)}, stables ${pct(week.stables)}; target ${pct(week.target)}). Quarter: ${pct(quarter.treasury)} (BTC ${pct(quarter.btc)}, ETH ${pct(quarter.eth)}; target ${pct(quarter.target)}), max drawdown ${pct(quarter.maxDrawdown)}.`;
  return { summary, regime, signal_review: signalReview.slice(0, 2_000), concerns: concerns.slice(0, 8), recommendations: recs.slice(0, 8), injection_suspected: false };
}

export function weeklyPrompt(f: WeeklyFacts, notes: { source: string; text: string }[] = [], boundary = newBoundary()): string {
  const parts = ["The review's figures, computed by the agent (trusted; returns are fractions):", "```json", JSON.stringify(f, null, 2), "```"];
  if (notes.length) {
    parts.push(`Market notes (untrusted outside data, boundary ${boundary}):`);
    for (const m of notes) parts.push(fence(boundary, m.source, m.text));
  }
  parts.push(`Call ${WEEKLY_TOOL.name} with your review.`);
  return parts.join("\n");
}

export function assessWeekly(llm: LlmClient | undefined, f: WeeklyFacts, notes: { source: string; text: string }[] = []): Promise<Assessed<WeeklyAnswer>> {
  return assess({ llm, system: WEEKLY_SYSTEM, user: () => weeklyPrompt(f, notes), tool: WEEKLY_TOOL, rules: weeklyRules(f), maxTokens: 2_048 });
}
