// The reviewer's feedback on the chain: the journal's executed decisions as the indexer judged them,
// grouped (lib/analytics/insights.ts), cut to what concerns the decision under review within the
// token budget. Without an indexer, or when it cannot be read, the review goes ahead without it (the
// learning edge never blocks a cycle) and the reason is returned for the log.
import type { Journal } from "../journal";
import type { Decision } from "../strategy/types";
import { insights, MIN_CASES } from "../../../lib/analytics/insights";
import { reviewerContext, DEFAULT_TOKEN_BUDGET, type LearningContext } from "./context";
import { decisionsFromJournal } from "./chain";
import { fetchJudged, joinOutcomes } from "./journal";

export async function learningFor(
  o: { journal: Journal; indexerUrl?: string; fetchFn?: typeof fetch; tokenBudget?: number },
  d: Pick<Decision, "triggers" | "phase" | "mode" | "leverage">,
): Promise<{ learning?: LearningContext; why?: string }> {
  if (!o.indexerUrl) return { why: "no INDEXER_URL: the reviewer gets no past outcomes" };
  try {
    const outcomes = joinOutcomes(await decisionsFromJournal(o.journal), await fetchJudged(o.indexerUrl, o.fetchFn));
    const ctx = reviewerContext(insights(outcomes, { minCases: MIN_CASES }), { triggers: d.triggers, phase: d.phase, mode: d.mode, play: d.leverage && d.leverage.borrow > 0 ? d.leverage.play : null }, o.tokenBudget ?? DEFAULT_TOKEN_BUDGET);
    return ctx.lines.length ? { learning: ctx } : { why: "no past outcomes fit the token budget" };
  } catch (e) {
    return { why: `past outcomes unavailable: ${(e as Error).message}` };
  }
}
