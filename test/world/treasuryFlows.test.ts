// The treasury Safe using every venue of the world the way production will: owners sign (EIP-712,
// protocol-kit) MultiSendCallOnly batches of approve + protocol call, executed by an owner.
import { expect } from "chai";
import { Contract, Interface, MaxUint256, TransactionReceipt } from "ethers";
import { loadFixture } from "@nomicfoundation/hardhat-toolbox/network-helpers";
import {
  ABI, APPROX_DEFAULT, EMPTY_LIMIT, FAR_DEADLINE, World, advanceTime, pendleTokenInput, pendleTokenOutput,
} from "../../scripts/world";
import { erc20, worldFixture } from "../helpers/world";
import { execBatch } from "../helpers/protocolKit";
import { aaveSupply, approve } from "../../lib/chain/encode";
import type { Hex } from "viem";

const DAY = 86400;
const YEAR = 365 * DAY;

/** The single decoded event `name` emitted by `address` in `receipt`. */
function eventOf(receipt: TransactionReceipt, address: string, iface: Interface, name: string) {
  const found = receipt.logs
    .filter((l) => l.address.toLowerCase() === address.toLowerCase())
    .map((l) => iface.parseLog(l))
    .filter((e) => e?.name === name);
  expect(found, `${name} events from ${address}`).to.have.length(1);
  return found[0]!;
}

describe("local world: treasury flows through the Safe (protocol-kit, MultiSendCallOnly)", () => {
  let world: World;
  let safe: string;
  beforeEach(async () => {
    world = await loadFixture(worldFixture);
    safe = world.treasury.safe;
  });

  it("Aave v3: approve + supply USDC, 30 days pass, withdraw more than was supplied", async () => {
    const usdc = erc20(world, world.tokens.USDC);
    const aUsdc = erc20(world, world.aave.aTokens.USDC);
    const pool = new Contract(world.aave.pool, ABI.aavePool(), world.provider);
    const amount = 100_000n * 10n ** 6n;
    const usdcStart: bigint = await usdc.balanceOf(safe);

    await execBatch(world, [
      approve(world.tokens.USDC as Hex, world.aave.pool as Hex, amount),
      aaveSupply(world.aave.pool as Hex, world.tokens.USDC as Hex, amount, safe as Hex),
    ]);
    expect(await usdc.balanceOf(safe)).to.equal(usdcStart - amount);
    expect(await aUsdc.balanceOf(safe)).to.be.within(amount - 1n, amount); // aToken ray rounding
    expect(await usdc.allowance(safe, world.aave.pool)).to.equal(0n);
    const rate = Number((await pool.getReserveData(world.tokens.USDC)).currentLiquidityRate) / 1e27;
    expect(rate).to.be.greaterThan(0.03);

    await advanceTime(world, 30 * DAY);
    const accrued: bigint = await aUsdc.balanceOf(safe);
    // Aave supply interest is linear between updates: amount * rate * dt / year (dt ≈ 30 days + a few blocks).
    const expected = Number(amount) * rate * (30 * DAY) / YEAR;
    expect(Number(accrued - amount)).to.be.closeTo(expected, expected * 0.001);

    const receipt = await execBatch(world, [
      { to: world.aave.pool, data: pool.interface.encodeFunctionData("withdraw", [world.tokens.USDC, MaxUint256, safe]) },
    ]);
    const withdrawn: bigint = eventOf(receipt, world.aave.pool, pool.interface, "Withdraw").args.amount;
    expect(withdrawn).to.be.greaterThan(amount);
    expect(withdrawn).to.be.gte(accrued);
    expect(await usdc.balanceOf(safe)).to.equal(usdcStart - amount + withdrawn);
    expect(await aUsdc.balanceOf(safe)).to.equal(0n);
  });

  it("Uniswap v3: swap WETH -> USDC with a QuoterV2-quoted minimum, exact amounts", async () => {
    const weth = erc20(world, world.tokens.WETH);
    const usdc = erc20(world, world.tokens.USDC);
    const router = new Contract(world.uniswap.swapRouter, ABI.swapRouter(), world.provider);
    const quoter = new Contract(world.uniswap.quoterV2, ABI.quoterV2(), world.provider);
    const amountIn = 10n * 10n ** 18n;
    const fee = world.uniswap.pools.WETH_USDC.fee;
    const [quoted] = await quoter.quoteExactInputSingle.staticCall({
      tokenIn: world.tokens.WETH, tokenOut: world.tokens.USDC, amountIn, fee, sqrtPriceLimitX96: 0n,
    });
    // 10 WETH at $3000 minus the 0.05% fee and ~0.3% price impact.
    expect(quoted).to.be.within(29_850n * 10n ** 6n, 29_985n * 10n ** 6n);
    const minOut = (quoted * 995n) / 1000n;
    const [wethBefore, usdcBefore]: bigint[] = [await weth.balanceOf(safe), await usdc.balanceOf(safe)];

    await execBatch(world, [
      { to: world.tokens.WETH, data: weth.interface.encodeFunctionData("approve", [world.uniswap.swapRouter, amountIn]) },
      {
        to: world.uniswap.swapRouter,
        data: router.interface.encodeFunctionData("exactInputSingle", [{
          tokenIn: world.tokens.WETH, tokenOut: world.tokens.USDC, fee, recipient: safe, deadline: FAR_DEADLINE,
          amountIn, amountOutMinimum: minOut, sqrtPriceLimitX96: 0n,
        }]),
      },
    ]);
    // Nothing else touched the pool between quote and swap, so the quote is exact.
    expect(await weth.balanceOf(safe)).to.equal(wethBefore - amountIn);
    expect(await usdc.balanceOf(safe)).to.equal(usdcBefore + quoted);
  });

  it("ERC-4626: deposit into scrvUSD and sDAI, 60 days pass, redeem everything at a gain", async () => {
    const legs = [
      { key: "scrvUSD" as const, token: erc20(world, world.tokens.USDC), amount: 50_000n * 10n ** 6n },
      { key: "sDAI" as const, token: erc20(world, world.tokens.DAI), amount: 40_000n * 10n ** 18n },
    ].map((l) => ({ ...l, vault: new Contract(world.erc4626[l.key], ABI.erc4626(), world.provider) }));
    const before: bigint[] = await Promise.all(legs.map((l) => l.token.balanceOf(safe)));

    const dep = await execBatch(world, legs.flatMap((l) => [
      { to: l.token.target as string, data: l.token.interface.encodeFunctionData("approve", [l.vault.target, l.amount]) },
      { to: l.vault.target as string, data: l.vault.interface.encodeFunctionData("deposit", [l.amount, safe]) },
    ]));
    const shares: bigint[] = [];
    for (const [i, l] of legs.entries()) {
      const ev = eventOf(dep, l.vault.target as string, l.vault.interface, "Deposit");
      expect(ev.args.assets).to.equal(l.amount);
      expect(await l.vault.balanceOf(safe)).to.equal(ev.args.shares);
      expect(await l.token.balanceOf(safe)).to.equal(before[i] - l.amount);
      shares.push(ev.args.shares);
      // Deposit value is preserved to within rounding.
      expect(await l.vault.convertToAssets(ev.args.shares)).to.be.within(l.amount - 2n, l.amount);
    }

    await advanceTime(world, 60 * DAY);

    const red = await execBatch(world, legs.map((l, i) => ({
      to: l.vault.target as string,
      data: l.vault.interface.encodeFunctionData("redeem", [shares[i], safe, safe]),
    })));
    for (const [i, l] of legs.entries()) {
      const ev = eventOf(red, l.vault.target as string, l.vault.interface, "Withdraw");
      const out: bigint = ev.args.assets;
      // ~4.5% APR for 60 days is ~0.74%: require at least 0.5% and at most 1%.
      expect(out, l.key).to.be.within(l.amount + (l.amount * 5n) / 1000n, l.amount + l.amount / 100n);
      expect(await l.token.balanceOf(safe)).to.equal(before[i] - l.amount + out);
      expect(await l.vault.balanceOf(safe)).to.equal(0n);
    }
  });

  it("Pendle: buy PT through PendleRouterV4 and redeem at maturity for more than was paid", async () => {
    const p = world.pendle;
    const usdc = erc20(world, world.tokens.USDC);
    const pt = erc20(world, p.pt);
    const router = new Contract(p.router, ABI.pendleRouter(), world.provider);
    const paid = 20_000n * 10n ** 6n;
    const usdcStart: bigint = await usdc.balanceOf(safe);

    const buy = await execBatch(world, [
      { to: world.tokens.USDC, data: usdc.interface.encodeFunctionData("approve", [p.router, paid]) },
      {
        to: p.router,
        data: router.interface.encodeFunctionData("swapExactTokenForPt", [
          safe, p.market, paid /* minPtOut: PT must come at a discount */, APPROX_DEFAULT, pendleTokenInput(world.tokens.USDC, paid), EMPTY_LIMIT,
        ]),
      },
    ]);
    const bought = eventOf(buy, p.router, router.interface, "SwapPtAndToken");
    const ptOut: bigint = bought.args.netPtToAccount;
    expect(bought.args.netTokenToAccount).to.equal(-paid);
    expect(await usdc.balanceOf(safe)).to.equal(usdcStart - paid);
    expect(await pt.balanceOf(safe)).to.equal(ptOut);
    expect(await usdc.allowance(safe, p.router)).to.equal(0n);
    // ~6% implied APY over ~180 days: PT at roughly a 2.9% discount.
    expect(Number(ptOut) / Number(paid)).to.be.within(1.02, 1.04);

    const now = (await world.provider.getBlock("latest"))!.timestamp;
    await advanceTime(world, p.expiry - now + 1);

    const redeem = await execBatch(world, [
      { to: p.pt, data: pt.interface.encodeFunctionData("approve", [p.router, ptOut]) },
      {
        to: p.router,
        data: router.interface.encodeFunctionData("redeemPyToToken", [safe, p.yt, ptOut, pendleTokenOutput(world.tokens.USDC, paid)]),
      },
    ]);
    const redeemed = eventOf(redeem, p.router, router.interface, "RedeemPyToToken");
    const usdcOut: bigint = redeemed.args.netTokenOut;
    expect(redeemed.args.netPyIn).to.equal(ptOut);
    // At maturity 1 PT is worth 1 USDC of vault assets (to within SY/vault rounding).
    expect(usdcOut).to.be.within(ptOut - 10n, ptOut + ptOut / 10_000n);
    expect(usdcOut).to.be.greaterThan(paid);
    expect(await pt.balanceOf(safe)).to.equal(0n);
    expect(await usdc.balanceOf(safe)).to.equal(usdcStart - paid + usdcOut);
  });
});
