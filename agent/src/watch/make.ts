// Building a WatchEvent: one place for the key's prefix and the defaults.
import type { WatchEvent } from "./events";

export type EventInput = Omit<WatchEvent, "key" | "seenAt"> & { key: string; seenAt?: number };

/** Keys carry the kind and a `watch:` prefix, so they never collide with the cycle's alert keys. */
export function watchEvent(e: EventInput): WatchEvent {
  return { ...e, seenAt: e.seenAt ?? e.at, key: `watch:${e.kind}:${e.key}` };
}

export const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
export const usd = (x: number) => `$${x.toLocaleString("en-US", { maximumFractionDigits: 2 })}`;
export const iso = (ms: number) => new Date(ms).toISOString();
