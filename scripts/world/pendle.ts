// A real Pendle v2 PT market (bytecode from @pendle/core-v2@4.7.2, the newest release that still
// ships SY implementations) over PendleERC4626SY wrapping the scrvUSD-shaped vault, plus the real
// PendleRouterV4 (proxy + V3 action facets registered through ActionStorageV4.setSelectorToFacets),
// so a Safe can approve the router and call swapExactTokenForPt / redeemPyToToken like on mainnet.
// vePENDLE and the gauge controller are two tiny stubs (contracts/test/PendleStubs.sol): no emissions locally.
import { Contract, Interface, Signer, ZeroAddress, parseUnits } from "ethers";
import { ART, PENDLE_ROUTER_FACETS, type Artifact } from "./artifacts";
import { confirm, deploy, linkBytecode, MAX_UINT256 } from "./tx";
import { fundToken, usdToTokenUnits, type TokenDeployment } from "./tokens";
import type { PendleDeployment, TokenMap, VaultKey } from "./types";

const DAY = 86400;
const YEAR = 365 * DAY;

/** Market parameters. The anchor is chosen so a 50/50 pool prices PT at IMPLIED_APY. */
export const PENDLE_PARAMS = {
  expiryDivisor: DAY,
  interestFeeRate: parseUnits("0.03", 18),
  rewardFeeRate: parseUnits("0.03", 18),
  reserveFeePercent: 80,
  scalarRoot: parseUnits("20", 18),
  lnFeeRateRoot: parseUnits("0.0005", 18),
  impliedApy: 0.06,
  /** USDC the deployer turns into SY: half becomes PT(+YT), then SY + PT go into the pool. */
  lpUsd: 1_000_000,
};

/** ApproxParams for router swaps with no off-chain hint (the router clamps guessMax on-chain). */
export const APPROX_DEFAULT = { guessMin: 0n, guessMax: MAX_UINT256, guessOffchain: 0n, maxIteration: 256n, eps: 10n ** 14n };
/** LimitOrderData with no limit orders: swaps go straight to the AMM. */
export const EMPTY_LIMIT = { limitRouter: ZeroAddress, epsSkipMarket: 0n, normalFills: [], flashFills: [], optData: "0x" };
const NO_SWAP = { swapType: 0, extRouter: ZeroAddress, extCalldata: "0x", needScale: false };

/** TokenInput paying `amount` of `token`, which the SY accepts directly (no aggregator swap). */
export function pendleTokenInput(token: string, amount: bigint) {
  return { tokenIn: token, netTokenIn: amount, tokenMintSy: token, pendleSwap: ZeroAddress, swapData: NO_SWAP };
}

/** TokenOutput redeeming SY straight into `token`, reverting below `minTokenOut`. */
export function pendleTokenOutput(token: string, minTokenOut: bigint) {
  return { tokenOut: token, minTokenOut, tokenRedeemSy: token, pendleSwap: ZeroAddress, swapData: NO_SWAP };
}

/** Pendle stores YT and market creation code in two contracts (too big for one): deploy them. */
async function splitCode(splitter: Contract, name: string, creationCode: string): Promise<[string, bigint, string, bigint]> {
  // getFunction: `deploy` would read oddly next to ethers' own deployment helpers on Contract.
  const fn = splitter.getFunction("deploy");
  const parts = (await fn.staticCall(name, creationCode)) as [string, bigint, string, bigint];
  await confirm(`split-deploy ${name} creation code`, fn.send(name, creationCode));
  return [parts[0], parts[1], parts[2], parts[3]];
}

function selectors(artifact: Artifact): string[] {
  const out: string[] = [];
  new Interface(artifact.abi).forEachFunction((f) => out.push(f.selector));
  return out;
}

/** PendleRouterV4 proxy owned by the deployer, with every selector of the V3 facets routed. */
export async function deployPendleRouter(deployer: Signer): Promise<string> {
  const P = ART.pendle;
  const actionStorage = await deploy(deployer, P.ActionStorageV4());
  const router = await deploy(deployer, P.PendleRouterV4(), [await deployer.getAddress(), actionStorage]);
  const entries: { facet: string; selectors: string[] }[] = [];
  for (const name of PENDLE_ROUTER_FACETS) {
    const facet = name === "ActionStorageV4" ? actionStorage : await deploy(deployer, P[name]());
    entries.push({ facet, selectors: selectors(P[name]()) });
  }
  // The router constructor routes only setSelectorToFacets (to ActionStorageV4); it checks the owner.
  await confirm("router setSelectorToFacets", new Contract(router, P.ActionStorageV4().abi, deployer).setSelectorToFacets(entries));
  return router;
}

export async function deployPendle(
  deployer: Signer,
  t: TokenDeployment,
  vaults: Record<VaultKey, string>,
  answers: TokenMap<bigint>,
  days: number,
): Promise<PendleDeployment> {
  const P = ART.pendle;
  const me = await deployer.getAddress();
  const underlying: VaultKey = "scrvUSD";
  const sy = await deploy(deployer, P.PendleERC4626SY(), ["SY scrvUSD (local)", "SY-scrvUSD", vaults[underlying]]);

  const splitter = new Contract(await deploy(deployer, P.BaseSplitCodeFactoryContract()), P.BaseSplitCodeFactoryContract().abi, deployer);
  const ytCode = await splitCode(splitter, "YT", P.PendleYieldToken().bytecode);
  const yieldContractFactory = await deploy(deployer, P.PendleYieldContractFactory(), ytCode);
  const ycf = new Contract(yieldContractFactory, P.PendleYieldContractFactory().abi, deployer);
  await confirm("YCF initialize", ycf.initialize(PENDLE_PARAMS.expiryDivisor, PENDLE_PARAMS.interestFeeRate, PENDLE_PARAMS.rewardFeeRate, me));

  const pendleToken = await deploy(deployer, ART.tokens.TestERC20(), ["Pendle (local placeholder)", "PENDLE", 18, me], {}, "PENDLE placeholder");
  const gauge = await deploy(deployer, P.StubGaugeController(), [pendleToken]);
  const vePendle = await deploy(deployer, P.StubVePendle());
  const oracleLib = await deploy(deployer, P.OracleLib());
  const marketCode = await splitCode(splitter, "Market", linkBytecode(P.PendleMarketV3(), { OracleLib: oracleLib }));
  const marketFactory = await deploy(deployer, P.PendleMarketFactoryV3(), [
    yieldContractFactory, ...marketCode, me, PENDLE_PARAMS.reserveFeePercent, vePendle, gauge,
  ]);

  // Expiry: `days` out, rounded up to a whole day (the factory requires a multiple of expiryDivisor).
  const now = (await deployer.provider!.getBlock("latest"))!.timestamp;
  const expiry = Math.ceil((now + days * DAY) / DAY) * DAY;
  const [pt, yt] = (await ycf.createYieldContract.staticCall(sy, expiry, true)) as [string, string];
  await confirm("createYieldContract", ycf.createYieldContract(sy, expiry, true));

  // A 50/50 (in asset terms) pool trades at exchangeRate = initialAnchor, so pick the anchor that
  // prices PT at the target implied APY over the time to expiry.
  const anchor = Math.pow(1 + PENDLE_PARAMS.impliedApy, (expiry - now) / YEAR);
  const initialAnchor = parseUnits(anchor.toFixed(18), 18);
  const mf = new Contract(marketFactory, P.PendleMarketFactoryV3().abi, deployer);
  const market = (await mf.createNewMarket.staticCall(pt, PENDLE_PARAMS.scalarRoot, initialAnchor, PENDLE_PARAMS.lnFeeRateRoot)) as string;
  await confirm("createNewMarket", mf.createNewMarket(pt, PENDLE_PARAMS.scalarRoot, initialAnchor, PENDLE_PARAMS.lnFeeRateRoot));

  const router = await deployPendleRouter(deployer);

  // Liquidity. SY, YT and market use "transfer first, then call".
  const usdcIn = usdToTokenUnits(PENDLE_PARAMS.lpUsd, answers.USDC, t.decimals.USDC);
  await fundToken(deployer, t, "USDC", me, usdcIn);
  await confirm("approve USDC to SY", new Contract(t.tokens.USDC, ART.tokens.TestERC20().abi, deployer).approve(sy, usdcIn));
  const syC = new Contract(sy, P.PendleERC4626SY().abi, deployer);
  await confirm("SY deposit", syC.deposit(me, t.tokens.USDC, usdcIn, 0n));
  const syBal: bigint = await syC.balanceOf(me);
  const syToPy = syBal / 2n;
  await confirm("SY to YT", syC.transfer(yt, syToPy));
  await confirm("mintPY", new Contract(yt, P.PendleYieldToken().abi, deployer).mintPY(me, me));
  const ptC = new Contract(pt, ART.tokens.TestERC20().abi, deployer);
  const ptBal: bigint = await ptC.balanceOf(me);
  const syToMarket = syBal - syToPy;
  await confirm("SY to market", syC.transfer(market, syToMarket));
  await confirm("PT to market", ptC.transfer(market, ptBal));
  await confirm("market mint LP", new Contract(market, P.PendleMarketV3().abi, deployer).mint(me, syToMarket, ptBal));

  return { router, yieldContractFactory, marketFactory, underlying, sy, pt, yt, market, expiry };
}
