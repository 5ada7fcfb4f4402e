// CoW Protocol (GPv2) orders, written once: the order struct, its EIP-712 digest and 56-byte uid,
// the Safe's pre-signature call (with the order appended for CowSwapRule), and a solver's `settle`
// for the local world. Field names, type strings and flag bits follow @cowprotocol/contracts 1.8.0
// (src/ts/order.ts, src/ts/settlement.ts, GPv2Order.sol, GPv2Trade.sol).
import {
  concat,
  decodeAbiParameters,
  encodeAbiParameters,
  encodeFunctionData,
  hashTypedData,
  keccak256,
  numberToHex,
  size,
  slice,
  stringToHex,
  zeroAddress,
  zeroHash,
  type Address,
  type Hex,
} from "viem";
import { erc20Abi, gpv2SettlementAbi } from "./abi";
import type { Call } from "./encode";

export type CowOrderKind = "sell" | "buy";
export type CowSellTokenBalance = "erc20" | "external" | "internal";
export type CowBuyTokenBalance = "erc20" | "internal";

/** GPv2Order.Data with the enum fields as the API and EIP-712 spell them. */
export interface CowOrder {
  sellToken: Address;
  buyToken: Address;
  /** Zero address = the owner. */
  receiver: Address;
  sellAmount: bigint;
  buyAmount: bigint;
  /** Unix seconds (uint32). */
  validTo: number;
  /** keccak256 of the app-data JSON document (or 32 zero bytes). */
  appData: Hex;
  feeAmount: bigint;
  kind: CowOrderKind;
  partiallyFillable: boolean;
  sellTokenBalance: CowSellTokenBalance;
  buyTokenBalance: CowBuyTokenBalance;
}

/** EIP-712 types of a GPv2 order (GPv2Order.TYPE_HASH). */
export const COW_ORDER_TYPES = {
  Order: [
    { name: "sellToken", type: "address" },
    { name: "buyToken", type: "address" },
    { name: "receiver", type: "address" },
    { name: "sellAmount", type: "uint256" },
    { name: "buyAmount", type: "uint256" },
    { name: "validTo", type: "uint32" },
    { name: "appData", type: "bytes32" },
    { name: "feeAmount", type: "uint256" },
    { name: "kind", type: "string" },
    { name: "partiallyFillable", type: "bool" },
    { name: "sellTokenBalance", type: "string" },
    { name: "buyTokenBalance", type: "string" },
  ],
} as const;

/** The settlement's EIP-712 domain (GPv2Signing). */
export const cowDomain = (chainId: number, settlement: Address) =>
  ({ name: "Gnosis Protocol", version: "v2", chainId, verifyingContract: settlement }) as const;

/** The order as the contracts hold it: enum strings hashed (GPv2Order.KIND_SELL, BALANCE_ERC20, ...). */
export const COW_ORDER_TUPLE = [
  {
    type: "tuple",
    components: [
      { name: "sellToken", type: "address" },
      { name: "buyToken", type: "address" },
      { name: "receiver", type: "address" },
      { name: "sellAmount", type: "uint256" },
      { name: "buyAmount", type: "uint256" },
      { name: "validTo", type: "uint32" },
      { name: "appData", type: "bytes32" },
      { name: "feeAmount", type: "uint256" },
      { name: "kind", type: "bytes32" },
      { name: "partiallyFillable", type: "bool" },
      { name: "sellTokenBalance", type: "bytes32" },
      { name: "buyTokenBalance", type: "bytes32" },
    ],
  },
] as const;

const hashed = (s: string): Hex => keccak256(stringToHex(s));
const ENUMS = ["sell", "buy", "erc20", "external", "internal"] as const;
const BY_HASH = new Map<Hex, string>(ENUMS.map((s) => [hashed(s), s]));
/** keccak256 of an order enum string ("sell", "erc20", ...), as GPv2Order's constants. */
export const cowEnumHash = hashed;
/** The enum string of a GPv2Order constant, or the hash itself when it is none of them. */
export const cowEnumName = (h: Hex): string => BY_HASH.get(h.toLowerCase() as Hex) ?? h;

/** EIP-712 digest of the order under the settlement's domain (the first 32 bytes of its uid). */
export function cowOrderDigest(order: CowOrder, chainId: number, settlement: Address): Hex {
  return hashTypedData({ domain: cowDomain(chainId, settlement), types: COW_ORDER_TYPES, primaryType: "Order", message: order });
}

/** The 56-byte order uid: digest ‖ owner ‖ validTo (GPv2Order.packOrderUidParams). */
export function cowOrderUid(order: CowOrder, owner: Address, chainId: number, settlement: Address): Hex {
  return concat([cowOrderDigest(order, chainId, settlement), owner, numberToHex(order.validTo, { size: 4 })]).toLowerCase() as Hex;
}

/** The owner and validTo a uid names. */
export function cowUidParams(uid: Hex): { digest: Hex; owner: Address; validTo: number } {
  if (size(uid) !== 56) throw new Error(`CoW order uid must be 56 bytes, got ${size(uid)}`);
  return { digest: slice(uid, 0, 32), owner: slice(uid, 32, 52) as Address, validTo: Number(BigInt(slice(uid, 52, 56))) };
}

export function encodeCowOrder(order: CowOrder): Hex {
  return encodeAbiParameters(COW_ORDER_TUPLE, [
    { ...order, kind: hashed(order.kind), sellTokenBalance: hashed(order.sellTokenBalance), buyTokenBalance: hashed(order.buyTokenBalance) },
  ]);
}

export function decodeCowOrder(data: Hex): CowOrder {
  const [o] = decodeAbiParameters(COW_ORDER_TUPLE, data);
  return {
    ...o,
    kind: cowEnumName(o.kind) as CowOrderKind,
    sellTokenBalance: cowEnumName(o.sellTokenBalance) as CowSellTokenBalance,
    buyTokenBalance: cowEnumName(o.buyTokenBalance) as CowBuyTokenBalance,
  };
}

/**
 * The Safe pre-signs its own order: `setPreSignature(uid, true)` with the order ABI-encoded after the
 * arguments. GPv2Settlement ignores the trailing bytes; CowSwapRule reads them, recomputes the uid
 * and checks the order (the uid alone is a hash it could not judge).
 */
export function cowPresign(settlement: Address, order: CowOrder, owner: Address, chainId: number): { call: Call; uid: Hex } {
  const uid = cowOrderUid(order, owner, chainId, settlement);
  const args = encodeFunctionData({ abi: gpv2SettlementAbi, functionName: "setPreSignature", args: [uid, true] });
  return { call: { to: settlement, value: 0n, data: concat([args, encodeCowOrder(order)]) }, uid };
}

/** Withdraws a pre-signature (always allowed: it only stops a trade). */
export const cowUnsign = (settlement: Address, uid: Hex): Call => ({
  to: settlement,
  value: 0n,
  data: encodeFunctionData({ abi: gpv2SettlementAbi, functionName: "setPreSignature", args: [uid, false] }),
});

/** Length of canonical setPreSignature(uid56, signed) calldata: selector + 5 words. */
const PRESIGN_ARGS_LENGTH = 4 + 5 * 32;

/** The order a pre-signature call carries (undefined if it carries none, or is an unsigning). */
export function cowOrderOfPresign(data: Hex): { uid: Hex; signed: boolean; order?: CowOrder } {
  if (size(data) < PRESIGN_ARGS_LENGTH) throw new Error("not a setPreSignature call");
  const uid = slice(data, 100, 156);
  const signed = BigInt(slice(data, 36, 68)) === 1n;
  const rest = size(data) > PRESIGN_ARGS_LENGTH ? slice(data, PRESIGN_ARGS_LENGTH) : undefined;
  return { uid, signed, order: rest && size(rest) === 12 * 32 ? decodeCowOrder(rest) : undefined };
}

// ---------------------------------------------------------------- solvers (local world)
/** GPv2Signing.Scheme.PreSign in the trade flags' bits 5-6. */
const FLAG_PRESIGN = 3n << 5n;

/** GPv2Trade flags of an order signed by pre-signature (GPv2Trade.extractFlags). */
export function cowTradeFlags(order: CowOrder): bigint {
  let flags = FLAG_PRESIGN;
  if (order.kind === "buy") flags |= 1n;
  if (order.partiallyFillable) flags |= 2n;
  if (order.sellTokenBalance === "external") flags |= 2n << 2n;
  if (order.sellTokenBalance === "internal") flags |= 3n << 2n;
  if (order.buyTokenBalance === "internal") flags |= 1n << 4n;
  return flags;
}

/**
 * One-order settlement of a pre-signed sell order: the solver has already sent `executedBuyAmount`
 * of the buy token to the settlement; clearing prices give the owner exactly that, and a post
 * interaction pays the sold tokens to the solver. Reverts on chain ("GPv2: limit price not
 * respected") when `executedBuyAmount` < the order's buyAmount.
 */
export function cowSettleOne(settlement: Address, order: CowOrder, owner: Address, executedBuyAmount: bigint, solver: Address): Call {
  const trade = {
    sellTokenIndex: 0n,
    buyTokenIndex: 1n,
    receiver: order.receiver,
    sellAmount: order.sellAmount,
    buyAmount: order.buyAmount,
    validTo: order.validTo,
    appData: order.appData,
    feeAmount: order.feeAmount,
    flags: cowTradeFlags(order),
    executedAmount: 0n,
    signature: owner as Hex, // pre-signed: the signature is the owner's address
  };
  const payout = { target: order.sellToken, value: 0n, callData: encodeFunctionData({ abi: erc20Abi, functionName: "transfer", args: [solver, order.sellAmount] }) };
  return {
    to: settlement,
    value: 0n,
    data: encodeFunctionData({
      abi: gpv2SettlementAbi,
      functionName: "settle",
      // price(sell) * sellAmount = price(buy) * executedBuy
      args: [[order.sellToken, order.buyToken], [executedBuyAmount, order.sellAmount], [trade], [[], [], [payout]]],
    }),
  };
}

/** An order with the defaults the treasury always uses: sell, fill-or-kill, ERC-20 balances, no fee, proceeds to the owner. */
export function cowSellOrder(p: { sellToken: Address; buyToken: Address; sellAmount: bigint; buyAmount: bigint; validTo: number; appData?: Hex }): CowOrder {
  return {
    sellToken: p.sellToken,
    buyToken: p.buyToken,
    receiver: zeroAddress,
    sellAmount: p.sellAmount,
    buyAmount: p.buyAmount,
    validTo: p.validTo,
    appData: p.appData ?? zeroHash,
    feeAmount: 0n,
    kind: "sell",
    partiallyFillable: false,
    sellTokenBalance: "erc20",
    buyTokenBalance: "erc20",
  };
}
