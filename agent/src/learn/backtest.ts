// Outcomes of a backtest run's decisions: every rebalance the strategy made over [from, to], judged
// against holding still on all the data there is (windows that run past the data stay null).
import type { MarketHistory } from "../market/types";
import { viewAt } from "../market/view";
import type { Config } from "../strategy/config";
import type { Strategy } from "../strategy/types";
import { runStrategy } from "../backtest/engine";
import type { Outcome } from "../../../lib/analytics/insights";
import { judgeProposals, recording, type FeedbackLog } from "./feedback";

export function backtestOutcomes(h: MarketHistory, s: Strategy, fromDay: number, toDay: number, c: Config): Outcome[] {
  const log: FeedbackLog = { proposals: [], refused: [] };
  runStrategy(h, recording(s, log), fromDay, toDay, c);
  return judgeProposals(viewAt(h, h.startDay + h.length), log.proposals, c);
}
