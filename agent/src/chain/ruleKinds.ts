// Which function a call-rule registration allows: the policy registers a rule unit (contracts/rules,
// identified on chain by IRule.ruleId(), e.g. "aave-v3") per (target, selector); the agent's mirror
// of the rules (risk/rules.ts) needs the function, named here from the unit and the selector.
import { hexToString, toFunctionSelector, type Abi, type AbiFunction, type Hex } from "viem";
import { aavePoolAbi, erc20Abi, erc4626Abi, gpv2SettlementAbi, pendleRouterAbi, swapRouter02Abi, swapRouterAbi } from "../../../lib/chain/abi";

const sel = (abi: Abi, name: string): Hex => {
  const f = abi.find((x): x is AbiFunction => x.type === "function" && x.name === name);
  if (!f) throw new Error(`no ${name} in the ABI`);
  return toFunctionSelector(f);
};

/** Rule kinds by IRule.ruleId() then selector. */
const BY_RULE: Record<string, Record<Hex, string>> = {
  erc20: { [sel(erc20Abi, "approve")]: "ERC20Approve", [sel(erc20Abi, "transfer")]: "ERC20Transfer" },
  "aave-v3": {
    [sel(aavePoolAbi, "supply")]: "AaveSupply",
    [sel(aavePoolAbi, "withdraw")]: "AaveWithdraw",
    [sel(aavePoolAbi, "borrow")]: "AaveBorrow",
    [sel(aavePoolAbi, "repay")]: "AaveRepay",
    [sel(aavePoolAbi, "repayWithATokens")]: "AaveRepayWithATokens",
  },
  erc4626: {
    [sel(erc4626Abi, "deposit")]: "ERC4626Deposit",
    [sel(erc4626Abi, "mint")]: "ERC4626Mint",
    [sel(erc4626Abi, "withdraw")]: "ERC4626Withdraw",
    [sel(erc4626Abi, "redeem")]: "ERC4626Redeem",
  },
  "uniswap-v3": {
    [sel(swapRouterAbi, "exactInputSingle")]: "UniV3ExactInputSingle",
    [sel(swapRouterAbi, "exactInput")]: "UniV3ExactInput",
    [sel(swapRouter02Abi, "exactInputSingle")]: "UniV3Router02ExactInputSingle",
    [sel(swapRouter02Abi, "exactInput")]: "UniV3Router02ExactInput",
  },
  "pendle-v2": {
    [sel(pendleRouterAbi, "swapExactTokenForPt")]: "PendleSwapExactTokenForPt",
    [sel(pendleRouterAbi, "swapExactPtForToken")]: "PendleSwapExactPtForToken",
    [sel(pendleRouterAbi, "redeemPyToToken")]: "PendleRedeemPyToToken",
  },
  cow: { [sel(gpv2SettlementAbi, "setPreSignature")]: "CowSetPreSignature" },
};

export const RULE_KINDS = [
  "ERC20Approve", "ERC20Transfer",
  "AaveSupply", "AaveWithdraw", "AaveBorrow", "AaveRepay", "AaveRepayWithATokens",
  "ERC4626Deposit", "ERC4626Mint", "ERC4626Withdraw", "ERC4626Redeem",
  "UniV3ExactInputSingle", "UniV3ExactInput", "UniV3Router02ExactInputSingle", "UniV3Router02ExactInput",
  "PendleSwapExactTokenForPt", "PendleSwapExactPtForToken", "PendleRedeemPyToToken",
  "CowSetPreSignature",
  "Unknown",
] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

/** The rule unit's name (bytes32 text) from IRule.ruleId(). */
export const ruleIdName = (ruleId: Hex): string => hexToString(ruleId, { size: 32 }).replace(/\0+$/, "");

/** The function a registration of rule `ruleId` for `selector` allows; "Unknown" for a unit or selector the agent does not model. */
export function ruleKindOf(ruleId: Hex, selector: Hex): RuleKind {
  return (BY_RULE[ruleIdName(ruleId)]?.[selector.toLowerCase() as Hex] as RuleKind | undefined) ?? "Unknown";
}
