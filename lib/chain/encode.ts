// Per-protocol call encoders, written once: each returns the Call a Safe (module or owner batch)
// makes. No defaults that move value silently: every amount and receiver is explicit.
import { encodeFunctionData, zeroAddress, type Address, type Hex } from "viem";
import { aavePoolAbi, erc20Abi, erc4626Abi, pendleRouterAbi, swapRouterAbi, treasuryPolicyAbi } from "./abi";

/** One call from the Safe (CALL operation). */
export interface Call {
  to: Address;
  value: bigint;
  data: Hex;
}

const call = (to: Address, data: Hex): Call => ({ to, value: 0n, data });

export const approve = (token: Address, spender: Address, amount: bigint): Call =>
  call(token, encodeFunctionData({ abi: erc20Abi, functionName: "approve", args: [spender, amount] }));

// ---------------------------------------------------------------- Aave v3 Pool
/** Aave's variable rate mode (stable rate is gone from v3.1 markets). */
export const AAVE_VARIABLE_RATE = 2n;

export const aaveSupply = (pool: Address, asset: Address, amount: bigint, onBehalfOf: Address): Call =>
  call(pool, encodeFunctionData({ abi: aavePoolAbi, functionName: "supply", args: [asset, amount, onBehalfOf, 0] }));

/** `amount` = maxUint256 withdraws the whole aToken balance. */
export const aaveWithdraw = (pool: Address, asset: Address, amount: bigint, to: Address): Call =>
  call(pool, encodeFunctionData({ abi: aavePoolAbi, functionName: "withdraw", args: [asset, amount, to] }));

export const aaveBorrow = (pool: Address, asset: Address, amount: bigint, onBehalfOf: Address): Call =>
  call(pool, encodeFunctionData({ abi: aavePoolAbi, functionName: "borrow", args: [asset, amount, AAVE_VARIABLE_RATE, 0, onBehalfOf] }));

export const aaveRepay = (pool: Address, asset: Address, amount: bigint, onBehalfOf: Address): Call =>
  call(pool, encodeFunctionData({ abi: aavePoolAbi, functionName: "repay", args: [asset, amount, AAVE_VARIABLE_RATE, onBehalfOf] }));

/** Repays the Safe's variable debt with its aTokens of the same asset (no asset leaves the Safe). */
export const aaveRepayWithATokens = (pool: Address, asset: Address, amount: bigint): Call =>
  call(pool, encodeFunctionData({ abi: aavePoolAbi, functionName: "repayWithATokens", args: [asset, amount, AAVE_VARIABLE_RATE] }));

// ---------------------------------------------------------------- ERC-4626 vaults
export const vaultDeposit = (vault: Address, assets: bigint, receiver: Address): Call =>
  call(vault, encodeFunctionData({ abi: erc4626Abi, functionName: "deposit", args: [assets, receiver] }));

export const vaultRedeem = (vault: Address, shares: bigint, receiver: Address, owner: Address): Call =>
  call(vault, encodeFunctionData({ abi: erc4626Abi, functionName: "redeem", args: [shares, receiver, owner] }));

export const vaultWithdraw = (vault: Address, assets: bigint, receiver: Address, owner: Address): Call =>
  call(vault, encodeFunctionData({ abi: erc4626Abi, functionName: "withdraw", args: [assets, receiver, owner] }));

// ---------------------------------------------------------------- Uniswap v3 SwapRouter
export interface ExactInputSingle {
  tokenIn: Address;
  tokenOut: Address;
  fee: number;
  recipient: Address;
  deadline: bigint;
  amountIn: bigint;
  amountOutMinimum: bigint;
  /** 0 = no price limit (minOut protects the trade). */
  sqrtPriceLimitX96?: bigint;
}

export const uniswapExactInputSingle = (router: Address, p: ExactInputSingle): Call =>
  call(router, encodeFunctionData({ abi: swapRouterAbi, functionName: "exactInputSingle", args: [{ ...p, sqrtPriceLimitX96: p.sqrtPriceLimitX96 ?? 0n }] }));

// ---------------------------------------------------------------- Pendle router (V3 actions)
/** ApproxParams with no off-chain hint (the router searches on chain). */
export const PENDLE_APPROX_DEFAULT = { guessMin: 0n, guessMax: 2n ** 256n - 1n, guessOffchain: 0n, maxIteration: 256n, eps: 10n ** 14n } as const;
/** No limit orders: the policy refuses a limitRouter (it would call arbitrary contracts). */
export const PENDLE_EMPTY_LIMIT = { limitRouter: zeroAddress, epsSkipMarket: 0n, normalFills: [], flashFills: [], optData: "0x" as Hex } as const;
/** No aggregator swap: the policy refuses a pendleSwap for the same reason. */
const NO_SWAP = { swapType: 0, extRouter: zeroAddress, extCalldata: "0x" as Hex, needScale: false } as const;

export const pendleTokenInput = (token: Address, amount: bigint) =>
  ({ tokenIn: token, netTokenIn: amount, tokenMintSy: token, pendleSwap: zeroAddress, swapData: NO_SWAP }) as const;
export const pendleTokenOutput = (token: Address, minTokenOut: bigint) =>
  ({ tokenOut: token, minTokenOut, tokenRedeemSy: token, pendleSwap: zeroAddress, swapData: NO_SWAP }) as const;

export const pendleSwapExactTokenForPt = (router: Address, p: { receiver: Address; market: Address; minPtOut: bigint; tokenIn: Address; amountIn: bigint }): Call =>
  call(router, encodeFunctionData({
    abi: pendleRouterAbi,
    functionName: "swapExactTokenForPt",
    args: [p.receiver, p.market, p.minPtOut, PENDLE_APPROX_DEFAULT, pendleTokenInput(p.tokenIn, p.amountIn), { ...PENDLE_EMPTY_LIMIT, normalFills: [], flashFills: [] }],
  }));

export const pendleSwapExactPtForToken = (router: Address, p: { receiver: Address; market: Address; exactPtIn: bigint; tokenOut: Address; minTokenOut: bigint }): Call =>
  call(router, encodeFunctionData({
    abi: pendleRouterAbi,
    functionName: "swapExactPtForToken",
    args: [p.receiver, p.market, p.exactPtIn, pendleTokenOutput(p.tokenOut, p.minTokenOut), { ...PENDLE_EMPTY_LIMIT, normalFills: [], flashFills: [] }],
  }));

export const pendleRedeemPyToToken = (router: Address, p: { receiver: Address; yt: Address; netPyIn: bigint; tokenOut: Address; minTokenOut: bigint }): Call =>
  call(router, encodeFunctionData({
    abi: pendleRouterAbi,
    functionName: "redeemPyToToken",
    args: [p.receiver, p.yt, p.netPyIn, pendleTokenOutput(p.tokenOut, p.minTokenOut)],
  }));

// ---------------------------------------------------------------- guardrails
/** The decision receipt an owner batch carries (TreasuryPolicy.recordDecision, owners only). */
export const recordDecision = (policy: Address, decisionHash: Hex): Call =>
  call(policy, encodeFunctionData({ abi: treasuryPolicyAbi, functionName: "recordDecision", args: [decisionHash] }));
