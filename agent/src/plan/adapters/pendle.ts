// Pendle PT legs through the router, as the policy allows them: no aggregator swap, no limit orders.
import type { Address } from "viem";
import { pendleSwapExactPtForToken, pendleSwapExactTokenForPt } from "../../../../lib/chain/encode";
import type { Leg } from "../types";
import { usdNum } from "../types";

export function buyPtLeg(id: string, p: { router: Address; market: Address; tokenIn: Address; amountIn: bigint; minPtOut: bigint; safe: Address; usd: bigint }, approvals: Leg["calls"]): Leg {
  return {
    calls: [...approvals, pendleSwapExactTokenForPt(p.router, { receiver: p.safe, market: p.market, minPtOut: p.minPtOut, tokenIn: p.tokenIn, amountIn: p.amountIn })],
    step: { id, kind: "deposit", protocol: "pendle", target: p.router, token: p.tokenIn, amount: p.amountIn.toString(), amountUsd: usdNum(p.usd), riskReducing: false, description: `buy PT on ${p.market} with ${p.amountIn} of ${p.tokenIn}` },
  };
}

export function sellPtLeg(id: string, p: { router: Address; market: Address; pt: Address; ptIn: bigint; tokenOut: Address; minOut: bigint; safe: Address; usd: bigint }, approvals: Leg["calls"]): Leg {
  return {
    calls: [...approvals, pendleSwapExactPtForToken(p.router, { receiver: p.safe, market: p.market, exactPtIn: p.ptIn, tokenOut: p.tokenOut, minTokenOut: p.minOut })],
    step: { id, kind: "withdraw", protocol: "pendle", target: p.router, token: p.pt, amount: p.ptIn.toString(), amountUsd: usdNum(p.usd), riskReducing: true, description: `sell ${p.ptIn} PT on ${p.market} for at least ${p.minOut} of ${p.tokenOut}` },
  };
}
