// World controls for simulations and tests: move a price feed, arbitrage a Uniswap pool to a target
// price with real swaps, and advance chain time. They act as the world's deployer (who owns the test
// tokens and the feeds) and live here, outside product logic.
import { Contract } from "ethers";
import { ART } from "./artifacts";
import { confirm, FAR_DEADLINE } from "./tx";
import { fundToken, usdToAnswer, FEED_DECIMALS } from "./tokens";
import { poolPriceFromSqrt, Q96, isqrt } from "./uniswap";
import { POOL_KEYS, TOKEN_SYMBOLS, PoolKey, TokenSymbol, UniswapPool, World } from "./types";

/** Latest answer of a world feed, in USD. */
export async function feedPrice(world: World, sym: TokenSymbol): Promise<number> {
  const [, answer] = await new Contract(world.feeds[sym], ART.tokens.MockV3Aggregator().abi, world.provider).latestRoundData();
  return Number(answer) / 10 ** FEED_DECIMALS;
}

/**
 * Post a new USD price on `sym`'s feed (new round id, updatedAt = block time). AaveOracle reads the
 * same feed, so Aave is consistent at once. Pools are not moved: call arbitragePool for that.
 * Returns the new round id.
 */
export async function setPrice(world: World, sym: TokenSymbol, usd: number): Promise<bigint> {
  const feed = new Contract(world.feeds[sym], ART.tokens.MockV3Aggregator().abi, world.signers.deployer);
  const receipt = await confirm(`setPrice ${sym}`, feed.updateAnswer(usdToAnswer(usd)));
  return (await feed.latestRound({ blockTag: receipt.blockNumber })) as bigint;
}

function resolvePool(world: World, pool: PoolKey | string): UniswapPool {
  const key = (POOL_KEYS as readonly string[]).includes(pool)
    ? (pool as PoolKey)
    : POOL_KEYS.find((k) => world.uniswap.pools[k].address.toLowerCase() === pool.toLowerCase());
  if (!key) throw new Error(`Unknown Uniswap pool ${pool}; known: ${POOL_KEYS.join(", ")}`);
  return world.uniswap.pools[key];
}

/** Quote-per-base price (≈ USD, quote is USDC) of a world pool, at `blockTag` (default latest). */
export async function poolPrice(world: World, pool: PoolKey | string, blockTag?: number): Promise<number> {
  const p = resolvePool(world, pool);
  const slot0 = await new Contract(p.address, ART.uniswap.UniswapV3Pool().abi, world.provider).slot0({ blockTag });
  return poolPriceFromSqrt(slot0.sqrtPriceX96 as bigint, p, world.decimals, world.tokens);
}

export interface ArbitrageResult {
  priceBefore: number;
  priceAfter: number;
  swaps: number;
  /** Token sold into the pool (zero if the pool was already within tolerance). */
  tokenIn?: TokenSymbol;
  amountIn: bigint;
}

/**
 * Swap on the real pool (through SwapRouter, as the deployer) until its price is within `tolerance`
 * (relative, default 1e-4) of `targetPriceUsd` (default: base feed price / quote feed price).
 * Each swap uses sqrtPriceLimitX96 = target, so it stops exactly at the target if it has enough
 * input; the input is sized from the pool's in-range liquidity, with margin for the fee.
 */
export async function arbitragePool(
  world: World,
  pool: PoolKey | string,
  targetPriceUsd?: number,
  opts: { tolerance?: number; maxSwaps?: number } = {},
): Promise<ArbitrageResult> {
  const p = resolvePool(world, pool);
  const tolerance = opts.tolerance ?? 1e-4;
  const target = targetPriceUsd ?? (await feedPrice(world, p.base)) / (await feedPrice(world, p.quote));
  if (!(target > 0)) throw new Error(`arbitragePool: invalid target price ${target}`);
  const deployer = world.signers.deployer;
  const me = world.accounts.deployer;
  const poolC = new Contract(p.address, ART.uniswap.UniswapV3Pool().abi, world.provider);
  const router = new Contract(world.uniswap.swapRouter, ART.uniswap.SwapRouter().abi, deployer);

  const baseIs0 = p.token0 === world.tokens[p.base];
  const [sym0, sym1] = baseIs0 ? [p.base, p.quote] : [p.quote, p.base];
  const [dec0, dec1] = [world.decimals[sym0], world.decimals[sym1]];
  // Target sqrtPriceX96 from the human price (quote per base), via 18-digit fixed point.
  const p1per0 = baseIs0 ? target : 1 / target;
  const p1per0Fixed = BigInt(Math.round(p1per0 * 1e18));
  const targetSqrt = isqrt((p1per0Fixed * 10n ** BigInt(dec1) * (1n << 192n)) / (10n ** 18n * 10n ** BigInt(dec0)));

  // Reads are pinned to the last swap's block: ethers' JsonRpcProvider may serve a cached "latest".
  let blockTag = Number(await world.rpc("eth_blockNumber", []));
  const priceBefore = await poolPrice(world, pool, blockTag);
  const result: ArbitrageResult = { priceBefore, priceAfter: priceBefore, swaps: 0, amountIn: 0n };
  const maxSwaps = opts.maxSwaps ?? 5;
  while (Math.abs(result.priceAfter / target - 1) > tolerance) {
    if (result.swaps >= maxSwaps) {
      throw new Error(`arbitragePool ${pool}: price ${result.priceAfter} not within ${tolerance} of ${target} after ${maxSwaps} swaps`);
    }
    const { sqrtPriceX96 } = await poolC.slot0({ blockTag });
    const L: bigint = await poolC.liquidity({ blockTag });
    if (L === 0n) throw new Error(`arbitragePool ${pool}: no in-range liquidity`);
    const zeroForOne = targetSqrt < sqrtPriceX96; // selling token0 lowers price1per0
    // Input needed to move the price within the current range, +fee, +1% margin (limit stops the swap).
    const net = zeroForOne
      ? (L * Q96 * (sqrtPriceX96 - targetSqrt)) / (sqrtPriceX96 * targetSqrt)
      : (L * (targetSqrt - sqrtPriceX96)) / Q96;
    const gross = (net * 1_000_000n) / BigInt(1_000_000 - p.fee) * 101n / 100n + 1n;
    const symIn = zeroForOne ? sym0 : sym1;
    const tokenIn = world.tokens[symIn];
    const token = new Contract(tokenIn, ART.tokens.TestERC20().abi, deployer);
    const have: bigint = await token.balanceOf(me, { blockTag });
    if (have < gross) await fundToken(deployer, world, symIn, me, gross - have);
    await confirm("arbitrage approve", token.approve(world.uniswap.swapRouter, gross));
    const receipt = await confirm(
      `arbitrage swap ${pool}`,
      router.exactInputSingle({
        tokenIn, tokenOut: world.tokens[zeroForOne ? sym1 : sym0], fee: p.fee, recipient: me, deadline: FAR_DEADLINE,
        amountIn: gross, amountOutMinimum: 0n, sqrtPriceLimitX96: targetSqrt,
      }),
    );
    // A swap stopped by the price limit leaves part of the allowance: reset it.
    await confirm("arbitrage reset approve", token.approve(world.uniswap.swapRouter, 0n));
    const swap = receipt.logs.map((l) => (l.address === p.address ? poolC.interface.parseLog(l) : null)).find((e) => e?.name === "Swap");
    if (!swap) throw new Error(`arbitrage swap ${pool}: no Swap event`);
    result.amountIn += zeroForOne ? (swap.args.amount0 as bigint) : (swap.args.amount1 as bigint);
    result.tokenIn = symIn;
    result.swaps += 1;
    blockTag = receipt.blockNumber;
    result.priceAfter = await poolPrice(world, pool, blockTag);
  }
  return result;
}

/**
 * Advance chain time by `seconds` and mine a block (evm_increaseTime + evm_mine). Aave indexes, and
 * with them aToken balances and the ERC-4626 vaults' share prices, are time-based, so the accrued
 * interest is visible from the mined block on. By default the feeds are then re-posted at their
 * current answers (as live Chainlink heartbeats would), so staleness checks see fresh rounds.
 * Returns the timestamp of the block mined after the jump.
 */
export async function advanceTime(world: World, seconds: number, opts: { refreshFeeds?: boolean } = {}): Promise<number> {
  if (!Number.isInteger(seconds) || seconds < 0) throw new Error(`advanceTime: seconds must be a non-negative integer, got ${seconds}`);
  await world.rpc("evm_increaseTime", [seconds]);
  await world.rpc("evm_mine", []);
  // Raw RPC, not provider.getBlock: ethers' JsonRpcProvider may serve a cached "latest" block.
  const mined = (await world.rpc("eth_getBlockByNumber", ["latest", false])) as { timestamp: string };
  if (opts.refreshFeeds ?? true) {
    for (const sym of TOKEN_SYMBOLS) {
      const feed = new Contract(world.feeds[sym], ART.tokens.MockV3Aggregator().abi, world.signers.deployer);
      await confirm(`refresh ${sym} feed`, feed.updateAnswer(await feed.latestAnswer()));
    }
  }
  return Number(mined.timestamp);
}

