// The reviewer's feedback context: what past outcomes say about the patterns of the decision under
// review, first, then the overall record, then the other patterns with a verdict, cut to a token
// budget (estimated at 4 characters a token, the usual rule of thumb for English text).
import { formatGroup, patternsOf, type Insights, type Outcome } from "../../../lib/analytics/insights";

export const DEFAULT_TOKEN_BUDGET = 600;
const tokens = (s: string) => Math.ceil(s.length / 4);

export interface LearningContext {
  minCases: number;
  tokenBudget: number;
  lines: string[];
}

export function reviewerContext(ins: Insights, d: Pick<Outcome, "triggers" | "phase" | "mode" | "play">, tokenBudget = DEFAULT_TOKEN_BUDGET): LearningContext {
  const mine = new Set(patternsOf(d));
  const label = (g: Insights["groups"][number]) => `${g.by} ${g.key}`;
  const relevant = ins.groups.filter((g) => mine.has(label(g)));
  const others = ins.groups.filter((g) => !mine.has(label(g)) && (g.verdict === "hurt" || g.verdict === "helped"));
  // Losing patterns first among the others: they are what a reviewer must not repeat.
  others.sort((a, b) => (a.verdict === b.verdict ? b.scored - a.scored : a.verdict === "hurt" ? -1 : 1));
  const pct = (x: number | null) => (x === null ? "—" : `${(x * 100).toFixed(0)}%`);
  const candidates = [
    ...relevant.map((g) => `this decision's ${formatGroup(g)}`),
    `overall ${ins.from ?? "?"} → ${ins.to ?? "?"}: ${ins.decisions} decisions, judged ${ins.scored}, win rate ${pct(ins.winRate)}, quality ${ins.qualityScore === null ? "—" : ins.qualityScore.toFixed(0)}`,
    ...others.map(formatGroup),
  ];
  const lines: string[] = [];
  let used = 0;
  for (const l of candidates) {
    const t = tokens(l) + 1;
    if (used + t > tokenBudget) break;
    lines.push(l);
    used += t;
  }
  return { minCases: ins.minCases, tokenBudget, lines };
}
