// The world's side of a replayed day, as the world's deployer (who owns the test tokens, the feeds
// and the pools' liquidity): chain time moves to the day, the feeds post the day's close, the
// Uniswap pools are arbitraged to it. Nothing here is product logic; the agent never imports it.
import { Contract, Interface, MaxUint256, parseUnits } from "ethers";
import { ART, arbitragePool, poolPrice, TOKEN_SYMBOLS, usdToAnswer, type PoolKey, type TokenSymbol, type World } from "../world";
import { confirm, FAR_DEADLINE } from "../world/tx";
import { fundToken } from "../world/tokens";
import { fullRangeTicks, isqrt, Q96 } from "../world/uniswap";
import { feedPrice } from "../world/controls";

/** USD per side the replay adds to each pool: a $200k swap then moves the price < 0.3% (see README). */
export const REPLAY_POOL_DEPTH_USD = 150_000_000;

/**
 * Add full-range liquidity worth `usdPerSide` of each token to `pool` at the feed prices (a mainnet
 * pool's depth: the agent's trades must not move the price more than they would there).
 */
export async function deepenPool(world: World, pool: PoolKey, usdPerSide: number): Promise<void> {
  const p = world.uniswap.pools[pool];
  const deployer = world.signers.deployer;
  const me = world.accounts.deployer;
  const baseUsd = await feedPrice(world, p.base);
  const quoteUsd = await feedPrice(world, p.quote);
  // A little more than the USD figure of each: NPM takes what the current price needs of the two.
  const amount = (sym: TokenSymbol, usd: number) => parseUnits(((usdPerSide * 1.01) / usd).toFixed(world.decimals[sym] > 8 ? 8 : world.decimals[sym]), world.decimals[sym]);
  const baseAmt = amount(p.base, baseUsd);
  const quoteAmt = amount(p.quote, quoteUsd);
  if (p.base === "WETH" || p.quote === "WETH") {
    // WETH is wrapped from the deployer's ETH: enough for the pool and a year of arbitrage (a local
    // chain's test balance).
    await world.rpc("anvil_setBalance", [me, "0x" + parseUnits("1000000000", 18).toString(16)]);
  }
  const npmAddr = world.uniswap.positionManager;
  for (const [sym, amt] of [[p.base, baseAmt], [p.quote, quoteAmt]] as [TokenSymbol, bigint][]) {
    await fundToken(deployer, world, sym, me, amt);
    await confirm(`approve ${sym} to NPM`, new Contract(world.tokens[sym], ART.tokens.TestERC20().abi, deployer).approve(npmAddr, amt));
  }
  const baseIs0 = p.token0 === world.tokens[p.base];
  const [a0, a1] = baseIs0 ? [baseAmt, quoteAmt] : [quoteAmt, baseAmt];
  const [tickLower, tickUpper] = fullRangeTicks(p.fee);
  const npm = new Contract(npmAddr, ART.uniswap.NonfungiblePositionManager().abi, deployer);
  await confirm(
    `deepen ${pool}`,
    npm.mint({ token0: p.token0, token1: p.token1, fee: p.fee, tickLower, tickUpper, amount0Desired: a0, amount1Desired: a1, amount0Min: 0n, amount1Min: 0n, recipient: me, deadline: FAR_DEADLINE }),
  );
}

export interface DayPrices {
  WETH: number;
  WBTC: number;
}

export interface WorldDayTiming {
  feedsMs: number;
  arbitrageMs: number;
}

/** How far from its feed a pool may end a day (relative): else the slow path swaps again. */
const POOL_TOLERANCE = 1e-4;
const ROUTER_POOLS: PoolKey[] = ["WETH_USDC", "WBTC_USDC"];
const GAS = "0x1e8480"; // 2M: pending transactions cannot be estimated against each other

/**
 * Once before the first day: the deployer holds a year of arbitrage stock of each token and lets the
 * router spend it, so a day needs neither mints nor approvals.
 */
export async function prepareArbitrage(world: World): Promise<void> {
  const me = world.accounts.deployer;
  const deployer = world.signers.deployer;
  await world.rpc("anvil_setBalance", [me, "0x" + parseUnits("1000000000", 18).toString(16)]);
  const stock: Record<TokenSymbol, string> = { USDC: "100000000000", DAI: "0", WETH: "20000000", WBTC: "1000000" };
  for (const sym of ["USDC", "WETH", "WBTC"] as TokenSymbol[]) {
    await fundToken(deployer, world, sym, me, parseUnits(stock[sym], world.decimals[sym]));
    await confirm(`approve ${sym} to the router`, new Contract(world.tokens[sym], ART.tokens.TestERC20().abi, deployer).approve(world.uniswap.swapRouter, MaxUint256));
  }
}

/**
 * Day `ts` (unix seconds, later than the chain's head) in one block: every feed posts the day's
 * price (stablecoins 1: a fresh round each day, as Chainlink's heartbeat) and each pool is swapped
 * to its feed price (sqrtPriceLimitX96 = the target, input sized from the in-range liquidity), as
 * the deployer's unlocked account. The block is mined at `ts`, so Aave's indexes (and with them the
 * aTokens, the vaults' share prices and the PT's pull to par) accrue the time since the previous
 * day. A pool left off its target (never with full-range liquidity) is swapped again the slow way.
 */
export async function worldDay(world: World, ts: number, prices: DayPrices): Promise<WorldDayTiming> {
  const t0 = performance.now();
  const me = world.accounts.deployer;
  const feedI = new Interface(ART.tokens.MockV3Aggregator().abi);
  const poolI = new Interface(ART.uniswap.UniswapV3Pool().abi);
  const routerI = new Interface(ART.uniswap.SwapRouter().abi);
  const send = (to: string, data: string) => world.rpc("eth_sendTransaction", [{ from: me, to, data, gas: GAS }]) as Promise<string>;
  const call = async (to: string, fn: string) => poolI.decodeFunctionResult(fn, (await world.rpc("eth_call", [{ to, data: poolI.encodeFunctionData(fn) }, "latest"])) as string);
  const target = (sym: TokenSymbol) => (sym === "WETH" ? prices.WETH : sym === "WBTC" ? prices.WBTC : 1);
  await world.rpc("evm_setAutomine", [false]);
  const hashes: string[] = [];
  try {
    for (const sym of TOKEN_SYMBOLS) hashes.push(await send(world.feeds[sym], feedI.encodeFunctionData("updateAnswer", [usdToAnswer(target(sym))])));
    for (const key of ROUTER_POOLS) {
      const p = world.uniswap.pools[key];
      const baseIs0 = p.token0 === world.tokens[p.base];
      const [sym0, sym1] = baseIs0 ? [p.base, p.quote] : [p.quote, p.base];
      const px = target(p.base) / target(p.quote);
      const p1per0 = baseIs0 ? px : 1 / px;
      const targetSqrt = isqrt((BigInt(Math.round(p1per0 * 1e18)) * 10n ** BigInt(world.decimals[sym1]) * (1n << 192n)) / (10n ** 18n * 10n ** BigInt(world.decimals[sym0])));
      const sqrtP = (await call(p.address, "slot0"))[0] as bigint;
      const L = (await call(p.address, "liquidity"))[0] as bigint;
      if (sqrtP === targetSqrt || L === 0n) continue;
      const zeroForOne = targetSqrt < sqrtP;
      const net = zeroForOne ? (L * Q96 * (sqrtP - targetSqrt)) / (sqrtP * targetSqrt) : (L * (targetSqrt - sqrtP)) / Q96;
      const gross = ((net * 1_000_000n) / BigInt(1_000_000 - p.fee)) * 101n / 100n + 1n;
      const [tin, tout] = zeroForOne ? [sym0, sym1] : [sym1, sym0];
      hashes.push(await send(world.uniswap.swapRouter, routerI.encodeFunctionData("exactInputSingle", [{ tokenIn: world.tokens[tin], tokenOut: world.tokens[tout], fee: p.fee, recipient: me, deadline: FAR_DEADLINE, amountIn: gross, amountOutMinimum: 0n, sqrtPriceLimitX96: targetSqrt }])));
    }
    await world.rpc("evm_setNextBlockTimestamp", [ts]);
    await world.rpc("evm_mine", []);
  } finally {
    await world.rpc("evm_setAutomine", [true]);
  }
  for (const h of hashes) {
    const r = (await world.rpc("eth_getTransactionReceipt", [h])) as { status: string } | null;
    if (r?.status !== "0x1") throw new Error(`world day ${new Date(ts * 1000).toISOString().slice(0, 10)}: transaction ${h} ${r ? "reverted" : "was not mined"}`);
  }
  const t1 = performance.now();
  for (const key of ROUTER_POOLS) {
    const p = world.uniswap.pools[key];
    const want = target(p.base) / target(p.quote);
    if (Math.abs((await poolPrice(world, key)) / want - 1) > POOL_TOLERANCE) await arbitragePool(world, key, want, { tolerance: POOL_TOLERANCE });
  }
  return { feedsMs: t1 - t0, arbitrageMs: performance.now() - t1 };
}

/** Aave's USDC supply APR now (currentLiquidityRate, a ray): what the treasury's stablecoins earn on the chain. */
export async function aaveUsdcSupplyApr(world: World): Promise<number> {
  const i = new Interface(ART.aave.Pool().abi);
  const raw = (await world.rpc("eth_call", [{ to: world.aave.pool, data: i.encodeFunctionData("getReserveData", [world.tokens.USDC]) }, "latest"])) as string;
  const [d] = i.decodeFunctionResult("getReserveData", raw);
  return Number((d.currentLiquidityRate as bigint) / 10n ** 18n) / 1e9;
}
