// Day-by-day simulation of one strategy over history, without a chain. Each day D: the strategy
// decides from the market as known before D (closes up to D-1), D's yield accrues, and a rebalance
// fills at D's close — never at the close that produced the signal. Costs: swap fee + slippage on
// the volatile notional traded, gas per rebalance. A decision's leverage (Aave debt bought into BTC
// or ETH) is modelled in leverage.ts: interest accrues daily, the day's low may liquidate, leaving
// repays before the targets are traded to, entering comes after.
import type { Config } from "../strategy/config";
import { Decision, Position, POSITIONS, Strategy, Weights, zeroWeights } from "../strategy/types";
import type { MarketHistory } from "../market/types";
import { viewAt } from "../market/view";
import { borrowApr, borrowCost, Collateral, liquidateAtLow } from "./leverage";

/** One leveraged position of a play, from entry to exit: the play's own result. */
export interface PlayOutcome {
  play: string;
  buy: "btc" | "eth";
  entryDay: number;
  /** null while still open at the end of the run. */
  exitDay: number | null;
  borrowedUsd: number;
  borrowCostUsd: number;
  feesUsd: number;
  liquidations: number;
  /** What the leg added to NAV: sale − debt repaid − its fees and gas (liquidation losses included). */
  pnlUsd: number;
}

interface LevState {
  buy: "btc" | "eth";
  units: number;
  debt: number;
  out: PlayOutcome;
  /** Value paid in at entry beyond the debt (fees, gas), to net out of the result. */
  paid: number;
}

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
  /** Interest paid on Aave debt (USD). */
  borrowCostUsd: number;
  /** Liquidation calls modelled on daily lows. */
  liquidations: number;
  plays: PlayOutcome[];
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
  let lev: LevState | null = null;
  let borrowCostUsd = 0;
  let liquidations = 0;
  const plays: PlayOutcome[] = [];
  const lowB = h.lows?.btc;
  const lowE = h.lows?.eth;
  const levPx = (a: "btc" | "eth") => (a === "btc" ? pxB : pxE);
  const spreadBook = (usd: number) => {
    spread(vals, usd);
    if (pxB > 0) unitsBtc = vals.btc / pxB;
    if (pxE > 0) unitsEth = vals.eth / pxE;
  };
  /** Sells the levered units (fee) and repays the debt; what is left (or missing) goes pro rata to the book. */
  const closeLev = (day: number) => {
    if (!lev) return;
    const gross = lev.units * (levPx(lev.buy) || 0);
    const fee = gross * feeRate;
    const gas = c.costs.gasUsdPerRebalance;
    spreadBook(gross - fee - gas - lev.debt);
    feesUsd += fee;
    gasUsd += gas;
    lev.out.feesUsd += fee + gas;
    lev.out.pnlUsd = gross - fee - gas - lev.debt - lev.paid;
    lev.out.exitDay = day;
    lev = null;
  };
  for (let k = 0; k < n; k++) {
    const day = fromDay + k;
    const i = day - h.startDay;
    // Weights as of yesterday's close: what the strategy can know.
    vals.btc = unitsBtc * (pxB || 0);
    vals.eth = unitsEth * (pxE || 0);
    const nav0 = total(vals);
    for (const p of POSITIONS) w[p] = nav0 > 0 ? vals[p] / nav0 : 0;
    // The debt as the strategy can know it: valued at yesterday's close, as a fraction of NAV.
    const navL = nav0 + (lev ? lev.units * (levPx(lev.buy) || 0) - lev.debt : 0);
    const held = lev && navL > 0 ? { borrow: lev.debt / navL, buy: lev.buy } : undefined;
    const out = strategy.decide({ view: viewAt(h, day), current: { ...w }, state, ...(held ? { leverage: held } : {}) });
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
    if (lev) {
      // Day D's interest, then D's low against the health factor (collateral: the Aave USDC supply
      // and the bought asset, supplied).
      const cost = borrowCost(lev.debt, borrowApr(sy, c));
      lev.debt += cost;
      borrowCostUsd += cost;
      lev.out.borrowCostUsd += cost;
      const lowSeries = lev.buy === "btc" ? lowB : lowE;
      const low = lowSeries && i >= 0 && i < h.length && !Number.isNaN(lowSeries[i]) ? lowSeries[i] : levPx(lev.buy);
      const coll: Collateral[] = [
        { asset: "usdc", units: vals.aaveUsdc },
        { asset: lev.buy, units: lev.units },
      ];
      const r = liquidateAtLow(coll, { usdc: 1, btc: lev.buy === "btc" ? low : Number.NaN, eth: lev.buy === "eth" ? low : Number.NaN }, lev.debt);
      if (r.liquidations) {
        liquidations += r.liquidations;
        lev.out.liquidations += r.liquidations;
        lev.units = r.collateral[1].units;
        vals.aaveUsdc = r.collateral[0].units;
        lev.debt = r.debtUsd;
        if (lev.debt <= 1e-6) {
          // Fully repaid by liquidators: what is left of the asset returns to the book.
          lev.out.pnlUsd = lev.units * (levPx(lev.buy) || 0) - lev.debt - lev.paid;
          spreadBook(lev.units * (levPx(lev.buy) || 0) - lev.debt);
          lev.out.exitDay = day;
          lev = null;
        }
      }
    }
    const navNow = () => total(vals) + (lev ? lev.units * (levPx(lev.buy) || 0) - lev.debt : 0);
    const want = d.leverage && d.leverage.borrow > 0 ? d.leverage : null;
    // Leaving (or shrinking, or switching asset) repays first: before the targets are traded to.
    if (lev && canFill) {
      if (!want || want.buy !== lev.buy) closeLev(day);
      else if (want.borrow * navNow() < lev.debt - c.rebalance.minTradePct * navNow()) {
        const repay = lev.debt - want.borrow * navNow();
        const units = repay / (levPx(lev.buy) * (1 - feeRate));
        const fee = units * levPx(lev.buy) * feeRate;
        lev.units -= Math.min(units, lev.units);
        lev.debt -= repay;
        feesUsd += fee;
        lev.out.feesUsd += fee;
        lev.paid += fee;
      }
    }
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
    if (want && canFill && !lev) {
      const nav = navNow();
      const debt = want.borrow * nav;
      const fee = debt * feeRate;
      const gas = c.costs.gasUsdPerRebalance;
      spreadBook(-gas);
      feesUsd += fee;
      gasUsd += gas;
      const o: PlayOutcome = { play: want.play, buy: want.buy, entryDay: day, exitDay: null, borrowedUsd: debt, borrowCostUsd: 0, feesUsd: fee + gas, liquidations: 0, pnlUsd: 0 };
      plays.push(o);
      lev = { buy: want.buy, units: (debt - fee) / levPx(want.buy), debt, out: o, paid: gas };
    }
    equity[k] = navNow();
    if (lev) lev.out.pnlUsd = lev.units * (levPx(lev.buy) || 0) - lev.debt - lev.paid;
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
    borrowCostUsd,
    liquidations,
    plays,
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
    borrowCostUsd: 0,
    liquidations: 0,
    plays: [],
  };
}

/** Adds `usd` (negative: takes it) across the book in proportion to each position. */
function spread(v: Record<Position, number>, usd: number): void {
  const t = total(v);
  if (t <= 0) {
    v.usdc += usd;
    return;
  }
  const k = 1 + usd / t;
  for (const p of POSITIONS) v[p] *= k;
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
