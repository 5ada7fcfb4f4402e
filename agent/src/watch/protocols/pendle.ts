// Pendle PT maturity: a held PT within a week of its expiry, or past it (redeem it: after expiry it
// earns nothing). Pure; one alert per PT and expiry.
import type { WatchEvent } from "../events";
import { iso, watchEvent } from "../make";
import type { Snapshot } from "../snapshot";

export const MATURITY_NOTICE_MS = 7 * 86_400_000;

export interface PendleState {
  told: Record<string, true>;
}

export function detectPendle(s: PendleState, snap: Snapshot): { state: PendleState; events: WatchEvent[] } {
  const events = snap.pendle
    .filter((p) => p.expiry * 1000 - snap.blockTime <= MATURITY_NOTICE_MS)
    .map((p) => {
      const matured = p.expiry * 1000 <= snap.blockTime;
      return watchEvent({
        kind: "pendle.maturity", severity: "warning", at: snap.at, block: snap.block, key: `${p.pt}:${p.expiry}:${matured ? "matured" : "near"}`,
        title: matured ? `Pendle PT ${p.pt} matured ${iso(p.expiry * 1000)}: redeem it` : `Pendle PT ${p.pt} matures ${iso(p.expiry * 1000)}`,
        lines: [`Market ${p.market}, expiry ${iso(p.expiry * 1000)}; chain time ${iso(snap.blockTime)}.`],
        data: { pt: p.pt, market: p.market, expiry: p.expiry, matured },
      });
    })
    .filter((e) => !s.told[e.key]);
  return { state: { told: { ...s.told, ...Object.fromEntries(events.map((e) => [e.key, true as const])) } }, events };
}
