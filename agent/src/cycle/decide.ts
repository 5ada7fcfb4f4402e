// Decide: the strategy's target for the day from the market provider (replay on the local world,
// live on a real chain), with the weights actually held on chain as the strategy's current weights.
import type { Portfolio } from "../chain/types";
import type { MarketProvider } from "../market/types";
import type { Strategy, Weights } from "../strategy/types";
import { zeroWeights } from "../strategy/types";
import { signalsFor } from "../strategy/signals";
import type { Decided } from "./types";

/** The strategy's sleeves from the chain's holdings: stable cash, Aave, Pendle PT, vaults, BTC, ETH. */
export function heldWeights(p: Portfolio): Weights {
  const w = zeroWeights();
  if (p.navUsd === 0n) return { ...w, usdc: 1 };
  const add = (k: keyof Weights, v: bigint) => (w[k] += Number((v * 1_000_000n) / p.navUsd) / 1_000_000);
  for (const a of p.assets) {
    if (!a.volatile) add("usdc", a.valueUsd);
    else add(/BTC/i.test(a.symbol) ? "btc" : "eth", a.valueUsd);
  }
  for (const x of p.positions) add(x.kind === "aave" ? "aaveUsdc" : x.kind === "pendlePt" ? "pendlePt" : "vault", x.valueUsd);
  return w;
}

export async function decideFor(provider: MarketProvider, strategy: Strategy, p: Portfolio, date: string): Promise<Decided> {
  const view = await provider.view(date);
  const { decision, indicators } = signalsFor(view, strategy, 120, heldWeights(p));
  const sources = Object.fromEntries(Object.entries((provider as { history?: { sources?: Record<string, string> } }).history?.sources ?? {}).map(([k, v]) => [k, String(v)]));
  // Outside text the reviewer sees fenced as untrusted: the providers' notes on their data.
  const texts = view.issues.map((i) => ({ source: `market:${i.field}`, text: i.reason }));
  return { decision, indicators, market: { provider: provider.name, sources, issues: view.issues, texts } };
}
