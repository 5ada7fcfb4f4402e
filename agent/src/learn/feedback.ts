// Feedback in the backtest: a strategy wrapped so that it refuses a trade matching a pattern (trigger
// kind, phase, mode, play) whose past outcomes lost, with at least MIN_CASES judged cases. What it
// learns from is only what was known on the day: the outcomes of its own earlier proposals, judged on
// the view's series (closes up to the day before), plus optional outcomes from before the window.
// A trade triggered by a cap breach is never refused (the chain's limits come first).
import type { Config } from "../strategy/config";
import type { Decision, Strategy, StrategyInput, StrategyOutput, Weights } from "../strategy/types";
import { insights, MIN_CASES, patternsOf, type Outcome } from "../../../lib/analytics/insights";
import { outcomeOf } from "./outcomes";
import { SCORE_HORIZON } from "../../../lib/analytics/decisions";
import { isoOf } from "../market/calendar";

export interface Proposal {
  day: number;
  decision: Decision;
  current: Weights;
}

export interface FeedbackLog {
  /** Every rebalance proposed (refused or not), with the weights held before it. */
  proposals: Proposal[];
  refused: { date: string; patterns: string[] }[];
}

const isCapBreach = (d: Decision) => d.triggers.some((t) => t.startsWith("cap breach"));

/** Outcomes of `proposals` judged on `series` (what is not known yet stays null). */
export function judgeProposals(view: StrategyInput["view"], proposals: Proposal[], c: Config): Outcome[] {
  return proposals.map((p) => outcomeOf(view.series, view.startDay, p.day, p.decision, p.current, c));
}

/** The patterns of `d` the known outcomes call losing (verdict "hurt", n >= minCases). */
export function losingPatterns(d: Decision, known: Outcome[], minCases = MIN_CASES): string[] {
  const judged = known.filter((o) => o.excess[`${SCORE_HORIZON}d`] !== null);
  const hurt = new Set(insights(judged, { minCases }).hurt);
  return patternsOf({ triggers: d.triggers, phase: d.phase, mode: d.mode, play: d.leverage && d.leverage.borrow > 0 ? d.leverage.play : null }).filter((k) => hurt.has(k));
}

/**
 * `lookbackDays`: learn only from decisions made within that many days before the day (a regime
 * changes; default: everything known).
 */
export function withFeedback(inner: Strategy, c: Config, o: { prior?: Outcome[]; minCases?: number; lookbackDays?: number; log?: FeedbackLog } = {}): Strategy {
  const log = o.log ?? { proposals: [], refused: [] };
  return {
    name: `${inner.name}+feedback`,
    description: `${inner.description}; refuses trades matching a pattern that lost in >= ${o.minCases ?? MIN_CASES} earlier cases`,
    benchmark: inner.benchmark,
    needs: inner.needs,
    decide(input: StrategyInput): StrategyOutput {
      const out = inner.decide(input);
      const d = out.decision;
      if (!d.rebalance || d.hold) return out;
      // Judged on today's view only: its series end the day before (no look-ahead).
      const since = o.lookbackDays === undefined ? "" : isoOf(input.view.day - o.lookbackDays);
      const known = [...(o.prior ?? []), ...judgeProposals(input.view, log.proposals, c)].filter((x) => x.date >= since);
      log.proposals.push({ day: input.view.day, decision: d, current: { ...input.current } });
      if (isCapBreach(d)) return out;
      const losing = losingPatterns(d, known, o.minCases);
      if (!losing.length) return out;
      log.refused.push({ date: d.date, patterns: losing });
      const refused: Decision = {
        ...d,
        targets: { ...input.current },
        rebalance: false,
        leverage: d.leverage ? { ...d.leverage, borrow: 0 } : undefined,
        reasons: [...d.reasons, { indicator: "learning", value: null, says: `refused by feedback: ${losing.join(", ")} lost in earlier cases` }],
      };
      return { decision: refused, state: out.state };
    },
  };
}

/** Records every rebalance proposal (with the weights before it) without changing anything. */
export function recording(inner: Strategy, log: FeedbackLog): Strategy {
  return {
    ...inner,
    decide(input) {
      const out = inner.decide(input);
      if (out.decision.rebalance && !out.decision.hold) log.proposals.push({ day: input.view.day, decision: out.decision, current: { ...input.current } });
      return out;
    },
  };
}
