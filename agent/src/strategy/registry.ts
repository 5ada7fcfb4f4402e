// The named strategies. Parameters of the alternatives were fixed on 2018-02-01 → 2023-12-31 only
// (see docs/strategy.md and `treasury walkforward`); nothing here was tuned on later data.
import type { Config } from "./config";
import { btcHold, mix6040, staticPlan } from "./benchmarks";
import { RuleParams, ruleStrategy } from "./rules";
import { seedStrategy } from "./seed";
import { seedAggressiveStrategy } from "./seedAggressive";
import { withExpiryPlay } from "./plays/expiry";
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

/** The default strategy with the quarterly-expiry play on top (on by default only if `expiryPlay.enabled`). */
export const DEFAULT_WITH_EXPIRY = `${DEFAULT_STRATEGY}+expiry`;

export const STRATEGY_NAMES = [
  DEFAULT_STRATEGY,
  ...["seed", ...Object.keys(RULES)].filter((n) => n !== DEFAULT_STRATEGY),
  "seed-aggressive",
  DEFAULT_WITH_EXPIRY,
];
export const BENCHMARK_NAMES = ["static-plan", "mix-60-40", "btc-hold"];

export function strategyByName(name: string, c: Config): Strategy | null {
  if (name === "seed") return seedStrategy(c);
  if (name === "seed-aggressive") return seedAggressiveStrategy(c);
  if (name === DEFAULT_WITH_EXPIRY) return withExpiryPlay(ruleStrategy(DEFAULT_STRATEGY, c, RULES[DEFAULT_STRATEGY]), c);
  // The config flag puts the play on the default strategy itself (off unless the evidence says so).
  if (name === DEFAULT_STRATEGY && c.expiryPlay.enabled)
    return withExpiryPlay(ruleStrategy(DEFAULT_STRATEGY, c, RULES[DEFAULT_STRATEGY]), c, undefined, DEFAULT_STRATEGY);
  if (name in RULES) return ruleStrategy(name, c, RULES[name]);
  if (name === "static-plan") return staticPlan(c);
  if (name === "mix-60-40") return mix6040(c);
  if (name === "btc-hold") return btcHold(c);
  return null;
}
