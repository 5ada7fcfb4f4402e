// Uniswap v3 exact-input swap math inside the current liquidity (the local pools and most majors are
// deep enough that a treasury-size trade does not cross an initialized tick of a full-range book).
// Same integer rounding direction as the pool (SqrtPriceMath, rounding against the trader).
import type { Address } from "viem";
import type { PoolState } from "../chain/types";

const Q96 = 2n ** 96n;
const eq = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

export function findPool(pools: PoolState[], a: Address, b: Address, fee: number): PoolState | undefined {
  return pools.find((p) => p.fee === fee && ((eq(p.token0, a) && eq(p.token1, b)) || (eq(p.token0, b) && eq(p.token1, a))));
}

const divUp = (a: bigint, b: bigint) => (a + b - 1n) / b;

/** Output of an exact-input swap and the pool state after it. */
export function swapExactIn(pool: PoolState, tokenIn: Address, amountIn: bigint): { amountOut: bigint; after: PoolState } {
  const L = pool.liquidity;
  const P = pool.sqrtPriceX96;
  if (L === 0n || amountIn === 0n) return { amountOut: 0n, after: pool };
  const net = (amountIn * BigInt(1_000_000 - pool.fee)) / 1_000_000n;
  if (eq(tokenIn, pool.token0)) {
    // Price falls: sqrtP' = L·P / (L + net·P/Q96), rounded up; out (token1) = L·(P - P')/Q96, rounded down.
    const num = L * Q96;
    const next = divUp(num * P, num + net * P);
    return { amountOut: (L * (P - next)) / Q96, after: { ...pool, sqrtPriceX96: next } };
  }
  // Price rises: sqrtP' = P + net·Q96/L, rounded down; out (token0) = L·Q96·(P' - P)/(P·P'), rounded down.
  const next = P + (net * Q96) / L;
  return { amountOut: (((L * Q96) * (next - P)) / next) / P, after: { ...pool, sqrtPriceX96: next } };
}
