// Shared helpers for the adversarial OWNER-transaction tests (test/guardrails/guard.*.test.ts):
// every attack is a real Safe 1.4.1 execTransaction signed by two owners (EIP-712) with the
// TreasuryGuard attached. Helpers build/sign/execute Safe transactions, snapshot every balance the
// guardrails protect (to prove "nothing moved"), and encode protocol calls.
import { expect } from "chai";
import { IFACE } from "../helpers/interfaces";
import {
  AbiCoder,
  Contract,
  ContractTransactionResponse,
  Signer,
  TransactionReceipt,
  getAddress,
  keccak256,
} from "ethers";
import {
  ABI,
  ART,
  FAR_DEADLINE,
  MetaTx,
  OPERATION,
  SafeTx,
  advanceTime,
  buildSafeTx,
  encodeMultiSend,
  execSafeTx,
  executeSafeTx,
  multiSendCallOnlyTx,
  signSafeTx,
} from "../../scripts/world";
import { deploy } from "../../scripts/world/tx";
import type { GuardedWorld } from "../helpers/guarded";
import type { Address } from "viem";
import * as lib from "../../lib/chain/encode";

export const DAY = 86_400;
export const SENTINEL = "0x0000000000000000000000000000000000000001";
/** Safe 1.4.1 storage slots (GuardManager / FallbackManager). */
export const GUARD_SLOT = keccak256(Buffer.from("guard_manager.guard.address"));
export const FALLBACK_SLOT = keccak256(Buffer.from("fallback_manager.handler.address"));
/** Mirrors of the Solidity Effect enum (contracts/libraries/PolicyTypes.sol). */
export const EFFECT = { Neutral: 0n, Exit: 1n, Derisk: 2n, Payment: 3n, Risk: 4n } as const;

export const aavePoolIface = IFACE.aavePool;
export const routerIface = IFACE.swapRouter;
export const vaultIface = IFACE.erc4626;
export const erc20Iface = IFACE.erc20;
export const safeIface = IFACE.safe;
export const msoIface = IFACE.multiSendCallOnly;

/** Addresses and read-only handles used by the tests. */
export interface Ctx {
  g: GuardedWorld;
  safe: string;
  outsider: Signer;
  outsiderAddr: string;
  payeeAddr: string;
  guardianAddr: string;
  tokens: Record<"USDC" | "DAI" | "WETH" | "WBTC", Contract>;
  safeC: Contract;
  quoter: Contract;
  chainId: bigint;
}

export async function ctxOf(g: GuardedWorld): Promise<Ctx> {
  const w = g.world;
  const p = w.provider;
  return {
    g,
    safe: w.treasury.safe,
    outsider: w.signers.outsider,
    outsiderAddr: w.accounts.outsider,
    payeeAddr: await g.payee.getAddress(),
    guardianAddr: await g.guardian.getAddress(),
    tokens: {
      USDC: new Contract(w.tokens.USDC, ABI.erc20(), p),
      DAI: new Contract(w.tokens.DAI, ABI.erc20(), p),
      WETH: new Contract(w.tokens.WETH, ABI.erc20(), p),
      WBTC: new Contract(w.tokens.WBTC, ABI.erc20(), p),
    },
    safeC: new Contract(w.treasury.safe, ABI.safe(), p),
    quoter: new Contract(w.uniswap.quoterV2, ABI.quoterV2(), p),
    chainId: BigInt(w.chainId),
  };
}

// ------------------------------------------------------------------ Safe transactions
/** Build + sign (two owners, EIP-712) + send; returns the pending response for revert assertions. */
export async function ownerTx(
  c: Ctx,
  tx: MetaTx | MetaTx[],
  overrides: Partial<SafeTx> = {},
): Promise<ContractTransactionResponse> {
  const meta = Array.isArray(tx) ? multiSendCallOnlyTx(c.g.world.safe.multiSendCallOnly, tx) : tx;
  const executor = c.g.quorum[0];
  const safeTx = await buildSafeTx(c.safe, executor, meta, overrides);
  const sigs = await signSafeTx(c.safe, c.chainId, safeTx, c.g.quorum);
  return execSafeTx(c.safe, safeTx, sigs, executor);
}

/** Execute an owner transaction that must pass; returns the receipt. */
export function ownerExec(c: Ctx, tx: MetaTx | MetaTx[], label?: string): Promise<TransactionReceipt> {
  return executeSafeTx({ safe: c.safe, owners: c.g.quorum, tx, infra: c.g.world.safe, label });
}

/** multiSend(bytes) calldata for a raw batch (any operations, unlike multiSendCallOnlyTx). */
export function rawBatchData(txs: MetaTx[]): string {
  return msoIface.encodeFunctionData("multiSend", [encodeMultiSend(txs)]);
}

/** Delegatecall of a raw batch into MultiSendCallOnly. */
export function rawBatch(c: Ctx, txs: MetaTx[]): MetaTx {
  return { to: c.g.world.safe.multiSendCallOnly, data: rawBatchData(txs), operation: OPERATION.DELEGATECALL };
}

// ------------------------------------------------------------------ encoders
const A = (a: string) => a as Address;
export const approve = (token: string, spender: string, amount: bigint): MetaTx => lib.approve(A(token), A(spender), amount);
export const transfer = (token: string, to: string, amount: bigint): MetaTx => ({
  to: token,
  data: erc20Iface.encodeFunctionData("transfer", [to, amount]),
});
// Deliberately wrong arguments (a foreign onBehalfOf/receiver) are what the guard tests feed in.
export const aaveSupply = (c: Ctx, token: string, amount: bigint, onBehalfOf: string): MetaTx =>
  lib.aaveSupply(A(c.g.world.aave.pool), A(token), amount, A(onBehalfOf));
export const aaveWithdraw = (c: Ctx, token: string, amount: bigint, to: string): MetaTx =>
  lib.aaveWithdraw(A(c.g.world.aave.pool), A(token), amount, A(to));
export const exactInputSingle = (
  c: Ctx,
  p: { tokenIn: string; tokenOut: string; amountIn: bigint; recipient?: string; minOut?: bigint; fee?: number },
): MetaTx => ({
  to: c.g.world.uniswap.swapRouter,
  data: routerIface.encodeFunctionData("exactInputSingle", [{
    tokenIn: p.tokenIn,
    tokenOut: p.tokenOut,
    fee: p.fee ?? c.g.world.uniswap.pools.WETH_USDC.fee,
    recipient: p.recipient ?? c.safe,
    deadline: FAR_DEADLINE,
    amountIn: p.amountIn,
    amountOutMinimum: p.minOut ?? 0n,
    sqrtPriceLimitX96: 0n,
  }]),
});
export const policyCall = (c: Ctx, fn: string, args: unknown[]): MetaTx => ({
  to: c.g.addresses.policy,
  data: c.g.policy.interface.encodeFunctionData(fn as never, args as never),
});

/** approve + Aave supply (the usual owner batch). */
export const supplyBatch = (c: Ctx, token: string, amount: bigint, onBehalfOf?: string): MetaTx[] => [
  approve(token, c.g.world.aave.pool, amount),
  aaveSupply(c, token, amount, onBehalfOf ?? c.safe),
];
/** approve + Uniswap exactInputSingle. */
export const swapBatch = (c: Ctx, p: Parameters<typeof exactInputSingle>[1]): MetaTx[] => [
  approve(p.tokenIn, c.g.world.uniswap.swapRouter, p.amountIn),
  exactInputSingle(c, p),
];

/** QuoterV2 exact-input quote on the WETH/USDC (or given fee) pool at the current state. */
export async function quote(c: Ctx, tokenIn: string, tokenOut: string, amountIn: bigint, fee?: number): Promise<bigint> {
  const [out] = await c.quoter.quoteExactInputSingle.staticCall({
    tokenIn, tokenOut, amountIn, fee: fee ?? c.g.world.uniswap.pools.WETH_USDC.fee, sqrtPriceLimitX96: 0n,
  });
  return out as bigint;
}

// ------------------------------------------------------------------ timelock
export function changeId(target: string, data: string): string {
  return keccak256(AbiCoder.defaultAbiCoder().encode(["address", "bytes"], [target, data]));
}

/** Owners schedule `data` on `target` through the Safe; returns the id and readyAt. */
export async function schedule(c: Ctx, target: string, data: string): Promise<{ id: string; readyAt: bigint }> {
  await ownerExec(c, policyCall(c, "schedule", [target, data]), "schedule");
  const id = changeId(target, data);
  const readyAt = await c.g.policy.readyAt(id);
  expect(readyAt, "scheduled").to.be.gt(0n);
  return { id, readyAt };
}

export async function passDelay(c: Ctx, extra = 1): Promise<void> {
  await advanceTime(c.g.world, Number(await c.g.policy.delay()) + extra);
}

/** The inner revert of a call the Safe would make (eth_call from the Safe's address). */
export function asSafe(c: Ctx, data: string, to?: string): Promise<string> {
  return c.g.world.provider.call({ from: c.safe, to: to ?? c.g.addresses.policy, data });
}

// ------------------------------------------------------------------ "nothing moved"
/** Every balance the treasury can hold (aTokens by scaled balance: no interest drift), plus ETH. */
export async function holdings(c: Ctx, who: string, extraTokens: string[] = []): Promise<Record<string, bigint>> {
  const w = c.g.world;
  const p = w.provider;
  const out: Record<string, bigint> = { ETH: await p.getBalance(who) };
  for (const [sym, t] of Object.entries(c.tokens)) out[sym] = await t.balanceOf(who);
  for (const [sym, a] of Object.entries(w.aave.aTokens)) {
    out[`a${sym}(scaled)`] = await new Contract(a, ART.aave.AToken().abi, p).scaledBalanceOf(who);
  }
  for (const [key, v] of Object.entries(w.erc4626)) out[key] = await new Contract(v, ABI.erc20(), p).balanceOf(who);
  out.PT = await new Contract(w.pendle.pt, ABI.erc20(), p).balanceOf(who);
  for (const t of extraTokens) out[t] = await new Contract(t, ABI.erc20(), p).balanceOf(who);
  return out;
}

export interface Frozen {
  safe: Record<string, bigint>;
  others: Record<string, Record<string, bigint>>;
  nonce: bigint;
}

/** Snapshot the Safe (balances + nonce) and the attacker-side accounts. */
export async function freeze(c: Ctx, others: string[] = [], extraTokens: string[] = []): Promise<Frozen> {
  const all = [...new Set([c.outsiderAddr, ...others].map((a) => getAddress(a)))];
  const o: Record<string, Record<string, bigint>> = {};
  for (const a of all) o[a] = await holdings(c, a, extraTokens);
  return { safe: await holdings(c, c.safe, extraTokens), others: o, nonce: await c.safeC.nonce() };
}

/** Assert nothing moved since `before`: same Safe balances and nonce, same attacker balances. */
export async function expectUnchanged(c: Ctx, before: Frozen, extraTokens: string[] = []): Promise<void> {
  expect(await holdings(c, c.safe, extraTokens), "Safe balances").to.deep.equal(before.safe);
  for (const [a, h] of Object.entries(before.others)) {
    expect(await holdings(c, a, extraTokens), `balances of ${a}`).to.deep.equal(h);
  }
  expect(await c.safeC.nonce(), "Safe nonce (no transaction executed)").to.equal(before.nonce);
}

// ------------------------------------------------------------------ helpers for state
export async function fundSafeEth(c: Ctx, amount: bigint): Promise<void> {
  await (await c.g.world.signers.deployer.sendTransaction({ to: c.safe, value: amount })).wait();
}

/** A token nobody registered (a fresh TestERC20 minted to `to`). */
export async function freshToken(c: Ctx, to: string, amount: bigint): Promise<string> {
  const d = c.g.world.signers.deployer;
  const addr = await deploy(d, ART.tokens.TestERC20(), ["Unregistered", "UNREG", 18, await d.getAddress()]);
  await (await new Contract(addr, ABI.erc20(), d).mint(to, amount)).wait();
  return addr;
}

export async function setFeedAnswer(c: Ctx, sym: "USDC" | "DAI" | "WETH" | "WBTC", answer: bigint): Promise<void> {
  const feed = new Contract(c.g.world.feeds[sym], ABI.feed(), c.g.world.signers.deployer);
  await (await feed.updateAnswer(answer)).wait();
}

export async function storageAddress(c: Ctx, slot: string): Promise<string> {
  const raw: string = await c.g.world.provider.getStorage(c.safe, slot);
  return getAddress("0x" + raw.slice(-40));
}

/** USD value (18 dec) the valuation gives `amount` of a registered asset at the current feed. */
export async function usdValue(c: Ctx, token: string, amount: bigint): Promise<bigint> {
  const [price, ok] = await c.g.valuation.priceOf(token);
  expect(ok, "price available").to.equal(true);
  const dec = BigInt(await new Contract(token, ABI.erc20(), c.g.world.provider).decimals());
  return (amount * price) / 10n ** dec;
}
