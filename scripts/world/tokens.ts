// Tokens and USD price feeds. WETH is the real WETH9 (artifact shipped in @aave/core-v3); USDC, DAI
// and WBTC are TestERC20 (OZ ERC20, configurable decimals, owner-only mint); each token has a
// Chainlink MockV3Aggregator USD feed with 8 decimals, round ids and timestamps.
import { Contract, Signer, parseUnits } from "ethers";
import { ART } from "./artifacts";
import { confirm, deploy } from "./tx";
import { TOKEN_SYMBOLS, TokenMap, TokenSymbol } from "./types";

export const FEED_DECIMALS = 8;

export const TOKEN_META: TokenMap<{ name: string; decimals: number }> = {
  USDC: { name: "USD Coin", decimals: 6 },
  DAI: { name: "Dai Stablecoin", decimals: 18 },
  WETH: { name: "Wrapped Ether", decimals: 18 },
  WBTC: { name: "Wrapped BTC", decimals: 8 },
};

export const DEFAULT_PRICES: TokenMap<number> = { USDC: 1, DAI: 1, WETH: 3000, WBTC: 60000 };

/** A USD price as a feed answer (8 decimals). */
export function usdToAnswer(usd: number): bigint {
  if (!(usd > 0) || !Number.isFinite(usd)) throw new Error(`USD price must be a positive number, got ${usd}`);
  return parseUnits(usd.toFixed(FEED_DECIMALS), FEED_DECIMALS);
}

/** Token base units worth `usd` at feed answer `answer` (floor). */
export function usdToTokenUnits(usd: number, answer: bigint, decimals: number): bigint {
  return (parseUnits(usd.toFixed(2), 2) * 10n ** BigInt(decimals) * 10n ** BigInt(FEED_DECIMALS)) / (answer * 100n);
}

/** USD value (8 decimals) of `amount` base units at feed answer `answer`. */
export function tokenUnitsToUsd8(amount: bigint, answer: bigint, decimals: number): bigint {
  return (amount * answer) / 10n ** BigInt(decimals);
}

export interface TokenDeployment {
  tokens: TokenMap;
  decimals: TokenMap<number>;
  feeds: TokenMap;
}

export async function deployTokens(deployer: Signer, prices: TokenMap<number>): Promise<TokenDeployment> {
  const owner = await deployer.getAddress();
  const tokens = {} as TokenMap;
  const decimals = {} as TokenMap<number>;
  const feeds = {} as TokenMap;
  for (const sym of TOKEN_SYMBOLS) {
    const { name, decimals: dec } = TOKEN_META[sym];
    tokens[sym] =
      sym === "WETH"
        ? await deploy(deployer, ART.tokens.WETH9(), [], {}, "WETH9")
        : await deploy(deployer, ART.tokens.TestERC20(), [name, sym, dec, owner], {}, `TestERC20 ${sym}`);
    decimals[sym] = dec;
    feeds[sym] = await deploy(deployer, ART.tokens.MockV3Aggregator(), [FEED_DECIMALS, usdToAnswer(prices[sym])], {}, `${sym}/USD feed`);
  }
  return { tokens, decimals, feeds };
}

/**
 * Give `to` exactly `amount` of `sym` from the deployer: mint for test tokens, wrap the deployer's
 * ETH for WETH (WETH9 has no mint; its supply is always backed by ETH).
 */
export async function fundToken(
  deployer: Signer,
  t: Pick<TokenDeployment, "tokens">,
  sym: TokenSymbol,
  to: string,
  amount: bigint,
): Promise<void> {
  if (amount === 0n) return;
  if (sym === "WETH") {
    const weth = new Contract(t.tokens.WETH, ART.tokens.WETH9().abi, deployer);
    await confirm("wrap ETH", weth.deposit({ value: amount }));
    if (to !== (await deployer.getAddress())) await confirm("transfer WETH", weth.transfer(to, amount));
  } else {
    const token = new Contract(t.tokens[sym], ART.tokens.TestERC20().abi, deployer);
    await confirm(`mint ${sym}`, token.mint(to, amount));
  }
}

/** WETH for `holder` from its own ETH (used for accounts other than the deployer). */
export async function wrapEth(holder: Signer, weth: string, amount: bigint): Promise<void> {
  await confirm("wrap ETH", new Contract(weth, ART.tokens.WETH9().abi, holder).deposit({ value: amount }));
}
