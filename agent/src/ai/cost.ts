// Tokens to dollars at the configured model's published prices (config ai.prices: configuration,
// not a quote), and the month's cost at a given call rate.
import type { Usage } from "./forcedTool";

export type Prices = Record<string, { inputPerMTok: number; outputPerMTok: number }>;

/** USD for one call's usage; undefined when the model has no price in the table. */
export function callCostUsd(prices: Prices, model: string, u: Usage): number | undefined {
  const p = prices[model];
  if (!p) return undefined;
  return (u.inputTokens * p.inputPerMTok + u.outputTokens * p.outputPerMTok) / 1_000_000;
}

/** A month (30 days) of the assessments: one daily per cycle day, a weekly every `weeklyEveryDays`. */
export function monthlyCostUsd(prices: Prices, model: string, per: { daily?: Usage; weekly?: Usage; emergency?: Usage }, o: { cyclesPerDay?: number; weeklyEveryDays?: number; emergenciesPerMonth?: number } = {}): number | undefined {
  const one = (u?: Usage) => (u ? callCostUsd(prices, model, u) : 0);
  const d = one(per.daily);
  const w = one(per.weekly);
  const e = one(per.emergency);
  if (d === undefined || w === undefined || e === undefined) return undefined;
  return d * 30 * (o.cyclesPerDay ?? 1) + w * (30 / (o.weeklyEveryDays ?? 7)) + e * (o.emergenciesPerMonth ?? 0);
}
