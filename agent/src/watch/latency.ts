// Alert latency per event kind: delivered − event time (the block's time for chain events, the poll's
// otherwise). Kept in memory for /api/watch (p50, max) and handed to the metrics histogram.
import type { WatchEventKind } from "./events";

const KEEP = 1_000;

export interface LatencySummary {
  count: number;
  p50Ms: number;
  maxMs: number;
}

export class LatencyBook {
  private readonly byKind = new Map<string, number[]>();
  private readonly listeners: ((kind: WatchEventKind, ms: number) => void)[] = [];

  onRecord(fn: (kind: WatchEventKind, ms: number) => void): void {
    this.listeners.push(fn);
  }

  record(kind: WatchEventKind, ms: number): void {
    const xs = this.byKind.get(kind) ?? [];
    xs.push(ms);
    if (xs.length > KEEP) xs.shift();
    this.byKind.set(kind, xs);
    for (const f of this.listeners) f(kind, ms);
  }

  summary(): Record<string, LatencySummary> {
    const out: Record<string, LatencySummary> = {};
    for (const [k, xs] of this.byKind) out[k] = summarise(xs);
    return out;
  }
}

/** p50 (the lower median) and max of a non-empty list. */
export function summarise(xs: readonly number[]): LatencySummary {
  const s = [...xs].sort((a, b) => a - b);
  return { count: s.length, p50Ms: s[Math.floor((s.length - 1) / 2)] ?? NaN, maxMs: s[s.length - 1] ?? NaN };
}
