// Aave v3 borrow / repay / repayWithATokens through the AaveV3Rule, attacked the two ways funds can
// move: a real Safe 1.4.1 execTransaction signed by two owners (TreasuryGuard attached) and an
// agent batch through the AgentModule. Each refusal asserts the exact custom error and that no
// balance moved (Safe, outsider, debt tokens; Safe nonce). Borrowing is off until the owners
// register the rule for `borrow` through the timelock; repaying is on and stays on with prices broken.
import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { ContractTransactionResponse, parseEther, parseUnits } from "ethers";
import type { Hex } from "viem";
import { leveragedWorldFixture, nextDecisionHash, GuardedWorld } from "../helpers/guarded";
import * as lib from "../../lib/chain/encode";
import { Actor, Effect, SELECTORS } from "../../scripts/guardrails/config";
import {
  Ctx,
  aavePoolIface,
  approve,
  ctxOf,
  expectUnchanged,
  freeze,
  freshToken,
  ownerExec,
  ownerTx,
  passDelay,
  policyCall,
  schedule,
  setFeedAnswer,
} from "./guard.shared";

const USDC = (n: number) => parseUnits(String(n), 6);
type MetaCall = { to: string; data?: string; value?: bigint };

describe("guardrails: Aave borrow and repay (AaveV3Rule)", () => {
  let c: Ctx;
  let g: GuardedWorld;
  let pool: string;
  let debtTokens: string[];

  beforeEach(async () => {
    // USDC and WETH variable debt registered as liability positions (settings `borrowable`).
    g = await loadFixture(leveragedWorldFixture);
    c = await ctxOf(g);
    pool = g.world.aave.pool;
    debtTokens = Object.values(g.world.aave.variableDebtTokens);
  });

  const borrowData = (asset: string, amount: bigint, mode: bigint, onBehalfOf: string) =>
    aavePoolIface.encodeFunctionData("borrow", [asset, amount, mode, 0, onBehalfOf]);
  const agentExec = (calls: MetaCall[]): Promise<ContractTransactionResponse> =>
    g.module.connect(g.agent).execute(calls.map((x) => ({ to: x.to, value: x.value ?? 0n, data: x.data ?? "0x" })), nextDecisionHash());

  /** Both paths refuse `call` with `error(args)`, and nothing moves (Safe, outsider, debt tokens, nonce). */
  async function refusedBoth(call: MetaCall, error: string, args: unknown[]) {
    const before = await freeze(c, [], debtTokens);
    await expect(ownerTx(c, call), "owners").to.be.revertedWithCustomError(g.policy, error).withArgs(...args);
    await expectUnchanged(c, before, debtTokens);
    await expect(agentExec([call]), "agent").to.be.revertedWithCustomError(g.policy, error).withArgs(...args);
    await expectUnchanged(c, before, debtTokens);
  }

  /** The owners enable borrowing: setRule(pool, borrow, AaveV3Rule), scheduled, then executed after the delay. */
  async function enableBorrow() {
    const enable = policyCall(c, "setRule", [pool, SELECTORS.aaveBorrow, g.addresses.ruleAaveV3]);
    // Loosening: refused before it is scheduled and before the delay passed.
    await expect(ownerTx(c, enable)).to.be.revertedWith("GS013");
    await schedule(c, g.addresses.policy, enable.data!);
    await expect(ownerTx(c, enable)).to.be.revertedWith("GS013");
    await passDelay(c);
    await ownerExec(c, enable, "enable borrow");
  }

  it("borrow is not registered by default: TargetNotAllowed for owners and agent, nothing moves", async () => {
    const data = borrowData(g.world.tokens.USDC, USDC(1_000), 2n, c.safe);
    await refusedBoth({ to: pool, data }, "TargetNotAllowed", [pool, SELECTORS.aaveBorrow]);
  });

  it("once enabled through the timelock: borrow to an outsider, of an unregistered asset, at stable rate are refused", async () => {
    await enableBorrow();
    const usdc = g.world.tokens.USDC;
    await refusedBoth({ to: pool, data: borrowData(usdc, USDC(1_000), 2n, c.outsiderAddr) }, "ReceiverNotSafe", [c.outsiderAddr]);
    const junk = await freshToken(c, g.world.accounts.deployer, 1n);
    await refusedBoth({ to: pool, data: borrowData(junk, parseEther("1"), 2n, c.safe) }, "TokenNotRegistered", [junk]);
    await refusedBoth({ to: pool, data: borrowData(usdc, USDC(1_000), 1n, c.safe) }, "InterestRateModeNotAllowed", [1n]);
    // A registered asset whose debt token is not a registered position (DAI): the debt would be
    // invisible to NAV (the borrowed DAI counted, the debt not), so the borrow is refused.
    const dai = g.world.tokens.DAI;
    await refusedBoth({ to: pool, data: borrowData(dai, parseEther("1000"), 2n, c.safe) }, "PositionNotRegistered", [g.world.aave.variableDebtTokens.DAI]);
    // The rule now judges borrow: a well-formed one passes the call check as a risk-taking call
    // whose tokens are the asset and its registered Aave positions.
    const [effect, , tokens] = await g.policy.checkTransaction(pool, 0n, borrowData(usdc, USDC(1_000), 2n, c.safe), 0, Actor.Agent);
    expect(effect).to.equal(BigInt(Effect.Risk));
    expect(tokens[0]).to.equal(usdc);
    expect(tokens).to.include(g.world.aave.aTokens.USDC);
    expect(tokens).to.include(g.world.aave.variableDebtTokens.USDC);
  });

  it("removing the borrow rule is immediate (tightening)", async () => {
    await enableBorrow();
    await ownerExec(c, policyCall(c, "setRule", [pool, SELECTORS.aaveBorrow, "0x0000000000000000000000000000000000000000"]), "disable borrow");
    await refusedBoth({ to: pool, data: borrowData(g.world.tokens.USDC, USDC(1_000), 2n, c.safe) }, "TargetNotAllowed", [pool, SELECTORS.aaveBorrow]);
  });

  it("repay and repayWithATokens: registered by default, Safe's own variable debt only", async () => {
    const usdc = g.world.tokens.USDC;
    const repayOutsider = aavePoolIface.encodeFunctionData("repay", [usdc, USDC(10), 2n, c.outsiderAddr]);
    await refusedBoth({ to: pool, data: repayOutsider }, "ReceiverNotSafe", [c.outsiderAddr]);
    const repayStable = aavePoolIface.encodeFunctionData("repay", [usdc, USDC(10), 1n, c.safe]);
    await refusedBoth({ to: pool, data: repayStable }, "InterestRateModeNotAllowed", [1n]);
    const withATokensStable = aavePoolIface.encodeFunctionData("repayWithATokens", [usdc, USDC(10), 1n]);
    await refusedBoth({ to: pool, data: withATokensStable }, "InterestRateModeNotAllowed", [1n]);
    const junk = await freshToken(c, g.world.accounts.deployer, 1n);
    await refusedBoth({ to: pool, data: aavePoolIface.encodeFunctionData("repay", [junk, 1n, 2n, c.safe]) }, "TokenNotRegistered", [junk]);
    for (const data of [lib.aaveRepay(pool as Hex, usdc as Hex, USDC(10), c.safe as Hex).data, lib.aaveRepayWithATokens(pool as Hex, usdc as Hex, USDC(10)).data]) {
      const [effect] = await g.policy.checkTransaction(pool, 0n, data, 0, Actor.Agent);
      expect(effect, "repaying is an exit (de-risking)").to.equal(BigInt(Effect.Exit));
      expect(await g.policy.allowedWhenPricesBroken(effect, Actor.Agent)).to.equal(true);
    }
  });

  it("with debt outstanding and a held asset's price broken, the agent and the owners can still repay", async () => {
    await enableBorrow();
    const usdc = g.world.tokens.USDC;
    const debt = g.world.aave.variableDebtTokens.USDC;
    // WETH collateral, a small USDC debt (the owners take it; the valuation sees the cash).
    await ownerExec(c, [
      approve(g.world.tokens.WETH, pool, parseEther("5")),
      { to: pool, data: aavePoolIface.encodeFunctionData("supply", [g.world.tokens.WETH, parseEther("5"), c.safe, 0]) },
      { to: pool, data: borrowData(usdc, USDC(2_000), 2n, c.safe) },
    ], "collateral + borrow");
    const debtBal = () => c.tokens.USDC.runner!.provider!.call({ to: debt, data: `0x70a08231${c.safe.slice(2).toLowerCase().padStart(64, "0")}` }).then(BigInt);
    const d0 = await debtBal();
    expect(d0).to.be.gte(USDC(2_000));
    // A held asset (WBTC) loses its price: the valuation is unhealthy, de-risk-only mode.
    await setFeedAnswer(c, "WBTC", 0n);
    expect((await g.valuation.snapshot()).healthy).to.equal(false);
    // Risk is refused, repaying is not.
    await expect(agentExec([approve(usdc, pool, USDC(1_000)), { to: pool, data: aavePoolIface.encodeFunctionData("supply", [usdc, USDC(1_000), c.safe, 0]) }]))
      .to.be.revertedWithCustomError(g.policy, "DeriskOnly").withArgs(Effect.Risk);
    await (await agentExec([approve(usdc, pool, USDC(500)), lib.aaveRepay(pool as Hex, usdc as Hex, USDC(500), c.safe as Hex)])).wait();
    const d1 = await debtBal();
    expect(d1).to.be.lt(d0 - USDC(499));
    await ownerExec(c, [approve(usdc, pool, USDC(500)), lib.aaveRepay(pool as Hex, usdc as Hex, USDC(500), c.safe as Hex)], "owners repay");
    expect(await debtBal()).to.be.lt(d1 - USDC(499));
  });

  it("a rule registered for a function it does not decode refuses it (MalformedCalldata), and a rule must be a contract", async () => {
    // The owners (mistakenly) give the pool's legacy deposit() to the AaveV3Rule: still refused.
    const legacy = aavePoolIface.encodeFunctionData("deposit", [g.world.tokens.USDC, USDC(1), c.safe, 0]);
    const register = policyCall(c, "setRule", [pool, legacy.slice(0, 10), g.addresses.ruleAaveV3]);
    await schedule(c, g.addresses.policy, register.data!);
    await passDelay(c);
    await ownerExec(c, register, "register deposit() under the Aave rule");
    await refusedBoth({ to: pool, data: legacy }, "MalformedCalldata", []);
    // A rule that is not a contract cannot be registered, even through the timelock.
    const eoaRule = policyCall(c, "setRule", [pool, SELECTORS.aaveBorrow, c.outsiderAddr]);
    await schedule(c, g.addresses.policy, eoaRule.data!);
    await passDelay(c);
    await expect(ownerTx(c, eoaRule)).to.be.revertedWith("GS013");
    await expect(c.g.world.provider.call({ from: c.safe, to: g.addresses.policy, data: eoaRule.data! }))
      .to.be.revertedWithCustomError(g.policy, "RuleNotContract").withArgs(c.outsiderAddr);
  });
});
