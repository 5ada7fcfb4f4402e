// ERC-4626 vaults (issue 19 §3): a share price that falls (a loss in the vault: bad debt, a hack, a
// strategy loss). Pure; compares each poll with the last one (the first poll sets the baseline).
import type { WatchEvent } from "../events";
import { pct, watchEvent } from "../make";
import type { Snapshot } from "../snapshot";

export interface VaultState {
  last: Record<string, number>;
}

export const emptyVaults = (): VaultState => ({ last: {} });

/** Rounding of convertToAssets can move the last digit either way: smaller falls are noise. */
const NOISE = 1e-9;

export function detectVaults(s: VaultState, snap: Snapshot): { state: VaultState; events: WatchEvent[] } {
  const events: WatchEvent[] = [];
  const last = { ...s.last };
  for (const v of snap.vaults) {
    const prev = s.last[v.vault];
    last[v.vault] = v.assetsPerShare;
    if (prev === undefined || !(v.assetsPerShare < prev * (1 - NOISE))) continue;
    const drop = 1 - v.assetsPerShare / prev;
    events.push(watchEvent({
      kind: "vault.sharePriceDown", severity: "critical", at: snap.at, block: snap.block, key: `${v.vault}:${snap.block}`,
      title: `${v.symbol} share price fell ${pct(drop)} (${prev} → ${v.assetsPerShare})`,
      lines: [`One ${v.symbol} share is worth ${v.assetsPerShare} of its asset at block ${snap.block}, ${prev} at the poll before: the vault lost value.`],
      data: { vault: v.vault, symbol: v.symbol, before: prev, after: v.assetsPerShare, drop },
    }));
  }
  return { state: { last }, events };
}
