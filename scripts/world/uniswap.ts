// Real Uniswap v3 (factory + pool from @uniswap/v3-core@1.0.1; NonfungiblePositionManager, SwapRouter
// and QuoterV2 from @uniswap/v3-periphery@1.4.4) with WETH/USDC (0.05%) and WBTC/USDC (0.3%) pools
// initialized at the feed prices and given deep full-range liquidity by the deployer.
import { Contract, Signer, ZeroAddress, parseUnits } from "ethers";
import { ART } from "./artifacts";
import { confirm, deploy, FAR_DEADLINE } from "./tx";
import { fundToken, type TokenDeployment } from "./tokens";
import type { PoolKey, TokenMap, TokenSymbol, UniswapDeployment, UniswapPool } from "./types";

export const Q96 = 1n << 96n;
const MAX_TICK = 887272;
const TICK_SPACING: Record<number, number> = { 500: 10, 3000: 60, 10000: 200 };

/** Pool layout and depth: `baseAmount` of the base token plus the same USD value of the quote. */
export const POOL_SPECS: Record<PoolKey, { base: TokenSymbol; quote: TokenSymbol; fee: number; baseAmount: string }> = {
  // ~$9M per side at the default prices: a $100k trade moves the price by ~1%.
  WETH_USDC: { base: "WETH", quote: "USDC", fee: 500, baseAmount: "3000" },
  WBTC_USDC: { base: "WBTC", quote: "USDC", fee: 3000, baseAmount: "150" },
};

/** The widest ticks a pool of this fee tier accepts (full-range liquidity). */
export function fullRangeTicks(fee: number): [number, number] {
  const spacing = TICK_SPACING[fee];
  const maxTick = Math.floor(MAX_TICK / spacing) * spacing;
  return [-maxTick, maxTick];
}

export function isqrt(n: bigint): bigint {
  if (n < 0n) throw new Error("isqrt of a negative number");
  if (n < 2n) return n;
  let x = n;
  let y = (x + 1n) / 2n;
  while (y < x) {
    x = y;
    y = (x + n / x) / 2n;
  }
  return x;
}

/**
 * sqrtPriceX96 of a pool for USD prices given as 8-decimal feed answers.
 * Raw price = token1 base units per token0 base unit = (usd0 / usd1) * 10^dec1 / 10^dec0.
 */
export function sqrtPriceX96FromAnswers(answer0: bigint, dec0: number, answer1: bigint, dec1: number): bigint {
  return isqrt((answer0 * 10n ** BigInt(dec1) * (1n << 192n)) / (answer1 * 10n ** BigInt(dec0)));
}

/** Quote-per-base price (human units) encoded by `sqrtPriceX96` for `pool`. */
export function poolPriceFromSqrt(sqrtPriceX96: bigint, pool: UniswapPool, decimals: TokenMap<number>, tokens: TokenMap): number {
  const baseIs0 = pool.token0 === tokens[pool.base];
  const [dec0, dec1] = baseIs0 ? [decimals[pool.base], decimals[pool.quote]] : [decimals[pool.quote], decimals[pool.base]];
  // price1per0 (human) = sqrtP^2 / 2^192 * 10^dec0 / 10^dec1; keep 18 digits of precision in bigint.
  const scaled = (sqrtPriceX96 * sqrtPriceX96 * 10n ** 18n * 10n ** BigInt(dec0)) / ((1n << 192n) * 10n ** BigInt(dec1));
  const p1per0 = Number(scaled) / 1e18;
  return baseIs0 ? p1per0 : 1 / p1per0;
}

export async function deployUniswap(
  deployer: Signer,
  t: TokenDeployment,
  answers: TokenMap<bigint>,
): Promise<UniswapDeployment> {
  const U = ART.uniswap;
  const me = await deployer.getAddress();
  const factory = await deploy(deployer, U.UniswapV3Factory());
  // No token descriptor: only NPM.tokenURI needs it.
  const positionManager = await deploy(deployer, U.NonfungiblePositionManager(), [factory, t.tokens.WETH, ZeroAddress]);
  const swapRouter = await deploy(deployer, U.SwapRouter(), [factory, t.tokens.WETH]);
  const quoterV2 = await deploy(deployer, U.QuoterV2(), [factory, t.tokens.WETH]);

  const npm = new Contract(positionManager, U.NonfungiblePositionManager().abi, deployer);
  const factoryC = new Contract(factory, U.UniswapV3Factory().abi, deployer);
  const pools = {} as Record<PoolKey, UniswapPool>;
  for (const [key, spec] of Object.entries(POOL_SPECS) as [PoolKey, (typeof POOL_SPECS)[PoolKey]][]) {
    const [baseAddr, quoteAddr] = [t.tokens[spec.base], t.tokens[spec.quote]];
    const baseIs0 = BigInt(baseAddr) < BigInt(quoteAddr);
    const [sym0, sym1] = baseIs0 ? [spec.base, spec.quote] : [spec.quote, spec.base];
    const sqrtP = sqrtPriceX96FromAnswers(answers[sym0], t.decimals[sym0], answers[sym1], t.decimals[sym1]);
    await confirm(`create pool ${key}`, npm.createAndInitializePoolIfNecessary(t.tokens[sym0], t.tokens[sym1], spec.fee, sqrtP));
    const address: string = await factoryC.getPool(baseAddr, quoteAddr, spec.fee);

    const baseAmount = parseUnits(spec.baseAmount, t.decimals[spec.base]);
    const quoteAmount = (baseAmount * answers[spec.base] * 10n ** BigInt(t.decimals[spec.quote])) /
      (answers[spec.quote] * 10n ** BigInt(t.decimals[spec.base]));
    for (const [sym, amount] of [[spec.base, baseAmount], [spec.quote, quoteAmount]] as [TokenSymbol, bigint][]) {
      await fundToken(deployer, t, sym, me, amount);
      await confirm(`approve ${sym} to NPM`, new Contract(t.tokens[sym], ART.tokens.TestERC20().abi, deployer).approve(positionManager, amount));
    }
    const spacing = TICK_SPACING[spec.fee];
    const maxTick = Math.floor(MAX_TICK / spacing) * spacing;
    const [amount0, amount1] = baseIs0 ? [baseAmount, quoteAmount] : [quoteAmount, baseAmount];
    await confirm(
      `add liquidity ${key}`,
      npm.mint({
        token0: t.tokens[sym0], token1: t.tokens[sym1], fee: spec.fee, tickLower: -maxTick, tickUpper: maxTick,
        amount0Desired: amount0, amount1Desired: amount1, amount0Min: 0n, amount1Min: 0n, recipient: me, deadline: FAR_DEADLINE,
      }),
    );
    pools[key] = { address, fee: spec.fee, token0: t.tokens[sym0], token1: t.tokens[sym1], base: spec.base, quote: spec.quote };
  }
  return { factory, swapRouter, quoterV2, positionManager, pools };
}
