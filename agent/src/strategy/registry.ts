// The named strategies. Parameters of the alternatives were fixed on 2018-02-01 → 2023-12-31 only
// (see docs/strategy.md and `treasury walkforward`); nothing here was tuned on later data.
import type { Config } from "./config";
import { btcHold, mix6040, staticPlan } from "./benchmarks";
import { RuleParams, ruleStrategy } from "./rules";
import { seedStrategy } from "./seed";
import type { Strategy } from "./types";

export const RULES: Record<string, RuleParams> = {
  trend: { trendDays: 50 },
  voltarget: { targetVol: 0.1, volDays: 30 },
  ddstop: { ddStop: 0.2, ddLookback: 90 },
  "trend-vol": { trendDays: 50, targetVol: 0.15, volDays: 30 },
  "trend-dd": { trendDays: 50, ddStop: 0.2, ddLookback: 90 },
};

/** The default strategy, chosen by walk-forward evidence (docs/strategy.md). */
export const DEFAULT_STRATEGY = "trend-dd";

export const STRATEGY_NAMES = [DEFAULT_STRATEGY, ...["seed", ...Object.keys(RULES)].filter((n) => n !== DEFAULT_STRATEGY)];
export const BENCHMARK_NAMES = ["static-plan", "mix-60-40", "btc-hold"];

export function strategyByName(name: string, c: Config): Strategy | null {
  if (name === "seed") return seedStrategy(c);
  if (name in RULES) return ruleStrategy(name, c, RULES[name]);
  if (name === "static-plan") return staticPlan(c);
  if (name === "mix-60-40") return mix6040(c);
  if (name === "btc-hold") return btcHold(c);
  return null;
}
