// Uniswap v3 swap leg (exactInputSingle through SwapRouter). On mainnet an aggregator quote would sit
// behind this same signature; minOut is always the oracle value less the configured slippage.
import type { Address } from "viem";
import { uniswapExactInputSingle } from "../../../../lib/chain/encode";
import type { Leg } from "../types";
import { usdNum } from "../types";

export function swapLeg(id: string, p: { router: Address; tokenIn: Address; tokenOut: Address; fee: number; amountIn: bigint; minOut: bigint; safe: Address; deadline: bigint; usd: bigint; riskReducing: boolean }, approvals: Leg["calls"]): Leg {
  return {
    calls: [...approvals, uniswapExactInputSingle(p.router, { tokenIn: p.tokenIn, tokenOut: p.tokenOut, fee: p.fee, recipient: p.safe, deadline: p.deadline, amountIn: p.amountIn, amountOutMinimum: p.minOut })],
    step: { id, kind: "swap", protocol: "uniswap-v3", target: p.router, token: p.tokenIn, amount: p.amountIn.toString(), amountUsd: usdNum(p.usd), riskReducing: p.riskReducing, description: `swap ${p.amountIn} of ${p.tokenIn} for at least ${p.minOut} of ${p.tokenOut}` },
  };
}
