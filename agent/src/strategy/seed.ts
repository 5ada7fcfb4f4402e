// `seed`: the original plan's rules. Market phase from MVRV, trend and Fear & Greed; a mode per
// phase sets how much of the 40% tactical sleeve sits in BTC/ETH; MVRV crossing 3.5 sells 25% of
// the volatile sleeve; the quarterly-expiry window may raise the tactical share.
import type { Config } from "./config";
import { allocate } from "./allocation";
import { CapLimits, capLimits } from "./caps";
import { crossing, daysToExpiry, drawdown, latest, realisedVol, sma, sumLast } from "./indicators";
import { blockingIssues, holdDecision, rebalanceTriggers } from "./rebalance";
import { Mode, Phase, Reason, Strategy, StrategyInput, StrategyOutput, volatileWeight } from "./types";
import type { Field } from "../market/types";

export interface SeedParams {
  topMvrv: number; // MVRV at/above: top; crossing it upward sells 25% of the volatile sleeve
  euphoriaMvrv: number;
  euphoriaFearGreed: number;
  deepValueMvrv: number; // below: accumulation even under the trend
  trendDays: number;
  /** Volatile share per mode; "aggressive" is the cap. */
  tacticalVolatile: number;
  hedgeVolatile: number;
  crossSellShare: number;
  expiryWindowDays: number;
  expiryBoost: number;
}

export const SEED_PARAMS: SeedParams = {
  topMvrv: 3.5,
  euphoriaMvrv: 2.5,
  euphoriaFearGreed: 80,
  deepValueMvrv: 1,
  trendDays: 200,
  tacticalVolatile: 0.25,
  hedgeVolatile: 0,
  crossSellShare: 0.25,
  expiryWindowDays: 7,
  expiryBoost: 0.05,
};

const MODE_OF: Record<Phase, Mode> = { accumulation: "aggressive", euphoria: "tactical", top: "conservative", bear: "hedge" };
const NEEDS: readonly Field[] = ["btc", "eth", "mvrv", "fearGreed"];

interface SeedState {
  mode?: Mode;
  /** Volatile share left after the last MVRV crossing (each crossing sells 25% more). */
  topVolatile?: number;
}

export function seedPhase(p: SeedParams, mvrv: number, fearGreed: number, close: number, trend: number | null): Phase {
  if (mvrv >= p.topMvrv) return "top";
  if (mvrv >= p.euphoriaMvrv || fearGreed >= p.euphoriaFearGreed) return "euphoria";
  if (trend !== null && close < trend && mvrv >= p.deepValueMvrv) return "bear";
  return "accumulation";
}

/** Risk level 1 (calm) … 5: one point each for high volatility, extreme sentiment, deep drawdown, hot funding. */
export function riskLevel(vol30: number | null, fearGreed: number, dd: number | null, funding7: number | null): number {
  return (
    1 +
    (vol30 !== null && vol30 > 0.8 ? 1 : 0) +
    (fearGreed >= 75 || fearGreed <= 20 ? 1 : 0) +
    (dd !== null && dd < -0.3 ? 1 : 0) +
    (funding7 !== null && funding7 > 0.0045 ? 1 : 0)
  );
}

export function seedStrategy(c: Config, p: SeedParams = SEED_PARAMS, name = "seed"): Strategy {
  const lim: CapLimits = capLimits(c);
  return {
    name,
    description: "original plan: phase from MVRV/trend/Fear & Greed, mode per phase, MVRV 3.5 crossing sells 25%, expiry window",
    benchmark: false,
    needs: NEEDS,
    decide({ view, current, state }: StrategyInput): StrategyOutput {
      const prev = (state ?? {}) as SeedState;
      const blocking = blockingIssues(view, NEEDS);
      if (blocking.length) return { decision: holdDecision(name, view, current, lim, blocking), state: prev };
      const s = view.series;
      const mvrv = latest(s.mvrv)!.value;
      const close = latest(s.btc)!.value;
      const fg = latest(s.fearGreed)!.value;
      const trend = sma(s.btc, p.trendDays);
      const cross = crossing(s.mvrv, p.topMvrv);
      const funding7 = sumLast(s.funding, 7);
      const vol30 = realisedVol(s.btc, 30);
      const dd = drawdown(s.btc, 365);
      const toExpiry = daysToExpiry(view.day);
      const phase = seedPhase(p, mvrv, fg, close, trend);
      const mode = MODE_OF[phase];
      const risk = riskLevel(vol30, fg, dd, funding7);
      const signals: string[] = [];
      const reasons: Reason[] = [
        {
          indicator: "mvrv",
          value: mvrv,
          says:
            mvrv >= p.topMvrv
              ? `MVRV ${mvrv.toFixed(2)} at or above ${p.topMvrv}: top`
              : mvrv >= p.euphoriaMvrv
                ? `MVRV ${mvrv.toFixed(2)} above ${p.euphoriaMvrv}: euphoria`
                : mvrv < p.deepValueMvrv
                  ? `MVRV ${mvrv.toFixed(2)} below ${p.deepValueMvrv}: deep value`
                  : `MVRV ${mvrv.toFixed(2)}: neutral`,
        },
        {
          indicator: `sma${p.trendDays}`,
          value: trend,
          says:
            trend === null
              ? `${p.trendDays}-day average not known yet`
              : close >= trend
                ? `BTC ${close.toFixed(0)} above its ${p.trendDays}-day average ${trend.toFixed(0)}: uptrend`
                : `BTC ${close.toFixed(0)} below its ${p.trendDays}-day average ${trend.toFixed(0)}: downtrend`,
        },
        {
          indicator: "fearGreed",
          value: fg,
          says:
            fg >= p.euphoriaFearGreed
              ? `Fear & Greed ${fg}: extreme greed`
              : fg <= 25
                ? `Fear & Greed ${fg}: extreme fear`
                : `Fear & Greed ${fg}`,
        },
        {
          indicator: "funding7d",
          value: funding7,
          says:
            funding7 === null
              ? "funding not known (no data)"
              : `funding over 7 days ${(funding7 * 100).toFixed(3)}%${funding7 > 0.0045 ? ": overheated longs" : ""}`,
        },
        {
          indicator: "vol30",
          value: vol30,
          says: vol30 === null ? "30-day volatility not known" : `30-day realised volatility ${(vol30 * 100).toFixed(0)}%`,
        },
        {
          indicator: "drawdown365",
          value: dd,
          says: dd === null ? "drawdown not known" : `BTC ${(dd * 100).toFixed(0)}% from its 1-year high`,
        },
        { indicator: "daysToExpiry", value: toExpiry, says: `${toExpiry} days to the quarterly expiry` },
      ];
      const next: SeedState = { mode, topVolatile: prev.topVolatile };
      let v: number;
      if (mode === "aggressive") v = lim.volatile;
      else if (mode === "tactical") v = p.tacticalVolatile;
      else if (mode === "hedge") v = p.hedgeVolatile;
      else {
        if (cross === "up" || next.topVolatile === undefined) {
          next.topVolatile = volatileWeight(current) * (1 - p.crossSellShare);
          signals.push(`mvrv crossed ${p.topMvrv}: sell ${p.crossSellShare * 100}% of the volatile sleeve`);
        }
        v = next.topVolatile;
      }
      if (mode !== "conservative") next.topVolatile = undefined;
      if (mode === "tactical" && toExpiry <= p.expiryWindowDays) {
        v += p.expiryBoost;
        reasons.push({ indicator: "expiryWindow", value: toExpiry, says: `expiry window: +${p.expiryBoost * 100} points tactical` });
      }
      if (prev.mode && prev.mode !== mode) signals.push(`mode change: ${prev.mode} → ${mode}`);
      if (!prev.mode) signals.push(`initial mode: ${mode}`);
      const targets = allocate(v, c, lim);
      const triggers = rebalanceTriggers(current, targets, signals, view, c);
      return {
        decision: {
          date: view.date,
          strategy: name,
          targets,
          rebalance: triggers.length > 0,
          hold: false,
          phase,
          mode,
          risk,
          triggers,
          reasons,
          issues: view.issues,
        },
        state: next,
      };
    },
  };
}
