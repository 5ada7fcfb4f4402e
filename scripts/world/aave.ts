// A real Aave v3 market (bytecode from @aave/core-v3@1.19.3 artifacts, logic libraries linked)
// with USDC, DAI, WETH and WBTC reserves. AaveOracle reads the world's own USD feeds, so a feed
// update moves Aave prices too. A borrower then supplies WETH/WBTC collateral and borrows USDC/DAI,
// so the stablecoin reserves have utilization, a positive supply rate and interest that accrues.
import { Contract, Signer, ZeroAddress, parseUnits } from "ethers";
import { ART } from "./artifacts";
import { confirm, deploy } from "./tx";
import { TOKEN_SYMBOLS, AaveDeployment, TokenMap, TokenSymbol } from "./types";
import { fundToken, usdToTokenUnits, type TokenDeployment } from "./tokens";

const ray = (x: string) => parseUnits(x, 27);
const VARIABLE_RATE = 2n;

/**
 * Rate models (DefaultReserveInterestRateStrategy constructor, after the provider):
 * optimalUsage, baseVariable, slope1, slope2, stableSlope1, stableSlope2, baseStableOffset,
 * stableExcessOffset, optimalStableToTotalDebt. Stables: 7% borrow APR at the 90% kink, so at 80%
 * utilization borrowers pay ~6.2% and suppliers earn ~4.5% (10% reserve factor): visible in days.
 */
const STABLE_RATES = [ray("0.9"), 0n, ray("0.07"), ray("0.6"), ray("0.02"), ray("0.6"), ray("0.02"), ray("0.05"), ray("0.2")];
const VOLATILE_RATES = [ray("0.45"), 0n, ray("0.04"), ray("3"), ray("0.02"), ray("3"), ray("0.02"), ray("0.05"), ray("0.2")];

/** Risk parameters (basis points): LTV, liquidation threshold, liquidation bonus (10000 + bonus). */
export const RISK: TokenMap<[number, number, number]> = {
  USDC: [7700, 8000, 10500],
  DAI: [7700, 8000, 10500],
  WETH: [8000, 8250, 10500],
  WBTC: [7300, 7800, 10650],
};

export async function deployAave(deployer: Signer, t: TokenDeployment): Promise<AaveDeployment> {
  const admin = await deployer.getAddress();
  const A = ART.aave;

  // 1. Addresses provider + ACL (deployer is ACL admin and pool admin).
  const poolAddressesProvider = await deploy(deployer, A.PoolAddressesProvider(), ["Local", admin]);
  const provider = new Contract(poolAddressesProvider, A.PoolAddressesProvider().abi, deployer);
  await confirm("setACLAdmin", provider.setACLAdmin(admin));
  const aclManager = await deploy(deployer, A.ACLManager(), [poolAddressesProvider]);
  await confirm("setACLManager", provider.setACLManager(aclManager));
  await confirm("addPoolAdmin", new Contract(aclManager, A.ACLManager().abi, deployer).addPoolAdmin(admin));

  // 2. Logic libraries (FlashLoanLogic itself links BorrowLogic).
  const libs: Record<string, string> = {};
  for (const name of ["SupplyLogic", "BorrowLogic", "LiquidationLogic", "EModeLogic", "BridgeLogic", "PoolLogic", "ConfiguratorLogic"] as const) {
    libs[name] = await deploy(deployer, A.logic[name](), [], {}, name);
  }
  libs.FlashLoanLogic = await deploy(deployer, A.logic.FlashLoanLogic(), [], { BorrowLogic: libs.BorrowLogic }, "FlashLoanLogic");

  // 3. Pool and PoolConfigurator implementations; the provider creates and initializes their proxies.
  const poolImpl = await deploy(deployer, A.Pool(), [poolAddressesProvider], libs, "Pool");
  await confirm("setPoolImpl", provider.setPoolImpl(poolImpl));
  const cfgImpl = await deploy(deployer, A.PoolConfigurator(), [], { ConfiguratorLogic: libs.ConfiguratorLogic }, "PoolConfigurator");
  await confirm("setPoolConfiguratorImpl", provider.setPoolConfiguratorImpl(cfgImpl));
  const pool: string = await provider.getPool();
  const poolConfigurator: string = await provider.getPoolConfigurator();

  // 4. Oracle in USD with 8 decimals (base currency = address(0), unit 1e8) over the world feeds.
  const oracle = await deploy(deployer, A.AaveOracle(), [
    poolAddressesProvider, TOKEN_SYMBOLS.map((s) => t.tokens[s]), TOKEN_SYMBOLS.map((s) => t.feeds[s]), ZeroAddress, ZeroAddress, 10n ** 8n,
  ]);
  await confirm("setPriceOracle", provider.setPriceOracle(oracle));
  const dataProvider = await deploy(deployer, A.AaveProtocolDataProvider(), [poolAddressesProvider]);
  await confirm("setPoolDataProvider", provider.setPoolDataProvider(dataProvider));

  // 5. Token implementations and rate strategies, then the reserves.
  const aTokenImpl = await deploy(deployer, A.AToken(), [pool]);
  const vDebtImpl = await deploy(deployer, A.VariableDebtToken(), [pool]);
  const sDebtImpl = await deploy(deployer, A.StableDebtToken(), [pool]);
  const stableIrs = await deploy(deployer, A.DefaultReserveInterestRateStrategy(), [poolAddressesProvider, ...STABLE_RATES], {}, "stable rate strategy");
  const volatileIrs = await deploy(deployer, A.DefaultReserveInterestRateStrategy(), [poolAddressesProvider, ...VOLATILE_RATES], {}, "volatile rate strategy");

  const configurator = new Contract(poolConfigurator, A.PoolConfigurator().abi, deployer);
  await confirm(
    "initReserves",
    configurator.initReserves(
      TOKEN_SYMBOLS.map((sym) => ({
        aTokenImpl, stableDebtTokenImpl: sDebtImpl, variableDebtTokenImpl: vDebtImpl,
        underlyingAssetDecimals: t.decimals[sym],
        interestRateStrategyAddress: sym === "USDC" || sym === "DAI" ? stableIrs : volatileIrs,
        underlyingAsset: t.tokens[sym], treasury: admin, incentivesController: ZeroAddress,
        aTokenName: `Aave Local ${sym}`, aTokenSymbol: `a${sym}`,
        variableDebtTokenName: `Aave Local Variable Debt ${sym}`, variableDebtTokenSymbol: `variableDebt${sym}`,
        stableDebtTokenName: `Aave Local Stable Debt ${sym}`, stableDebtTokenSymbol: `stableDebt${sym}`,
        params: "0x10",
      })),
    ),
  );
  for (const sym of TOKEN_SYMBOLS) {
    await confirm(`setReserveBorrowing ${sym}`, configurator.setReserveBorrowing(t.tokens[sym], true));
    await confirm(`setReserveFactor ${sym}`, configurator.setReserveFactor(t.tokens[sym], 1000n));
    const [ltv, lt, bonus] = RISK[sym];
    await confirm(`configureReserveAsCollateral ${sym}`, configurator.configureReserveAsCollateral(t.tokens[sym], ltv, lt, bonus));
  }

  const poolC = new Contract(pool, A.Pool().abi, deployer);
  const aTokens = {} as TokenMap;
  const variableDebtTokens = {} as TokenMap;
  for (const sym of TOKEN_SYMBOLS) {
    const rd = await poolC.getReserveData(t.tokens[sym]);
    aTokens[sym] = rd.aTokenAddress;
    variableDebtTokens[sym] = rd.variableDebtTokenAddress;
  }
  return { poolAddressesProvider, aclManager, pool, poolConfigurator, oracle, dataProvider, aTokens, variableDebtTokens };
}

/** `who` supplies `amount` of `sym` (already in its wallet) to the pool for itself. */
export async function aaveSupply(who: Signer, aave: AaveDeployment, token: string, amount: bigint, label: string): Promise<void> {
  const erc20 = new Contract(token, ART.tokens.TestERC20().abi, who);
  await confirm(`${label}: approve`, erc20.approve(aave.pool, amount));
  await confirm(`${label}: supply`, new Contract(aave.pool, ART.aave.Pool().abi, who).supply(token, amount, await who.getAddress(), 0));
}

/** Lender liquidity from the deployer, in USD per stablecoin. */
export const LENDER_USD: Partial<TokenMap<number>> = { USDC: 1_000_000, DAI: 1_000_000 };
/** Borrower collateral in token units (kept conservative: health factor ~3 at the default prices). */
export const BORROWER_COLLATERAL = { WETH: "2000", WBTC: "100" } as const;

/** Deployer lends USDC and DAI into the market. */
export async function seedAaveLenders(deployer: Signer, t: TokenDeployment, aave: AaveDeployment, answers: TokenMap<bigint>): Promise<void> {
  const me = await deployer.getAddress();
  for (const [sym, usd] of Object.entries(LENDER_USD) as [TokenSymbol, number][]) {
    const amount = usdToTokenUnits(usd, answers[sym], t.decimals[sym]);
    await fundToken(deployer, t, sym, me, amount);
    await aaveSupply(deployer, aave, t.tokens[sym], amount, `lender supplies ${sym}`);
  }
}

/**
 * The borrower posts WETH (its own ETH, wrapped) and WBTC (minted by the deployer) as collateral
 * and borrows USDC and DAI until each stablecoin reserve reaches `utilization` of its supply.
 * Call it last, once every supplier (lenders, vaults, Pendle LP) is in.
 */
export async function seedAaveBorrower(
  deployer: Signer,
  borrower: Signer,
  t: TokenDeployment,
  aave: AaveDeployment,
  utilization: number,
): Promise<void> {
  if (!(utilization > 0 && utilization < 0.9)) throw new Error(`aaveUtilization must be in (0, 0.9), got ${utilization}`);
  const who = await borrower.getAddress();
  const weth = parseUnits(BORROWER_COLLATERAL.WETH, t.decimals.WETH);
  await confirm("borrower wraps ETH", new Contract(t.tokens.WETH, ART.tokens.WETH9().abi, borrower).deposit({ value: weth }));
  await aaveSupply(borrower, aave, t.tokens.WETH, weth, "borrower supplies WETH");
  const wbtc = parseUnits(BORROWER_COLLATERAL.WBTC, t.decimals.WBTC);
  await fundToken(deployer, t, "WBTC", who, wbtc);
  await aaveSupply(borrower, aave, t.tokens.WBTC, wbtc, "borrower supplies WBTC");

  const pool = new Contract(aave.pool, ART.aave.Pool().abi, borrower);
  const bps = BigInt(Math.round(utilization * 10_000));
  for (const sym of ["USDC", "DAI"] as const) {
    const supplied: bigint = await new Contract(aave.aTokens[sym], ART.aave.AToken().abi, borrower).totalSupply();
    const amount = (supplied * bps) / 10_000n;
    await confirm(`borrower borrows ${sym}`, pool.borrow(t.tokens[sym], amount, VARIABLE_RATE, 0, who));
  }
}

