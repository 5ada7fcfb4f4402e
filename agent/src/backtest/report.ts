// A run turned into a result row: metrics, costs, turnover and the win rate of tactical moves.
import type { Config } from "../strategy/config";
import type { MarketHistory } from "../market/types";
import { computeMetrics, Metrics } from "./metrics";
import type { RunResult } from "./engine";

export interface ResultRow extends Metrics {
  name: string;
  description: string;
  benchmark: boolean;
  /** Value traded per year, as a fraction of the average equity. */
  turnover: number;
  feesUsd: number;
  gasUsd: number;
  trades: number;
  /** Tactical moves (volatile share changed ≥ 1 point) judged 30 days later; null when none could be judged. */
  tacticalMoves: number;
  winRate: number | null;
  /** Interest paid on Aave debt (leveraged plays), USD. */
  borrowCostUsd: number;
  /** Liquidations modelled on daily lows. */
  liquidations: number;
}

export const WIN_HORIZON_DAYS = 30;

/**
 * A move wins when, 30 days on, it beat not moving: Δ(volatile share) × (sleeve return − stable
 * return) − its cost > 0. Moves whose 30 days run past the end of the run are not judged.
 */
export function winRate(r: RunResult, h: MarketHistory, c: Config, lastDay: number): { judged: number; rate: number | null } {
  let judged = 0;
  let wins = 0;
  const { btc, eth, stableYield } = h.series;
  for (const m of r.moves) {
    const end = m.day + WIN_HORIZON_DAYS;
    if (end > lastDay) continue;
    const i0 = m.day - h.startDay;
    const i1 = end - h.startDay;
    const rb = btc[i1] / btc[i0] - 1;
    const re = eth[i1] / eth[i0] - 1;
    if (!Number.isFinite(rb) || !Number.isFinite(re)) continue;
    const sleeve = m.btcShare * rb + (1 - m.btcShare) * re;
    let stable = 0;
    for (let i = i0 + 1; i <= i1; i++) stable += (Number.isNaN(stableYield[i]) ? c.rates.aaveFallbackApr : stableYield[i]) / 365;
    judged++;
    if (m.delta * (sleeve - stable) - m.cost > 0) wins++;
  }
  return { judged, rate: judged ? wins / judged : null };
}

export function toRow(r: RunResult, h: MarketHistory | null, c: Config, benchmark: boolean): ResultRow {
  const m = computeMetrics(r.initial, r.equity, r.firstDay, c.rates.riskFree);
  let avg = 0;
  for (let k = 0; k < r.equity.length; k++) avg += r.equity[k];
  avg /= Math.max(1, r.equity.length);
  const years = r.equity.length / 365;
  const wr = h ? winRate(r, h, c, r.firstDay + r.equity.length - 1) : { judged: 0, rate: null };
  return {
    name: r.name,
    description: r.description,
    benchmark,
    ...m,
    turnover: avg > 0 && years > 0 ? r.tradedUsd / avg / years : 0,
    feesUsd: r.feesUsd,
    gasUsd: r.gasUsd,
    trades: r.trades,
    tacticalMoves: wr.judged,
    winRate: wr.rate,
    borrowCostUsd: r.borrowCostUsd,
    liquidations: r.liquidations,
  };
}
