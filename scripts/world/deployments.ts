// deployments/<network>.json: every address of a world (or of mainnet, written by hand/another
// script with the same keys), the chain id and the first block. Key structure: deployments/README.md.
import type { World } from "./types";
import { parseDeployment, DEPLOYMENT_FORMAT_VERSION, type Deployment as DeploymentJson } from "../../lib/chain/deployments";

// The schema, reader and writer live in the chain-client library; the world only produces the JSON.
export { DEPLOYMENT_FORMAT_VERSION, DEPLOYMENT_KEYS, readDeployment, writeDeployment, parseDeployment } from "../../lib/chain/deployments";
export type { Deployment as DeploymentJson } from "../../lib/chain/deployments";

export function worldToDeploymentJson(world: World, network: string, guardrails: Record<string, string> = {}): DeploymentJson {
  const p = world.pendle;
  return parseDeployment({
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
    cow: { settlement: world.cow.settlement, vaultRelayer: world.cow.vaultRelayer, authenticator: world.cow.authenticator },
    guardrails: { ...guardrails },
  }, `world ${network}`);
}
