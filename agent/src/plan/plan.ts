// Step 3 of the cycle (pure): from the holdings and the strategy's target weights to an ordered batch
// (withdrawals, then swaps, then deposits), nothing when every position is inside the drift band.
// Amounts from oracle prices; every minOut is the oracle value less the configured slippage; exact
// approvals (reset to 0 first for tokens that need it). Buys are scaled down to the USDC the batch
// is sure to have (balance plus the minimum proceeds of its sales). The strategy's leverage overlay
// (leverage.ts) adds a borrow before the buys, or a repay after the sales, when the debt changes.
import { getAddress, maxUint256, type Address } from "viem";
import type { Deployment } from "../../../lib/chain/deployments";
import type { Call } from "../../../lib/chain/encode";
import type { PlanStep } from "../approval/types";
import type { Portfolio } from "../chain/types";
import { POSITIONS, type Leverage, type Position, type Weights } from "../strategy/types";
import { borrowingOf, type Borrowing } from "../chain/borrowing";
import { borrowLeg, repayLeg, repayWithATokensLeg, supplyLeg, withdrawLeg } from "./adapters/aave";
import { sizeLeverage, type LeverageSizing } from "./leverage";
import { exactApproval } from "./adapters/erc20";
import { depositLeg, redeemLeg } from "./adapters/erc4626";
import { buyPtLeg, sellPtLeg } from "./adapters/pendle";
import { uniswapVenue, type SwapVenue } from "./swap";
import { currentWeights, holdings } from "./sleeves";
import { lessBps, resizable, scaled, usdNum, type Leg } from "./types";

export interface PlanInput {
  portfolio: Portfolio;
  deployment: Deployment;
  target: Weights;
  /** No trade while every position is within this many weight points of its target (0.05 = 5 points). */
  driftBand?: number;
  /** Legs smaller than this (USD) are left out. */
  minTradeUsd?: number;
  slippageBps: number;
  /** Unix seconds after which swaps revert. */
  deadline: bigint;
  /** Tokens whose non-zero allowance must be reset to 0 before a new approval (USDT-style). */
  resetApprovalTokens?: Address[];
  /** Where swaps go (default Uniswap v3, settled in the batch; CoW: pre-signed orders filled later). */
  venue?: SwapVenue;
  /** Tokens with an unfilled order out there (CoW): no new swap of them until it fills or expires. */
  pendingSwapTokens?: Address[];
  /** The strategy's leverage overlay (Decision.leverage); absent or borrow 0: no debt (repay any). */
  leverage?: Leverage;
  /** Whether the owners enabled borrowing; default: read from the portfolio's policy (chain/borrowing.ts). */
  borrowing?: Borrowing;
  /** Health factor kept above the policy's floor by this much when sizing a borrow (default 0.25). */
  hfMargin?: number;
}

export interface PlannedBatch {
  calls: Call[];
  steps: PlanStep[];
  /** The batch rebuilt with only the named legs, each at an amount no larger than planned (a
   * reviewer's `modify`); throws on an unknown step, a larger amount or zero. Same order as planned. */
  resize: (kept: { id: string; amount: bigint }[]) => { calls: Call[]; steps: PlanStep[] };
  current: Weights;
  deltasUsd: Record<Position, number>;
  inBand: boolean;
  reason: string;
  /** Stable cash (USDC, DAI, …) of at least the minimum trade that the batch leaves where it is, and why. */
  idle: IdleStable[];
  /** The debt before and after the batch and why (leverage.ts); its reason goes to the decision's reasons. */
  leverage: LeverageSizing;
}

export interface IdleStable {
  symbol: string;
  token: Address;
  /** USD left idle after the batch (USDC: counting the sales' minimum proceeds). */
  usd: number;
  /** At most this much (USDC: the sales filled at the oracle price instead of their minimum). */
  upToUsd: number;
  reason: string;
}

const E18 = 10n ** 18n;
const eq = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

export function planRebalance(input: PlanInput): PlannedBatch {
  const { portfolio: p, deployment: d, target, slippageBps } = input;
  const band = input.driftBand ?? 0.05;
  const minTrade = BigInt(Math.round((input.minTradeUsd ?? 100) * 1e6)) * 10n ** 12n;
  const safe = getAddress(p.safe.address);
  const { usd: cur, weights } = currentWeights(p);
  const nav = p.navUsd;
  // Leverage: the debt after the batch. What it bought sits on top of the target in its sleeve (and the
  // debt under cash), so the rebalance neither sells the levered asset nor buys back the borrowed cash.
  const lev = sizeLeverage({ portfolio: p, deployment: d, target, current: cur, leverage: input.leverage, borrowing: input.borrowing ?? borrowingOf(p, d), hfMargin: input.hfMargin ?? 0.25 });
  const change = lev.wantUsd - lev.debtUsd;
  const absChange = change < 0n ? -change : change;
  // A debt change trades when above the minimum trade and either repays everything or moves at least a
  // point of NAV (interest accrual alone never does); otherwise the debt stays as it is.
  const levMoves = absChange >= minTrade && (lev.wantUsd === 0n || absChange * 100n >= nav);
  const owedAfter = levMoves ? lev.wantUsd : lev.debtUsd;
  const delta = {} as Record<Position, bigint>;
  for (const k of POSITIONS) delta[k] = (BigInt(Math.round(target[k] * 1e9)) * nav) / 10n ** 9n + (k === lev.sleeve ? owedAfter : k === "usdc" ? -owedAfter : 0n) - cur[k];
  const deltasUsd = Object.fromEntries(POSITIONS.map((k) => [k, Number(delta[k]) / 1e18])) as Record<Position, number>;
  const drift = nav > 0n ? Math.max(...POSITIONS.map((k) => Math.abs(deltasUsd[k]) / usdNum(nav))) : 0;
  const levText = lev.requestedUsd > 0n || lev.debtUsd > 0n ? `; ${lev.reason}${levMoves || change === 0n ? "" : " (the change is under the minimum trade or a point of NAV: the debt stays)"}` : "";
  const empty = (inBand: boolean, reason: string): PlannedBatch => ({ calls: [], steps: [], resize: () => { throw new Error("an empty plan cannot be resized"); }, current: weights, deltasUsd, inBand, reason: reason + levText, idle: [], leverage: lev });
  if (!p.healthy) return empty(false, "a held asset has no usable price: no rebalance (exits only, by the emergency path)");
  if (drift <= band && !levMoves) return empty(true, `inside the drift band: largest drift ${(drift * 100).toFixed(2)} points ≤ ${(band * 100).toFixed(2)}`);

  const asset = (sym: string) => p.assets.find((a) => eq(a.token, d.tokens[sym] ?? ""));
  const usdc = asset("USDC");
  if (!usdc || !usdc.priceOk) throw new Error("planning needs USDC registered and priced: it is the hub every trade goes through");
  const units = (a: { priceUsd: bigint; decimals: number }, usd: bigint) => (usd * 10n ** BigInt(a.decimals)) / a.priceUsd;
  const approvals = (token: Address, spender: Address, amount: bigint) =>
    exactApproval(token, spender, amount, p.allowances[token]?.[spender] ?? 0n, (input.resetApprovalTokens ?? []).some((t) => eq(t, token)));
  const hs = holdings(p);
  const withdrawals: Leg[] = [];
  const sells: Leg[] = [];
  const buys: { sleeve: Position; usd: bigint }[] = [];
  let cashIn = 0n; // USDC (18 d. USD) the batch is sure to receive before it buys
  let cashAtOracle = 0n; // the same at oracle value: the difference is the slippage allowance, left as cash
  let n = 0;
  const id = (what: string) => `${++n}-${what}`;

  // 1. Positions to reduce: largest holding of the sleeve first.
  for (const sleeve of ["aaveUsdc", "vault", "pendlePt"] as const) {
    if (-delta[sleeve] < minTrade) continue;
    let left = -delta[sleeve];
    for (const h of hs.filter((x) => x.sleeve === sleeve && x.valueUsd > 0n).sort((a, b) => (a.valueUsd > b.valueUsd ? -1 : 1))) {
      if (left <= 0n) break;
      const take = left < h.valueUsd ? left : h.valueUsd;
      const all = take * 1000n >= h.valueUsd * 999n;
      const pos = p.positions.find((x) => eq(x.token, h.token))!;
      const under = p.assets.find((a) => eq(a.token, pos.underlying))!;
      if (sleeve === "aaveUsdc") {
        const legId = id("aave-withdraw");
        const full = units(under, take);
        // maxUint256 (all) stays "all"; a smaller amount is a plain withdrawal of that many units.
        const build = (amt: bigint) => (amt === maxUint256 ? withdrawLeg(legId, d.aave.pool, pos.underlying, "all", safe, take) : withdrawLeg(legId, d.aave.pool, pos.underlying, amt, safe, amt >= full ? take : scaled(take, amt, full)));
        withdrawals.push(resizable(build, all ? maxUint256 : full));
      }
      if (sleeve === "vault") {
        const legId = id("vault-redeem");
        const shares = all ? h.balance : (h.balance * take) / h.valueUsd;
        withdrawals.push(resizable((amt) => redeemLeg(legId, h.token, amt, safe, scaled(take, amt, shares)), shares));
      }
      if (sleeve === "pendlePt") {
        const legId = id("pendle-sell");
        const ptIn = all ? h.balance : (h.balance * take) / h.valueUsd;
        const market = p.policy.positions.find((x) => eq(x.token, h.token))!.market;
        const build = (amt: bigint) => {
          const usd = scaled(take, amt, ptIn);
          return sellPtLeg(legId, { router: d.pendle.router, market, pt: h.token, ptIn: amt, tokenOut: pos.underlying, minOut: lessBps(units(under, usd), slippageBps), safe, usd }, approvals(h.token, d.pendle.router, amt));
        };
        withdrawals.push(resizable(build, ptIn));
      }
      if (eq(pos.underlying, usdc.token)) {
        cashIn += lessBps(take, slippageBps);
        cashAtOracle += take;
      }
      left -= take;
    }
  }

  // 2. Volatile sells for USDC, then volatile buys. Each swap through the venue; a venue that fills
  // later (CoW) adds nothing to this batch's cash, and a token with an order still out is left alone.
  const venue = input.venue ?? uniswapVenue(d);
  const skipped: string[] = [];
  const pending = (t: Address) => (input.pendingSwapTokens ?? []).some((x) => eq(x, t));
  const swapBuild = (legId: string, tokenIn: Address, tokenOut: Address, outAsset: { priceUsd: bigint; decimals: number }, usd: bigint, amountIn: bigint, riskReducing: boolean) => (amt: bigint) => {
    const u = scaled(usd, amt, amountIn);
    const leg = venue.leg({ id: legId, tokenIn, tokenOut, amountIn: amt, minOut: lessBps(units(outAsset, u), slippageBps), usd: u, riskReducing, safe, deadline: input.deadline }, approvals);
    if (!leg) throw new Error(`${venue.name} has no route for ${legId}`);
    return leg;
  };
  const routed = (legId: string, build: (amt: bigint) => Leg, amount: bigint): Leg | null => {
    try {
      return resizable(build, amount);
    } catch {
      skipped.push(`${legId}: no ${venue.name} route or the quote is below the oracle minimum`);
      return null;
    }
  };
  for (const [sleeve, sym] of [["btc", "WBTC"], ["eth", "WETH"]] as const) {
    const a = asset(sym);
    if (!a || !a.priceOk) continue;
    if (pending(a.token)) {
      skipped.push(`${sym}: an order for it is still open`);
      continue;
    }
    if (-delta[sleeve] >= minTrade) {
      const usd = -delta[sleeve] < a.valueUsd ? -delta[sleeve] : a.valueUsd; // spot only
      const amountIn = units(a, usd);
      if (amountIn > 0n) {
        const legId = id(`sell-${sym}`);
        const leg = routed(legId, swapBuild(legId, a.token, usdc.token, usdc, usd, amountIn, true), amountIn);
        if (leg) {
          sells.push(leg);
          if (venue.settlesInBatch) {
            cashIn += lessBps(usd, slippageBps);
            cashAtOracle += usd;
          }
        }
      }
    }
    if (delta[sleeve] >= minTrade) buys.push({ sleeve, usd: delta[sleeve] });
  }
  for (const sleeve of ["aaveUsdc", "vault", "pendlePt"] as const) if (delta[sleeve] >= minTrade) buys.push({ sleeve, usd: delta[sleeve] });

  // 2b. The debt: borrow USDC (variable rate) before the buys spend it, or repay after the sales
  // brought the cash in: from the wallet (an approval with a margin for the interest of the blocks
  // until execution), else with the Safe's aUSDC (repayWithATokens), else what the wallet has.
  const debtLegs: Leg[] = [];
  if (levMoves && change > 0n) {
    const legId = id("aave-borrow");
    const amount = units(usdc, change);
    debtLegs.push(resizable((amt) => borrowLeg(legId, d.aave.pool, usdc.token, amt, safe, scaled(change, amt, amount)), amount));
    cashIn += change;
    cashAtOracle += change;
  } else if (levMoves && change < 0n) {
    const repayUsd = -change;
    const all = lev.wantUsd === 0n;
    const withMargin = (repayUsd * 1001n) / 1000n;
    const cashNow = usdc.valueUsd + cashIn;
    const aUsdc = p.positions.find((x) => x.kind === "aave" && eq(x.underlying, usdc.token));
    const full = units(usdc, repayUsd);
    if (cashNow >= withMargin) {
      const legId = id("aave-repay");
      const approveUnits = units(usdc, withMargin) + 1n;
      const build = (amt: bigint) => (amt === maxUint256 ? repayLeg(legId, d.aave.pool, usdc.token, "all", safe, repayUsd, approvals(usdc.token, d.aave.pool, approveUnits)) : repayLeg(legId, d.aave.pool, usdc.token, amt, safe, scaled(repayUsd, amt, full), approvals(usdc.token, d.aave.pool, amt)));
      debtLegs.push(resizable(build, all ? maxUint256 : full));
      cashIn -= withMargin;
      cashAtOracle -= withMargin;
    } else if (aUsdc && aUsdc.valueUsd >= withMargin) {
      const legId = id("aave-repay-atokens");
      const build = (amt: bigint) => repayWithATokensLeg(legId, d.aave.pool, usdc.token, amt === maxUint256 ? "all" : amt, amt === maxUint256 ? repayUsd : scaled(repayUsd, amt, full));
      debtLegs.push(resizable(build, all ? maxUint256 : full));
    } else if (cashNow >= minTrade) {
      const legId = id("aave-repay");
      const part = units(usdc, (cashNow * 999n) / 1000n);
      debtLegs.push(resizable((amt) => repayLeg(legId, d.aave.pool, usdc.token, amt, safe, scaled(cashNow, amt, part), approvals(usdc.token, d.aave.pool, amt)), part));
      skipped.push(`repay: only $${usdNum(cashNow).toFixed(0)} of the $${usdNum(repayUsd).toFixed(0)} owed could be repaid (no more cash or aUSDC)`);
      cashIn -= cashNow;
      cashAtOracle -= cashNow;
    }
  }

  // 3. Buys and deposits. Stable cash other than USDC (DAI) goes first where it can go as it is:
  // supplied to its own Aave reserve or deposited in a vault over it. What the remaining buys still
  // need is swapped to USDC where the venue has a route (a DAI/USDC pool); USDC (balance plus the
  // minimum proceeds of the sales) funds the rest, scaled down to what the batch is sure to have.
  const swaps: Leg[] = [];
  const deposits: Leg[] = [];
  const spare = p.assets
    .filter((a) => !a.volatile && a.priceOk && !eq(a.token, usdc.token) && a.valueUsd > 0n && !pending(a.token))
    .map((a) => ({ asset: a, left: a.valueUsd, aave: p.policy.positions.find((x) => x.kind === "aave" && eq(x.underlying, a.token)), vault: p.positions.find((x) => x.kind === "erc4626" && eq(x.underlying, a.token)) }));
  for (const b of buys) {
    if (b.sleeve !== "aaveUsdc" && b.sleeve !== "vault") continue;
    for (const s of spare) {
      const take = s.left < b.usd ? s.left : b.usd;
      if (take < minTrade) continue;
      const amount = units(s.asset, take);
      if (b.sleeve === "aaveUsdc" && s.aave) {
        const legId = id(`aave-supply-${s.asset.symbol}`);
        deposits.push(resizable((amt) => supplyLeg(legId, d.aave.pool, s.asset.token, amt, safe, scaled(take, amt, amount), approvals(s.asset.token, d.aave.pool, amt)), amount));
      } else if (b.sleeve === "vault" && s.vault) {
        const legId = id(`vault-deposit-${s.asset.symbol}`);
        const v = s.vault;
        deposits.push(resizable((amt) => depositLeg(legId, v.token, s.asset.token, amt, safe, scaled(take, amt, amount), approvals(s.asset.token, v.token, amt)), amount));
      } else continue;
      s.left -= take;
      b.usd -= take;
    }
  }
  const usdcWant = () => buys.reduce((sum, b) => sum + b.usd, 0n);
  if (!pending(usdc.token)) {
    for (const s of spare) {
      const short = usdcWant() - (usdc.valueUsd + cashIn);
      if (short < minTrade || s.left < minTrade) continue;
      const usd = s.left < short ? s.left : short;
      const amountIn = units(s.asset, usd);
      const legId = id(`sell-${s.asset.symbol}`);
      const leg = routed(legId, swapBuild(legId, s.asset.token, usdc.token, usdc, usd, amountIn, false), amountIn);
      if (!leg) continue;
      sells.push(leg);
      s.left -= usd;
      if (venue.settlesInBatch) {
        cashIn += lessBps(usd, slippageBps);
        cashAtOracle += usd;
      }
    }
  }
  const cash = usdc.valueUsd + cashIn;
  const want = usdcWant();
  const scale = want > cash ? (cash * E18) / want : E18;
  let spent = 0n;
  if (buys.length && pending(usdc.token)) skipped.push("USDC buys and deposits: an order selling USDC is still open");
  for (const b of pending(usdc.token) ? [] : buys) {
    const usd = (b.usd * scale) / E18;
    if (usd < minTrade) continue;
    const amount = units(usdc, usd);
    const before = swaps.length + deposits.length;
    if (b.sleeve === "btc" || b.sleeve === "eth") {
      const a = asset(b.sleeve === "btc" ? "WBTC" : "WETH");
      if (!a || !a.priceOk || pending(a.token)) continue;
      const legId = id(`buy-${a.symbol}`);
      const leg = routed(legId, swapBuild(legId, usdc.token, a.token, a, usd, amount, false), amount);
      if (leg) swaps.push(leg);
    } else if (b.sleeve === "aaveUsdc") {
      const legId = id("aave-supply");
      deposits.push(resizable((amt) => supplyLeg(legId, d.aave.pool, usdc.token, amt, safe, scaled(usd, amt, amount), approvals(usdc.token, d.aave.pool, amt)), amount));
    } else if (b.sleeve === "vault") {
      const vault = p.positions.find((x) => x.kind === "erc4626" && eq(x.underlying, usdc.token));
      const legId = vault ? id("vault-deposit") : "";
      if (vault) deposits.push(resizable((amt) => depositLeg(legId, vault.token, usdc.token, amt, safe, scaled(usd, amt, amount), approvals(usdc.token, vault.token, amt)), amount));
    } else if (b.sleeve === "pendlePt") {
      const pt = p.policy.positions.find((x) => x.kind === "pendlePt");
      if (!pt) continue;
      const held = p.positions.find((x) => eq(x.token, pt.token))!;
      // minPtOut from the PT's value per unit (the valuation's TWAP rate). With no PT held there is no
      // price to start from: 0, and the simulation's NAV-loss check is what protects the trade.
      const minPtOut = held.balance > 0n && held.valueUsd > 0n ? lessBps((usd * held.balance) / held.valueUsd, slippageBps) : 0n;
      const legId = id("pendle-buy");
      const build = (amt: bigint) => buyPtLeg(legId, { router: d.pendle.router, market: pt.market, tokenIn: usdc.token, amountIn: amt, minPtOut: scaled(minPtOut, amt, amount), safe, usd: scaled(usd, amt, amount) }, approvals(usdc.token, d.pendle.router, amt));
      deposits.push(resizable(build, amount));
    }
    if (swaps.length + deposits.length > before) spent += usd;
  }

  // What stays idle, per stable, and why (the decision record says it, not only the weights).
  const targetCash = (BigInt(Math.round(target.usdc * 1e9)) * nav) / 10n ** 9n;
  const idle: IdleStable[] = [];
  const usdcLeft = usdc.valueUsd + cashIn - spent;
  // Buys are sized on the sales' minimum proceeds: what the fills bring above it stays as cash.
  const allowance = cashAtOracle - cashIn;
  if (usdcLeft + allowance >= minTrade) {
    const why = pending(usdc.token)
      ? "an order selling USDC is still open: no USDC buys until it fills or expires"
      : usdcLeft < minTrade
        ? null
        : usdcLeft <= targetCash + minTrade
          ? `kept as cash: the target holds ${(target.usdc * 100).toFixed(2)}% ($${usdNum(targetCash).toFixed(0)}) in cash`
          : `not needed by this batch's buys (each under the minimum trade of $${usdNum(minTrade)}, without a route, or already at target)${skipped.length ? `; left out: ${skipped.join("; ")}` : ""}`;
    const extra = allowance > 0n ? `the sales' proceeds above their minimum (up to $${usdNum(allowance).toFixed(0)} at ${slippageBps} bps slippage) stay as cash until the next cycle` : null;
    idle.push({ symbol: usdc.symbol, token: usdc.token, usd: usdNum(usdcLeft), upToUsd: usdNum(usdcLeft + allowance), reason: [why, extra].filter(Boolean).join("; ") });
  }
  for (const a of p.assets.filter((x) => !x.volatile && !eq(x.token, usdc.token) && x.valueUsd >= minTrade)) {
    const s = spare.find((x) => eq(x.asset.token, a.token));
    const left = s ? s.left : a.valueUsd;
    if (left < minTrade) continue;
    const where = [s?.aave && "an Aave reserve", s?.vault && `a vault (${s.vault.symbol})`].filter(Boolean).join(" and ");
    idle.push({
      symbol: a.symbol,
      token: a.token,
      usd: usdNum(left),
      upToUsd: usdNum(left),
      reason: !a.priceOk
        ? `${a.symbol} has no usable price: it is not traded`
        : pending(a.token)
          ? `an order selling ${a.symbol} is still open`
          : `${where ? `${a.symbol} can only go to ${where} as it is, and their targets are met by this batch` : `no Aave reserve or vault over ${a.symbol} is registered`}; ${venue.name} has no ${a.symbol}→USDC route${venue.name === "uniswap-v3" ? " (no such pool in the deployments file)" : ""} or the other buys need no more USDC`,
    });
  }
  const idleText = idle.length ? `; idle: ${idle.map((x) => `${x.symbol} $${x.usd.toFixed(0)}${x.upToUsd > x.usd + 0.5 ? `–${x.upToUsd.toFixed(0)}` : ""} (${x.reason})`).join("; ")}` : "";

  const legs = [...withdrawals, ...sells, ...debtLegs, ...swaps, ...deposits];
  if (!legs.length) return { ...empty(false, `drift above the band but every leg is below the minimum trade or has no route${skipped.length ? ` (${skipped.join("; ")})` : ""}${idleText}`), idle };
  return {
    calls: legs.flatMap((l) => l.calls),
    steps: legs.map((l) => l.step),
    resize: (kept) => resizeLegs(legs, kept),
    current: weights,
    deltasUsd,
    inBand: false,
    idle,
    leverage: lev,
    reason: `largest drift ${(drift * 100).toFixed(2)} points${drift > band ? ` > ${(band * 100).toFixed(2)}` : ` (a debt change)`}: ${legs.length} legs${venue.name === "uniswap-v3" ? "" : ` (swaps on ${venue.name})`}${skipped.length ? `; left out: ${skipped.join("; ")}` : ""}${idleText}${levText}`,
  };
}

/** Only the named legs, each rebuilt at its new amount (≤ planned, > 0), in the planned order. */
export function resizeLegs(legs: Leg[], kept: { id: string; amount: bigint }[]): { calls: Call[]; steps: PlanStep[] } {
  const want = new Map<string, bigint>();
  for (const k of kept) {
    if (want.has(k.id)) throw new Error(`resize names leg "${k.id}" twice`);
    want.set(k.id, k.amount);
  }
  const known = new Set(legs.map((l) => l.step.id));
  for (const k of want.keys()) if (!known.has(k)) throw new Error(`resize names leg "${k}", which is not in the plan`);
  const out: Leg[] = [];
  for (const l of legs) {
    const amt = want.get(l.step.id);
    if (amt === undefined) continue;
    const planned = BigInt(l.step.amount);
    if (amt > planned) throw new Error(`resize enlarges leg "${l.step.id}" from ${planned} to ${amt}`);
    if (amt <= 0n) throw new Error(`resize sets leg "${l.step.id}" to ${amt}: drop the leg instead`);
    if (amt === planned) out.push(l);
    else if (!l.resize) throw new Error(`leg "${l.step.id}" cannot be rebuilt for a smaller amount`);
    else out.push(l.resize(amt));
  }
  return { calls: out.flatMap((l) => l.calls), steps: out.map((l) => l.step) };
}
