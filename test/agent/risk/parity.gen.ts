// Seeded random agent batches for the parity test: protocol calls the planner could build (random
// sizes, sometimes a missing approval or a too-tight minOut) mixed with the mistakes and attacks the
// policy must refuse (foreign receiver, unknown spender/target/token, ETH value, payments, the
// guardrails themselves).
import { encodeFunctionData, maxUint256, type Address } from "viem";
import { aavePoolAbi } from "../../../lib/chain/abi";
import * as enc from "../../../lib/chain/encode";
import { cowPresign, cowSellOrder, cowUnsign, type CowOrder } from "../../../lib/chain/cow";
import type { Deployment } from "../../../lib/chain/deployments";
import type { Portfolio } from "../../../agent/src/chain/types";
import { seeded, type Rng } from "../../../scripts/rng";

/** The seeded source every random test draws from (scripts/rng.ts). */
export const rng = seeded;
export type { Rng };

const SYMS = ["USDC", "DAI", "WETH", "WBTC"] as const;

/** `debt`: the Safe may borrow (the leveraged world): borrows, repays and collateral withdrawals are mixed in.
 * `noPendle`: no PT trades (an Aave supply instead): the TypeScript projection prices a PT trade at a flat
 * cost (project.ts PENDLE_COST) while the local market's price impact on a $20K trade is ~0.8%, so where
 * a loss of a few dollars decides (a nearly spent loss budget) only the simulation can tell. */
export function randomBatch(r: Rng, d: Deployment, p: Portfolio, payee?: Address, opts: { debt?: boolean; noPendle?: boolean } = {}): enc.Call[] {
  const safe = d.treasury!.safe;
  const outsider = d.accounts.outsider!;
  const asset = (s: string) => p.assets.find((a) => a.symbol === s)!;
  const units = (s: string, usd: number) => {
    const a = asset(s);
    return a.priceUsd === 0n ? BigInt(Math.floor(usd)) * 10n ** BigInt(a.decimals) : (BigInt(Math.floor(usd * 100)) * 10n ** BigInt(a.decimals) * 10n ** 16n) / a.priceUsd;
  };
  const usd = () => (r.next() < 0.7 ? 50 + r.next() * 45_000 : 45_000 + r.next() * 40_000);
  const recv = () => (r.next() < 0.06 ? outsider : safe);
  const maybeApprove = (token: Address, spender: Address, amount: bigint): enc.Call[] => (r.next() < 0.9 ? [enc.approve(token, spender, amount)] : []);
  const position = (kind: string, sym?: string) => p.positions.find((x) => x.kind === kind && (!sym || x.symbol.includes(sym)));
  const steps = 1 + r.below(3);
  const calls: enc.Call[] = [];
  const debtOf = (sym: string) => p.positions.find((x) => x.kind === "aaveDebt" && x.symbol.includes(sym));
  /** Aave debt: borrow (a registered debt, or DAI's, which is not), repay, repay with aTokens, withdraw collateral. */
  const debtCall = (): enc.Call[] => {
    const k = r.below(10);
    if (k < 5) {
      const sym = r.pick(["USDC", "USDC", "WETH", "DAI"] as const);
      const amt = units(sym, r.next() < 0.5 ? 500 + r.next() * 25_000 : 25_000 + r.next() * 50_000);
      return [enc.aaveBorrow(d.aave.pool, d.tokens[sym], amt, recv())];
    }
    if (k < 8) {
      const sym = r.pick(["USDC", "WETH"] as const);
      const owed = debtOf(sym)?.balance ?? 0n;
      const amt = r.next() < 0.2 ? maxUint256 : owed > 0n ? (owed * BigInt(1 + r.below(120))) / 100n : units(sym, usd());
      // Interest accrues until the simulated block: an approval with 1% over the debt covers "all".
      const approval = amt === maxUint256 ? (owed * 101n) / 100n + 1n : amt;
      return [...maybeApprove(d.tokens[sym], d.aave.pool, approval), enc.aaveRepay(d.aave.pool, d.tokens[sym], amt, recv())];
    }
    if (k < 9) {
      const owed = debtOf("USDC")?.balance ?? 0n;
      return [enc.aaveRepayWithATokens(d.aave.pool, d.tokens.USDC, r.next() < 0.3 ? maxUint256 : owed > 0n ? (owed * BigInt(1 + r.below(100))) / 100n : units("USDC", usd()))];
    }
    const aPos = position("aave", "WETH");
    return [enc.aaveWithdraw(d.aave.pool, d.tokens.WETH, aPos && aPos.balance > 0n ? (aPos.balance * BigInt(1 + r.below(100))) / 100n : units("WETH", usd()), recv())];
  };
  for (let s = 0; s < steps; s++) {
    if (opts.debt && r.next() < 0.4) {
      calls.push(...debtCall());
      continue;
    }
    let kind = r.below(100);
    if (opts.noPendle && kind >= 74 && kind < 87) kind = r.below(22);
    if (kind < 22) {
      const sym = r.pick(SYMS);
      const amt = units(sym, usd());
      calls.push(...maybeApprove(d.tokens[sym], d.aave.pool, amt), enc.aaveSupply(d.aave.pool, d.tokens[sym], amt, recv()));
    } else if (kind < 32) {
      const sym = r.pick(["USDC", "DAI"] as const);
      const aPos = position("aave", sym);
      const amt = r.next() < 0.2 ? maxUint256 : aPos && aPos.balance > 0n ? (aPos.balance * BigInt(1 + r.below(120))) / 100n : units(sym, usd());
      calls.push(enc.aaveWithdraw(d.aave.pool, d.tokens[sym], amt, recv()));
    } else if (kind < 44) {
      const [vault, sym] = r.pick([["scrvUSD", "USDC"], ["sDAI", "DAI"]] as const);
      const amt = units(sym, usd());
      calls.push(...maybeApprove(d.tokens[sym], d.erc4626[vault], amt), enc.vaultDeposit(d.erc4626[vault], amt, recv()));
    } else if (kind < 52) {
      const vault = r.pick(["scrvUSD", "sDAI"] as const);
      const v = p.positions.find((x) => x.token === d.erc4626[vault]);
      const shares = v && v.balance > 0n ? (v.balance * BigInt(1 + r.below(110))) / 100n : 10n ** 18n;
      calls.push(enc.vaultRedeem(d.erc4626[vault], shares, recv(), r.next() < 0.05 ? outsider : safe));
    } else if (kind < 74) {
      const [tin, tout] = r.pick([["USDC", "WETH"], ["WETH", "USDC"], ["USDC", "WBTC"], ["WBTC", "USDC"]] as const);
      const key = tin === "USDC" ? `${tout}_USDC` : `${tin}_USDC`;
      const v = usd();
      const amountIn = units(tin, v);
      // minOut: mostly 1-3% slippage, sometimes impossible (above the oracle value).
      const slip = r.next() < 0.1 ? -0.01 : 0.01 + r.next() * 0.02;
      const minOut = units(tout, v * (1 - slip));
      calls.push(...maybeApprove(d.tokens[tin], d.uniswap.swapRouter, amountIn));
      calls.push(enc.uniswapExactInputSingle(d.uniswap.swapRouter, { tokenIn: d.tokens[tin], tokenOut: d.tokens[tout], fee: d.uniswap.pools[key].fee, recipient: recv(), deadline: 2n ** 40n, amountIn, amountOutMinimum: minOut }));
    } else if (kind < 82) {
      const m = Object.values(d.pendle.markets)[0];
      const amt = units("USDC", usd() / 2);
      calls.push(...maybeApprove(d.tokens.USDC, d.pendle.router, amt), enc.pendleSwapExactTokenForPt(d.pendle.router, { receiver: recv(), market: m.market, minPtOut: 0n, tokenIn: d.tokens.USDC, amountIn: amt }));
    } else if (kind < 87) {
      const m = Object.values(d.pendle.markets)[0];
      const pt = p.positions.find((x) => x.kind === "pendlePt");
      const ptIn = pt && pt.balance > 0n ? (pt.balance * BigInt(1 + r.below(100))) / 100n : 10n ** 18n;
      calls.push(...maybeApprove(m.pt, d.pendle.router, ptIn), enc.pendleSwapExactPtForToken(d.pendle.router, { receiver: recv(), market: m.market, exactPtIn: ptIn, tokenOut: d.tokens.USDC, minTokenOut: 0n }));
    } else if (kind < 93 && d.cow) {
      // A CoW order pre-signed (fills happen later, off the Safe): mostly fair, sometimes a limit below
      // the oracle less the loss limit, too long a validity, an outsider receiver, a buy order; sometimes an unsigning.
      const [tin, tout] = r.pick([["USDC", "WETH"], ["WETH", "USDC"], ["WBTC", "DAI"], ["DAI", "WBTC"], ["WETH", "WBTC"]] as const);
      const v = usd();
      const sellAmount = units(tin, v);
      const slip = r.next() < 0.12 ? 0.011 + r.next() * 0.05 : r.next() * 0.009;
      const o: CowOrder = {
        ...cowSellOrder({ sellToken: d.tokens[tin], buyToken: d.tokens[tout], sellAmount, buyAmount: units(tout, v * (1 - slip)), validTo: Number(p.timestamp) + (r.next() < 0.07 ? 5000 : 300 + r.below(3000)) }),
        ...(r.next() < 0.05 ? { receiver: outsider } : {}),
        ...(r.next() < 0.04 ? { kind: "buy" as const } : {}),
      };
      const { call, uid } = cowPresign(d.cow.settlement, o, safe, p.chainId);
      if (r.next() < 0.1) calls.push(cowUnsign(d.cow.settlement, uid));
      else calls.push(...maybeApprove(d.tokens[tin], d.cow.vaultRelayer, sellAmount), call);
    } else {
      // Attacks and mistakes the policy refuses whatever the state.
      const g = d.guardrails!;
      const bad: enc.Call[] = [
        enc.approve(d.tokens.USDC, outsider, 1n),
        enc.approve(outsider, d.aave.pool, 1n),
        { ...enc.approve(d.tokens.USDC, d.aave.pool, 1n), value: 1n },
        { to: d.tokens.USDC, value: 0n, data: `0xa9059cbb${outsider.slice(2).padStart(64, "0")}${"1".padStart(64, "0")}` },
        enc.recordDecision(g.policy, `0x${"ab".repeat(32)}`),
        { to: outsider, value: 0n, data: "0x12345678" },
        { to: d.aave.pool, value: 0n, data: "0xdeadbeef" },
        { to: d.tokens.WETH, value: 0n, data: "0x" },
        enc.uniswapExactInputSingle(d.uniswap.swapRouter, { tokenIn: d.tokens.USDC, tokenOut: d.tokens.USDC, fee: 500, recipient: safe, deadline: 2n ** 40n, amountIn: 1n, amountOutMinimum: 0n }),
        { to: d.safe.multiSendCallOnly, value: 0n, data: "0x8d80ff0a" },
        // Aave debt: borrow is not registered; repay is, but the Safe's own variable debt only (and it has none).
        enc.aaveBorrow(d.aave.pool, d.tokens.USDC, 1_000_000n, safe),
        enc.aaveRepay(d.aave.pool, d.tokens.USDC, 1_000_000n, recv()),
        { to: d.aave.pool, value: 0n, data: encodeFunctionData({ abi: aavePoolAbi, functionName: "repay", args: [d.tokens.DAI, 1n, 1n, safe] }) },
        enc.aaveRepayWithATokens(d.aave.pool, d.tokens.USDC, maxUint256),
      ];
      if (payee) bad.push({ to: d.tokens.USDC, value: 0n, data: `0xa9059cbb${payee.slice(2).padStart(64, "0")}${units("USDC", usd()).toString(16).padStart(64, "0")}` });
      calls.push(r.pick(bad));
    }
  }
  return calls;
}
