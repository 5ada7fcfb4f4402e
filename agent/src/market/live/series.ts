// Turning API points into the daily columns the replay uses, with sanity bounds: a value out of
// range, or a jump of 10x from the day before, is rejected (left as a gap) and reported.
import { isoOf } from "../calendar";
import type { DailyColumn } from "../csv";
import type { DataIssue, Field } from "../types";

export interface Bounds {
  min: number;
  max: number;
  /** Largest ratio to the previous day's value (either way); none when absent. */
  maxJump?: number;
}

export const BOUNDS: Record<Field, Bounds> = {
  btc: { min: 100, max: 10_000_000, maxJump: 10 },
  eth: { min: 1, max: 1_000_000, maxJump: 10 },
  mvrv: { min: 0.1, max: 10, maxJump: 3 },
  funding: { min: -0.03, max: 0.03 },
  fearGreed: { min: 0, max: 100 },
  stableYield: { min: 0, max: 1 },
};

/** Daily column from (day, value) points; the last point of a day wins. */
export function toColumn(points: [number, number][]): DailyColumn | null {
  if (!points.length) return null;
  const days = points.map((p) => p[0]);
  const first = Math.min(...days);
  const last = Math.max(...days);
  const values = new Float64Array(last - first + 1).fill(Number.NaN);
  for (const [d, v] of points) values[d - first] = v;
  return { firstDay: first, values };
}

export function applyBounds(field: Field, col: DailyColumn, source: string, b: Bounds = BOUNDS[field]): DataIssue[] {
  const issues: DataIssue[] = [];
  let prev = Number.NaN;
  for (let i = 0; i < col.values.length; i++) {
    const v = col.values[i];
    if (Number.isNaN(v)) continue;
    const day = isoOf(col.firstDay + i);
    let why: string | null = null;
    if (!(v >= b.min && v <= b.max)) why = `outside [${b.min}, ${b.max}]`;
    else if (b.maxJump && !Number.isNaN(prev) && (v / prev >= b.maxJump || prev / v >= b.maxJump))
      why = `${(v / prev).toPrecision(3)}x the day before (${prev})`;
    if (why) {
      col.values[i] = Number.NaN;
      issues.push({ field, reason: `${source}: rejected ${field} ${v} for ${day}: ${why}` });
    } else prev = v;
  }
  return issues;
}
