// Day-by-day simulation of one strategy over history, without a chain. Each day D: the strategy
// decides from the market as known before D (closes up to D-1), D's yield accrues, and a rebalance
// fills at D's close — never at the close that produced the signal. Costs: swap fee + slippage on
// the volatile notional traded, gas per rebalance.
import type { Config } from "../strategy/config";
import { Decision, Position, POSITIONS, Strategy, Weights, zeroWeights } from "../strategy/types";
import type { MarketHistory } from "../market/types";
import { viewAt } from "../market/view";

export interface Move {
  day: number;
  /** Volatile share after minus before. */
  delta: number;
  btcShare: number;
  cost: number;
}

export interface RunResult {
  name: string;
  description: string;
  firstDay: number;
  initial: number;
  equity: Float64Array;
  trades: number;
  feesUsd: number;
  gasUsd: number;
  tradedUsd: number;
  moves: Move[];
  decisions?: Decision[];
}

export interface RunOptions {
  keepDecisions?: boolean;
  /** Called with every decision (tests use it to check caps and look-ahead). */
  onDecision?: (d: Decision) => void;
  /** USD held per position before the first day (default: c.capitalUsd all in USDC). The chain
   * replay starts from the treasury's real holdings; BTC and ETH are valued at the last close. */
  initialUsd?: Partial<Record<Position, number>>;
}

export function runStrategy(
  h: MarketHistory,
  strategy: Strategy,
  fromDay: number,
  toDay: number,
  c: Config,
  opts: RunOptions = {},
): RunResult {
  const n = toDay - fromDay + 1;
  const equity = new Float64Array(n);
  const { btc, eth, stableYield } = h.series;
  const vals: Record<Position, number> = opts.initialUsd ? { ...zeroWeights(), ...opts.initialUsd } : { ...zeroWeights(), usdc: c.capitalUsd };
  const initial = total(vals);
  let pxB = lastBefore(btc, fromDay - h.startDay);
  let pxE = lastBefore(eth, fromDay - h.startDay);
  let unitsBtc = vals.btc > 0 ? vals.btc / pxB : 0;
  let unitsEth = vals.eth > 0 ? vals.eth / pxE : 0;
  let state: unknown;
  let trades = 0;
  let feesUsd = 0;
  let gasUsd = 0;
  let tradedUsd = 0;
  const moves: Move[] = [];
  const decisions: Decision[] = [];
  const feeRate = (c.costs.swapFeeBps + c.costs.slippageBps) / 10_000;
  const w: Weights = zeroWeights();
  for (let k = 0; k < n; k++) {
    const day = fromDay + k;
    const i = day - h.startDay;
    // Weights as of yesterday's close: what the strategy can know.
    vals.btc = unitsBtc * (pxB || 0);
    vals.eth = unitsEth * (pxE || 0);
    const nav0 = total(vals);
    for (const p of POSITIONS) w[p] = nav0 > 0 ? vals[p] / nav0 : 0;
    const out = strategy.decide({ view: viewAt(h, day), current: { ...w }, state });
    state = out.state;
    const d = out.decision;
    if (opts.onDecision) opts.onDecision(d);
    if (opts.keepDecisions) decisions.push(d);
    // Day D's yield accrues during D, after the decision made at its start.
    const sy = i >= 0 && i < h.length ? stableYield[i] : Number.NaN;
    vals.aaveUsdc *= 1 + (Number.isNaN(sy) ? c.rates.aaveFallbackApr : sy) / 365;
    vals.pendlePt *= 1 + c.rates.pendlePtApr / 365;
    vals.vault *= 1 + c.rates.vaultApr / 365;
    const nb = i >= 0 && i < h.length ? btc[i] : Number.NaN;
    const ne = i >= 0 && i < h.length ? eth[i] : Number.NaN;
    const canFill = !Number.isNaN(nb) && !Number.isNaN(ne);
    if (!Number.isNaN(nb)) pxB = nb;
    if (!Number.isNaN(ne)) pxE = ne;
    vals.btc = unitsBtc * (pxB || 0);
    vals.eth = unitsEth * (pxE || 0);
    if (d.rebalance && canFill) {
      const nav = total(vals);
      const before = (vals.btc + vals.eth) / nav;
      let swap = 0;
      let moved = 0;
      for (const p of POSITIONS) {
        const delta = Math.abs(d.targets[p] * nav - vals[p]);
        moved += delta;
        if (p === "btc" || p === "eth") swap += delta;
      }
      const fee = swap * feeRate;
      const gas = c.costs.gasUsdPerRebalance;
      const after = nav - fee - gas;
      for (const p of POSITIONS) vals[p] = d.targets[p] * after;
      unitsBtc = vals.btc / pxB;
      unitsEth = vals.eth / pxE;
      trades++;
      feesUsd += fee;
      gasUsd += gas;
      tradedUsd += moved / 2;
      const delta = d.targets.btc + d.targets.eth - before;
      if (Math.abs(delta) >= 0.01 && nav0 > 0 && !(before === 0 && w.usdc > 0.999)) {
        const vol = d.targets.btc + d.targets.eth;
        moves.push({
          day,
          delta,
          btcShare: vol > 0 ? d.targets.btc / vol : w.btc / Math.max(1e-12, w.btc + w.eth),
          cost: (fee + gas) / nav,
        });
      }
    }
    equity[k] = total(vals);
  }
  return {
    name: strategy.name,
    description: strategy.description,
    firstDay: fromDay,
    initial,
    equity,
    trades,
    feesUsd,
    gasUsd,
    tradedUsd,
    moves,
    decisions: opts.keepDecisions ? decisions : undefined,
  };
}

/** The static-yield benchmark: the capital compounding at a fixed APY, no assets, no costs. */
export function runStaticYield(apy: number, fromDay: number, toDay: number, c: Config): RunResult {
  const n = toDay - fromDay + 1;
  const equity = new Float64Array(n);
  const g = Math.pow(1 + apy, 1 / 365);
  let v = c.capitalUsd;
  for (let k = 0; k < n; k++) equity[k] = v *= g;
  const name = `static-${+(apy * 100).toFixed(2)}%`;
  return {
    name,
    description: `stablecoins at a fixed ${apy * 100}% APY`,
    firstDay: fromDay,
    initial: c.capitalUsd,
    equity,
    trades: 0,
    feesUsd: 0,
    gasUsd: 0,
    tradedUsd: 0,
    moves: [],
  };
}

function total(v: Record<Position, number>): number {
  let s = 0;
  for (const p of POSITIONS) s += v[p];
  return s;
}

function lastBefore(s: Float64Array, end: number): number {
  for (let i = Math.min(end, s.length) - 1; i >= 0; i--) if (!Number.isNaN(s[i])) return s[i];
  return Number.NaN;
}
