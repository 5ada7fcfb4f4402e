// The quarterly-expiry tactical play of the original plan, usable on top of any strategy: seven
// days before a quarterly expiry (last Friday of Mar/Jun/Sep/Dec) look at the setup (trend, funding,
// Fear & Greed, volatility; max pain when a live options source gives it); if it is good, borrow USDC
// on Aave against the treasury's collateral and buy BTC; leave 24–48 h after the expiry or at a
// target, repaying first. Pure: data in, data out. The overlay is `Decision.leverage` (types.ts).
import { isoOf, lastFriday, nextQuarterlyExpiry } from "../../market/calendar";
import type { MarketView } from "../../market/types";
import type { Config } from "../config";
import { CapLimits, capLimits } from "../caps";
import { latest, realisedVol, sma, sumLast } from "../indicators";
import { Decision, Leverage, Reason, Strategy, StrategyInput, StrategyOutput, volatileWeight, Weights } from "../types";

export interface ExpiryParams {
  /** Evaluate the setup once, on the first decision day this many days (or fewer) before the expiry. */
  windowDays: number;
  /** Leave on the decision day this many days after the expiry: it fills at that day's close, about
   * 40 h after the 08:00 UTC settlement for 1 (within the plan's 24–48 h). */
  exitDaysAfter: number;
  /** The plan's "about $80K" of $400K: the debt asked for, as a fraction of NAV, before the limits. */
  size: number;
  /** Leave early once BTC closed this far above the close known at entry. */
  target: number;
  trendDays: number;
  /** Funding over 7 days at/above this: longs are crowded, no entry. */
  maxFunding7: number;
  /** Fear & Greed at/above this: greed, no entry. */
  maxFearGreed: number;
  /** 30-day realised volatility above this: a liquidation-prone market, no entry. */
  maxVol30: number;
  /** BTC close more than this far above max pain (when known): settlement pulls down, no entry. */
  maxAboveMaxPain: number;
  /** The treasury's health-factor floor (guardrail settings: minHealthFactor) plus a margin. */
  minHealthFactor: number;
  healthMargin: number;
  /** Below this (fraction of NAV) the position is not worth its gas: no entry. */
  minBorrow: number;
}

/** Fixed before any run on the judged window: the plan's own numbers where it has them
 * (7 days, $80K, 24–48 h), the seed strategy's thresholds for funding, sentiment and volatility. */
export const EXPIRY_PARAMS: ExpiryParams = {
  windowDays: 7,
  exitDaysAfter: 1,
  size: 0.2,
  target: 0.08,
  trendDays: 50,
  maxFunding7: 0.0045,
  maxFearGreed: 75,
  maxVol30: 0.8,
  maxAboveMaxPain: 0.03,
  minHealthFactor: 1.6,
  healthMargin: 0.2,
  minBorrow: 0.01,
};

/**
 * Aave risk parameters of the collateral (liquidation threshold, liquidation bonus), as the local
 * world configures its reserves (scripts/world/aave.ts RISK; a test holds them equal).
 */
export const AAVE_COLLATERAL = {
  usdc: { liquidationThreshold: 0.8, bonus: 1.05 },
  btc: { liquidationThreshold: 0.78, bonus: 1.065 },
  eth: { liquidationThreshold: 0.825, bonus: 1.05 },
} as const;

/** Quarterly expiry days (last Friday of Mar/Jun/Sep/Dec) from `fromDay` to `toDay`, both included. */
export function quarterlyExpiries(fromDay: number, toDay: number): number[] {
  const out: number[] = [];
  for (let e = nextQuarterlyExpiry(fromDay); e <= toDay; e = nextQuarterlyExpiry(e + 1)) out.push(e);
  return out;
}

/** The last quarterly expiry strictly before `day`. */
export function previousQuarterlyExpiry(day: number): number {
  const d = new Date(day * 86_400_000);
  let y = d.getUTCFullYear();
  let m = Math.ceil((d.getUTCMonth() + 1) / 3) * 3;
  for (;;) {
    const e = lastFriday(y, m);
    if (e < day) return e;
    m -= 3;
    if (m < 3) {
      m = 12;
      y -= 1;
    }
  }
}

/**
 * Largest debt (fraction of NAV) the limits allow on top of `targets`: gross volatile within the
 * volatile cap, the bought asset within the position cap, and the health factor — collateral is the
 * Aave USDC supply plus the bought BTC supplied, each weighted by its liquidation threshold — at or
 * above the floor plus the margin: (a·LTusdc + b·LTbtc) / b ≥ F ⇔ b ≤ a·LTusdc / (F − LTbtc).
 */
export function borrowRoom(targets: Weights, lim: CapLimits, p: ExpiryParams): { room: number; bound: string } {
  const f = p.minHealthFactor + p.healthMargin;
  const lb = AAVE_COLLATERAL.btc.liquidationThreshold;
  const byCap = lim.volatile - volatileWeight(targets);
  const byPosition = lim.position - targets.btc;
  const byHealth = f > lb ? (targets.aaveUsdc * AAVE_COLLATERAL.usdc.liquidationThreshold) / (f - lb) : Infinity;
  const all: [number, string][] = [
    [p.size, `the play's size ${(p.size * 100).toFixed(0)}%`],
    [byCap, `the volatile cap (${(lim.volatile * 100).toFixed(2)}% gross)`],
    [byPosition, `the position cap (${(lim.position * 100).toFixed(2)}%)`],
    [byHealth, `the health factor ≥ ${f.toFixed(2)}`],
  ];
  const [room, bound] = all.reduce((a, b) => (b[0] < a[0] ? b : a));
  return { room: Math.max(0, room), bound };
}

export interface ExpiryState {
  /** The expiry whose setup was already judged (ISO), so it is judged once. */
  evaluated?: string;
  open?: { play: string; expiry: number; refClose: number; borrow: number };
}

export interface ExpiryStep {
  leverage?: Leverage;
  reasons: Reason[];
  /** Non-empty when the debt should change now (entry, exit): a rebalance trigger. */
  signals: string[];
  state: ExpiryState;
}

/** The setup's verdict and its reasons (the inputs the play is allowed to use, all known before D). */
export function judgeSetup(view: MarketView, p: ExpiryParams): { good: boolean; reasons: Reason[] } {
  const s = view.series;
  const close = latest(s.btc)?.value ?? null;
  const trend = sma(s.btc, p.trendDays);
  const f7 = sumLast(s.funding, 7);
  const fg = latest(s.fearGreed)?.value ?? null;
  const vol = realisedVol(s.btc, 30);
  const mp = view.options?.maxPain;
  const checks: [boolean, Reason][] = [
    [
      close !== null && trend !== null && close > trend,
      {
        indicator: `expiry:sma${p.trendDays}`,
        value: trend,
        says: trend === null || close === null ? "trend not known: no entry" : close > trend ? "BTC above its trend" : "BTC below its trend: no entry",
      },
    ],
    [
      f7 !== null && f7 < p.maxFunding7,
      {
        indicator: "expiry:funding7d",
        value: f7,
        says: f7 === null ? "funding not known: no entry" : f7 < p.maxFunding7 ? "funding not overheated" : "funding overheated (crowded longs): no entry",
      },
    ],
    [
      fg !== null && fg < p.maxFearGreed,
      {
        indicator: "expiry:fearGreed",
        value: fg,
        says: fg === null ? "Fear & Greed not known: no entry" : fg < p.maxFearGreed ? "sentiment not greedy" : "greed: no entry",
      },
    ],
    [
      vol !== null && vol <= p.maxVol30,
      {
        indicator: "expiry:vol30",
        value: vol,
        says: vol === null ? "volatility not known: no entry" : vol <= p.maxVol30 ? "volatility acceptable" : "volatility too high: no entry",
      },
    ],
  ];
  if (mp !== undefined && close !== null) {
    const ok = close <= mp * (1 + p.maxAboveMaxPain);
    checks.push([
      ok,
      {
        indicator: "expiry:maxPain",
        value: mp,
        says: ok ? `BTC ${close.toFixed(0)} at or below max pain ${mp} (${view.options?.maxPainSource ?? "options"})` : `BTC ${close.toFixed(0)} well above max pain ${mp}: no entry`,
      },
    ]);
  } else {
    // Replay has no options data: the rule runs on the other inputs and says so.
    checks.push([true, { indicator: "expiry:maxPain", value: null, says: "max pain: no source (rule judged without it)" }]);
  }
  return { good: checks.every(([ok]) => ok), reasons: checks.map(([, r]) => r) };
}

/**
 * One day of the play. `targets` are the base strategy's (unlevered) targets for the day;
 * `held` the debt before the decision. Entry once per expiry inside the window; exit at
 * expiry + exitDaysAfter or at the target; the debt never exceeds what the limits allow that day.
 */
export function expiryStep(
  view: MarketView,
  targets: Weights,
  lim: CapLimits,
  held: StrategyInput["leverage"],
  prev: ExpiryState,
  p: ExpiryParams = EXPIRY_PARAMS,
  canEnter = true,
): ExpiryStep {
  const day = view.day;
  const state: ExpiryState = { ...prev };
  const reasons: Reason[] = [];
  const signals: string[] = [];
  const owed = held && held.borrow > 0 ? held.borrow : 0;
  const close = latest(view.series.btc)?.value ?? null;
  if (state.open) {
    const o = state.open;
    const exitDay = o.expiry + p.exitDaysAfter;
    if (owed === 0) {
      reasons.push({ indicator: "expiry:position", value: 0, says: `${o.play}: no debt left (liquidated or repaid outside the play): closed` });
      state.open = undefined;
      return { reasons, signals, state };
    }
    const hit = close !== null && close >= o.refClose * (1 + p.target);
    if (day >= exitDay || hit) {
      const why = hit ? `target +${(p.target * 100).toFixed(0)}% reached` : `${day - o.expiry} day(s) after the ${isoOf(o.expiry)} expiry`;
      signals.push(`${o.play}: exit (${why}), repay the debt first`);
      reasons.push({ indicator: "expiry:exit", value: owed, says: `${o.play}: ${why}; sell BTC and repay the ${(owed * 100).toFixed(1)}% debt` });
      state.open = undefined;
      return { leverage: { borrow: 0, buy: held!.buy, play: o.play }, reasons, signals, state };
    }
    // Still open: keep the debt as it is, unless the base strategy's targets took the room.
    const { room, bound } = borrowRoom(targets, lim, { ...p, size: Infinity });
    if (owed > room + 1e-9 && room < p.minBorrow) {
      // The base strategy's own targets took the room: the play ends here, repaying first.
      signals.push(`${o.play}: exit (the base targets leave no room under ${bound}), repay the debt first`);
      reasons.push({ indicator: "expiry:exit", value: owed, says: `${o.play}: no room left under ${bound}; sell BTC and repay the ${(owed * 100).toFixed(1)}% debt` });
      state.open = undefined;
      return { leverage: { borrow: 0, buy: held!.buy, play: o.play }, reasons, signals, state };
    }
    if (owed > room + 1e-9) {
      signals.push(`${o.play}: reduce the debt to ${(room * 100).toFixed(1)}% (${bound})`);
      reasons.push({ indicator: "expiry:position", value: room, says: `${o.play}: limited by ${bound}` });
      return { leverage: { borrow: room, buy: held!.buy, play: o.play }, reasons, signals, state };
    }
    reasons.push({ indicator: "expiry:position", value: owed, says: `${o.play}: open, ${(owed * 100).toFixed(1)}% of NAV borrowed; exit ${isoOf(exitDay)} or at the target` });
    return { leverage: { borrow: owed, buy: held!.buy, play: o.play }, reasons, signals, state };
  }
  if (owed > 0) {
    // Debt the play does not know of (e.g. after a restart): the safe side is to repay it.
    signals.push("debt without an open play: repay");
    reasons.push({ indicator: "expiry:position", value: owed, says: "debt without an open play: repay it" });
    return { leverage: { borrow: 0, buy: held!.buy, play: "expiry: repay unknown debt" }, reasons, signals, state };
  }
  const expiry = nextQuarterlyExpiry(day);
  const toExpiry = expiry - day;
  const key = isoOf(expiry);
  if (toExpiry < 1 || toExpiry > p.windowDays || state.evaluated === key || !canEnter) return { reasons, signals, state };
  state.evaluated = key;
  const play = `expiry ${key}`;
  const setup = judgeSetup(view, p);
  reasons.push(...setup.reasons);
  if (!setup.good) {
    reasons.push({ indicator: "expiry:entry", value: 0, says: `${play}: setup not good, no position` });
    return { reasons, signals, state };
  }
  const { room, bound } = borrowRoom(targets, lim, p);
  if (room < p.minBorrow) {
    reasons.push({ indicator: "expiry:entry", value: room, says: `${play}: setup good but no room (${bound}): no position` });
    return { reasons, signals, state };
  }
  state.open = { play, expiry, refClose: close!, borrow: room };
  signals.push(`${play}: borrow ${(room * 100).toFixed(1)}% of NAV in USDC, buy BTC (limited by ${bound})`);
  reasons.push({ indicator: "expiry:entry", value: room, says: `${play}: setup good; borrow ${(room * 100).toFixed(1)}% of NAV, limited by ${bound}` });
  return { leverage: { borrow: room, buy: "btc", play }, reasons, signals, state };
}

interface WrapState {
  base: unknown;
  play: ExpiryState;
}

/** `base` with the expiry play on top: same targets, plus the play's leverage and reasons. */
export function withExpiryPlay(base: Strategy, c: Config, p: ExpiryParams = EXPIRY_PARAMS, name = `${base.name}+expiry`): Strategy {
  const lim = capLimits(c);
  return {
    name,
    description: `${base.description}; quarterly-expiry play (borrow USDC, buy BTC, 7 days before, out 1 day after)`,
    benchmark: base.benchmark,
    needs: base.needs,
    decide(input: StrategyInput): StrategyOutput {
      const st = (input.state ?? { base: undefined, play: {} }) as WrapState;
      const out = base.decide({ ...input, state: st.base });
      const d: Decision = { ...out.decision, strategy: name };
      // On a hold day no entry (data is missing or rejected); exits and repays still go ahead.
      const step = expiryStep(input.view, d.targets, lim, input.leverage, st.play, p, !d.hold);
      d.reasons = [...d.reasons, ...step.reasons];
      if (step.leverage) d.leverage = step.leverage;
      if (step.signals.length) {
        d.triggers = [...d.triggers, ...step.signals];
        d.rebalance = true;
      }
      return { decision: d, state: { base: out.state, play: step.state } };
    },
  };
}
