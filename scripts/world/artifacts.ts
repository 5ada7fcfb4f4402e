// Contract artifacts for the local world. Protocol bytecode comes from the npm packages' own build
// artifacts, loaded by path (never re-implemented). The few sources that ship without bytecode
// (Chainlink's MockV3Aggregator, our ERC20 / ERC-4626 vault / Pendle stubs in contracts/test) come
// from this repo's Hardhat build in artifacts/. Everything is read lazily and cached.
import fs from "node:fs";
import path from "node:path";
import type { InterfaceAbi } from "ethers";

export interface Artifact {
  contractName?: string;
  abi: InterfaceAbi;
  bytecode: string;
  linkReferences?: Record<string, Record<string, { start: number; length: number }[]>>;
}

const REPO_ROOT = path.resolve(__dirname, "..", "..");
const cache = new Map<string, Artifact>();

function readJson(file: string, hint: string): Artifact {
  let hit = cache.get(file);
  if (!hit) {
    if (!fs.existsSync(file)) throw new Error(`Missing artifact ${file}. ${hint}`);
    hit = JSON.parse(fs.readFileSync(file, "utf8")) as Artifact;
    cache.set(file, hit);
  }
  return hit;
}

/** Artifact shipped inside an npm package: npmArtifact("@aave/core-v3", "artifacts/contracts/.../Pool.json"). */
export function npmArtifact(pkg: string, rel: string): Artifact {
  let root: string;
  try {
    root = path.dirname(require.resolve(`${pkg}/package.json`, { paths: [REPO_ROOT] }));
  } catch {
    throw new Error(`npm package ${pkg} is not installed (run npm ci)`);
  }
  return readJson(path.join(root, rel), `Is ${pkg} installed at the pinned version?`);
}

/** Artifact from this repo's Hardhat build: localArtifact("contracts/test/TestERC20.sol", "TestERC20"). */
export function localArtifact(sourceFile: string, contract: string): Artifact {
  return readJson(path.join(REPO_ROOT, "artifacts", sourceFile, `${contract}.json`), "Run `npx hardhat compile` first.");
}

const aave = (rel: string) => () => npmArtifact("@aave/core-v3", `artifacts/contracts/${rel}`);
const aaveLogic = (name: string) => aave(`protocol/libraries/logic/${name}.sol/${name}.json`);
const safe = (rel: string) => () => npmArtifact("@safe-global/safe-contracts", `build/artifacts/contracts/${rel}`);
const uniCore = (name: string) => () => npmArtifact("@uniswap/v3-core", `artifacts/contracts/${name}.sol/${name}.json`);
const uniPeriphery = (rel: string) => () => npmArtifact("@uniswap/v3-periphery", `artifacts/contracts/${rel}`);
const pendle = (rel: string) => () => npmArtifact("@pendle/core-v2", `build/artifacts/contracts/${rel}`);
const pendleRouter = (name: string) => pendle(`router/${name}.sol/${name}.json`);

/** Lazily loaded artifacts, grouped by protocol. Call e.g. `ART.aave.Pool()`. */
export const ART = {
  safe: {
    SafeL2: safe("SafeL2.sol/SafeL2.json"),
    Safe: safe("Safe.sol/Safe.json"),
    SafeProxyFactory: safe("proxies/SafeProxyFactory.sol/SafeProxyFactory.json"),
    MultiSend: safe("libraries/MultiSend.sol/MultiSend.json"),
    MultiSendCallOnly: safe("libraries/MultiSendCallOnly.sol/MultiSendCallOnly.json"),
    CompatibilityFallbackHandler: safe("handler/CompatibilityFallbackHandler.sol/CompatibilityFallbackHandler.json"),
    SignMessageLib: safe("libraries/SignMessageLib.sol/SignMessageLib.json"),
    CreateCall: safe("libraries/CreateCall.sol/CreateCall.json"),
    SimulateTxAccessor: safe("accessors/SimulateTxAccessor.sol/SimulateTxAccessor.json"),
  },
  tokens: {
    WETH9: aave("dependencies/weth/WETH9.sol/WETH9.json"),
    TestERC20: () => localArtifact("contracts/test/TestERC20.sol", "TestERC20"),
    MockV3Aggregator: () => localArtifact("@chainlink/contracts/src/v0.8/tests/MockV3Aggregator.sol", "MockV3Aggregator"),
  },
  aave: {
    PoolAddressesProvider: aave("protocol/configuration/PoolAddressesProvider.sol/PoolAddressesProvider.json"),
    ACLManager: aave("protocol/configuration/ACLManager.sol/ACLManager.json"),
    Pool: aave("protocol/pool/Pool.sol/Pool.json"),
    PoolConfigurator: aave("protocol/pool/PoolConfigurator.sol/PoolConfigurator.json"),
    AaveOracle: aave("misc/AaveOracle.sol/AaveOracle.json"),
    AaveProtocolDataProvider: aave("misc/AaveProtocolDataProvider.sol/AaveProtocolDataProvider.json"),
    AToken: aave("protocol/tokenization/AToken.sol/AToken.json"),
    VariableDebtToken: aave("protocol/tokenization/VariableDebtToken.sol/VariableDebtToken.json"),
    StableDebtToken: aave("protocol/tokenization/StableDebtToken.sol/StableDebtToken.json"),
    DefaultReserveInterestRateStrategy: aave(
      "protocol/pool/DefaultReserveInterestRateStrategy.sol/DefaultReserveInterestRateStrategy.json",
    ),
    logic: {
      SupplyLogic: aaveLogic("SupplyLogic"),
      BorrowLogic: aaveLogic("BorrowLogic"),
      LiquidationLogic: aaveLogic("LiquidationLogic"),
      EModeLogic: aaveLogic("EModeLogic"),
      BridgeLogic: aaveLogic("BridgeLogic"),
      PoolLogic: aaveLogic("PoolLogic"),
      FlashLoanLogic: aaveLogic("FlashLoanLogic"),
      ConfiguratorLogic: aaveLogic("ConfiguratorLogic"),
    },
  },
  uniswap: {
    UniswapV3Factory: uniCore("UniswapV3Factory"),
    UniswapV3Pool: uniCore("UniswapV3Pool"),
    NonfungiblePositionManager: uniPeriphery("NonfungiblePositionManager.sol/NonfungiblePositionManager.json"),
    SwapRouter: uniPeriphery("SwapRouter.sol/SwapRouter.json"),
    QuoterV2: uniPeriphery("lens/QuoterV2.sol/QuoterV2.json"),
  },
  vaults: {
    AaveSavingsVault: () => localArtifact("contracts/test/AaveSavingsVault.sol", "AaveSavingsVault"),
  },
  pendle: {
    PendleERC4626SY: pendle("core/StandardizedYield/implementations/PendleERC4626SY.sol/PendleERC4626SY.json"),
    PendleYieldToken: pendle("core/YieldContracts/PendleYieldToken.sol/PendleYieldToken.json"),
    PendlePrincipalToken: pendle("core/YieldContracts/PendlePrincipalToken.sol/PendlePrincipalToken.json"),
    PendleYieldContractFactory: pendle("core/YieldContracts/PendleYieldContractFactory.sol/PendleYieldContractFactory.json"),
    PendleMarketFactoryV3: pendle("core/Market/v3/PendleMarketFactoryV3.sol/PendleMarketFactoryV3.json"),
    PendleMarketV3: pendle("core/Market/v3/PendleMarketV3.sol/PendleMarketV3.json"),
    OracleLib: pendle("core/Market/OracleLib.sol/OracleLib.json"),
    BaseSplitCodeFactoryContract: pendle(
      "offchain-helpers/BaseSplitCodeFactoryContract.sol/BaseSplitCodeFactoryContract.json",
    ),
    PendleRouterV4: pendleRouter("PendleRouterV4"),
    ActionStorageV4: pendleRouter("ActionStorageV4"),
    ActionSwapPTV3: pendleRouter("ActionSwapPTV3"),
    ActionSwapYTV3: pendleRouter("ActionSwapYTV3"),
    ActionAddRemoveLiqV3: pendleRouter("ActionAddRemoveLiqV3"),
    ActionMiscV3: pendleRouter("ActionMiscV3"),
    ActionCallbackV3: pendleRouter("ActionCallbackV3"),
    StubGaugeController: () => localArtifact("contracts/test/PendleStubs.sol", "StubGaugeController"),
    StubVePendle: () => localArtifact("contracts/test/PendleStubs.sol", "StubVePendle"),
  },
} as const;

/** ABI-only shortcuts for code that talks to the world (tests, scripts, controls). */
export const ABI = {
  erc20: () => ART.tokens.TestERC20().abi,
  weth9: () => ART.tokens.WETH9().abi,
  feed: () => ART.tokens.MockV3Aggregator().abi,
  safe: () => ART.safe.SafeL2().abi,
  multiSendCallOnly: () => ART.safe.MultiSendCallOnly().abi,
  aavePool: () => ART.aave.Pool().abi,
  aaveOracle: () => ART.aave.AaveOracle().abi,
  aaveDataProvider: () => ART.aave.AaveProtocolDataProvider().abi,
  uniswapPool: () => ART.uniswap.UniswapV3Pool().abi,
  swapRouter: () => ART.uniswap.SwapRouter().abi,
  quoterV2: () => ART.uniswap.QuoterV2().abi,
  positionManager: () => ART.uniswap.NonfungiblePositionManager().abi,
  erc4626: () => ART.vaults.AaveSavingsVault().abi,
  pendleSy: () => ART.pendle.PendleERC4626SY().abi,
  pendleYt: () => ART.pendle.PendleYieldToken().abi,
  pendleMarket: () => ART.pendle.PendleMarketV3().abi,
  /** Union of every PendleRouterV4 facet ABI: the router proxy answers all of them. */
  pendleRouter: (): InterfaceAbi => PENDLE_ROUTER_FACETS.flatMap((name) => ART.pendle[name]().abi as readonly unknown[]) as InterfaceAbi,
};

/** Facets registered on the local PendleRouterV4 (all their external selectors). */
export const PENDLE_ROUTER_FACETS = [
  "ActionStorageV4",
  "ActionSwapPTV3",
  "ActionSwapYTV3",
  "ActionAddRemoveLiqV3",
  "ActionMiscV3",
  "ActionCallbackV3",
] as const;
