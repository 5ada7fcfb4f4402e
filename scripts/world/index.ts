// The local world: Safe 1.4.1 + treasury, tokens and feeds, Aave v3, Uniswap v3, ERC-4626 savings
// vaults and a Pendle PT market with the real router, deployed from real bytecode with any ethers
// signers (Hardhat in-process, or Wallets on a JSON-RPC node). See deployments/README.md.
import type { Provider, Signer } from "ethers";
import { deploySafeInfra, createSafe, createSafeAtFreeNonce } from "./safe";
import { deployTokens, fundToken, usdToAnswer, usdToTokenUnits, DEFAULT_PRICES } from "./tokens";
import { deployAave, seedAaveBorrower, seedAaveLenders } from "./aave";
import { deployUniswap } from "./uniswap";
import { deployCow } from "./cow";
import { deployVaults } from "./vaults";
import { deployPendle } from "./pendle";
import { withContext } from "./tx";
import { TOKEN_SYMBOLS, TokenMap, World, WorldConfig, WorldOptions } from "./types";

export * from "./types";
export * from "./safeTx";
export * from "./controls";
export * from "./deployments";
export { ART, ABI } from "./artifacts";
export { CANONICAL_SAFE_141, createSafe, createSafeAtFreeNonce, deploySafeInfra, predictSafeAddress } from "./safe";
export { APPROX_DEFAULT, EMPTY_LIMIT, pendleTokenInput, pendleTokenOutput, PENDLE_PARAMS } from "./pendle";
export { DEFAULT_PRICES, FEED_DECIMALS, TOKEN_META, usdToAnswer, usdToTokenUnits, tokenUnitsToUsd8 } from "./tokens";
export { POOL_SPECS, poolPriceFromSqrt } from "./uniswap";
export { VAULT_SPECS } from "./vaults";
export { FAR_DEADLINE, MAX_UINT256 } from "./tx";
export { BALANCER_VAULT_MAINNET, cowOracleBuyAmount, solveCowOrder, type CowDeployment, type CowMarket } from "./cow";

/** Roles by index in the `signers` array (Hardhat's and anvil's default accounts share this order). */
export const SIGNER_ROLES = ["deployer", "owner1", "owner2", "owner3", "agent", "borrower", "outsider"] as const;

/** Base layer $240k in stablecoins; tactical layer $160k split evenly between WETH and WBTC. */
export const DEFAULT_TREASURY_USD: TokenMap<number> = { USDC: 140_000, DAI: 100_000, WETH: 80_000, WBTC: 80_000 };

function rpcOf(provider: Provider): World["rpc"] {
  const send = (provider as unknown as { send?: (m: string, p: unknown[]) => Promise<unknown> }).send;
  if (typeof send !== "function") throw new Error("The signers' provider has no send(method, params): use a JSON-RPC or Hardhat provider");
  return (method, params = []) => send.call(provider, method, params);
}

/**
 * Deploy and wire the whole local world. `signers` follow SIGNER_ROLES: [deployer, owner1, owner2,
 * owner3, agent, borrower, outsider, ...]. The deployer pays for everything, mints the test tokens
 * and wraps its own ETH for WETH (~3,030 ETH: 3,000 for the WETH/USDC pool, the rest for the treasury).
 */
export async function deployWorld(signers: Signer[], opts: WorldOptions = {}): Promise<World> {
  const t0 = Date.now();
  if (signers.length < SIGNER_ROLES.length) {
    throw new Error(`deployWorld needs ${SIGNER_ROLES.length} signers (${SIGNER_ROLES.join(", ")}); got ${signers.length}`);
  }
  const [deployer, , , , agent, borrower, outsider] = signers;
  const provider = deployer.provider;
  if (!provider) throw new Error("deployWorld: signers must be connected to a provider");
  const log = opts.log ?? (() => {});
  const addr = await Promise.all(signers.slice(0, SIGNER_ROLES.length).map((s) => s.getAddress()));
  const owners = opts.owners ?? addr.slice(1, 4);
  const threshold = opts.threshold ?? 2;
  const config: WorldConfig = {
    prices: { ...DEFAULT_PRICES, ...opts.prices },
    treasuryUsd: { ...DEFAULT_TREASURY_USD, ...opts.treasuryUsd },
    aaveUtilization: opts.aaveUtilization ?? 0.8,
    pendleDays: opts.pendleDays ?? 180,
    saltNonce: opts.saltNonce ?? 0n, // replaced by the nonce actually used
  };
  const chainId = Number((await provider.getNetwork()).chainId);
  // Raw eth_blockNumber: a provider-level cache could return an older head.
  const rpc = rpcOf(provider);
  const deployBlock = Number(await rpc("eth_blockNumber", [])) + 1;

  const step = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const s = Date.now();
    try {
      const out = await fn();
      log(`  ${name} (${Date.now() - s} ms)`);
      return out;
    } catch (err) {
      throw withContext(`deployWorld/${name}`, err);
    }
  };

  const safe = await step("safe infra", () => deploySafeInfra(deployer));
  const treasurySafe = await step("treasury safe", async () => {
    if (opts.saltNonce !== undefined) return createSafe(deployer, safe, owners, threshold, opts.saltNonce);
    const created = await createSafeAtFreeNonce(deployer, safe, owners, threshold);
    config.saltNonce = created.saltNonce;
    return created.address;
  });
  const answers = Object.fromEntries(TOKEN_SYMBOLS.map((s) => [s, usdToAnswer(config.prices[s])])) as TokenMap<bigint>;
  const t = await step("tokens + feeds", () => deployTokens(deployer, config.prices));
  const aave = await step("aave v3", () => deployAave(deployer, t));
  await step("aave lenders", () => seedAaveLenders(deployer, t, aave, answers));
  const uniswap = await step("uniswap v3", () => deployUniswap(deployer, t, answers));
  const erc4626 = await step("erc4626 vaults", () => deployVaults(deployer, t, aave, answers));
  const pendle = await step("pendle", () => deployPendle(deployer, t, erc4626, answers, config.pendleDays));
  const cow = await step("cow protocol", () => deployCow(deployer));
  // Borrow last: utilization is computed over every supplier (lenders, vaults, Pendle LP).
  await step("aave borrower", () => seedAaveBorrower(deployer, borrower, t, aave, config.aaveUtilization));

  const funding = {} as TokenMap<bigint>;
  await step("treasury funding", async () => {
    for (const sym of TOKEN_SYMBOLS) {
      funding[sym] = usdToTokenUnits(config.treasuryUsd[sym], answers[sym], t.decimals[sym]);
      await fundToken(deployer, t, sym, treasurySafe, funding[sym]);
    }
  });

  // Owner signers = the given owner accounts that are treasury owners (all three by default).
  const isOwner = (a: string) => owners.some((o) => o.toLowerCase() === a.toLowerCase());
  const ownerIdx = [1, 2, 3].filter((i) => isOwner(addr[i]));
  const readyBlock = Number(await rpc("eth_blockNumber", []));
  return {
    chainId,
    deployBlock,
    readyBlock,
    deployMs: Date.now() - t0,
    provider,
    rpc,
    signers: { deployer, owners: ownerIdx.map((i) => signers[i]), agent, borrower, outsider },
    accounts: { deployer: addr[0], owners: ownerIdx.map((i) => addr[i]), agent: addr[4], borrower: addr[5], outsider: addr[6] },
    safe,
    treasury: { safe: treasurySafe, owners, threshold, funding },
    tokens: t.tokens,
    decimals: t.decimals,
    feeds: t.feeds,
    aave,
    uniswap,
    erc4626,
    pendle,
    cow,
    config,
  };
}
