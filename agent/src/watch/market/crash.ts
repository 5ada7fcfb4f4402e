// A crash day (issue 19 §3): a volatile asset down 15% from its 24 h high, or 8% under its price at
// the last cycle. Pure: the samples kept so far and a poll's feed prices in; the next state and the
// events out. Alerts once per crossing: it re-arms when the price is back above the line.
import type { WatchEvent } from "../events";
import { iso, pct, usd, watchEvent } from "../make";
import type { Snapshot } from "../snapshot";

export const CRASH_24H = 0.15;
export const CRASH_SINCE_CYCLE = 0.08;
const DAY_MS = 86_400_000;

export interface CrashState {
  /** Per symbol: (poll time ms, USD) within the last 24 h. */
  samples: Record<string, [number, number][]>;
  /** Per symbol: the price when the last cycle finished (markCycle). */
  atCycle: Record<string, number>;
  /** Per symbol and rule: crossed and not yet back above. */
  down: Record<string, boolean>;
}

export const emptyCrash = (): CrashState => ({ samples: {}, atCycle: {}, down: {} });

/** The prices a cycle saw: the reference of the since-the-last-cycle rule. */
export function markCycle(s: CrashState, snap: Pick<Snapshot, "assets">): CrashState {
  const atCycle = { ...s.atCycle };
  for (const a of snap.assets) if (a.volatile && a.priceUsd > 0) atCycle[a.symbol] = a.priceUsd;
  return { ...s, atCycle, down: Object.fromEntries(Object.entries(s.down).filter(([k]) => !k.endsWith(":cycle"))) };
}

export function detectCrash(s: CrashState, snap: Snapshot): { state: CrashState; events: WatchEvent[] } {
  const samples: CrashState["samples"] = {};
  const down = { ...s.down };
  const events: WatchEvent[] = [];
  for (const a of snap.assets) {
    if (!a.volatile || !(a.priceUsd > 0)) continue;
    const kept = (s.samples[a.symbol] ?? []).filter(([t]) => snap.at - t <= DAY_MS);
    const high = kept.reduce((m, [, p]) => Math.max(m, p), 0);
    samples[a.symbol] = [...kept, [snap.at, a.priceUsd]];
    const rules: [string, number, number, string][] = [
      ["24h", high, CRASH_24H, "its 24 h high"],
      ["cycle", s.atCycle[a.symbol] ?? 0, CRASH_SINCE_CYCLE, "its price at the last cycle"],
    ];
    for (const [rule, ref, line, name] of rules) {
      const k = `${a.symbol}:${rule}`;
      const drop = ref > 0 ? 1 - a.priceUsd / ref : 0;
      if (drop < line) {
        delete down[k];
        continue;
      }
      if (down[k]) continue;
      down[k] = true;
      events.push(watchEvent({
        kind: "price.crash", severity: "critical", at: snap.at, block: snap.block, key: `${k}:${snap.at}`,
        title: `${a.symbol} down ${pct(drop)} from ${name} (${usd(ref)} → ${usd(a.priceUsd)})`,
        lines: [`The ${a.symbol} feed reads ${usd(a.priceUsd)} at block ${snap.block} (poll ${iso(snap.at)}), ${pct(drop)} under ${name} (limit ${pct(line)}).`],
        data: { symbol: a.symbol, token: a.token, priceUsd: a.priceUsd, referenceUsd: ref, drop, rule },
      }));
    }
  }
  return { state: { ...s, samples, down }, events };
}
