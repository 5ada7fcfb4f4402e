// Types of the local world. The address groups mirror deployments/<network>.json (see
// deployments/README.md) so scripts can work from either a live World or a deployment file.
import type { Provider, Signer } from "ethers";
import type { CowDeployment } from "./cow";

export const TOKEN_SYMBOLS = ["USDC", "DAI", "WETH", "WBTC"] as const;
export type TokenSymbol = (typeof TOKEN_SYMBOLS)[number];
export type TokenMap<T = string> = Record<TokenSymbol, T>;

export const POOL_KEYS = ["WETH_USDC", "WBTC_USDC"] as const;
/** Uniswap pools are keyed BASE_QUOTE; prices are quoted as QUOTE per BASE (≈ USD, quote is USDC). */
export type PoolKey = (typeof POOL_KEYS)[number];

export const VAULT_KEYS = ["scrvUSD", "sDAI"] as const;
export type VaultKey = (typeof VAULT_KEYS)[number];

/** Safe v1.4.1 contracts at their canonical (CREATE2 via the Safe singleton factory) addresses. */
export interface SafeInfra {
  singletonFactory: string;
  safeL2: string;
  safe: string;
  safeProxyFactory: string;
  multiSend: string;
  multiSendCallOnly: string;
  fallbackHandler: string;
  signMessageLib: string;
  createCall: string;
  simulateTxAccessor: string;
}

export interface AaveDeployment {
  poolAddressesProvider: string;
  aclManager: string;
  pool: string;
  poolConfigurator: string;
  oracle: string;
  dataProvider: string;
  aTokens: TokenMap;
  variableDebtTokens: TokenMap;
}

export interface UniswapPool {
  address: string;
  fee: number;
  token0: string;
  token1: string;
  /** Symbol priced by this pool (WETH, WBTC). */
  base: TokenSymbol;
  /** Symbol the price is quoted in (USDC). */
  quote: TokenSymbol;
}

export interface UniswapDeployment {
  factory: string;
  /** Uniswap v3 SwapRouter (the original periphery router; its params carry a deadline). */
  swapRouter: string;
  quoterV2: string;
  positionManager: string;
  pools: Record<PoolKey, UniswapPool>;
}

export interface PendleDeployment {
  /** PendleRouterV4 proxy with the V3 action facets registered. */
  router: string;
  yieldContractFactory: string;
  marketFactory: string;
  /** The ERC-4626 vault key the market's SY wraps. */
  underlying: VaultKey;
  sy: string;
  pt: string;
  yt: string;
  market: string;
  /** Unix seconds, a multiple of 86400. */
  expiry: number;
}

export interface WorldSigners {
  deployer: Signer;
  /** Signers of the treasury owners that are among the given signers (all of them by default). */
  owners: Signer[];
  /** The account the treasury's automation will act from (no rights in the bare world). */
  agent: Signer;
  /** Supplies WETH/WBTC collateral and borrows USDC/DAI on Aave so lenders earn interest. */
  borrower: Signer;
  /** An unrelated account, for "a stranger cannot do X" tests. */
  outsider: Signer;
}

export interface WorldAccounts {
  deployer: string;
  owners: string[];
  agent: string;
  borrower: string;
  outsider: string;
}

export interface WorldOptions {
  /** Treasury owners (addresses). Default: the addresses of signers[1..3]. */
  owners?: string[];
  /** Treasury threshold. Default 2. */
  threshold?: number;
  /** Salt nonce for the treasury proxy. Default: the first from 0 whose address is free. */
  saltNonce?: bigint;
  /** Initial USD prices of the feeds. Default USDC 1, DAI 1, WETH 3000, WBTC 60000. */
  prices?: Partial<TokenMap<number>>;
  /**
   * Treasury funding in USD per token, converted to token amounts at the feed prices.
   * Default: base layer 140k USDC + 100k DAI; tactical layer 80k WETH + 80k WBTC ($400k total).
   */
  treasuryUsd?: Partial<TokenMap<number>>;
  /** Target Aave utilization of the USDC and DAI reserves created by the borrower. Default 0.8. */
  aaveUtilization?: number;
  /** Days until the Pendle market expires (rounded up to a whole day). Default 180. */
  pendleDays?: number;
  /** Progress logger (e.g. console.log). Default: silent. */
  log?: (message: string) => void;
}

/** Fully resolved configuration the world was deployed with. */
export interface WorldConfig {
  prices: TokenMap<number>;
  treasuryUsd: TokenMap<number>;
  aaveUtilization: number;
  pendleDays: number;
  /** Salt nonce the treasury proxy was created with. */
  saltNonce: bigint;
}

export interface World {
  chainId: number;
  /** First block that can contain world transactions (the block number before deploying + 1). */
  deployBlock: number;
  /** Block number once the world is fully deployed. */
  readyBlock: number;
  /** Wall-clock milliseconds deployWorld took. */
  deployMs: number;
  provider: Provider;
  /** Raw JSON-RPC call on the world's provider (evm_increaseTime, evm_mine, ...). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- JSON-RPC results are untyped; callers cast.
  rpc: (method: string, params?: unknown[]) => Promise<any>;
  signers: WorldSigners;
  accounts: WorldAccounts;
  safe: SafeInfra;
  treasury: {
    safe: string;
    owners: string[];
    threshold: number;
    /** Token amounts (base units) sent to the treasury at deployment. */
    funding: TokenMap<bigint>;
  };
  tokens: TokenMap;
  decimals: TokenMap<number>;
  /** Chainlink-style USD feeds (MockV3Aggregator, 8 decimals); AaveOracle reads these same feeds. */
  feeds: TokenMap;
  aave: AaveDeployment;
  uniswap: UniswapDeployment;
  /** ERC-4626 savings vaults: scrvUSD-shaped over USDC, sDAI-shaped over DAI, both earning Aave interest. */
  erc4626: Record<VaultKey, string>;
  pendle: PendleDeployment;
  /** CoW Protocol: GPv2Settlement, its vault relayer and solver allow-list (the deployer is the solver). */
  cow: CowDeployment;
  config: WorldConfig;
}
