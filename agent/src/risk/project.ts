// The expected effect of a batch on the Safe's holdings, call by call, at the prices of the
// portfolio snapshot (as the module meters: values after each call at the batch's starting prices).
// A model, not the chain: vault shares and PT at their
// current value per unit, Uniswap swaps by the pool's own math. The simulation (chain/simulate.ts) gives the exact answer.
import type { Address } from "viem";
import type { Portfolio } from "../chain/types";
import type { DecodedCall } from "./rules";
import { assetOf, positionOf } from "./rules";
import { refuse, Refused } from "./types";
import { findPool, swapExactIn } from "./uniswap";

/** Pendle's fee and spread on a PT trade, as a fraction (the local market's fee root is ~5 bps). */
export const PENDLE_COST = 0.001;

export interface ProjectionStep {
  /** Holding values (assets, then positions) after the call, USD 18 decimals. */
  values: bigint[];
}

export interface Projection {
  steps: ProjectionStep[];
  /** USD value of token payments to payees (excluded from the loss check, as on chain). */
  outflowUsd: bigint;
  valuesAfter: bigint[];
  navAfter: bigint;
  /** Gross value that left holdings, summed over the calls (what AgentModule meters). */
  grossUsd: bigint;
  /** The signed CoW orders' worst case against the oracle: sell value less the limit's buy value, when
   * positive (AgentModule counts it toward the rolling 24 h loss budget when the order is signed). */
  cowLossUsd: bigint;
}

const E18 = 10n ** 18n;
const eq = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/** Price per whole token (USD 18 d.) the chain uses for this batch: the snapshot's, else the feed's. */
function priceOf(p: Portfolio, i: number): bigint {
  return p.snapshotPrices[i] || p.assets[i].priceUsd;
}

export function projectBatch(p: Portfolio, calls: DecodedCall[]): Projection {
  const nA = p.assets.length;
  const tokens: Address[] = [...p.assets.map((a) => a.token), ...p.positions.map((x) => x.token)];
  const bal = [...p.assets.map((a) => a.balance), ...p.positions.map((x) => x.balance)];
  const values = [...p.values];
  const allowance = new Map<string, bigint>();
  const allowKey = (t: string, s: string) => `${t.toLowerCase()}:${s.toLowerCase()}`;
  const idx = (t: string) => tokens.findIndex((x) => eq(x, t));
  const assetIdx = (t: string) => p.assets.findIndex((a) => eq(a.token, t));
  const failed = (i: number, why: string): never => {
    throw new Refused(refuse("CallFailed", { index: i }, why, i));
  };
  const usdOf = (ai: number, amount: bigint) => (amount * priceOf(p, ai)) / 10n ** BigInt(p.assets[ai].decimals);
  const amountOf = (ai: number, usd: bigint) => {
    const price = priceOf(p, ai);
    return price === 0n ? 0n : (usd * 10n ** BigInt(p.assets[ai].decimals)) / price;
  };
  const spend = (i: number, t: Address, amount: bigint, spender: Address) => {
    const k = idx(t);
    if (k < 0 || bal[k] < amount) failed(i, `balance of ${t} below ${amount}`);
    const a = allowance.get(allowKey(t, spender)) ?? p.allowances[t]?.[spender] ?? 0n;
    if (a < amount) failed(i, `allowance of ${spender} on ${t} below ${amount}`);
    allowance.set(allowKey(t, spender), a - amount);
    const v = k < nA ? usdOf(k, amount) : bal[k] === 0n ? 0n : (values[k] * amount) / bal[k];
    bal[k] -= amount;
    values[k] -= v;
    return v;
  };
  const receiveAsset = (ai: number, usd: bigint) => {
    bal[ai] += amountOf(ai, usd);
    values[ai] += usd;
  };
  const positionIndex = (t: Address) => nA + p.positions.findIndex((x) => eq(x.token, t));
  const addPosition = (k: number, usd: bigint, units: bigint) => {
    values[k] += usd;
    bal[k] += units;
  };
  const takePosition = (i: number, k: number, units: bigint) => {
    if (bal[k] < units || units === 0n) failed(i, `position balance below ${units}`);
    const v = (values[k] * units) / bal[k];
    bal[k] -= units;
    values[k] -= v;
    return v;
  };

  const owed = liabilityMask(p);
  const aave = aaveAccount(p);
  /** Aave's own account checks (its Pool reverts, so the call fails): the health factor at least 1
   * after a withdrawal of collateral while borrowing; before a borrow, a health factor above 1 and the
   * new debt within the collateral's LTV. Modelled only when the reserves' parameters were read. */
  const aaveWithdrawCheck = (i: number) => {
    if (!aave) return;
    const debt = aave.debt(values);
    if (debt > 0n && aave.health(values) < E18) failed(i, "Aave: the health factor would fall below 1 (HEALTH_FACTOR_LOWER_THAN_LIQUIDATION_THRESHOLD)");
  };
  const aaveBorrowCheck = (i: number, usd: bigint) => {
    if (!aave) return;
    const debt = aave.debt(values);
    const ltv = aave.collateral(values, "ltvBps");
    if (ltv === 0n) failed(i, "Aave: no collateral (COLLATERAL_BALANCE_IS_ZERO or LTV_VALIDATION_FAILED)");
    if (debt > 0n && aave.health(values) <= E18) failed(i, "Aave: health factor at or below 1");
    if ((debt + usd) * BPS > ltv) failed(i, "Aave: the collateral cannot cover the new borrow (COLLATERAL_CANNOT_COVER_NEW_BORROW)");
  };
  const pools = [...p.pools];
  const steps: ProjectionStep[] = [];
  let gross = 0n;
  let outflow = 0n;
  let cowLoss = 0n;
  calls.forEach((c, i) => {
    const prev = [...values];
    switch (c.op) {
      case "none":
        break;
      case "payment": {
        const k = idx(c.token);
        if (k < 0 || bal[k] < c.amount) failed(i, `balance of ${c.token} below the payment`);
        const v = usdOf(k, c.amount);
        bal[k] -= c.amount;
        values[k] -= v;
        outflow += usdOf(k, c.amount);
        break;
      }
      case "approve":
        allowance.set(allowKey(c.token, c.spender), c.amount);
        break;
      case "aaveSupply": {
        const pos = p.policy.positions.find((x) => x.kind === "aave" && eq(x.underlying, c.asset));
        if (!pos) failed(i, "no aToken registered for the asset");
        const usd = spend(i, c.asset, c.amount, c.pool);
        addPosition(positionIndex(pos!.token), usd, c.amount);
        break;
      }
      case "aaveWithdraw": {
        const pos = p.policy.positions.find((x) => x.kind === "aave" && eq(x.underlying, c.asset));
        const k = pos ? positionIndex(pos.token) : -1;
        if (k < 0) failed(i, "no aToken registered for the asset");
        const units = c.amount === 2n ** 256n - 1n ? bal[k] : c.amount;
        receiveAsset(assetIdx(c.asset), takePosition(i, k, units));
        aaveWithdrawCheck(i);
        break;
      }
      case "aaveRepay":
      case "aaveRepayWithATokens": {
        // Repays the registered variable debt of the asset (Aave reverts a repay without debt).
        const debtPos = p.policy.positions.find((x) => x.kind === "aaveDebt" && eq(x.underlying, c.asset));
        const k = debtPos ? positionIndex(debtPos.token) : -1;
        if (k < 0 || bal[k] === 0n) failed(i, "no Aave debt of this asset to repay");
        const MAX = 2n ** 256n - 1n;
        let pay: bigint;
        if (c.op === "aaveRepay") {
          pay = c.amount === MAX || c.amount > bal[k] ? bal[k] : c.amount;
          spend(i, c.asset, pay, c.pool);
        } else {
          const aPos = p.policy.positions.find((x) => x.kind === "aave" && eq(x.underlying, c.asset));
          const ka = aPos ? positionIndex(aPos.token) : -1;
          if (ka < 0) failed(i, "no aToken of the asset to repay with");
          const want = c.amount === MAX ? bal[ka] : c.amount;
          pay = want > bal[k] ? bal[k] : want;
          takePosition(i, ka, pay);
        }
        takePosition(i, k, pay);
        break;
      }
      case "aaveBorrow": {
        // The rule let it through only with the asset's variable debt registered: the debt rises by the
        // amount (a liability), the Safe receives the asset.
        const debtPos = p.policy.positions.find((x) => x.kind === "aaveDebt" && eq(x.underlying, c.asset));
        const k = debtPos ? positionIndex(debtPos.token) : -1;
        const ai = assetIdx(c.asset);
        if (k < 0 || ai < 0) failed(i, "no registered Aave debt of this asset");
        const usd = usdOf(ai, c.amount);
        aaveBorrowCheck(i, usd);
        addPosition(k, usd, c.amount);
        bal[ai] += c.amount;
        values[ai] += usd;
        break;
      }
      case "vaultDeposit":
      case "vaultMint": {
        const pos = positionOf(p.policy, c.vault)!;
        const k = positionIndex(c.vault);
        const perShare = bal[k] > 0n ? (values[k] * E18) / bal[k] : 0n;
        const ai = assetIdx(pos.underlying);
        const assets = c.op === "vaultDeposit" ? c.assets : perShare === 0n ? c.shares : amountOf(ai, (c.shares * perShare) / E18);
        const usd = spend(i, pos.underlying, assets, c.vault);
        addPosition(k, usd, perShare > 0n ? (usd * E18) / perShare : assets);
        break;
      }
      case "vaultWithdraw":
      case "vaultRedeem": {
        const pos = positionOf(p.policy, c.vault)!;
        const k = positionIndex(c.vault);
        const ai = assetIdx(pos.underlying);
        const shares = c.op === "vaultRedeem" ? c.shares : bal[k] === 0n ? c.assets : (usdOf(ai, c.assets) * bal[k] + values[k] - 1n) / (values[k] || 1n);
        receiveAsset(ai, takePosition(i, k, shares));
        break;
      }
      case "swap": {
        const k = pools.findIndex((x) => x === findPool(pools, c.tokenIn, c.tokenOut, c.fee));
        if (k < 0) failed(i, "no pool for this pair and fee in the deployments file");
        spend(i, c.tokenIn, c.amountIn, c.router);
        const { amountOut, after } = swapExactIn(pools[k], c.tokenIn, c.amountIn);
        pools[k] = after;
        if (amountOut < c.minOut) failed(i, `the pool gives ${amountOut}, below minOut ${c.minOut}`);
        const ao = assetIdx(c.tokenOut);
        bal[ao] += amountOut;
        values[ao] += usdOf(ao, amountOut);
        break;
      }
      case "pendleBuy": {
        const pos = p.policy.positions.find((x) => x.kind === "pendlePt" && eq(x.market, c.market))!;
        const k = positionIndex(pos.token);
        const usd = spend(i, c.tokenIn, c.amountIn, c.router);
        const got = (usd * BigInt(Math.round((1 - PENDLE_COST) * 1e6))) / 1_000_000n;
        const perPt = bal[k] > 0n ? (values[k] * E18) / bal[k] : 0n;
        addPosition(k, got, perPt > 0n ? (got * E18) / perPt : 0n);
        break;
      }
      case "pendleSell": {
        const pos = p.policy.positions.find((x) => x.kind === "pendlePt" && eq(x.market, c.market))!;
        const k = positionIndex(pos.token);
        const allowed = allowance.get(allowKey(pos.token, c.router)) ?? p.allowances[pos.token]?.[c.router] ?? 0n;
        if (allowed < c.ptIn) failed(i, "PT allowance below the amount sold");
        allowance.set(allowKey(pos.token, c.router), allowed - c.ptIn);
        const usd = takePosition(i, k, c.ptIn);
        const out = (usd * BigInt(Math.round((1 - PENDLE_COST) * 1e6))) / 1_000_000n;
        const ao = assetIdx(c.tokenOut);
        if (amountOf(ao, out) < c.minOut) failed(i, "expected proceeds below minTokenOut");
        receiveAsset(ao, out);
        break;
      }
      case "cowOrder":
        // Nothing moves in the signing transaction; AgentModule meters the order's sell value.
        gross += c.sellUsd;
        if (c.sellUsd > c.buyUsd) cowLoss += c.sellUsd - c.buyUsd;
        break;
      case "pendleRedeem":
        // Needs PT and YT; the treasury holds no YT (it buys PT on the market): the router reverts.
        failed(i, "redeemPyToToken needs YT the treasury does not hold");
    }
    // As Holdings.moved: drops of holdings plus rises of debts.
    for (let h = 0; h < values.length; h++) {
      const [from, to] = owed[h] ? [values[h], prev[h]] : [prev[h], values[h]];
      if (from > to) gross += from - to;
    }
    steps.push({ values: [...values] });
  });
  return { steps, outflowUsd: outflow, valuesAfter: values, navAfter: netValue(values, owed), grossUsd: gross, cowLossUsd: cowLoss };
}

export { assetOf };

const BPS = 10_000n;

/**
 * The Safe's Aave account as Aave sees it, from the holding values (USD, 18 d.) and the reserves'
 * parameters: collateral weighted by LTV or liquidation threshold (every supplied reserve with a
 * non-zero LTV is collateral: Aave enables it on the first supply), debt, and the health factor
 * (1e18 = 1.0; max without debt). Null when the reserves' parameters were not read.
 */
export function aaveAccount(p: Portfolio) {
  const r = p.aaveReserves;
  if (!r) return null;
  const nA = p.assets.length;
  const coll = p.policy.positions.map((x) => (x.kind === "aave" ? r[x.underlying.toLowerCase()] : undefined));
  const owed = liabilityMask(p);
  const collateral = (values: bigint[], w: "ltvBps" | "liquidationThresholdBps") =>
    coll.reduce((s, c, j) => (c && c.ltvBps > 0 ? s + values[nA + j] * BigInt(c[w]) : s), 0n);
  const debt = (values: bigint[]) => values.reduce((s, v, i) => (owed[i] ? s + v : s), 0n);
  return {
    collateral,
    debt,
    health: (values: bigint[]) => {
      const d = debt(values);
      return d === 0n ? 2n ** 256n - 1n : (collateral(values, "liquidationThresholdBps") * E18) / (d * BPS);
    },
  };
}

/** Per holding (assets, then positions): true for a liability (Aave variable debt). */
export function liabilityMask(p: Portfolio): boolean[] {
  return [...p.assets.map(() => false), ...p.policy.positions.map((x) => x.kind === "aaveDebt")];
}

/** NAV as TreasuryValuation computes it: holdings minus debt, never below 0. */
export function netValue(values: bigint[], owed: boolean[]): bigint {
  let held = 0n;
  let debt = 0n;
  values.forEach((v, i) => (owed[i] ? (debt += v) : (held += v)));
  return held > debt ? held - debt : 0n;
}
