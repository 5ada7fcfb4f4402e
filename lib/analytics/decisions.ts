// Decision analytics: each decision receipt joined to its transaction and judged against holding
// still. Pure functions over rows the API loads.
//
// Method (also returned by /decisions as `method`):
// - before = the last NAV snapshot before the decision's block; after = the snapshot at its block.
// - For a horizon h of 1, 7 and 30 days, later = the last snapshot at or before t + h (only once the
//   indexed history reaches t + h). Actual = I(later) / I(before) - 1 on the TWR index (net of
//   external flows). Holding still = value at `later` of the holdings at `before`:
//   sum_i B_i * u_i(later) / sum_i B_i * u_i(before) - 1, u_i = value per unit of holding i
//   (valuation value / balance; an asset no longer held is priced at its valuation price; a
//   position no longer held keeps its last per-unit value moved by its underlying's price).
// - Excess_h = actual_h - holding_h. A decision wins when excess_7d > 0. Win rate = wins / decisions
//   with an elapsed 7-day window. Quality score (0..100) = 50 + 50 * mean(clamp(excess_7d / 1%, -1, 1)):
//   50 = no better than holding still, 100 = every decision beat holding still by 1% or more in 7 days.

import { DAY } from "./returns";

export interface SnapshotRow {
  block: bigint;
  timestamp: number;
  nav: number;
  index: number;
  holdings: { token: string; balance: string; valueUsd18: string }[];
  prices: Record<string, string>;
}
export interface DecisionRow {
  id: string;
  txHash: string;
  block: bigint;
  timestamp: number;
  decisionHash: string;
  recordedBy: string | null;
}
export interface TxJoin {
  kind: "module" | "owner" | "unknown";
  from: string | null;
  agent: string | null;
  navBefore: number | null;
  navAfter: number | null;
  sizeUsd: number | null;
  gasUsd: number | null;
  safeTxHash: string | null;
}

export const HORIZONS = [1, 7, 30] as const;
export const SCORE_HORIZON = 7;
export const METHOD =
  "before = last snapshot before the decision's block; for h in 1,7,30 days later = last snapshot at or before t+h (once indexed history reaches t+h); " +
  "actual = I(later)/I(before)-1 on the TWR index (net of external flows); holding still = sum_i B_i*u_i(later)/sum_i B_i*u_i(before)-1 " +
  "over the holdings at `before` (u = value per unit); excess = actual - holding; win = excess_7d > 0; " +
  "score = 50 + 50*mean(clamp(excess_7d/0.01, -1, 1)) over decisions with an elapsed 7-day window (50 = as good as holding still).";

const f18 = (s: string) => Number(s) / 1e18;

/** Per-unit value (USD per raw unit) of every holding in a snapshot with a balance. */
function unitValues(s: SnapshotRow): Map<string, number> {
  const m = new Map<string, number>();
  for (const h of s.holdings) {
    const bal = Number(h.balance);
    if (bal > 0) m.set(h.token, f18(h.valueUsd18) / bal);
  }
  return m;
}

/** Value at `later` of the holdings at `before`, and at `before`. */
export function holdingStill(before: SnapshotRow, later: SnapshotRow, decimalsOf: (token: string) => number | undefined, underlyingOf: (token: string) => string | undefined): number | null {
  const uLater = unitValues(later);
  const uBefore = unitValues(before);
  let v0 = 0;
  let v1 = 0;
  for (const h of before.holdings) {
    const bal = Number(h.balance);
    if (!(bal > 0)) continue;
    const u0 = uBefore.get(h.token)!;
    let u1 = uLater.get(h.token);
    if (u1 === undefined) {
      const dec = decimalsOf(h.token);
      const p = later.prices[h.token];
      if (dec !== undefined && p) u1 = f18(p) / 10 ** dec;
      else {
        const und = underlyingOf(h.token);
        const p0 = und && before.prices[und];
        const p1 = und && later.prices[und];
        u1 = p0 && p1 ? (u0 * f18(p1)) / f18(p0) : u0;
      }
    }
    v0 += bal * u0;
    v1 += bal * u1;
  }
  return v0 > 0 ? v1 / v0 - 1 : null;
}

/** Last snapshot with block < b (binary search over snapshots sorted by block). */
export function lastBefore<T extends { block: bigint }>(rows: T[], b: bigint): T | undefined {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (rows[mid].block < b) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 ? rows[lo - 1] : undefined;
}

/** Last snapshot with timestamp <= t. */
export function lastAtOrBeforeTime<T extends { timestamp: number }>(rows: T[], t: number): T | undefined {
  let lo = 0;
  let hi = rows.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (rows[mid].timestamp <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo > 0 ? rows[lo - 1] : undefined;
}

/**
 * A decision's outcome over a horizon: its return minus holding still's over the same days (null when
 * holding still cannot be valued). The one definition for the indexer (snapshots, judge below) and
 * the backtest (weights and market series, agent/src/learn/outcomes.ts).
 */
export const excessOver = (actual: number, holding: number | null): number | null => (holding === null ? null : actual - holding);

export interface Judged {
  horizonDays: number;
  actual: number;
  holding: number | null;
  excess: number | null;
  navLater: number;
  atTimestamp: number;
}

export function judge(
  d: DecisionRow,
  snapshots: SnapshotRow[],
  decimalsOf: (token: string) => number | undefined,
  underlyingOf: (token: string) => string | undefined,
): { before?: SnapshotRow; after?: SnapshotRow; later: Record<string, Judged | null> } {
  const before = lastBefore(snapshots, d.block);
  const after = snapshots.find((s) => s.block === d.block);
  const latest = snapshots[snapshots.length - 1];
  const later: Record<string, Judged | null> = {};
  for (const h of HORIZONS) {
    const target = d.timestamp + h * DAY;
    if (!before || !latest || latest.timestamp < target) {
      later[`${h}d`] = null;
      continue;
    }
    const l = lastAtOrBeforeTime(snapshots, target)!;
    const actual = l.index / before.index - 1;
    const holding = holdingStill(before, l, decimalsOf, underlyingOf);
    later[`${h}d`] = { horizonDays: h, actual, holding, excess: excessOver(actual, holding), navLater: l.nav, atTimestamp: l.timestamp };
  }
  return { before, after, later };
}

/** Win rate and quality score over judged decisions (excess at SCORE_HORIZON). */
export function score(excesses: (number | null)[]): { scored: number; wins: number; winRate: number | null; qualityScore: number | null } {
  const xs = excesses.filter((x): x is number => x !== null);
  if (xs.length === 0) return { scored: 0, wins: 0, winRate: null, qualityScore: null };
  const wins = xs.filter((x) => x > 0).length;
  const m = xs.reduce((a, x) => a + Math.max(-1, Math.min(1, x / 0.01)), 0) / xs.length;
  return { scored: xs.length, wins, winRate: wins / xs.length, qualityScore: 50 + 50 * m };
}
