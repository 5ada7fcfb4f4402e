// Turns a deployment file (deployments/<network>.json: tokens, feeds, Aave, Uniswap, ERC-4626,
// Pendle) and the guardrail settings into the TreasuryPolicy's initial configuration: which assets
// and positions are valued, which (target, selector) pairs are allowed under which call-rule unit
// (contracts/rules), and which contracts may receive approvals. The same function serves the local world and mainnet.
import { Contract, Provider, encodeBytes32String, getAddress } from "ethers";
import type { Deployment as DeploymentJson } from "../../lib/chain/deployments";
import { toFunctionSelector, type Abi, type AbiFunction } from "viem";
import { aavePoolAbi, erc20Abi, erc4626Abi, gpv2SettlementAbi, pendleRouterAbi, swapRouter02Abi, swapRouterAbi } from "../../lib/chain/abi";
import { checkSettingsAgainstTokens, type GuardrailSettings } from "./settings";

// The policy's enums live in lib/chain/policyTypes.ts (pinned to the contracts by test/guardrails/abi-mirror.test.ts).
import { AssetClass, PositionKind } from "../../lib/chain/policyTypes";
export { Actor, AssetClass, CapsMode, Effect, PositionKind } from "../../lib/chain/policyTypes";

/** Function signatures the rules cover, by protocol (selectors are derived, never hand-typed). */
// Selectors from the typed ABIs of lib/chain (pinned to the protocols' own artifacts by test/lib/abi.test.ts).
const sel = (abi: Abi, name: string, inputs?: string[]) => {
  const f = abi.find((x): x is AbiFunction => x.type === "function" && x.name === name && (!inputs || x.inputs.map((i) => i.type).join(",") === inputs.join(",")));
  if (!f) throw new Error(`no ${name} in the ABI`);
  return toFunctionSelector(f);
};

export const SELECTORS = {
  erc20Approve: sel(erc20Abi, "approve"),
  erc20Transfer: sel(erc20Abi, "transfer"),
  aaveSupply: sel(aavePoolAbi, "supply"),
  aaveWithdraw: sel(aavePoolAbi, "withdraw"),
  aaveBorrow: sel(aavePoolAbi, "borrow"),
  aaveRepay: sel(aavePoolAbi, "repay"),
  aaveRepayWithATokens: sel(aavePoolAbi, "repayWithATokens"),
  vaultDeposit: sel(erc4626Abi, "deposit"),
  vaultMint: sel(erc4626Abi, "mint"),
  vaultWithdraw: sel(erc4626Abi, "withdraw"),
  vaultRedeem: sel(erc4626Abi, "redeem"),
  uniExactInputSingle: sel(swapRouterAbi, "exactInputSingle"),
  uniExactInput: sel(swapRouterAbi, "exactInput"),
  uni02ExactInputSingle: sel(swapRouter02Abi, "exactInputSingle"),
  uni02ExactInput: sel(swapRouter02Abi, "exactInput"),
  pendleSwapExactTokenForPt: sel(pendleRouterAbi, "swapExactTokenForPt"),
  pendleSwapExactPtForToken: sel(pendleRouterAbi, "swapExactPtForToken"),
  pendleRedeemPyToToken: sel(pendleRouterAbi, "redeemPyToToken"),
  cowSetPreSignature: sel(gpv2SettlementAbi, "setPreSignature"),
} as const;

/** The call-rule units (contracts/rules), one per protocol; deployed once, shared by any policy. */
export const RULE_UNITS = { aaveV3: "AaveV3Rule", erc4626: "ERC4626Rule", uniswapV3: "UniswapV3Rule", pendle: "PendleRule", erc20: "ERC20Rule", cow: "CowSwapRule" } as const;
export type RuleUnit = keyof typeof RULE_UNITS;
export type RuleAddresses = Record<RuleUnit, string>;
/** A rule registered for this target applies to calls of its selector on any contract (ERC-20 calls). */
export const ANY_TARGET = "0x0000000000000000000000000000000000000000";

export interface AssetInit { token: string; feed: string; maxStaleness: number; assetClass: number }
export interface PositionConfigStruct {
  kind: number;
  underlying: string;
  protocol: string;
  venue: string;
  market: string;
  twapDuration: number;
  /** IPositionAdapter that values and unwinds the position (contracts/adapters). */
  adapter: string;
}
/** The deployed position adapters, one per kind. */
export interface AdapterAddresses {
  aaveAToken: string;
  aaveDebt: string;
  erc4626: string;
  pendlePT: string;
}
export interface InitConfig {
  assets: AssetInit[];
  positions: { token: string; config: PositionConfigStruct }[];
  rules: { target: string; selector: string; rule: string }[];
  spenders: string[];
  payees: string[];
  agents: string[];
  guardians: string[];
  caps: { maxVolatileBps: number; maxProtocolBps: number; maxPositionBps: number };
  limits: { maxLossBps: number; autonomyLimitUsd: bigint; dailyBudgetUsd: bigint; minHealthFactor: bigint };
  delay: number;
}

export const usd18 = (usd: number): bigint => BigInt(Math.round(usd * 100)) * 10n ** 16n;
export const protocolId = (name: string): string => encodeBytes32String(name);
/** A health factor (1.6) in the contracts' 18-decimal fixed point. */
export const hf18 = (hf: number): bigint => BigInt(Math.round(hf * 1e6)) * 10n ** 12n;
const ZERO = "0x0000000000000000000000000000000000000000";

/**
 * Build the policy's initial configuration for `d`, with the call-rule units at `ruleUnits`. Reads
 * ERC-4626 `asset()` and Pendle SY `assetInfo()` on-chain, so positions are always valued in the
 * asset they really hold. Aave `borrow` is not registered: enabling leverage is a timelocked
 * `setRule(pool, borrow, AaveV3Rule)` the owners schedule (see docs).
 */
export async function buildInitConfig(d: DeploymentJson, s: GuardrailSettings, provider: Provider, ruleUnits: RuleAddresses, adapters: AdapterAddresses): Promise<InitConfig> {
  checkSettingsAgainstTokens(s, d.tokens as Record<string, string>);
  const assets: AssetInit[] = [];
  for (const [sym, token] of Object.entries(d.tokens)) {
    const feed = d.feeds[sym];
    const cls = s.classes[sym];
    if (!feed || !cls) continue; // not priced or not classified: not part of the treasury
    const maxStaleness = s.maxStalenessSeconds[sym];
    if (!maxStaleness) throw new Error(`guardrail settings: maxStalenessSeconds.${sym} is missing (asset ${token})`);
    assets.push({ token: getAddress(token), feed: getAddress(feed), maxStaleness, assetClass: cls === "stable" ? AssetClass.Stable : AssetClass.Volatile });
  }
  const registered = new Set(assets.map((a) => a.token));
  const positions: InitConfig["positions"] = [];
  const rules: InitConfig["rules"] = [];
  const spenders: string[] = [];
  const ADAPTER: Record<number, string> = {
    [PositionKind.AaveAToken]: adapters.aaveAToken,
    [PositionKind.AaveVariableDebt]: adapters.aaveDebt,
    [PositionKind.ERC4626]: adapters.erc4626,
    [PositionKind.PendlePT]: adapters.pendlePT,
  };
  const R = Object.fromEntries(Object.entries(ruleUnits).map(([k, v]) => [k, getAddress(v)])) as RuleAddresses;
  // ERC-20 approve (to allowlisted spenders) and transfer (owners, to payees) on any registered token.
  rules.push({ target: ANY_TARGET, selector: SELECTORS.erc20Approve, rule: R.erc20 });
  rules.push({ target: ANY_TARGET, selector: SELECTORS.erc20Transfer, rule: R.erc20 });
  const position = (token: string, kind: number, underlying: string, protocol: string, venue: string, market = ZERO, twap = 0) =>
    positions.push({ token: getAddress(token), config: { kind, underlying: getAddress(underlying), protocol: protocolId(protocol), venue: getAddress(venue), market: getAddress(market), twapDuration: twap, adapter: getAddress(ADAPTER[kind]) } });

  // Aave v3: supply/withdraw on the Pool; aTokens valued 1:1.
  const pool = getAddress(d.aave.pool);
  for (const [sym, aToken] of Object.entries(d.aave.aTokens)) {
    const underlying = d.tokens[sym];
    if (underlying && registered.has(getAddress(underlying))) position(aToken, PositionKind.AaveAToken, underlying, "aave-v3", pool);
  }
  // Debts the treasury may carry: liability positions (borrowing is enabled by a timelocked rule).
  for (const sym of s.borrowable) {
    const underlying = (d.tokens as Record<string, string>)[sym];
    const debtToken = (d.aave.variableDebtTokens as Record<string, string> | undefined)?.[sym];
    if (!underlying || !registered.has(getAddress(underlying))) throw new Error(`guardrail settings: borrowable ${sym} is not a registered asset of this deployment; remove it or register the asset`);
    if (!debtToken) throw new Error(`guardrail settings: borrowable ${sym}: the deployment has no aave.variableDebtTokens.${sym}; add it to the deployment file`);
    position(debtToken, PositionKind.AaveVariableDebt, underlying, "aave-v3", pool);
  }
  rules.push({ target: pool, selector: SELECTORS.aaveSupply, rule: R.aaveV3 });
  rules.push({ target: pool, selector: SELECTORS.aaveWithdraw, rule: R.aaveV3 });
  // Repaying is always allowed (de-risking); borrowing is not registered by default.
  rules.push({ target: pool, selector: SELECTORS.aaveRepay, rule: R.aaveV3 });
  rules.push({ target: pool, selector: SELECTORS.aaveRepayWithATokens, rule: R.aaveV3 });
  spenders.push(pool);

  // ERC-4626 savings vaults: each its own protocol for the per-protocol cap.
  for (const [key, vault] of Object.entries(d.erc4626)) {
    const v = getAddress(vault);
    const underlying = getAddress(await new Contract(v, ["function asset() view returns (address)"], provider).asset());
    if (!registered.has(underlying)) continue;
    position(v, PositionKind.ERC4626, underlying, `erc4626:${key}`, v);
    rules.push({ target: v, selector: SELECTORS.vaultDeposit, rule: R.erc4626 });
    rules.push({ target: v, selector: SELECTORS.vaultMint, rule: R.erc4626 });
    rules.push({ target: v, selector: SELECTORS.vaultWithdraw, rule: R.erc4626 });
    rules.push({ target: v, selector: SELECTORS.vaultRedeem, rule: R.erc4626 });
    spenders.push(v);
  }

  // Uniswap v3: exact-input swaps only (the output is what the NAV check protects).
  const router = getAddress(d.uniswap.swapRouter);
  rules.push({ target: router, selector: SELECTORS.uniExactInputSingle, rule: R.uniswapV3 });
  rules.push({ target: router, selector: SELECTORS.uniExactInput, rule: R.uniswapV3 });
  spenders.push(router);
  const router02 = (d.uniswap as { swapRouter02?: string }).swapRouter02;
  if (router02) {
    rules.push({ target: getAddress(router02), selector: SELECTORS.uni02ExactInputSingle, rule: R.uniswapV3 });
    rules.push({ target: getAddress(router02), selector: SELECTORS.uni02ExactInput, rule: R.uniswapV3 });
    spenders.push(getAddress(router02));
  }

  // Pendle: buy PT, sell PT, redeem PT at maturity, through the router.
  const markets = Object.values(d.pendle.markets ?? {});
  if (markets.length > 0) {
    const prouter = getAddress(d.pendle.router);
    for (const m of markets) {
      const info = await new Contract(m.sy, ["function assetInfo() view returns (uint8, address, uint8)"], provider).assetInfo();
      const underlying = getAddress(info[1]);
      if (!registered.has(underlying)) throw new Error(`Pendle market ${m.market}: SY asset ${underlying} is not a registered asset`);
      position(m.pt, PositionKind.PendlePT, underlying, "pendle", prouter, m.market, s.pendleTwapSeconds);
    }
    rules.push({ target: prouter, selector: SELECTORS.pendleSwapExactTokenForPt, rule: R.pendle });
    rules.push({ target: prouter, selector: SELECTORS.pendleSwapExactPtForToken, rule: R.pendle });
    rules.push({ target: prouter, selector: SELECTORS.pendleRedeemPyToToken, rule: R.pendle });
    spenders.push(prouter);
  }

  // CoW Protocol: the Safe pre-signs its own sell orders (checked against the oracle by CowSwapRule);
  // the sell token is approved to the vault relayer, which the settlement pulls it through.
  if (d.cow) {
    rules.push({ target: getAddress(d.cow.settlement), selector: SELECTORS.cowSetPreSignature, rule: R.cow });
    spenders.push(getAddress(d.cow.vaultRelayer));
  }

  return {
    assets,
    positions,
    rules,
    spenders,
    payees: s.payees.map((a) => getAddress(a)),
    agents: s.agents.map((a) => getAddress(a)),
    guardians: s.guardians.map((a) => getAddress(a)),
    caps: s.caps,
    limits: { maxLossBps: s.limits.maxLossBps, autonomyLimitUsd: usd18(s.limits.autonomyLimitUsd), dailyBudgetUsd: usd18(s.limits.dailyBudgetUsd), minHealthFactor: hf18(s.limits.minHealthFactor) },
    delay: s.delaySeconds,
  };
}
