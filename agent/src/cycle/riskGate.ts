// Risk on top of the chain's rules (step 4's last part, pure): the one-day 95% historical VaR of the
// portfolio after the plan, from the replayed closes, and a drawdown stop on the treasury's NAV as
// journaled cycle after cycle. Above either limit, or when the VaR cannot be computed, only a plan
// that lowers risk goes ahead: when in doubt the agent does nothing that adds risk.
import { drawdownStop, historicalVar } from "../risk/var";
import type { Position, Weights } from "../strategy/types";

export interface RiskOnTop {
  ok: boolean;
  /** Fraction of NAV; null when it could not be computed (too little history). */
  var1d: number | null;
  maxVar1d: number;
  drawdown: number;
  maxDrawdown: number;
  /** NAV points the drawdown was measured over (one per journaled day plus now). */
  navPoints: number;
  reason: string;
}

export function riskOnTop(o: {
  weightsAfter: Weights;
  closes: Partial<Record<Position, (number | null)[]>>;
  navHistory: number[];
  riskReducing: boolean;
  maxVar1d: number;
  maxDrawdown: number;
  lookbackDays: number;
}): RiskOnTop {
  let var1d: number | null = null;
  let varError = "";
  try {
    var1d = historicalVar(o.weightsAfter, o.closes, 0.95, o.lookbackDays);
  } catch (e) {
    varError = (e as Error).message;
  }
  const dd = drawdownStop(o.navHistory, o.maxDrawdown);
  const base = { var1d, maxVar1d: o.maxVar1d, drawdown: dd.drawdown, maxDrawdown: o.maxDrawdown, navPoints: o.navHistory.length };
  const pct = (x: number) => `${(x * 100).toFixed(2)}%`;
  const problems: string[] = [];
  if (dd.stop) problems.push(`drawdown stop: NAV is ${pct(dd.drawdown)} under its peak (limit ${pct(o.maxDrawdown)})`);
  if (var1d === null) problems.push(`VaR unavailable (${varError})`);
  else if (var1d > o.maxVar1d) problems.push(`one-day 95% VaR after the plan is ${pct(var1d)} of NAV (limit ${pct(o.maxVar1d)})`);
  if (!problems.length) return { ...base, ok: true, reason: `VaR ${pct(var1d!)} ≤ ${pct(o.maxVar1d)}, drawdown ${pct(dd.drawdown)} < ${pct(o.maxDrawdown)}` };
  if (o.riskReducing) return { ...base, ok: true, reason: `${problems.join("; ")}: the plan only lowers risk, so it may go ahead` };
  return { ...base, ok: false, reason: `${problems.join("; ")}: only risk-reducing plans may go ahead` };
}
