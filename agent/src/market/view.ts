import { isoOf } from "./calendar";
import { DataIssue, Field, FIELDS, FIELD_LABEL, MarketHistory, MarketView } from "./types";

/** How old (in days, counted from the decision day) the latest value of a field may be. */
export const DEFAULT_MAX_AGE_DAYS: Record<Field, number> = {
  btc: 2,
  eth: 2,
  mvrv: 4, // CoinMetrics community lags 1-2 days
  funding: 3,
  fearGreed: 3,
  stableYield: 45,
};

/** Latest non-gap index below `end`, or -1. */
export function lastIndex(s: Float64Array, end = s.length): number {
  for (let i = end - 1; i >= 0; i--) if (!Number.isNaN(s[i])) return i;
  return -1;
}

// Per history and field: index of the latest non-gap value at or before each index (-1 if none).
// Built once per series array, so that a backtest's daily staleness check is O(1): a history is
// treated as immutable once a view has been taken of it (copy it to change it, as tests do).
const LAST_VALID = new WeakMap<Float64Array, Int32Array>();
function lastValid(s: Float64Array): Int32Array {
  let a = LAST_VALID.get(s);
  if (!a) {
    a = new Int32Array(s.length);
    let last = -1;
    for (let i = 0; i < s.length; i++) {
      if (!Number.isNaN(s[i])) last = i;
      a[i] = last;
    }
    LAST_VALID.set(s, a);
  }
  return a;
}

/**
 * The view for deciding on `day`: series truncated to the days before it (a daily close is known
 * only after its day ends), plus the staleness issues of each field.
 */
export function viewAt(h: MarketHistory, day: number, maxAge: Record<Field, number> = DEFAULT_MAX_AGE_DAYS): MarketView {
  const end = Math.max(0, Math.min(h.length, day - h.startDay));
  const series = {} as Record<Field, Float64Array>;
  const issues: DataIssue[] = [];
  for (const f of FIELDS) {
    const s = h.series[f].subarray(0, end);
    series[f] = s;
    const i = end > 0 ? lastValid(h.series[f])[end - 1] : -1;
    if (i < 0) {
      issues.push({ field: f, reason: `${FIELD_LABEL[f]}: no value before ${isoOf(day)}` });
    } else {
      const age = day - (h.startDay + i);
      if (age > maxAge[f]) {
        issues.push({
          field: f,
          reason: `${FIELD_LABEL[f]}: latest value is from ${isoOf(h.startDay + i)}, ${age} days old (limit ${maxAge[f]})`,
        });
      }
    }
  }
  return { day, date: isoOf(day), startDay: h.startDay, series, issues };
}
