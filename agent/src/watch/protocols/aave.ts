// Aave reserves the treasury uses (issue 19 §3): frozen or paused (no new supply, or nothing moves
// at all), or utilisation at 99% or more (withdrawals may fail for lack of liquidity). Pure; alerts
// on each change into the bad state, re-armed once it clears.
import type { WatchEvent } from "../events";
import { pct, watchEvent } from "../make";
import type { Snapshot } from "../snapshot";

export const MAX_UTILISATION = 0.99;

export interface AaveState {
  /** asset → "frozen" | "paused" | "inactive" | "" (fine), as last seen. */
  status: Record<string, string>;
  high: Record<string, boolean>;
}

export const emptyAave = (): AaveState => ({ status: {}, high: {} });

export function detectAave(s: AaveState, snap: Snapshot): { state: AaveState; events: WatchEvent[] } {
  const events: WatchEvent[] = [];
  const status = { ...s.status };
  const high = { ...s.high };
  for (const r of snap.reserves) {
    const now = r.paused ? "paused" : !r.active ? "inactive" : r.frozen ? "frozen" : "";
    if (now && status[r.asset] !== now) {
      events.push(watchEvent({
        kind: "aave.reserveFrozen", severity: "critical", at: snap.at, block: snap.block, key: `${r.asset}:${now}`,
        title: `Aave ${r.symbol} reserve ${now}`,
        lines: [
          `The Aave v3 ${r.symbol} reserve is ${now} at block ${snap.block}.`,
          now === "frozen" ? "No new supply or borrow; withdrawals and repayments still work: consider moving the position out." : "Nothing moves in or out of this reserve until Aave's governance lifts it.",
        ],
        data: { asset: r.asset, symbol: r.symbol, frozen: r.frozen, paused: r.paused, active: r.active },
      }));
    }
    status[r.asset] = now;
    if (r.utilisation < MAX_UTILISATION) {
      delete high[r.asset];
      continue;
    }
    if (high[r.asset]) continue;
    high[r.asset] = true;
    events.push(watchEvent({
      kind: "aave.utilisation", severity: "critical", at: snap.at, block: snap.block, key: `${r.asset}:${snap.at}`,
      title: `Aave ${r.symbol} utilisation ${pct(r.utilisation)}: withdrawals may fail`,
      lines: [`${pct(r.utilisation)} of the ${r.symbol} reserve is lent out at block ${snap.block} (line ${pct(MAX_UTILISATION)}): a withdrawal larger than what is left reverts.`],
      data: { asset: r.asset, symbol: r.symbol, utilisation: r.utilisation },
    }));
  }
  return { state: { status, high }, events };
}
