// CoW orders the agent has placed (edge): which venue a runtime swaps on, the order book client of
// its config, the orders its decisions carry (the journal keeps them with the plan) and their state
// on chain (GPv2Settlement: pre-signature, filled amount; the block time for expiry). The chain is
// the source of truth; the order book's status is a convenience.
import { getAddress, maxUint256, type Address, type Hex, type PublicClient } from "viem";
import { gpv2SettlementAbi } from "../../../lib/chain/abi";
import type { CowOrder } from "../../../lib/chain/cow";
import type { Deployment } from "../../../lib/chain/deployments";
import type { DecisionRow } from "../journal";
import { UserError } from "../errors";
import type { AgentConfig } from "../config";
import { CowOrderBook, type CowOrderStatus } from "./api";

export const COW_MAINNET_API = "https://api.cow.fi/mainnet";

/** The venue this configuration swaps on for this chain ("auto": CoW on mainnet, Uniswap v3 elsewhere). */
export function swapVenueOf(cfg: Pick<AgentConfig, "swap">, d: Deployment): "uniswap-v3" | "cow" {
  // auto: CoW where the deployments file knows its contracts on mainnet; Uniswap v3 otherwise.
  const v = cfg.swap.venue === "auto" ? (d.chainId === 1 && d.cow ? "cow" : "uniswap-v3") : cfg.swap.venue;
  if (v === "cow" && !d.cow) throw new UserError(`config swap.venue (env SWAP_VENUE) is cow but deployment ${d.network} has no \`cow\` key (settlement, vaultRelayer); add it or set SWAP_VENUE=uniswap-v3`);
  return v;
}

export function cowOrderBookOf(cfg: Pick<AgentConfig, "swap">, d: Deployment): CowOrderBook {
  const baseUrl = cfg.swap.cowApiUrl ?? (d.chainId === 1 ? COW_MAINNET_API : undefined);
  if (!baseUrl) throw new UserError(`config swap.cowApiUrl (env COW_API_URL): required for CoW on chain ${d.chainId} (the local order book's URL; npm start prints it)`);
  return new CowOrderBook({ baseUrl });
}

/** An order as the plan's detail records it (JSON: amounts as strings). */
export interface RecordedCowOrder {
  legId: string;
  uid: Hex;
  order: Omit<CowOrder, "sellAmount" | "buyAmount" | "feeAmount"> & { sellAmount: string; buyAmount: string; feeAmount: string };
  quoteId: number | null;
}

/** The CoW orders a decision placed (none for other decisions). */
export function cowOrdersOf(row: Pick<DecisionRow, "body">): RecordedCowOrder[] {
  const detail = (row.body.plan as { detail?: { cowOrders?: RecordedCowOrder[] } } | null)?.detail;
  return Array.isArray(detail?.cowOrders) ? detail.cowOrders : [];
}

export const toCowOrder = (o: RecordedCowOrder["order"]): CowOrder => ({ ...o, sellAmount: BigInt(o.sellAmount), buyAmount: BigInt(o.buyAmount), feeAmount: BigInt(o.feeAmount) });

export interface CowOrderState {
  uid: Hex;
  date: string;
  decision: Hex;
  sellToken: Address;
  buyToken: Address;
  sellAmount: string;
  buyAmount: string;
  validTo: number;
  status: CowOrderStatus;
  filled: string;
}

/** State on chain of the orders of the latest decisions that placed any (executed or proposed). */
export async function cowOrderStates(client: PublicClient, d: Deployment, rows: DecisionRow[]): Promise<CowOrderState[]> {
  if (!d.cow) return [];
  const settlement = getAddress(d.cow.settlement);
  const now = Number((await client.getBlock()).timestamp);
  const out: CowOrderState[] = [];
  for (const r of rows) {
    if (!["executed", "proposed", "sent", "sending", "proposing"].includes(r.status)) continue;
    for (const o of cowOrdersOf(r)) {
      const [presigned, filled] = await Promise.all([
        client.readContract({ address: settlement, abi: gpv2SettlementAbi, functionName: "preSignature", args: [o.uid] }),
        client.readContract({ address: settlement, abi: gpv2SettlementAbi, functionName: "filledAmount", args: [o.uid] }),
      ]);
      const sell = BigInt(o.order.sellAmount);
      const invalidated = filled === maxUint256; // GPv2Settlement.invalidateOrder marks an order filled with uint256 max
      const status: CowOrderStatus =
        invalidated ? "cancelled" : filled >= sell ? "fulfilled" : o.order.validTo < now ? "expired" : presigned !== 0n ? "open" : r.status === "executed" ? "cancelled" : "presignaturePending";
      out.push({ uid: o.uid, date: r.date, decision: r.hash, sellToken: o.order.sellToken, buyToken: o.order.buyToken, sellAmount: o.order.sellAmount, buyAmount: o.order.buyAmount, validTo: o.order.validTo, status, filled: invalidated ? "0" : filled.toString() });
    }
  }
  return out;
}

/** Orders that may still fill: pre-signed and open, or awaiting the owners' signature of their proposal
 * (an executed decision whose pre-signature is gone was cancelled). */
export const stillOpen = (s: CowOrderState) => s.status === "open" || s.status === "presignaturePending";
