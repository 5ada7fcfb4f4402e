// Indicators over a series cut at the decision day (last element = yesterday). NaN = gap: gaps
// are skipped, never read as zeros; too few values gives null ("not known"), never a guess.
import { nextQuarterlyExpiry } from "../market/calendar";

/** Latest value and how many days before the end of the series it is dated (0 = yesterday). */
export function latest(s: Float64Array): { value: number; age: number } | null {
  for (let i = s.length - 1; i >= 0; i--) if (!Number.isNaN(s[i])) return { value: s[i], age: s.length - 1 - i };
  return null;
}

/** Value at `back` days before the last element (0 = last), or null for a gap/out of range. */
export function at(s: Float64Array, back: number): number | null {
  const i = s.length - 1 - back;
  return i >= 0 && !Number.isNaN(s[i]) ? s[i] : null;
}

/** Mean of the last n days; null when fewer than `minShare` of them have values. */
export function sma(s: Float64Array, n: number, minShare = 0.9): number | null {
  const from = s.length - n;
  if (from < 0 || n <= 0) return null;
  let sum = 0;
  let k = 0;
  for (let i = from; i < s.length; i++) {
    const v = s[i];
    if (!Number.isNaN(v)) {
      sum += v;
      k++;
    }
  }
  return k >= n * minShare && k > 0 ? sum / k : null;
}

/** Sum over the last n days; null if any of them is a gap (a partial sum would understate it). */
export function sumLast(s: Float64Array, n: number): number | null {
  if (s.length < n || n <= 0) return null;
  let sum = 0;
  for (let i = s.length - n; i < s.length; i++) {
    if (Number.isNaN(s[i])) return null;
    sum += s[i];
  }
  return sum;
}

/**
 * Realised volatility: sample standard deviation of daily log returns over the last n days,
 * annualised with 365 days (crypto trades every day). Returns spanning a gap are skipped.
 */
export function realisedVol(s: Float64Array, n: number, minShare = 0.8): number | null {
  const from = s.length - n - 1;
  if (from < 0 || n < 2) return null;
  let sum = 0;
  let sum2 = 0;
  let k = 0;
  for (let i = from + 1; i < s.length; i++) {
    const a = s[i - 1];
    const b = s[i];
    if (Number.isNaN(a) || Number.isNaN(b)) continue;
    const r = Math.log(b / a);
    sum += r;
    sum2 += r * r;
    k++;
  }
  if (k < Math.max(2, n * minShare)) return null;
  const mean = sum / k;
  const variance = (sum2 - k * mean * mean) / (k - 1);
  return Math.sqrt(Math.max(0, variance) * 365);
}

/** Drawdown of the latest value from the highest value of the last `lookback` days (≤ 0). */
export function drawdown(s: Float64Array, lookback: number): number | null {
  const last = latest(s);
  if (!last) return null;
  let peak = -Infinity;
  for (let i = Math.max(0, s.length - lookback); i < s.length; i++) if (s[i] > peak) peak = s[i];
  return peak > 0 ? last.value / peak - 1 : null;
}

export type Crossing = "up" | "down" | null;

/** Did the series cross `level` between its last two known values? "up" = from below to at/above. */
export function crossing(s: Float64Array, level: number): Crossing {
  let i = s.length - 1;
  while (i >= 0 && Number.isNaN(s[i])) i--;
  let j = i - 1;
  while (j >= 0 && Number.isNaN(s[j])) j--;
  if (j < 0) return null;
  if (s[j] < level && s[i] >= level) return "up";
  if (s[j] >= level && s[i] < level) return "down";
  return null;
}

/** Days from `day` to the next quarterly expiry (last Friday of Mar/Jun/Sep/Dec); 0 on the day. */
export function daysToExpiry(day: number): number {
  return nextQuarterlyExpiry(day) - day;
}
