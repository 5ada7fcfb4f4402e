// How much USDC the batch leaves owed to Aave (pure): the strategy's Leverage overlay (a fraction of
// NAV to borrow and buy BTC or ETH with) sized down to what the owners enabled and the limits allow:
// borrowing enabled on chain (rule + registered debt), the volatile cap on gross exposure
// (volatileWeight(targets) + borrow), the per-position cap on what it buys, and the health factor
// floor plus a margin over the collateral left after the rebalance (each reserve weighted by its
// liquidation threshold, and within its LTV, as Aave itself checks). Leaving (borrow 0 or no
// leverage asked) repays everything.
import type { Deployment } from "../../../lib/chain/deployments";
import type { Borrowing } from "../chain/borrowing";
import type { Portfolio } from "../chain/types";
import { volatileWeight, type Leverage, type Position, type Weights } from "../strategy/types";
import { usdNum } from "./types";

export interface LeverageSizing {
  /** The sleeve the debt bought (and that is sold first to repay); null: no debt and none asked. */
  sleeve: "btc" | "eth" | null;
  /** USDC owed now and after the batch (18-decimal USD). */
  debtUsd: bigint;
  wantUsd: bigint;
  /** What the strategy asked for (0 when nothing). */
  requestedUsd: bigint;
  /** Each limit as the most debt it allows (USD, 18 d.). */
  limits: { volatileCapUsd: bigint; positionCapUsd: bigint; healthFactorUsd: bigint };
  /** Asked for but not planned: borrowing is not enabled on chain (the decision's reasons say so). */
  refused: string | null;
  /** One line for the decision's reasons and the plan's. */
  reason: string;
}

const E18 = 10n ** 18n;
const BPS = 10_000n;
const eq = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
const frac = (x: number, nav: bigint) => (BigInt(Math.round(x * 1e9)) * nav) / 10n ** 9n;
const min = (...xs: bigint[]) => xs.reduce((a, b) => (b < a ? b : a));
const pos0 = (x: bigint) => (x > 0n ? x : 0n);
const $ = (x: bigint) => `$${Math.round(usdNum(x)).toLocaleString("en-US")}`;

/** The Safe's USDC variable debt (USD, 18 d.) as the portfolio read it. */
export function usdcDebtUsd(p: Portfolio, d: Deployment): bigint {
  const usdc = d.tokens.USDC;
  return p.positions.filter((x) => x.kind === "aaveDebt" && !!usdc && eq(x.underlying, usdc)).reduce((s, x) => s + x.valueUsd, 0n);
}

export function sizeLeverage(o: {
  portfolio: Portfolio;
  deployment: Deployment;
  target: Weights;
  /** Current USD per sleeve (18 d.), debt counted negatively (sleeves.ts currentWeights). */
  current: Record<Position, bigint>;
  leverage?: Leverage;
  borrowing: Borrowing;
  /** Health factor kept above the policy's floor by this much (0.25: floor 1.6 → plan for ≥ 1.85). */
  hfMargin: number;
  /** Basis points kept under each cap (slippage and the price drift between plan and execution). */
  capMarginBps?: number;
}): LeverageSizing {
  const { portfolio: p, target, current: cur } = o;
  const nav = p.navUsd;
  const debtUsd = usdcDebtUsd(p, o.deployment);
  const lev = o.leverage && o.leverage.borrow > 0 ? o.leverage : undefined;
  const requestedUsd = lev ? frac(lev.borrow, nav) : 0n;
  // The sleeve the debt sits in: the one asked for, else (leaving) the volatile sleeve most over its target.
  let sleeve: "btc" | "eth" | null = o.leverage?.buy ?? null;
  if (!sleeve && debtUsd > 0n) sleeve = cur.btc - frac(target.btc, nav) > cur.eth - frac(target.eth, nav) ? "btc" : "eth";

  const margin = BigInt(o.capMarginBps ?? 50);
  const caps = p.policy.caps;
  const volatileCapUsd = pos0((BigInt(caps.maxVolatileBps) - margin) * nav / BPS - frac(volatileWeight(target), nav));
  const positionCapUsd = sleeve ? pos0((BigInt(caps.maxPositionBps) - margin) * nav / BPS - frac(target[sleeve], nav)) : 0n;
  // Collateral after the batch: the Aave supply of the stable sleeve cut to its target (the rebalance
  // may withdraw it), volatile supply as held; LT-weighted for the health factor, LTV for Aave's own check.
  const reserves = p.aaveReserves;
  let ltUsd = 0n;
  let ltvUsd = 0n;
  if (reserves) {
    const under = new Map(p.assets.map((a) => [a.token.toLowerCase(), a]));
    const stableNow = p.positions.filter((x) => x.kind === "aave" && !under.get(x.underlying.toLowerCase())?.volatile).reduce((s, x) => s + x.valueUsd, 0n);
    const stableAfter = min(stableNow, frac(target.aaveUsdc, nav));
    for (const x of p.positions.filter((y) => y.kind === "aave")) {
      const r = reserves[x.underlying.toLowerCase()];
      if (!r || r.ltvBps === 0) continue;
      const v = under.get(x.underlying.toLowerCase())?.volatile || stableNow === 0n ? x.valueUsd : (x.valueUsd * stableAfter) / stableNow;
      ltUsd += v * BigInt(r.liquidationThresholdBps);
      ltvUsd += v * BigInt(r.ltvBps);
    }
  }
  const floor = p.policy.limits.minHealthFactor + BigInt(Math.round(o.hfMargin * 1e6)) * 10n ** 12n;
  // debt ≤ Σ value × LT / floor, and ≤ 99% of Σ value × LTV (Aave refuses a borrow beyond the LTV).
  const healthFactorUsd = floor > 0n ? min((ltUsd * E18) / (floor * BPS), (ltvUsd * 99n) / (100n * BPS)) : 0n;
  const limits = { volatileCapUsd, positionCapUsd, healthFactorUsd };

  const pct = (x: bigint) => nav > 0n ? `${((usdNum(x) / usdNum(nav)) * 100).toFixed(2)}% of NAV` : "";
  if (lev && !o.borrowing.enabled) {
    const refused = `leverage asked by ${lev.play} (borrow ${(lev.borrow * 100).toFixed(2)}% of NAV, buy ${lev.buy}) but ${o.borrowing.why}: planned without leverage`;
    return { sleeve, debtUsd, wantUsd: 0n, requestedUsd, limits, refused, reason: debtUsd > 0n ? `${refused}; the ${$(debtUsd)} owed is repaid` : refused };
  }
  if (!lev) {
    const reason = debtUsd > 0n ? `no leverage asked: repay the ${$(debtUsd)} owed to Aave (sell ${sleeve} first)` : "no leverage";
    return { sleeve, debtUsd, wantUsd: 0n, requestedUsd, limits, refused: null, reason };
  }
  const bound = [
    ["the volatile cap on gross exposure", volatileCapUsd],
    [`the position cap on ${lev.buy}`, positionCapUsd],
    [`the health factor floor ${(Number(p.policy.limits.minHealthFactor) / 1e18).toFixed(2)} + margin ${o.hfMargin}${reserves ? "" : " (the Aave reserves' parameters were not read)"}`, healthFactorUsd],
  ] as const;
  let wantUsd = requestedUsd;
  const cut: string[] = [];
  for (const [name, cap] of bound) {
    if (cap < wantUsd) {
      wantUsd = cap;
      cut.push(`${name} allows ${$(cap)}`);
    }
  }
  const reason = `leverage for ${lev.play}: owe ${$(wantUsd)} (${pct(wantUsd)}) in USDC, ${lev.buy} bought with it; asked ${$(requestedUsd)}${cut.length ? `, cut down: ${cut.join("; ")}` : ""}; owed now ${$(debtUsd)}`;
  return { sleeve, debtUsd, wantUsd, requestedUsd, limits, refused: null, reason };
}
