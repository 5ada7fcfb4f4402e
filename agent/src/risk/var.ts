// Risk on top of the chain's rules (pure): one-day historical VaR at 95% from replayed daily
// closes, and a drawdown stop. Weights are fractions of NAV net of debt: what borrowed cash bought
// counts in full, so a levered portfolio's VaR is higher. Stable sleeves (cash, Aave, vaults, PT) are
// taken as flat over one day: their risk is protocol risk, which the caps bound, not daily price moves.
import type { Position, Weights } from "../strategy/types";

/** Daily simple returns of a close series (oldest first); gaps (null / non-positive) are skipped. */
export function dailyReturns(closes: (number | null)[]): number[] {
  const out: number[] = [];
  for (let i = 1; i < closes.length; i++) {
    const a = closes[i - 1];
    const b = closes[i];
    if (a && b && a > 0 && b > 0) out.push(b / a - 1);
  }
  return out;
}

/**
 * Historical one-day VaR as a positive fraction of NAV: the loss not exceeded on `confidence` of the
 * replayed days, for today's weights (volatile sleeves move with their asset, the rest is flat).
 * Needs at least 30 days common to every volatile series; otherwise throws (no number beats a made-up one).
 */
export function historicalVar(weights: Weights, closes: Partial<Record<Position, (number | null)[]>>, confidence = 0.95, lookbackDays = 365): number {
  // Non-zero, not positive: a volatile debt (a short, weight below 0) moves against the treasury too.
  const volatile = (Object.keys(closes) as Position[]).filter((k) => weights[k] !== 0);
  if (volatile.length === 0) return 0;
  const series = volatile.map((k) => closes[k]!.slice(-(lookbackDays + 1)));
  const n = Math.min(...series.map((s) => s.length));
  const pnl: number[] = [];
  for (let t = 1; t < n; t++) {
    let r = 0;
    let ok = true;
    volatile.forEach((k, j) => {
      const s = series[j].slice(-n);
      const a = s[t - 1];
      const b = s[t];
      if (!a || !b) ok = false;
      else r += weights[k] * (b / a - 1);
    });
    if (ok) pnl.push(r);
  }
  if (pnl.length < 30) throw new Error(`VaR needs at least 30 days of prices for ${volatile.join(", ")}; got ${pnl.length}`);
  pnl.sort((a, b) => a - b);
  const idx = Math.floor((1 - confidence) * pnl.length);
  return Math.max(0, -pnl[idx]);
}

export interface DrawdownStop {
  stop: boolean;
  /** Current drawdown from the running peak, a fraction (0.12 = 12% under the peak). */
  drawdown: number;
  peak: number;
}

/** Stops risk-taking while equity is `maxDrawdown` or more under its running peak. */
export function drawdownStop(equity: number[], maxDrawdown: number): DrawdownStop {
  if (!(maxDrawdown > 0 && maxDrawdown < 1)) throw new Error(`maxDrawdown must be a fraction in (0, 1), got ${maxDrawdown}`);
  let peak = 0;
  for (const e of equity) if (e > peak) peak = e;
  const last = equity.length ? equity[equity.length - 1] : 0;
  const drawdown = peak > 0 ? 1 - last / peak : 0;
  // 1e-12: 1 - 108/120 is 0.0999…98 in floating point; a 10% drop must stop a 10% limit.
  return { stop: drawdown >= maxDrawdown - 1e-12, drawdown, peak };
}
