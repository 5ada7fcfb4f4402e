// deployments/<network>.json: every address of a world (or of mainnet, written by hand/another
// script with the same keys), the chain id and the first block. Key structure: deployments/README.md.
import fs from "node:fs";
import path from "node:path";
import type { PoolKey, SafeInfra, TokenMap, VaultKey, World } from "./types";

export const DEPLOYMENT_FORMAT_VERSION = 1;

export interface DeploymentJson {
  version: number;
  network: string;
  chainId: number;
  /** First block to scan for the deployment's events (indexers start here). */
  block: number;
  safe: SafeInfra;
  treasury: { safe: string; owners: string[]; threshold: number };
  /** Well-known accounts. `agent` everywhere; the rest only on local worlds. */
  accounts: { deployer?: string; agent?: string; borrower?: string; outsider?: string };
  tokens: Partial<TokenMap> & Record<string, string>;
  /** Chainlink USD feeds (8 decimals), keyed like `tokens`. */
  feeds: Partial<TokenMap> & Record<string, string>;
  aave: {
    poolAddressesProvider: string;
    pool: string;
    poolConfigurator?: string;
    aclManager?: string;
    oracle: string;
    dataProvider: string;
    aTokens: Partial<TokenMap> & Record<string, string>;
    variableDebtTokens: Partial<TokenMap> & Record<string, string>;
  };
  uniswap: {
    factory: string;
    swapRouter: string;
    quoterV2: string;
    positionManager: string;
    pools: Partial<Record<PoolKey, { address: string; fee: number; token0: string; token1: string }>> &
      Record<string, { address: string; fee: number; token0: string; token1: string }>;
  };
  erc4626: Partial<Record<VaultKey, string>> & Record<string, string>;
  pendle: {
    router: string;
    yieldContractFactory?: string;
    marketFactory?: string;
    markets: Record<string, { market: string; sy: string; pt: string; yt: string; expiry: number; underlying: string }>;
  };
  /** Filled by the guardrails deployment step (policy, guard, module, ...). */
  guardrails: Record<string, string>;
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

/** Read and minimally validate a deployments JSON file. */
export function readDeployment(file: string): DeploymentJson {
  const json = JSON.parse(fs.readFileSync(file, "utf8")) as DeploymentJson;
  for (const key of ["chainId", "block", "safe", "treasury", "tokens", "aave", "uniswap", "erc4626", "pendle", "guardrails"] as const) {
    if (json[key] === undefined) throw new Error(`${file}: missing key "${key}"`);
  }
  return json;
}
