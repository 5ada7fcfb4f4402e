// Gas of each call rule (contracts/rules) and of the policy's whole check of the usual approve +
// Aave supply batch, measured inside the EVM by a test-only probe (contracts/test/RuleGasProbe.sol):
// one eth_call per figure, so every address and storage slot starts cold as in a real transaction.
// Used by test/guardrails/rules.gas.test.ts (bounds) and available to the gas bench.
import { Interface, Signer } from "ethers";
import type { Address, Hex } from "viem";
import * as enc from "../../lib/chain/encode";
import { cowPresign, cowSellOrder } from "../../lib/chain/cow";
import { encodeMultiSend } from "../world";
import { Actor } from "../guardrails/config";
import { RuleGasProbe__factory, TreasuryPolicy } from "../../typechain-types";

export interface RuleGasWorld {
  safe: string;
  policy: TreasuryPolicy;
  addresses: { policy: string; ruleAaveV3: string; ruleErc4626: string; ruleUniswapV3: string; rulePendle: string; ruleErc20: string; ruleCow?: string };
  tokens: { USDC: string; WETH: string };
  aavePool: string;
  scrvUSD: string;
  swapRouter: string;
  wethUsdcFee: number;
  pendle: { router: string; market: string };
  multiSendCallOnly: string;
  /** CoW Protocol's settlement, when the world has it: CowSwapRule's pre-signature check is measured too. */
  cow?: { settlement: string; chainId: number };
}

export interface RuleGas {
  /** rule.check(...) alone, policy address already warm. */
  rules: Record<string, number>;
  /** policy.checkTransaction of multiSend(approve USDC, Aave supply USDC), as the guard calls it. */
  policyCheckApproveSupplyBatch: number;
  /** The same two calls checked one by one, as the module does (agent path). */
  policyCheckApprove: number;
  policyCheckSupply: number;
}

const MSO = new Interface(["function multiSend(bytes transactions)"]);

export async function measureRuleGas(deployer: Signer, w: RuleGasWorld): Promise<RuleGas> {
  const probe = await new RuleGasProbe__factory(deployer).deploy();
  await probe.waitForDeployment();
  const A = (x: string) => x as Address;
  const safe = A(w.safe);
  const approve = enc.approve(A(w.tokens.USDC), A(w.aavePool), 1_000_000n);
  const supply = enc.aaveSupply(A(w.aavePool), A(w.tokens.USDC), 1_000_000n, safe);
  const cases: [string, string, { to: string; data: Hex }][] = [
    ["ERC20Rule.approve", w.addresses.ruleErc20, approve],
    ["AaveV3Rule.supply", w.addresses.ruleAaveV3, supply],
    ["AaveV3Rule.withdraw", w.addresses.ruleAaveV3, enc.aaveWithdraw(A(w.aavePool), A(w.tokens.USDC), 1n, safe)],
    ["AaveV3Rule.repay", w.addresses.ruleAaveV3, enc.aaveRepay(A(w.aavePool), A(w.tokens.USDC), 1n, safe)],
    ["ERC4626Rule.deposit", w.addresses.ruleErc4626, enc.vaultDeposit(A(w.scrvUSD), 1_000_000n, safe)],
    ["UniswapV3Rule.exactInputSingle", w.addresses.ruleUniswapV3, enc.uniswapExactInputSingle(A(w.swapRouter), { tokenIn: A(w.tokens.USDC), tokenOut: A(w.tokens.WETH), fee: w.wethUsdcFee, recipient: safe, deadline: 2n ** 40n, amountIn: 1_000_000n, amountOutMinimum: 0n })],
    ["PendleRule.swapExactTokenForPt", w.addresses.rulePendle, enc.pendleSwapExactTokenForPt(A(w.pendle.router), { receiver: safe, market: A(w.pendle.market), minPtOut: 0n, tokenIn: A(w.tokens.USDC), amountIn: 1_000_000n })],
  ];
  if (w.cow && w.addresses.ruleCow) {
    // 1 WETH for 2,990 USDC, valid 30 minutes: an order the rule accepts at the local world's prices.
    const now = (await deployer.provider!.getBlock("latest"))!.timestamp;
    const order = cowSellOrder({ sellToken: A(w.tokens.WETH), buyToken: A(w.tokens.USDC), sellAmount: 10n ** 18n, buyAmount: 2_990_000_000n, validTo: now + 1800 });
    cases.push(["CowSwapRule.setPreSignature", w.addresses.ruleCow, cowPresign(A(w.cow.settlement), order, safe, w.cow.chainId).call]);
  }
  const rules: Record<string, number> = {};
  for (const [name, rule, call] of cases) {
    rules[name] = Number(await probe.ruleGas(rule, w.safe, call.to, call.data, w.addresses.policy));
  }
  const P = w.policy.interface;
  const batch = MSO.encodeFunctionData("multiSend", [encodeMultiSend([{ to: approve.to, value: 0n, data: approve.data }, { to: supply.to, value: 0n, data: supply.data }])]);
  const check = (to: string, data: string, op: number, actor: number) => probe.checkGas(w.addresses.policy, P.encodeFunctionData("checkTransaction", [to, 0n, data, op, actor])).then(Number);
  return {
    rules,
    policyCheckApproveSupplyBatch: await check(w.multiSendCallOnly, batch, 1, Actor.Owner),
    policyCheckApprove: await check(approve.to, approve.data, 0, Actor.Agent),
    policyCheckSupply: await check(supply.to, supply.data, 0, Actor.Agent),
  };
}
