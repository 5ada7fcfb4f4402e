// Feed health (issue 19 §3): a feed older than the policy's staleness limit (judged on the chain's
// clock, as the valuation judges it), or more than 5% away from the market source. Pure; alerts once
// per stale round and once per deviation episode.
import type { WatchEvent } from "../events";
import { iso, pct, usd, watchEvent } from "../make";
import type { Snapshot } from "../snapshot";

export const MAX_DEVIATION = 0.05;

export interface FeedState {
  /** Feeds in deviation now (re-armed once back within the line). */
  deviating: Record<string, boolean>;
  /** Feed → the stale round already reported (a fresh round re-arms it). */
  stale: Record<string, number>;
}

export const emptyFeeds = (): FeedState => ({ deviating: {}, stale: {} });

export function detectFeeds(s: FeedState, snap: Snapshot): { state: FeedState; events: WatchEvent[] } {
  const events: WatchEvent[] = [];
  const deviating = { ...s.deviating };
  const stale: Record<string, number> = {};
  const now = Math.floor(snap.blockTime / 1000);
  for (const a of snap.assets) {
    const age = now - a.updatedAt;
    if (!(a.priceUsd > 0) || age > a.maxStaleness) {
      stale[a.feed] = a.updatedAt;
      if (s.stale[a.feed] !== a.updatedAt) events.push(watchEvent({
        kind: "feed.stale", severity: "critical", at: snap.at, block: snap.block,
        // One alert per round: the same stale round polled again is the same event.
        key: `${a.feed}:${a.updatedAt}`,
        title: a.priceUsd > 0 ? `${a.symbol} feed stale: last update ${Math.round(age / 60)} min ago (limit ${Math.round(a.maxStaleness / 60)} min)` : `${a.symbol} feed gives no price`,
        lines: [`Feed ${a.feed} last updated ${iso(a.updatedAt * 1000)}; chain time ${iso(snap.blockTime)} (block ${snap.block}).`, "While a feed is stale the guardrails allow only de-risking; the agent's cycles hold."],
        data: { symbol: a.symbol, feed: a.feed, updatedAt: a.updatedAt, ageSeconds: age, maxStaleness: a.maxStaleness, priceUsd: a.priceUsd },
      }));
    }
    if (a.marketUsd === undefined || !(a.marketUsd > 0) || !(a.priceUsd > 0)) continue;
    const dev = Math.abs(a.priceUsd / a.marketUsd - 1);
    if (dev <= MAX_DEVIATION) {
      delete deviating[a.feed];
      continue;
    }
    if (deviating[a.feed]) continue;
    deviating[a.feed] = true;
    events.push(watchEvent({
      kind: "feed.deviation", severity: "critical", at: snap.at, block: snap.block, key: `${a.feed}:${snap.at}`,
      title: `${a.symbol} feed ${pct(dev)} away from the market (${usd(a.priceUsd)} vs ${usd(a.marketUsd)})`,
      lines: [`Feed ${a.feed} reads ${usd(a.priceUsd)}; the market source reads ${usd(a.marketUsd)} at block ${snap.block} (limit ${pct(MAX_DEVIATION)}).`],
      data: { symbol: a.symbol, feed: a.feed, priceUsd: a.priceUsd, marketUsd: a.marketUsd, deviation: dev },
    }));
  }
  return { state: { deviating, stale }, events };
}
