// deployments/<network>.json: every address of a world (or of mainnet, written by hand/another
// script with the same keys), the chain id and the first block. Key structure: deployments/README.md.
import fs from "node:fs";
import path from "node:path";
import type { PoolKey, SafeInfra, TokenMap, VaultKey, World } from "./types";

export const DEPLOYMENT_FORMAT_VERSION = 1;

type ByKey<T = string> = Record<string, T>;
type PendleMarketEntry = { market: string; sy: string; pt: string; yt: string; expiry: number; underlying: string };

/**
 * One chain's addresses. Local worlds fill every key; a mainnet file uses `null` where nothing of
 * ours is deployed (`block`, `treasury`, `guardrails`) and may add the optional extras below.
 */
export interface DeploymentJson {
  version: number;
  network: string;
  chainId: number;
  /** First block to scan for the deployment's events (indexers start here); null if unknown. */
  block: number | null;
  safe: SafeInfra;
  /** The treasury Safe; null until one exists on that chain. */
  treasury: { safe: string; owners: string[]; threshold: number } | null;
  /** Well-known accounts. Local worlds: deployer, agent, borrower, outsider. */
  accounts: { deployer?: string; agent?: string; borrower?: string; outsider?: string };
  /** ERC20s by symbol (USDC, DAI, WETH, WBTC, ...). */
  tokens: Partial<TokenMap> & ByKey;
  /** Chainlink USD feeds (8 decimals), keyed like `tokens`. */
  feeds: Partial<TokenMap> & ByKey;
  aave: {
    poolAddressesProvider: string;
    pool: string;
    poolConfigurator?: string;
    aclManager?: string;
    oracle: string;
    dataProvider: string;
    aTokens: Partial<TokenMap> & ByKey;
    variableDebtTokens: Partial<TokenMap> & ByKey;
  };
  uniswap: {
    factory: string;
    /** Uniswap v3 SwapRouter (v1 interface: structs carry `deadline`). */
    swapRouter: string;
    quoterV2: string;
    positionManager: string;
    /** Keyed BASE_QUOTE, e.g. WETH_USDC; token0 < token1 as in the pool. */
    pools: Partial<Record<PoolKey, { address: string; fee: number; token0: string; token1: string }>> &
      ByKey<{ address: string; fee: number; token0: string; token1: string }>;
  };
  /** ERC-4626 vaults by share symbol (scrvUSD, sDAI, ...). */
  erc4626: Partial<Record<VaultKey, string>> & ByKey;
  pendle: {
    /** PendleRouterV4. */
    router: string;
    yieldContractFactory?: string;
    marketFactory?: string;
    /** PendlePYLpOracle (PT/LP TWAP rates), where one is deployed. */
    oracle?: string;
    /** Markets keyed by the SY's underlying (local: scrvUSD). */
    markets: ByKey<PendleMarketEntry>;
  };
  /** Filled by the guardrails deployment step (policy, guard, module, ...); null where none is deployed. */
  guardrails: ByKey | null;
  /** Local chains only: where the node answers. */
  rpcUrl?: string;
}

export function worldToDeploymentJson(world: World, network: string, guardrails: Record<string, string> = {}): DeploymentJson {
  const p = world.pendle;
  return {
    version: DEPLOYMENT_FORMAT_VERSION,
    network,
    chainId: world.chainId,
    block: world.deployBlock,
    safe: { ...world.safe },
    treasury: { safe: world.treasury.safe, owners: [...world.treasury.owners], threshold: world.treasury.threshold },
    accounts: { deployer: world.accounts.deployer, agent: world.accounts.agent, borrower: world.accounts.borrower, outsider: world.accounts.outsider },
    tokens: { ...world.tokens },
    feeds: { ...world.feeds },
    aave: {
      poolAddressesProvider: world.aave.poolAddressesProvider,
      pool: world.aave.pool,
      poolConfigurator: world.aave.poolConfigurator,
      aclManager: world.aave.aclManager,
      oracle: world.aave.oracle,
      dataProvider: world.aave.dataProvider,
      aTokens: { ...world.aave.aTokens },
      variableDebtTokens: { ...world.aave.variableDebtTokens },
    },
    uniswap: {
      factory: world.uniswap.factory,
      swapRouter: world.uniswap.swapRouter,
      quoterV2: world.uniswap.quoterV2,
      positionManager: world.uniswap.positionManager,
      pools: Object.fromEntries(
        Object.entries(world.uniswap.pools).map(([k, v]) => [k, { address: v.address, fee: v.fee, token0: v.token0, token1: v.token1 }]),
      ),
    },
    erc4626: { ...world.erc4626 },
    pendle: {
      router: p.router,
      yieldContractFactory: p.yieldContractFactory,
      marketFactory: p.marketFactory,
      markets: { [p.underlying]: { market: p.market, sy: p.sy, pt: p.pt, yt: p.yt, expiry: p.expiry, underlying: p.underlying } },
    },
    guardrails: { ...guardrails },
  };
}

/** Write `deployments/<network>.json` (or into `dir`); returns the path. */
export function writeDeployment(json: DeploymentJson, dir = path.resolve(__dirname, "..", "..", "deployments")): string {
  if (!/^[A-Za-z0-9_-]+$/.test(json.network)) throw new Error(`Invalid network name for a file: ${json.network}`);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${json.network}.json`);
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(json, null, 2) + "\n");
  fs.renameSync(tmp, file); // atomic: readers never see half a file
  return file;
}

/** Top-level keys every deployments file has (values may be null where noted in DeploymentJson). */
export const DEPLOYMENT_KEYS = [
  "version", "network", "chainId", "block", "safe", "treasury", "accounts", "tokens", "feeds", "aave", "uniswap", "erc4626", "pendle", "guardrails",
] as const;

/** Read a deployments JSON file and check it has every top-level key. */
export function readDeployment(file: string): DeploymentJson {
  const json = JSON.parse(fs.readFileSync(file, "utf8")) as DeploymentJson;
  const missing = DEPLOYMENT_KEYS.filter((k) => json[k] === undefined);
  if (missing.length) throw new Error(`${file}: missing key(s) ${missing.join(", ")}`);
  if (json.version !== DEPLOYMENT_FORMAT_VERSION) throw new Error(`${file}: format version ${json.version}, expected ${DEPLOYMENT_FORMAT_VERSION}`);
  return json;
}
