// TreasuryPolicy._checkCall and the call-rule units (contracts/rules/*Rule.sol) in TypeScript: the
// allowlist and argument rules of one call. Same order of checks, same error names and arguments, so
// a call this refuses is one the chain refuses. Pure: the policy's configuration comes from readPortfolio.
import { decodeFunctionData, getAddress, size, slice, type Address, type Hex } from "viem";
import { aavePoolAbi, erc20Abi, erc4626Abi, pendleRouterAbi, swapRouterAbi } from "../../../lib/chain/abi";
import { AAVE_VARIABLE_RATE, type Call } from "../../../lib/chain/encode";
import { cowEnumHash, cowOrderOfPresign, cowOrderUid, cowUidParams, type CowOrder } from "../../../lib/chain/cow";
import type { PolicyView, Portfolio } from "../chain/types";
import { refuse, Refused, type Effect } from "./types";

const ANY_TARGET = "0x0000000000000000000000000000000000000000";

/** What a call does, decoded: the projection (project.ts) applies it to the holdings. */
export type DecodedCall =
  | { op: "none" }
  | { op: "payment"; token: Address; to: Address; amount: bigint }
  | { op: "approve"; token: Address; spender: Address; amount: bigint }
  | { op: "aaveSupply"; pool: Address; asset: Address; amount: bigint }
  | { op: "aaveWithdraw"; pool: Address; asset: Address; amount: bigint }
  | { op: "aaveBorrow"; pool: Address; asset: Address; amount: bigint }
  | { op: "aaveRepay"; pool: Address; asset: Address; amount: bigint }
  | { op: "aaveRepayWithATokens"; pool: Address; asset: Address; amount: bigint }
  | { op: "vaultDeposit"; vault: Address; assets: bigint }
  | { op: "vaultMint"; vault: Address; shares: bigint }
  | { op: "vaultWithdraw"; vault: Address; assets: bigint }
  | { op: "vaultRedeem"; vault: Address; shares: bigint }
  | { op: "swap"; router: Address; tokenIn: Address; tokenOut: Address; fee: number; amountIn: bigint; minOut: bigint }
  | { op: "pendleBuy"; router: Address; market: Address; tokenIn: Address; amountIn: bigint; minOut: bigint }
  | { op: "pendleSell"; router: Address; market: Address; tokenOut: Address; ptIn: bigint; minOut: bigint }
  | { op: "pendleRedeem"; router: Address; yt: Address; tokenOut: Address; amountIn: bigint; minOut: bigint }
  /** A CoW order pre-signed: nothing moves now; the module meters its sell value like a swap. */
  | { op: "cowOrder"; settlement: Address; uid: Hex; order: CowOrder; sellUsd: bigint; buyUsd: bigint };

/** What CowSwapRule reads besides the policy: the chain id (the settlement's EIP-712 domain), the block time and the feeds. */
export interface RuleEnv {
  chainId: number;
  timestamp: bigint;
  /** USD per whole token (18 decimals) and whether the feed is fresh and positive; undefined for an unregistered token. */
  price(token: Address): { usd: bigint; ok: boolean } | undefined;
}

export function ruleEnvOf(p: Portfolio): RuleEnv {
  return {
    chainId: p.chainId,
    timestamp: p.timestamp,
    price: (t) => {
      const a = p.assets.find((x) => x.token.toLowerCase() === t.toLowerCase());
      return a && { usd: a.priceUsd, ok: a.priceOk };
    },
  };
}

/** CowSwapRule.MAX_VALIDITY (pinned by test/guardrails/abi-mirror.test.ts). */
export const COW_MAX_VALIDITY_SECONDS = 3600n;
/** Canonical setPreSignature(uid56, true) + the 12-word order. */
const COW_PRESIGN_WITH_ORDER = 4 + 5 * 32 + 12 * 32;

export interface CheckedCall {
  effect: Effect;
  decoded: DecodedCall;
}

const eq = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
const has = (list: readonly string[], a: string) => list.some((x) => eq(x, a));

export function assetOf(p: PolicyView, token: string) {
  return p.assets.find((a) => eq(a.token, token));
}
export function positionOf(p: PolicyView, token: string) {
  return p.positions.find((x) => eq(x.token, token));
}

function malformed(i: number, why: string): never {
  throw new Refused(refuse("MalformedCalldata", {}, why, i));
}

function decode<T>(fn: () => T, i: number): T {
  try {
    return fn();
  } catch {
    return malformed(i, "calldata does not decode as the rule's function");
  }
}

export type Actor = "agent" | "owner";

/** Checks one call of a batch for `actor`; throws Refused with the chain's error, else its effect. */
export function checkCall(p: PolicyView, c: Call, i: number, actor: Actor = "agent", env?: RuleEnv): CheckedCall {
  const to = getAddress(c.to);
  const fail = (error: string, args: Record<string, string | bigint>, reason: string): never => {
    throw new Refused(refuse(error, args, reason, i));
  };
  if (eq(to, p.address) || eq(to, p.safe) || eq(to, p.guard) || eq(to, p.module)) {
    // Owners may call the policy (configuration, decision receipts); nothing else here, ever.
    if (actor === "owner" && eq(to, p.address) && c.value === 0n) return { effect: "Neutral", decoded: { op: "none" } };
    fail("ProtectedTarget", { target: to }, "the guardrails and the Safe are not call targets");
  }
  if (size(c.data) === 0) {
    if (actor !== "owner") fail("PaymentsOwnerOnly", {}, "plain ETH transfers are owner payments");
    if (!has(p.payees, to)) fail("PayeeNotAllowed", { to }, "not a registered payee");
    return { effect: "Payment", decoded: { op: "none" } }; // ETH is not part of NAV
  }
  if (size(c.data) < 4) malformed(i, "calldata shorter than a selector");
  if (c.value !== 0n) fail("ValueNotAllowed", { to, value: c.value }, "calls may not send ETH");
  const selector = slice(c.data, 0, 4).toLowerCase() as Hex;

  // A rule for this target, else one for any target (ERC20Rule's approve / transfer).
  const rule = p.rules.find((r) => eq(r.target, to) && r.selector.toLowerCase() === selector) ?? p.rules.find((r) => eq(r.target, ANY_TARGET) && r.selector.toLowerCase() === selector);
  if (!rule) fail("TargetNotAllowed", { target: to, selector }, "no rule allows this (target, function)");
  const requireSafe = (a: Address) => {
    if (!eq(a, p.safe)) fail("ReceiverNotSafe", { receiver: getAddress(a) }, "proceeds must go to the Safe");
  };
  const requireAsset = (t: Address) => {
    if (!assetOf(p, t)) fail("TokenNotRegistered", { token: getAddress(t) }, "not a registered asset");
  };
  const requirePosition = (t: Address, kind: string) => {
    if (positionOf(p, t)?.kind !== kind) fail("PositionNotRegistered", { token: getAddress(t) }, `not a registered ${kind} position`);
  };
  const swapEffect = (tin: Address, tout: Address): Effect => {
    if (eq(tin, tout)) malformed(i, "a swap back into its own token");
    requireAsset(tin);
    requireAsset(tout);
    return assetOf(p, tin)!.volatile && !assetOf(p, tout)!.volatile ? "Derisk" : "Risk";
  };
  const noExternal = (pendleSwap: Address, limitRouter: Address) => {
    if (!eq(pendleSwap, "0x0000000000000000000000000000000000000000") || !eq(limitRouter, "0x0000000000000000000000000000000000000000")) {
      fail("ExternalSwapNotAllowed", {}, "Pendle aggregator swaps and limit orders call arbitrary contracts");
    }
  };
  const pendleMarket = (m: Address) => {
    if (!p.positions.some((x) => x.kind === "pendlePt" && eq(x.market, m))) fail("PositionNotRegistered", { token: getAddress(m) }, "not the market of a registered PT");
  };

  const requireVariable = (mode: bigint) => {
    if (mode !== AAVE_VARIABLE_RATE) fail("InterestRateModeNotAllowed", { mode }, "Aave debt is variable rate only");
  };

  switch (rule!.kind) {
    case "ERC20Approve":
    case "ERC20Transfer": {
      if (!assetOf(p, to) && !positionOf(p, to)) fail("TokenNotRegistered", { token: to }, "not a registered asset or position token");
      const { functionName, args } = decode(() => decodeFunctionData({ abi: erc20Abi, data: c.data }), i) as { functionName: string; args: readonly [Address, bigint] };
      if (functionName === "transfer") {
        // The policy's payment checks (not the rule's): owners only, payees only, priced assets only.
        if (actor !== "owner") fail("PaymentsOwnerOnly", {}, "transfers are owner payments");
        if (!has(p.payees, args[0])) fail("PayeeNotAllowed", { to: getAddress(args[0]) }, "not a registered payee");
        if (!assetOf(p, to)) fail("TokenNotRegistered", { token: to }, "payments are in priced assets only");
        return { effect: "Payment", decoded: { op: "payment", token: to, to: getAddress(args[0]), amount: args[1] } };
      }
      if (functionName !== "approve") malformed(i, "ERC20Rule allows approve and transfer only");
      if (!has(p.spenders, args[0])) fail("SpenderNotAllowed", { spender: getAddress(args[0]) }, "spender not on the policy's list");
      return { effect: "Neutral", decoded: { op: "approve", token: to, spender: getAddress(args[0]), amount: args[1] } };
    }
    case "AaveBorrow": {
      const [asset, amount, mode, , onBehalfOf] = decode(() => decodeFunctionData({ abi: aavePoolAbi, data: c.data }).args as readonly [Address, bigint, bigint, number, Address], i);
      requireAsset(asset);
      requireSafe(onBehalfOf);
      requireVariable(mode);
      // AaveV3Rule: the asset's variable debt must be a registered (liability) position at this pool.
      if (!p.positions.some((x) => x.kind === "aaveDebt" && eq(x.venue, to) && eq(x.underlying, asset))) {
        fail("PositionNotRegistered", {}, "the asset's Aave variable debt token is not a registered position: the debt would be invisible to NAV");
      }
      return { effect: "Risk", decoded: { op: "aaveBorrow", pool: to, asset: getAddress(asset), amount } };
    }
    case "AaveRepay": {
      const [asset, amount, mode, onBehalfOf] = decode(() => decodeFunctionData({ abi: aavePoolAbi, data: c.data }).args as readonly [Address, bigint, bigint, Address], i);
      requireAsset(asset);
      requireSafe(onBehalfOf);
      requireVariable(mode);
      return { effect: "Exit", decoded: { op: "aaveRepay", pool: to, asset: getAddress(asset), amount } };
    }
    case "AaveRepayWithATokens": {
      const [asset, amount, mode] = decode(() => decodeFunctionData({ abi: aavePoolAbi, data: c.data }).args as readonly [Address, bigint, bigint], i);
      requireAsset(asset);
      requireVariable(mode);
      return { effect: "Exit", decoded: { op: "aaveRepayWithATokens", pool: to, asset: getAddress(asset), amount } };
    }
    case "AaveSupply": {
      const [asset, amount, onBehalfOf] = decode(() => decodeFunctionData({ abi: aavePoolAbi, data: c.data }).args as readonly [Address, bigint, Address, number], i);
      requireAsset(asset);
      requireSafe(onBehalfOf);
      return { effect: "Risk", decoded: { op: "aaveSupply", pool: to, asset: getAddress(asset), amount } };
    }
    case "AaveWithdraw": {
      const [asset, amount, recv] = decode(() => decodeFunctionData({ abi: aavePoolAbi, data: c.data }).args as readonly [Address, bigint, Address], i);
      requireAsset(asset);
      requireSafe(recv);
      return { effect: "Exit", decoded: { op: "aaveWithdraw", pool: to, asset: getAddress(asset), amount } };
    }
    case "ERC4626Deposit":
    case "ERC4626Mint": {
      requirePosition(to, "erc4626");
      const [amount, receiver] = decode(() => decodeFunctionData({ abi: erc4626Abi, data: c.data }).args as readonly [bigint, Address], i);
      requireSafe(receiver);
      return { effect: "Risk", decoded: rule!.kind === "ERC4626Deposit" ? { op: "vaultDeposit", vault: to, assets: amount } : { op: "vaultMint", vault: to, shares: amount } };
    }
    case "ERC4626Withdraw":
    case "ERC4626Redeem": {
      requirePosition(to, "erc4626");
      const [amount, receiver, owner] = decode(() => decodeFunctionData({ abi: erc4626Abi, data: c.data }).args as readonly [bigint, Address, Address], i);
      requireSafe(receiver);
      requireSafe(owner);
      return { effect: "Exit", decoded: rule!.kind === "ERC4626Withdraw" ? { op: "vaultWithdraw", vault: to, assets: amount } : { op: "vaultRedeem", vault: to, shares: amount } };
    }
    case "UniV3ExactInputSingle": {
      const { args } = decode(() => decodeFunctionData({ abi: swapRouterAbi, data: c.data }), i);
      const q = args[0] as { tokenIn: Address; tokenOut: Address; fee: number; recipient: Address; amountIn: bigint; amountOutMinimum: bigint };
      requireSafe(q.recipient);
      const effect = swapEffect(q.tokenIn, q.tokenOut);
      return { effect, decoded: { op: "swap", router: to, tokenIn: getAddress(q.tokenIn), tokenOut: getAddress(q.tokenOut), fee: q.fee, amountIn: q.amountIn, minOut: q.amountOutMinimum } };
    }
    case "PendleSwapExactTokenForPt": {
      const { args } = decode(() => decodeFunctionData({ abi: pendleRouterAbi, data: c.data }), i);
      const [receiver, market, minPtOut, , input, limit] = args as unknown as [Address, Address, bigint, unknown, { tokenIn: Address; netTokenIn: bigint; pendleSwap: Address }, { limitRouter: Address }];
      requireSafe(receiver);
      pendleMarket(market);
      requireAsset(input.tokenIn);
      noExternal(input.pendleSwap, limit.limitRouter);
      return { effect: "Risk", decoded: { op: "pendleBuy", router: to, market: getAddress(market), tokenIn: getAddress(input.tokenIn), amountIn: input.netTokenIn, minOut: minPtOut } };
    }
    case "PendleSwapExactPtForToken": {
      const { args } = decode(() => decodeFunctionData({ abi: pendleRouterAbi, data: c.data }), i);
      const [receiver, market, ptIn, output, limit] = args as unknown as [Address, Address, bigint, { tokenOut: Address; minTokenOut: bigint; pendleSwap: Address }, { limitRouter: Address }];
      requireSafe(receiver);
      pendleMarket(market);
      requireAsset(output.tokenOut);
      noExternal(output.pendleSwap, limit.limitRouter);
      return { effect: "Derisk", decoded: { op: "pendleSell", router: to, market: getAddress(market), tokenOut: getAddress(output.tokenOut), ptIn, minOut: output.minTokenOut } };
    }
    case "PendleRedeemPyToToken": {
      const { args } = decode(() => decodeFunctionData({ abi: pendleRouterAbi, data: c.data }), i);
      const [receiver, yt, netPyIn, output] = args as unknown as [Address, Address, bigint, { tokenOut: Address; minTokenOut: bigint; pendleSwap: Address }];
      requireSafe(receiver);
      if (!Object.values(p.pendleYts).some((y) => eq(y, yt)) || !p.positions.some((x) => x.kind === "pendlePt" && p.pendleYts[x.market] && eq(p.pendleYts[x.market], yt))) {
        fail("PositionNotRegistered", { token: getAddress(yt) }, "not the YT of a registered PT");
      }
      requireAsset(output.tokenOut);
      noExternal(output.pendleSwap, "0x0000000000000000000000000000000000000000");
      return { effect: "Exit", decoded: { op: "pendleRedeem", router: to, yt: getAddress(yt), tokenOut: getAddress(output.tokenOut), amountIn: netPyIn, minOut: output.minTokenOut } };
    }
    case "CowSetPreSignature": {
      // CowSwapRule._signed: the uid where GPv2Settlement's decoder finds it (offset 0x40, 56 bytes).
      if (size(c.data) < 164 || BigInt(slice(c.data, 4, 36)) !== 0x40n || BigInt(slice(c.data, 68, 100)) !== 56n || BigInt(slice(c.data, 36, 68)) > 1n) malformed(i, "not a canonical setPreSignature(uid, signed)");
      const { uid, signed, order: o } = cowOrderOfPresign(c.data);
      if (!signed) return { effect: "Neutral", decoded: { op: "none" } }; // unsigning: always allowed
      if (size(c.data) !== COW_PRESIGN_WITH_ORDER || !o) malformed(i, "the order must be appended to setPreSignature");
      const order = o!;
      if (!env) throw new Refused(refuse("Unsupported", { kind: rule!.kind }, "checking a CoW order needs the chain id, block time and prices (pass ruleEnvOf(portfolio))", i));
      const { owner } = cowUidParams(uid);
      if (!eq(owner, p.safe)) fail("OrderOwnerNotSafe", { owner: getAddress(owner) }, "a pre-signed order must be the Safe's own");
      if (cowOrderUid(order, p.safe, env.chainId, to) !== uid.toLowerCase()) fail("OrderUidMismatch", {}, "the appended order is not the one the uid names");
      if (!eq(order.receiver, "0x0000000000000000000000000000000000000000")) requireSafe(order.receiver);
      if (order.kind !== "sell") fail("OrderKindNotAllowed", { kind: cowEnumHash(order.kind) }, "sell orders only (exact input)");
      if (order.partiallyFillable) fail("OrderPartialFillNotAllowed", {}, "fill-or-kill orders only");
      if (order.sellTokenBalance !== "erc20") fail("OrderBalanceNotAllowed", { balance: cowEnumHash(order.sellTokenBalance) }, "ERC-20 balances only (no Balancer vault)");
      if (order.buyTokenBalance !== "erc20") fail("OrderBalanceNotAllowed", { balance: cowEnumHash(order.buyTokenBalance) }, "ERC-20 balances only (no Balancer vault)");
      const maxValidTo = env.timestamp + COW_MAX_VALIDITY_SECONDS;
      if (BigInt(order.validTo) > maxValidTo) fail("OrderValidToTooFar", { validTo: BigInt(order.validTo), maxValidTo }, "valid for longer than the rule allows");
      if (order.feeAmount !== 0n) fail("OrderFeeNotAllowed", { feeAmount: order.feeAmount }, "no fee in the order");
      if (eq(order.sellToken, order.buyToken)) malformed(i, "an order back into its own token");
      requireAsset(order.sellToken);
      requireAsset(order.buyToken);
      const value = (t: Address, amount: bigint) => {
        const px = env.price(t);
        if (!px || !px.ok || px.usd <= 0n) fail("OrderPriceUnavailable", { token: getAddress(t) }, "no fresh price to check the limit against");
        return (amount * px!.usd) / 10n ** BigInt(assetOf(p, t)!.decimals);
      };
      const sellUsd = value(order.sellToken, order.sellAmount);
      const buyUsd = value(order.buyToken, order.buyAmount);
      const minBuyUsd = (sellUsd * (10_000n - BigInt(p.limits.maxLossBps))) / 10_000n;
      if (buyUsd < minBuyUsd) fail("OrderLimitBelowOracle", { buyValueUsd: buyUsd, minBuyValueUsd: minBuyUsd }, "the limit price is below the oracle price less the loss limit");
      const effect: Effect = assetOf(p, order.sellToken)!.volatile && !assetOf(p, order.buyToken)!.volatile ? "Derisk" : "Risk";
      return { effect, decoded: { op: "cowOrder", settlement: to, uid: uid.toLowerCase() as Hex, order, sellUsd, buyUsd } };
    }
    default:
      // UniV3ExactInput / Router02 kinds and units the agent does not know: its planner never builds
      // them; refuse rather than guess.
      throw new Refused(refuse("Unsupported", { kind: rule!.kind }, `the TypeScript check does not model ${rule!.kind}: the agent does not send it`, i));
  }
}
