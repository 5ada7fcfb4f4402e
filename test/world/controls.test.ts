import { expect } from "chai";
import { Contract } from "ethers";
import { loadFixture } from "@nomicfoundation/hardhat-toolbox/network-helpers";
import { ABI, World, advanceTime, arbitragePool, feedPrice, poolPrice, setPrice } from "../../scripts/world";
import { erc20, worldFixture } from "../helpers/world";

const DAY = 86400;

describe("local world: controls", () => {
  let world: World;
  beforeEach(async () => {
    world = await loadFixture(worldFixture);
  });

  it("setPrice posts a new round on the feed and AaveOracle follows", async () => {
    const feed = new Contract(world.feeds.WETH, ABI.feed(), world.provider);
    const oracle = new Contract(world.aave.oracle, ABI.aaveOracle(), world.provider);
    const round = await setPrice(world, "WETH", 3312.5);
    expect(round).to.equal(2n);
    const [roundId, answer, startedAt, updatedAt] = await feed.latestRoundData();
    const latest = (await world.provider.getBlock("latest"))!;
    expect(roundId).to.equal(2n);
    expect(answer).to.equal(331_250_000_000n);
    expect(updatedAt).to.equal(BigInt(latest.timestamp));
    expect(startedAt).to.equal(BigInt(latest.timestamp));
    expect(await oracle.getAssetPrice(world.tokens.WETH)).to.equal(331_250_000_000n);
    expect(await feedPrice(world, "WETH")).to.equal(3312.5);
    // Collateral value of the borrower moves with the price: 2000 WETH * 3312.5 + 100 WBTC * 60000.
    const [collateral] = await new Contract(world.aave.pool, ABI.aavePool(), world.provider).getUserAccountData(world.accounts.borrower);
    expect(collateral).to.equal((2000n * 331_250_000_000n) + 100n * 60000n * 10n ** 8n);
    await expect(setPrice(world, "WETH", 0)).to.be.rejectedWith(/positive/);
  });

  it("arbitragePool moves a pool to the feed price (up and down) with real swaps", async () => {
    expect(await poolPrice(world, "WETH_USDC")).to.be.closeTo(3000, 0.001);
    await setPrice(world, "WETH", 3300);
    const up = await arbitragePool(world, "WETH_USDC");
    expect(up.priceBefore).to.be.closeTo(3000, 0.001);
    expect(up.priceAfter).to.be.closeTo(3300, 3300 * 1e-4);
    expect(await poolPrice(world, "WETH_USDC")).to.equal(up.priceAfter);
    expect(up.tokenIn).to.equal("USDC"); // buying WETH pushes its price up
    expect(up.amountIn).to.be.greaterThan(0n);

    await setPrice(world, "WETH", 2500);
    const down = await arbitragePool(world, world.uniswap.pools.WETH_USDC.address);
    expect(down.priceAfter).to.be.closeTo(2500, 2500 * 1e-4);
    expect(down.tokenIn).to.equal("WETH");
    // An explicit target on the other pool, and the pool balances reflect the trade.
    const wbtcInPool: bigint = await erc20(world, world.tokens.WBTC).balanceOf(world.uniswap.pools.WBTC_USDC.address);
    const r = await arbitragePool(world, "WBTC_USDC", 57_000, { tolerance: 1e-5 });
    expect(r.priceAfter).to.be.closeTo(57_000, 57_000 * 1e-5);
    expect(await erc20(world, world.tokens.WBTC).balanceOf(world.uniswap.pools.WBTC_USDC.address)).to.equal(wbtcInPool + r.amountIn);
    // Already at target: no swap.
    const noop = await arbitragePool(world, "WBTC_USDC", 57_000, { tolerance: 1e-4 });
    expect(noop.swaps).to.equal(0);
    await expect(arbitragePool(world, "DAI_USDC")).to.be.rejectedWith(/Unknown Uniswap pool/);
  });

  it("advanceTime accrues Aave interest and raises the vaults' share prices; feeds are refreshed", async () => {
    const aUsdc = erc20(world, world.aave.aTokens.USDC);
    const lenderBefore: bigint = await aUsdc.balanceOf(world.accounts.deployer);
    const vaults = [world.erc4626.scrvUSD, world.erc4626.sDAI].map((a) => new Contract(a, ABI.erc4626(), world.provider));
    const unit = [10n ** 6n, 10n ** 18n];
    const pricesBefore: bigint[] = await Promise.all(vaults.map((v, i) => v.convertToAssets(unit[i])));
    const t0 = (await world.provider.getBlock("latest"))!.timestamp;

    const t1 = await advanceTime(world, 30 * DAY);
    expect(t1 - t0).to.be.within(30 * DAY, 30 * DAY + 10);
    const lenderAfter: bigint = await aUsdc.balanceOf(world.accounts.deployer);
    // 1M USDC at ~4.48% APR for 30 days ≈ 3,680 USDC.
    expect(lenderAfter - lenderBefore).to.be.within(3_600n * 10n ** 6n, 3_760n * 10n ** 6n);
    for (const [i, v] of vaults.entries()) {
      const after: bigint = await v.convertToAssets(unit[i]);
      expect(after).to.be.greaterThan(pricesBefore[i]);
      expect(Number(after - pricesBefore[i]) / Number(pricesBefore[i])).to.be.within(0.0033, 0.0041);
      // totalAssets is exactly the aToken balance (+ idle): the yield is Aave's, not minted.
      const aToken = erc20(world, i === 0 ? world.aave.aTokens.USDC : world.aave.aTokens.DAI);
      expect(await v.totalAssets()).to.equal(await aToken.balanceOf(v.target));
    }
    const [roundId, , , updatedAt] = await new Contract(world.feeds.USDC, ABI.feed(), world.provider).latestRoundData();
    expect(roundId).to.equal(2n);
    expect(updatedAt).to.be.gte(BigInt(t1));

    // Without refresh the feeds keep their old timestamps (stale, as a guardrail should notice).
    const t2 = await advanceTime(world, DAY, { refreshFeeds: false });
    const [, , , staleAt] = await new Contract(world.feeds.USDC, ABI.feed(), world.provider).latestRoundData();
    expect(BigInt(t2) - staleAt).to.be.gte(BigInt(DAY));
    await expect(advanceTime(world, -1)).to.be.rejectedWith(/non-negative integer/);
  });
});
