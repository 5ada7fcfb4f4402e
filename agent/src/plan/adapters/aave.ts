// Aave v3 legs: supply an asset for aTokens, withdraw it back (all of it with maxUint256, so accrued
// interest does not leave dust).
import { maxUint256, type Address } from "viem";
import { aaveBorrow, aaveRepay, aaveRepayWithATokens, aaveSupply, aaveWithdraw } from "../../../../lib/chain/encode";
import type { Leg } from "../types";
import { usdNum } from "../types";

export function supplyLeg(id: string, pool: Address, asset: Address, amount: bigint, safe: Address, usd: bigint, approvals: Leg["calls"]): Leg {
  return {
    calls: [...approvals, aaveSupply(pool, asset, amount, safe)],
    step: { id, kind: "deposit", protocol: "aave-v3", target: pool, token: asset, amount: amount.toString(), amountUsd: usdNum(usd), riskReducing: false, description: `supply ${amount} of ${asset} to Aave` },
  };
}

export function withdrawLeg(id: string, pool: Address, asset: Address, amount: bigint | "all", safe: Address, usd: bigint): Leg {
  const raw = amount === "all" ? maxUint256 : amount;
  return {
    calls: [aaveWithdraw(pool, asset, raw, safe)],
    step: { id, kind: "withdraw", protocol: "aave-v3", target: pool, token: asset, amount: raw.toString(), amountUsd: usdNum(usd), riskReducing: true, description: `withdraw ${amount === "all" ? "all" : amount} of ${asset} from Aave` },
  };
}

/** Borrow `amount` of `asset` at the variable rate (interestRateMode 2) against the Safe's collateral. */
export function borrowLeg(id: string, pool: Address, asset: Address, amount: bigint, safe: Address, usd: bigint): Leg {
  return {
    calls: [aaveBorrow(pool, asset, amount, safe)],
    step: { id, kind: "other", protocol: "aave-v3", target: pool, token: asset, amount: amount.toString(), amountUsd: usdNum(usd), riskReducing: false, description: `borrow ${amount} of ${asset} from Aave (variable rate): leverage` },
  };
}

/** Repay the Safe's variable debt from its wallet (maxUint256 = all of it, interest included). */
export function repayLeg(id: string, pool: Address, asset: Address, amount: bigint | "all", safe: Address, usd: bigint, approvals: Leg["calls"]): Leg {
  const raw = amount === "all" ? maxUint256 : amount;
  return {
    calls: [...approvals, aaveRepay(pool, asset, raw, safe)],
    step: { id, kind: "other", protocol: "aave-v3", target: pool, token: asset, amount: raw.toString(), amountUsd: usdNum(usd), riskReducing: true, description: `repay ${amount === "all" ? "all the" : amount} ${asset} debt on Aave` },
  };
}

/** Repay the variable debt by burning the Safe's aTokens of the same asset (no cash needed). */
export function repayWithATokensLeg(id: string, pool: Address, asset: Address, amount: bigint | "all", usd: bigint): Leg {
  const raw = amount === "all" ? maxUint256 : amount;
  return {
    calls: [aaveRepayWithATokens(pool, asset, raw)],
    step: { id, kind: "other", protocol: "aave-v3", target: pool, token: asset, amount: raw.toString(), amountUsd: usdNum(usd), riskReducing: true, description: `repay ${amount === "all" ? "all the" : amount} ${asset} debt on Aave with its aTokens` },
  };
}
