// When to trade to the target: the original plan's discipline, shared by every strategy.
import { weekday } from "../market/calendar";
import type { Config } from "./config";
import { CapLimits, capLimits, capViolations, fitCaps } from "./caps";
import { Decision, Position, POSITIONS, Reason, Weights } from "./types";
import type { Field, MarketView } from "../market/types";

export function maxDrift(a: Weights, b: Weights): { position: Position; drift: number } {
  let best: { position: Position; drift: number } = { position: "usdc", drift: 0 };
  for (const p of POSITIONS) {
    const d = Math.abs(a[p] - b[p]);
    if (d > best.drift) best = { position: p, drift: d };
  }
  return best;
}

/**
 * Fires when: a strategy signal asked for it (mode change, crossing), a position drifted more than
 * `driftPct` from its target, the weekly review found more than `minTradePct` to do, or prices pushed
 * the holdings over a cap.
 */
export function rebalanceTriggers(current: Weights, target: Weights, signals: string[], view: MarketView, c: Config): string[] {
  const t: string[] = [];
  const { position, drift } = maxDrift(current, target);
  if (drift <= 1e-9) return t;
  if (drift >= c.rebalance.minTradePct) for (const s of signals) t.push(s);
  if (drift > c.rebalance.driftPct)
    t.push(`drift: ${position} is ${(drift * 100).toFixed(1)} points from target (limit ${(c.rebalance.driftPct * 100).toFixed(0)})`);
  else if (weekday(view.day) === c.rebalance.reviewWeekday && drift >= c.rebalance.minTradePct)
    t.push(`weekly review: ${position} ${(drift * 100).toFixed(1)} points from target`);
  // Holdings are compared with the on-chain caps themselves: the margin only keeps targets clear of them.
  const broken = capViolations(current, capLimits(c, false), 1e-6).filter((v) => !v.startsWith("weights sum"));
  if (broken.length) t.push(`cap breach by price moves: ${broken.join("; ")}`);
  return t;
}

/** Problems (not notes) on the fields a strategy needs: any of them means hold. */
export function blockingIssues(view: MarketView, needs: readonly Field[]) {
  return view.issues.filter((i) => !i.info && (needs as readonly string[]).includes(i.field));
}

/** A decision that does not trade because data was missing or rejected. */
export function holdDecision(
  name: string,
  view: MarketView,
  current: Weights,
  lim: CapLimits,
  blocking: MarketView["issues"],
  reasons: Reason[] = [],
): Decision {
  return {
    date: view.date,
    strategy: name,
    targets: fitCaps(current, lim),
    rebalance: false,
    hold: true,
    triggers: [],
    reasons: [...reasons, ...blocking.map((i) => ({ indicator: i.field, value: null, says: `hold: ${i.reason}` }))],
    issues: view.issues,
  };
}
