// Decide: the strategy's target for the day from the market provider (replay on the local world,
// live on a real chain), with the weights actually held on chain as the strategy's current weights.
import type { Portfolio } from "../chain/types";
import type { MarketProvider } from "../market/types";
import type { Strategy, StrategyInput, Weights } from "../strategy/types";
import { currentWeights } from "../plan/sleeves";
import { blockingIssues } from "../strategy/rebalance";
import { signalsFor } from "../strategy/signals";
import type { Decided } from "./types";

/** The weights actually held, by the strategy's sleeves (the planner's reading of the portfolio). */
export const heldWeights = (p: Portfolio): Weights => currentWeights(p).weights;

/**
 * The debt the Safe holds, as a play's leverage: stables owed as a fraction of NAV and what they
 * bought. The chain does not say which purchase a debt paid for: the volatile held most stands for
 * it. Without this the strategy would think an open play's debt was never taken (or already repaid).
 */
export function heldLeverage(p: Portfolio, held: Weights): StrategyInput["leverage"] {
  const owed = p.positions.filter((x) => x.kind === "aaveDebt" && !p.assets.some((a) => a.token.toLowerCase() === x.underlying.toLowerCase() && a.volatile)).reduce((s, x) => s + x.valueUsd, 0n);
  if (owed <= 0n || p.navUsd <= 0n) return undefined;
  return { borrow: Number((owed * 1_000_000n) / p.navUsd) / 1_000_000, buy: held.btc >= held.eth ? "btc" : "eth" };
}

export async function decideFor(provider: MarketProvider, strategy: Strategy, p: Portfolio, date: string): Promise<Decided> {
  const view = await provider.view(date);
  const held = heldWeights(p);
  const { decision, indicators } = signalsFor(view, strategy, 120, held, heldLeverage(p, held));
  const c = p.policy.caps;
  // Which caps the targets were fitted to: the policy's at the block read (recorded with the decision).
  decision.reasons.push({ indicator: "caps", value: `${c.maxVolatileBps}/${c.maxProtocolBps}/${c.maxPositionBps}`, says: `caps read on chain at block ${p.blockNumber}: volatile ${c.maxVolatileBps / 100}%, protocol ${c.maxProtocolBps / 100}%, position ${c.maxPositionBps / 100}%` });
  const sources = Object.fromEntries(Object.entries((provider as { history?: { sources?: Record<string, string> } }).history?.sources ?? {}).map(([k, v]) => [k, String(v)]));
  // Outside text the reviewer sees fenced as untrusted: the providers' notes on their data.
  const texts = view.issues.map((i) => ({ source: `market:${i.field}`, text: i.reason }));
  // The volatile sleeves' closes known before the day, for the VaR of the portfolio after the plan.
  const closesOf = (a: Float64Array) => Array.from(a, (x) => (Number.isFinite(x) && x > 0 ? x : null));
  const closes = { btc: closesOf(view.series.btc), eth: closesOf(view.series.eth) };
  // The approver's stale-data gate looks at what this decision depends on: a field the strategy does
  // not use (the stable yield, which no live source serves) never blocks a trade.
  const staleInputs = blockingIssues(view, strategy.needs).map((i) => i.field);
  return { decision, indicators, market: { provider: provider.name, sources, issues: view.issues, texts, ...(view.sourceFailures ? { sourceFailures: view.sourceFailures } : {}) }, closes, staleInputs };
}
