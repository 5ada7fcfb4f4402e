// Alternatives to `seed`, same interface: a trend filter, volatility targeting, a drawdown stop and
// their combinations. Each sets the volatile share (at most the cap); the rest is the same
// yield allocation as seed.
import type { Config } from "./config";
import { allocate } from "./allocation";
import { capLimits } from "./caps";
import { drawdown, latest, realisedVol, sma } from "./indicators";
import { blockingIssues, holdDecision, rebalanceTriggers } from "./rebalance";
import { Reason, Strategy, StrategyInput, StrategyOutput } from "./types";
import type { Field } from "../market/types";

export interface RuleParams {
  /** Trend filter: hold an asset only while its close is above its n-day average. */
  trendDays?: number;
  /** Volatility targeting: volatile share = targetVol / realised vol of the sleeve (capped). */
  targetVol?: number;
  volDays?: number;
  /** Drawdown stop: out when BTC is more than ddStop below its `ddLookback`-day high, back in when within ddStop/2. */
  ddStop?: number;
  ddLookback?: number;
}

const NEEDS: readonly Field[] = ["btc", "eth"];

interface RuleState {
  stopped?: boolean;
  volatile?: number;
}

export function describeRule(p: RuleParams): string {
  const parts: string[] = [];
  if (p.trendDays) parts.push(`each asset only above its ${p.trendDays}-day average`);
  if (p.targetVol) parts.push(`volatile share = ${p.targetVol * 100}% / ${p.volDays ?? 30}-day volatility`);
  if (p.ddStop)
    parts.push(`out below −${p.ddStop * 100}% from the ${p.ddLookback ?? 90}-day high, back within −${(p.ddStop * 50).toFixed(1)}%`);
  return parts.join("; ") || "volatile at the cap";
}

export function ruleStrategy(name: string, c: Config, p: RuleParams): Strategy {
  const lim = capLimits(c);
  return {
    name,
    description: describeRule(p),
    benchmark: false,
    needs: NEEDS,
    decide({ view, current, state }: StrategyInput): StrategyOutput {
      const prev = (state ?? {}) as RuleState;
      const blocking = blockingIssues(view, NEEDS);
      if (blocking.length) return { decision: holdDecision(name, view, current, lim, blocking), state: prev };
      const s = view.series;
      const reasons: Reason[] = [];
      const cap = lim.volatile;
      let btcIn = 1;
      let ethIn = 1;
      if (p.trendDays) {
        for (const a of ["btc", "eth"] as const) {
          const close = latest(s[a])!.value;
          const avg = sma(s[a], p.trendDays);
          // Unknown trend (not enough history) counts as "out": no exposure on a guess.
          const up = avg !== null && close > avg;
          if (a === "btc") btcIn = up ? 1 : 0;
          else ethIn = up ? 1 : 0;
          reasons.push({
            indicator: `${a}.sma${p.trendDays}`,
            value: avg,
            says:
              avg === null
                ? `${a.toUpperCase()} ${p.trendDays}-day average not known: out`
                : `${a.toUpperCase()} ${close.toFixed(0)} ${up ? "above" : "below"} its ${p.trendDays}-day average ${avg.toFixed(0)}: ${up ? "in" : "out"}`,
          });
        }
      }
      let scale = 1;
      if (p.targetVol) {
        const n = p.volDays ?? 30;
        const vb = realisedVol(s.btc, n);
        const ve = realisedVol(s.eth, n);
        const sleeve = vb !== null && ve !== null ? c.volatileSplit.btc * vb + c.volatileSplit.eth * ve : null;
        scale = sleeve === null || sleeve <= 0 ? 0 : Math.min(1, p.targetVol / sleeve / cap);
        reasons.push({
          indicator: `vol${n}`,
          value: sleeve,
          says:
            sleeve === null
              ? "volatility not known: out"
              : `sleeve volatility ${(sleeve * 100).toFixed(0)}%: volatile share ${(Math.min(cap, p.targetVol / sleeve) * 100).toFixed(1)}%`,
        });
      }
      let stopped = prev.stopped ?? false;
      if (p.ddStop) {
        const dd = drawdown(s.btc, p.ddLookback ?? 90);
        if (dd !== null) {
          if (!stopped && dd < -p.ddStop) stopped = true;
          else if (stopped && dd > -p.ddStop / 2) stopped = false;
        }
        reasons.push({
          indicator: "drawdown",
          value: dd,
          says:
            dd === null
              ? "drawdown not known"
              : `BTC ${(dd * 100).toFixed(1)}% from its ${p.ddLookback ?? 90}-day high: ${stopped ? "stopped out" : "in"}`,
        });
      }
      const split = { btc: c.volatileSplit.btc * btcIn, eth: c.volatileSplit.eth * ethIn };
      const v = stopped ? 0 : cap * scale * (split.btc + split.eth);
      const norm = split.btc + split.eth;
      const targets = allocate(v, c, lim, norm > 0 ? { btc: split.btc / norm, eth: split.eth / norm } : c.volatileSplit);
      const signals: string[] = [];
      // A signal moves the target by at least the minimum trade: trade it now, not at the review.
      if (prev.volatile === undefined || Math.abs(v - prev.volatile) >= c.rebalance.minTradePct * 2)
        signals.push(`volatile target ${((prev.volatile ?? 0) * 100).toFixed(1)}% → ${(v * 100).toFixed(1)}%`);
      const triggers = rebalanceTriggers(current, targets, signals, view, c);
      const changed = triggers.length > 0;
      return {
        decision: { date: view.date, strategy: name, targets, rebalance: changed, hold: false, triggers, reasons, issues: view.issues },
        state: { stopped, volatile: changed || prev.volatile === undefined ? v : prev.volatile } satisfies RuleState,
      };
    },
  };
}
