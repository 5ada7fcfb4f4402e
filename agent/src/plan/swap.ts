// The planner's swap interface (pure): a swap request (tokens, amount in, minOut = the oracle value
// less the configured slippage) becomes a leg of calls on one venue. Uniswap v3 settles inside the
// batch; CoW Protocol (mainnet's aggregator) pre-signs a sell order that a solver fills later, so its
// proceeds are not there for the rest of the batch. Either way the limit is never below the oracle's
// minOut: a CoW quote can only tighten it (cycle/ports.ts fetches the quotes and plans again with them).
import { getAddress, type Address, type Hex } from "viem";
import type { Deployment } from "../../../lib/chain/deployments";
import { cowPresign, cowSellOrder, type CowOrder } from "../../../lib/chain/cow";
import type { Call } from "../../../lib/chain/encode";
import { swapLeg } from "./adapters/uniswap";
import { scaled, usdNum, type Leg } from "./types";

export interface SwapRequest {
  id: string;
  tokenIn: Address;
  tokenOut: Address;
  amountIn: bigint;
  /** The oracle value of amountIn less the configured slippage, in tokenOut units. */
  minOut: bigint;
  usd: bigint;
  riskReducing: boolean;
  safe: Address;
  deadline: bigint;
}

export type Approvals = (token: Address, spender: Address, amount: bigint) => Call[];

export interface SwapVenue {
  name: "uniswap-v3" | "cow";
  /** Whether the proceeds arrive inside the batch (later legs may spend them) or later, in a fill. */
  settlesInBatch: boolean;
  /** The leg, or null when the venue has no route (or refuses the price) for this request. */
  leg(r: SwapRequest, approvals: Approvals): Leg | null;
}

const eq = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

export function uniswapVenue(d: Deployment): SwapVenue {
  return {
    name: "uniswap-v3",
    settlesInBatch: true,
    leg(r, approvals) {
      const pool = Object.values(d.uniswap.pools).find((x) => (eq(x.token0, r.tokenIn) && eq(x.token1, r.tokenOut)) || (eq(x.token1, r.tokenIn) && eq(x.token0, r.tokenOut)));
      if (!pool) return null;
      return swapLeg(r.id, { router: d.uniswap.swapRouter, tokenIn: r.tokenIn, tokenOut: r.tokenOut, fee: pool.fee, amountIn: r.amountIn, minOut: r.minOut, safe: r.safe, deadline: r.deadline, usd: r.usd, riskReducing: r.riskReducing }, approvals(r.tokenIn, d.uniswap.swapRouter, r.amountIn));
    },
  };
}

/** A quote per planned swap leg (by leg id): the buy amount the order may ask for at most, before slippage. */
export interface CowQuoted {
  /** Quoted buy amount for `amountIn` (the API's, net of its network-fee estimate); null: no quote (no trade). */
  buyAmount: bigint | null;
  amountIn: bigint;
  quoteId?: number | null;
  why?: string;
}

/** A CoW order as the plan carries it (the decision record keeps the uid; the order book gets the order). */
export interface PlannedCowOrder {
  legId: string;
  uid: Hex;
  order: CowOrder;
  quoteId: number | null;
  /** The oracle's minimum (the larger of minOut and the rule's floor) and the quote, for the record. */
  oracleMinOut: string;
  quotedBuyAmount: string | null;
}

export interface CowVenueOptions {
  chainId: number;
  /** Oracle USD price per whole token (18 decimals) and decimals, as the portfolio read them. */
  price(token: Address): { usd: bigint; decimals: number } | undefined;
  /** The policy's maxLossBps: CowSwapRule refuses a limit below the oracle value less this. */
  maxLossBps: number;
  /** Unix seconds: every order of the plan is valid until then. */
  validTo: number;
  slippageBps: number;
  /** Quotes fetched for this plan's legs; without one, the order's limit is the oracle's minOut. */
  quotes?: Record<string, CowQuoted>;
  /** Filled with the orders of the legs built (the last build of a leg id wins: resizing rebuilds it). */
  orders?: Map<string, PlannedCowOrder>;
}

/**
 * CoW: [exact approval of the sell token to the vault relayer, setPreSignature(uid, true) with the
 * order appended]. Limit = max(oracle minOut, the rule's floor, quote × (1 − slippage)); a quote
 * below the oracle's minimum means the market is worse than the oracle allows: no order (null).
 */
export function cowVenue(d: Deployment, o: CowVenueOptions): SwapVenue {
  if (!d.cow) throw new Error(`deployment ${d.network}: no \`cow\` key (GPv2Settlement, vault relayer): the CoW venue needs it`);
  const settlement = getAddress(d.cow.settlement);
  const relayer = getAddress(d.cow.vaultRelayer);
  return {
    name: "cow",
    settlesInBatch: false,
    leg(r, approvals) {
      const q = o.quotes?.[r.id];
      // The rule's floor (oracle value less maxLossBps, one basis point of margin for a feed update):
      // with a slippage at or above the loss limit, the oracle's minOut alone would be refused.
      const pin = o.price(r.tokenIn);
      const pout = o.price(r.tokenOut);
      if (!pin || !pout || pin.usd === 0n || pout.usd === 0n) return null;
      const minBuyUsd = (((r.amountIn * pin.usd) / 10n ** BigInt(pin.decimals)) * BigInt(10_000 - o.maxLossBps + 1)) / 10_000n;
      const ruleFloor = (minBuyUsd * 10n ** BigInt(pout.decimals) + pout.usd - 1n) / pout.usd;
      let buyAmount = r.minOut > ruleFloor ? r.minOut : ruleFloor;
      const floor = buyAmount;
      let quoted: bigint | null = null;
      if (q) {
        if (q.buyAmount === null) return null;
        quoted = scaled(q.buyAmount, r.amountIn, q.amountIn);
        if (quoted < floor) return null; // never trade on a quote worse than the oracle allows
        const tight = (quoted * BigInt(10_000 - o.slippageBps)) / 10_000n;
        if (tight > buyAmount) buyAmount = tight;
      }
      const order = cowSellOrder({ sellToken: r.tokenIn, buyToken: r.tokenOut, sellAmount: r.amountIn, buyAmount, validTo: o.validTo });
      const { call, uid } = cowPresign(settlement, order, r.safe, o.chainId);
      o.orders?.set(r.id, { legId: r.id, uid, order, quoteId: q?.quoteId ?? null, oracleMinOut: floor.toString(), quotedBuyAmount: quoted === null ? null : quoted.toString() });
      return {
        calls: [...approvals(r.tokenIn, relayer, r.amountIn), call],
        step: {
          id: r.id,
          kind: "swap",
          protocol: "cow",
          target: settlement,
          token: r.tokenIn,
          amount: r.amountIn.toString(),
          amountUsd: usdNum(r.usd),
          riskReducing: r.riskReducing,
          description: `CoW order ${uid}: sell ${r.amountIn} of ${r.tokenIn} for at least ${buyAmount} of ${r.tokenOut} (oracle minimum ${r.minOut}), valid until ${o.validTo}; filled later by a solver`,
        },
      };
    },
  };
}
