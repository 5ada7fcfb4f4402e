// Leverage (issue 8 §2), the valuation side: Aave variable debt is a liability position valued by
// AaveDebtAdapter, counted negatively in NAV; while the Safe has debt its Aave health factor must end
// every guarded transaction at or above Limits.minHealthFactor (or above where it was); gross volatile
// exposure counts collateral and debt without netting; the emergency exit repays before it withdraws.
// Debt is opened here from the Safe's own address outside the guard (as if borrowed before the guard
// was attached), so these tests do not depend on which call rules allow borrowing.
import { expect } from "chai";
import { loadFixture, impersonateAccount, setBalance, stopImpersonatingAccount } from "@nomicfoundation/hardhat-network-helpers";
import { Contract, Interface, Signer, parseEther, parseUnits } from "ethers";
import hre from "hardhat";
import { guardedWorldFixture, leveragedWorldFixture, GuardedWorld } from "../helpers/guarded";
import { IFACE } from "../helpers/interfaces";
import { ABI, setPrice, advanceTime } from "../../scripts/world";
import { npmArtifact } from "../../scripts/world/artifacts";
import { deploy } from "../../scripts/world/tx";
import { PositionKind, SELECTORS, protocolId } from "../../scripts/guardrails/config";
import { ctxOf, Ctx, ownerExec, ownerTx, supplyBatch, aaveWithdraw, policyCall, schedule, passDelay, asSafe } from "./guard.shared";
import * as lib from "../../lib/chain/encode";
import { createPublicClient, custom, type Address, type Hex, type PublicClient } from "viem";
import { readPortfolio } from "../../agent/src/chain/portfolio";
import { checkBatch, checkOwnerBatch } from "../../agent/src/risk/check";

const USDC = (n: number) => parseUnits(String(n), 6);
const E18 = 10n ** 18n;
const POOL_ABI = [
  "function borrow(address asset, uint256 amount, uint256 interestRateMode, uint16 referralCode, address onBehalfOf)",
  "function getUserAccountData(address) view returns (uint256,uint256,uint256,uint256,uint256,uint256 healthFactor)",
  "function flashLoan(address receiverAddress, address[] assets, uint256[] amounts, uint256[] interestRateModes, address onBehalfOf, bytes params, uint16 referralCode)",
  "function flashLoanSimple(address receiverAddress, address asset, uint256 amount, bytes params, uint16 referralCode)",
  "function repay(address asset, uint256 amount, uint256 interestRateMode, address onBehalfOf) returns (uint256)",
];
const POOL = new Interface(POOL_ABI);
/** CapsMode.Reduce (PolicyTypes.sol): a transaction that takes risk. */
const CAPS_REDUCE = 2;

describe("Leverage: debt in NAV, health factor floor, gross exposure, exit with debt", () => {
  let g: GuardedWorld;
  let c: Ctx;
  let safe: string;
  beforeEach(async () => {
    g = await loadFixture(leveragedWorldFixture);
    c = await ctxOf(g);
    safe = g.world.treasury.safe;
  });

  const bal = (token: string, who = safe): Promise<bigint> => new Contract(token, ABI.erc20(), g.world.provider).balanceOf(who);
  const pool = () => new Contract(g.world.aave.pool, POOL_ABI, g.world.provider);
  const hf = async (): Promise<bigint> => (await pool().getUserAccountData(safe)).healthFactor;

  /** Borrows from the Safe's own address, outside the guard (as before the guard was attached). */
  async function borrowOutsideGuard(sym: "USDC" | "WETH", amount: bigint): Promise<void> {
    await impersonateAccount(safe);
    await setBalance(safe, parseEther("10"));
    const s = await hre.ethers.getSigner(safe);
    await (await s.sendTransaction({ to: g.world.aave.pool, data: POOL.encodeFunctionData("borrow", [g.world.tokens[sym], amount, 2, 0, safe]) })).wait();
    await stopImpersonatingAccount(safe);
  }

  /** 20 WETH ($60k) supplied as collateral through the guard, then $20k USDC borrowed against it. */
  async function leverUp(): Promise<void> {
    await ownerExec(c, supplyBatch(c, g.world.tokens.WETH, parseEther("20")), "supply WETH collateral");
    await borrowOutsideGuard("USDC", USDC(20_000));
  }

  it("registers the debt tokens of the borrowable assets as liabilities (AaveVariableDebt, AaveDebtAdapter)", async () => {
    const w = g.world;
    for (const sym of ["USDC", "WETH"] as const) {
      const p = await g.policy.position(w.aave.variableDebtTokens[sym]);
      expect(p.kind, sym).to.equal(BigInt(PositionKind.AaveVariableDebt));
      expect(p.adapter, sym).to.equal(g.addresses.aaveDebtAdapter);
      expect(p.underlying, sym).to.equal(w.tokens[sym]);
    }
  });

  it("debt counts negatively in NAV: borrowing $20k leaves NAV unchanged, snapshot reports the debt and Aave's health factor", async () => {
    await ownerExec(c, supplyBatch(c, g.world.tokens.WETH, parseEther("20")));
    const navBefore = await g.valuation.nav();
    const s0 = await g.valuation.snapshot();
    expect(s0.debt).to.equal(0n);
    expect(s0.healthFactor).to.equal(2n ** 256n - 1n);
    await borrowOutsideGuard("USDC", USDC(20_000));
    const s = await g.valuation.snapshot();
    expect(s.debt).to.equal(20_000n * E18); // same block: no interest yet
    expect(s.healthFactor).to.equal(await hf());
    // NAV = holdings - debt: the borrowed USDC is matched by the debt.
    expect(s.nav).to.equal(navBefore);
    const nA = (await g.valuation.config()).assets.length;
    const held = (s[4] as bigint[]).reduce((sum: bigint, v: bigint, i: number) => (i >= nA && (s.liabilities >> BigInt(i - nA)) & 1n ? sum : sum + v), 0n);
    expect(s.nav).to.equal(held - s.debt);
    // The liability bit is set for both debt tokens (held or not), for no other position.
    const cfg = await g.valuation.config();
    cfg.positions.forEach((p: { token: string }, j: number) => {
      const isDebt = p.token === g.world.aave.variableDebtTokens.USDC || p.token === g.world.aave.variableDebtTokens.WETH;
      expect((s.liabilities >> BigInt(j)) & 1n, p.token).to.equal(isDebt ? 1n : 0n);
    });
    // A week later the debt has grown with interest: NAV fell by the interest, not by the principal.
    await advanceTime(g.world, 7 * 86_400);
    const s2 = await g.valuation.snapshot();
    expect(s2.debt).to.be.gt(s.debt);
  });

  it("health factor floor: withdrawing collateral below 1.6 is refused on both paths; above the floor it passes", async () => {
    await leverUp();
    const floor = (await g.policy.limits()).minHealthFactor;
    expect(floor).to.equal(16n * 10n ** 17n);
    const h0 = await hf();
    expect(h0).to.be.gt(floor);
    // 8 of 20 WETH withdrawn: collateral $36k x 0.825 / $20k debt = 1.485 < 1.6.
    await expect(ownerTx(c, aaveWithdraw(c, g.world.tokens.WETH, parseEther("8"), safe)))
      .to.be.revertedWithCustomError(g.valuation, "HealthFactorBelowFloor");
    const withdraw = lib.aaveWithdraw(g.world.aave.pool as Hex, g.world.tokens.WETH as Hex, parseEther("8"), safe as Hex);
    await expect(g.module.connect(g.agent).execute([withdraw], hre.ethers.id("d")))
      .to.be.revertedWithCustomError(g.valuation, "HealthFactorBelowFloor");
    // Nothing moved (the health factor only drifts with the interest of the blocks mined meanwhile).
    expect(await hf()).to.be.closeTo(h0, h0 / 100_000n);
    // 2 WETH: HF 18 x 3000 x 0.825 / 20000 = 2.2275 >= 1.6 passes.
    await ownerExec(c, aaveWithdraw(c, g.world.tokens.WETH, parseEther("2"), safe));
    expect(await hf()).to.be.gte(floor);
  });

  it("with prices broken (de-risk only) the floor still holds: a collateral withdrawal below it is refused, a smaller one passes", async () => {
    await leverUp();
    await advanceTime(g.world, 4 * 3600, { refreshFeeds: false }); // WETH, DAI, WBTC feeds stale (3 h)
    expect((await g.valuation.snapshot()).healthy).to.equal(false);
    await expect(ownerTx(c, aaveWithdraw(c, g.world.tokens.WETH, parseEther("8"), safe)))
      .to.be.revertedWithCustomError(g.valuation, "HealthFactorBelowFloor");
    const withdraw = (n: string) => lib.aaveWithdraw(g.world.aave.pool as Hex, g.world.tokens.WETH as Hex, parseEther(n), safe as Hex);
    await expect(g.module.connect(g.agent).execute([withdraw("8")], hre.ethers.id("d")))
      .to.be.revertedWithCustomError(g.valuation, "HealthFactorBelowFloor");
    await ownerExec(c, aaveWithdraw(c, g.world.tokens.WETH, parseEther("1"), safe));
    await g.module.connect(g.agent).execute([withdraw("1")], hre.ethers.id("d"));
    expect(await hf()).to.be.gte(16n * 10n ** 17n);
  });

  it("a borrow that lands below the floor is refused by the outcome check the guard and module run", async () => {
    await ownerExec(c, supplyBatch(c, g.world.tokens.WETH, parseEther("20")));
    const before = await g.valuation.snapshot();
    // $35k against $60k of WETH (LT 82.5%): HF 1.414 < 1.6. The borrow itself needs the borrow rule
    // (registered through the timelock); the valuation's verdict on its outcome is what it gets.
    await borrowOutsideGuard("USDC", USDC(35_000));
    const afterTx = await g.valuation.snapshot();
    expect(afterTx.healthFactor).to.be.lt(16n * 10n ** 17n);
    await expect(g.valuation.checkOutcome(toObj(before), toObj(afterTx), 0n, CAPS_REDUCE))
      .to.be.revertedWithCustomError(g.valuation, "HealthFactorBelowFloor")
      .withArgs(2n ** 256n - 1n, afterTx.healthFactor, 16n * 10n ** 17n);
    // A borrow that stays above the floor is accepted by the same check.
    const ok = { ...toObj(afterTx) };
    ok.healthFactor = 2n * E18;
    await g.valuation.checkOutcome(toObj(before), ok, 0n, CAPS_REDUCE);
  });

  it("gross volatile exposure: collateral bought with debt counts in full against NAV (debt never netted)", async () => {
    // Volatile 30% of $400k. Borrowing $60k USDC and buying WETH would put 120k+60k = $180k volatile
    // over a $400k NAV (45% > 40%); netting the debt would have shown 30%.
    await leverUp();
    const s = await g.valuation.snapshot();
    const aWETHValue = 60_000n * E18;
    // aWETH collateral counts as volatile in full; the USDC debt is stable, so it adds nothing.
    expect(s.volatileValue).to.be.gte(aWETHValue);
    const [volatileBps] = await g.valuation.allocation();
    expect(volatileBps).to.equal((s.volatileValue * 10_000n) / s.nav);
    // WETH debt (a short) adds to gross exposure instead of offsetting the long.
    await borrowOutsideGuard("WETH", parseEther("1"));
    const s2 = await g.valuation.snapshot();
    expect(s2.volatileValue).to.be.closeTo(s.volatileValue + 2n * 3000n * E18, 10n ** 15n); // +$3k spot WETH, +$3k WETH owed
  });

  it("emergencyExit with WETH down 30%: repays the USDC debt first, then withdraws all collateral", async () => {
    await leverUp();
    await setPrice(g.world, "WETH", 2100);
    const debtToken = g.world.aave.variableDebtTokens.USDC;
    const aWETH = g.world.aave.aTokens.WETH;
    const h = await hf();
    expect(h).to.be.lt(2n * E18); // 42k x 0.825 / 20k = 1.73
    const usdc0 = await bal(g.world.tokens.USDC);
    const weth0 = await bal(g.world.tokens.WETH);
    const debt0 = await bal(debtToken);
    const rc = (await (await g.module.connect(g.guardian).emergencyExit()).wait())!;
    const evs = rc.logs
      .filter((l) => l.address === g.addresses.module)
      .map((l) => g.module.interface.parseLog(l)!)
      .filter((e) => e.name === "PositionExited");
    const order = evs.map((e) => e.args.token as string);
    expect(order.indexOf(debtToken)).to.be.gte(0);
    expect(order.indexOf(debtToken), "debt before collateral").to.be.lt(order.indexOf(aWETH));
    for (const e of evs) expect(e.args.success, e.args.token).to.equal(true);
    expect(await bal(debtToken)).to.equal(0n);
    expect(await bal(aWETH)).to.equal(0n);
    // Repaid from the Safe's USDC (interest of the blocks since the borrow included), WETH back in the wallet.
    expect(usdc0 - (await bal(g.world.tokens.USDC))).to.be.gte(debt0);
    expect((await bal(g.world.tokens.WETH)) - weth0).to.be.gte(parseEther("20"));
    expect(await g.policy.paused()).to.equal(true);
    const s = await g.valuation.snapshot();
    expect(s.debt).to.equal(0n);
  });

  it("emergencyExit repays from aTokens of the borrowed asset when the wallet has none of it", async () => {
    // aUSDC collateral, WETH debt, no WETH in the wallet: repayWithATokens needs aWETH; the Safe has
    // WETH spot, so move it all into Aave first, then borrow WETH and send it away (as if spent).
    await ownerExec(c, supplyBatch(c, g.world.tokens.USDC, USDC(100_000)));
    await ownerExec(c, supplyBatch(c, g.world.tokens.WETH, await bal(g.world.tokens.WETH)));
    await borrowOutsideGuard("WETH", parseEther("5"));
    expect(await bal(g.world.tokens.WETH)).to.equal(parseEther("5"));
    await impersonateAccount(safe);
    const s = await hre.ethers.getSigner(safe);
    await (await s.sendTransaction({ to: g.world.tokens.WETH, data: IFACE.erc20.encodeFunctionData("transfer", [g.world.accounts.outsider, parseEther("5")]) })).wait();
    await stopImpersonatingAccount(safe);
    await g.module.connect(g.guardian).emergencyExit();
    expect(await bal(g.world.aave.variableDebtTokens.WETH)).to.equal(0n);
    expect(await bal(g.world.aave.aTokens.USDC)).to.equal(0n);
    expect(await bal(g.world.aave.aTokens.WETH)).to.equal(0n);
  });

  describe("borrowing through the guard and the module (borrow rule enabled through the timelock)", () => {
    async function enableBorrow(cx: Ctx): Promise<void> {
      const enable = policyCall(cx, "setRule", [cx.g.world.aave.pool, SELECTORS.aaveBorrow, cx.g.addresses.ruleAaveV3]);
      await schedule(cx, cx.g.addresses.policy, enable.data!);
      await passDelay(cx);
      await ownerExec(cx, enable, "enable borrow");
    }
    const borrow = (asset: string, amount: bigint) => ({ to: g.world.aave.pool, data: POOL.encodeFunctionData("borrow", [asset, amount, 2, 0, safe]) });

    it("a borrow within the floor passes (NAV unchanged, debt counted); one that lands below 1.6 is refused on both paths", async () => {
      await enableBorrow(c);
      await ownerExec(c, supplyBatch(c, g.world.tokens.WETH, parseEther("20")));
      const nav0 = await g.valuation.nav();
      // $20k against $60k of WETH: HF 2.475.
      await ownerExec(c, borrow(g.world.tokens.USDC, USDC(20_000)), "borrow 20k");
      const s = await g.valuation.snapshot();
      expect(s.debt).to.be.closeTo(20_000n * E18, 10n ** 16n);
      expect(s.nav).to.be.closeTo(nav0, 10n ** 16n);
      // Another $15k: HF 60k x 0.825 / 35k = 1.414 < 1.6.
      await expect(ownerTx(c, borrow(g.world.tokens.USDC, USDC(15_000)))).to.be.revertedWithCustomError(g.valuation, "HealthFactorBelowFloor");
      const b = borrow(g.world.tokens.USDC, USDC(15_000));
      await expect(g.module.connect(g.agent).execute([{ to: b.to, value: 0n, data: b.data }], hre.ethers.id("b")))
        .to.be.revertedWithCustomError(g.valuation, "HealthFactorBelowFloor");
      expect((await g.valuation.snapshot()).debt).to.be.closeTo(20_000n * E18, 10n ** 16n);
    });

    it("debt hidden from NAV: with no debt position registered, enabling borrow does not let the Safe borrow (PositionNotRegistered)", async () => {
      const plain = await loadFixture(guardedWorldFixture);
      const cp = await ctxOf(plain);
      await enableBorrow(cp);
      const w = plain.world;
      await ownerExec(cp, supplyBatch(cp, w.tokens.WETH, parseEther("20")));
      const nav0 = await plain.valuation.nav();
      const data = POOL.encodeFunctionData("borrow", [w.tokens.USDC, USDC(20_000), 2, 0, w.treasury.safe]);
      // Without the check, NAV would have counted the $20k borrowed and not the debt.
      await expect(ownerTx(cp, { to: w.aave.pool, data })).to.be.revertedWithCustomError(plain.policy, "PositionNotRegistered").withArgs(w.aave.variableDebtTokens.USDC);
      await expect(plain.module.connect(plain.agent).execute([{ to: w.aave.pool, value: 0n, data }], hre.ethers.id("b")))
        .to.be.revertedWithCustomError(plain.policy, "PositionNotRegistered");
      expect(await plain.valuation.nav()).to.be.closeTo(nav0, 10n ** 15n);
      expect(await new Contract(w.aave.variableDebtTokens.USDC, ABI.erc20(), w.provider).balanceOf(w.treasury.safe)).to.equal(0n);
    });
  });

  describe("TypeScript mirror (agent/src/risk)", () => {
    const client = () => createPublicClient({ transport: custom(hre.network.provider), cacheTime: 0 }) as PublicClient;

    it("reads the debt, the health factor and NAV net of debt exactly as the valuation", async () => {
      await leverUp();
      const p = await readPortfolio(client(), g.deployment);
      const s = await g.valuation.snapshot();
      expect(p.debtUsd).to.equal(s.debt);
      expect(p.healthFactor).to.equal(s.healthFactor);
      expect(p.navUsd).to.equal(s.nav);
      expect(p.policy.limits.minHealthFactor).to.equal(16n * 10n ** 17n);
      expect(p.positions.filter((x) => x.kind === "aaveDebt").map((x) => x.token)).to.have.members([
        g.world.aave.variableDebtTokens.USDC, g.world.aave.variableDebtTokens.WETH,
      ]);
    });

    it("refuses a collateral withdrawal below the floor like the chain, and passes one above it and a repay", async () => {
      await leverUp();
      const p = await readPortfolio(client(), g.deployment);
      const agent = (await g.agent.getAddress()) as Address;
      const withdraw = (n: string) => lib.aaveWithdraw(g.world.aave.pool as Hex, g.world.tokens.WETH as Hex, parseEther(n), safe as Hex);
      const low = checkBatch(p, [withdraw("8")], agent);
      expect(low.ok).to.equal(false);
      if (!low.ok) expect(low.error).to.equal("HealthFactorBelowFloor");
      await expect(g.module.connect(g.agent).execute([withdraw("8")], hre.ethers.id("d")))
        .to.be.revertedWithCustomError(g.valuation, "HealthFactorBelowFloor");
      const owner = checkOwnerBatch(p, [withdraw("8")]);
      expect(owner.ok).to.equal(false);
      expect(checkBatch(p, [withdraw("2")], agent).ok).to.equal(true);
      // Repaying $5k from the wallet: NAV unchanged (cash and debt both fall), debt down.
      const usdc = g.world.tokens.USDC as Hex;
      const pool = g.world.aave.pool as Hex;
      const repay = checkBatch(p, [lib.approve(usdc, pool, USDC(5_000)), lib.aaveRepay(pool, usdc, USDC(5_000), safe as Hex)], agent);
      expect(repay.ok, JSON.stringify(repay, (_k, v) => (typeof v === "bigint" ? String(v) : v))).to.equal(true);
      if (repay.ok) expect(repay.navAfterUsd).to.be.closeTo(p.navUsd, 10n ** 12n);
      await g.module.connect(g.agent).execute([lib.approve(usdc, pool, USDC(5_000)), lib.aaveRepay(pool, usdc, USDC(5_000), safe as Hex)], hre.ethers.id("r"));
      expect((await g.valuation.snapshot()).debt).to.be.closeTo(15_000n * E18, 10n ** 16n);
    });
  });

  describe("debt cannot be hidden from NAV", () => {
    async function scheduleAndRun(data: string): Promise<string> {
      await schedule(c, g.addresses.policy, data);
      await passDelay(c);
      return asSafe(c, data);
    }

    it("a debt token registered as a spot asset is refused (TokenIsDebt)", async () => {
      const debt = g.world.aave.variableDebtTokens.DAI;
      const data = policyCall(c, "setAsset", [debt, g.world.feeds.DAI, 3600, 0]).data!;
      await expect(scheduleAndRun(data)).to.be.revertedWithCustomError(g.policy, "TokenIsDebt").withArgs(debt);
    });

    it("a debt token registered as an aToken (counted positively) is refused by the adapters' validation", async () => {
      const w = g.world;
      const debt = w.aave.variableDebtTokens.DAI;
      const base = { underlying: w.tokens.DAI, protocol: protocolId("aave-v3"), venue: w.aave.pool, market: hre.ethers.ZeroAddress, twapDuration: 0 };
      // As an aToken with the aToken adapter: the pool lists another aToken for DAI.
      let data = policyCall(c, "setPosition", [debt, { ...base, kind: PositionKind.AaveAToken, adapter: g.addresses.aaveATokenAdapter }]).data!;
      await expect(scheduleAndRun(data)).to.be.revertedWithCustomError(g.policy, "LendingTokenMismatch").withArgs(debt, w.aave.aTokens.DAI);
      // With the debt adapter but declared an aToken: the kind does not match the adapter.
      data = policyCall(c, "setPosition", [debt, { ...base, kind: PositionKind.AaveAToken, adapter: g.addresses.aaveDebtAdapter }]).data!;
      await expect(scheduleAndRun(data)).to.be.revertedWithCustomError(g.policy, "AdapterKindMismatch").withArgs(debt, PositionKind.AaveAToken);
      // The USDC debt token declared as DAI debt (valued at the wrong underlying's size): refused.
      data = policyCall(c, "setPosition", [w.aave.variableDebtTokens.USDC, { ...base, kind: PositionKind.AaveVariableDebt, adapter: g.addresses.aaveDebtAdapter }]).data!;
      await expect(scheduleAndRun(data)).to.be.revertedWithCustomError(g.policy, "LendingTokenMismatch").withArgs(w.aave.variableDebtTokens.USDC, debt);
      // The right registration passes: DAI debt as a liability.
      data = policyCall(c, "setPosition", [debt, { ...base, kind: PositionKind.AaveVariableDebt, adapter: g.addresses.aaveDebtAdapter }]).data!;
      await scheduleAndRun(data);
      await ownerExec(c, { to: g.addresses.policy, data });
      expect((await g.policy.position(debt)).kind).to.equal(BigInt(PositionKind.AaveVariableDebt));
    });

    // Issue 17 §1: removePosition is an immediate tightening; on a held debt it hid the debt from NAV
    // and switched off the floor in the same owners' transaction.
    it("a held debt cannot be removed from the registry: [removePosition(debt), withdraw collateral] is refused (LiabilityHeld), floor and NAV intact", async () => {
      await leverUp();
      const debt = g.world.aave.variableDebtTokens.USDC;
      const nav0 = await g.valuation.nav();
      const hf0 = await hf();
      const remove = policyCall(c, "removePosition", [debt]);
      // The attack: hide the $20k debt, then take collateral out far below the 1.6 floor (HF ≈ 1.2).
      const attack = [remove, aaveWithdraw(c, g.world.tokens.WETH, parseEther("10"), safe)];
      // The Safe reports its failed inner call as GS013; the inner reason is the policy's LiabilityHeld.
      await expect(ownerTx(c, attack)).to.be.revertedWith("GS013");
      await expect(asSafe(c, remove.data!)).to.be.revertedWithCustomError(g.policy, "LiabilityHeld");
      expect((await g.policy.position(debt)).kind).to.equal(BigInt(PositionKind.AaveVariableDebt));
      expect(await hf()).to.be.closeTo(hf0, hf0 / 100_000n);
      expect(await g.valuation.nav()).to.be.closeTo(nav0, 10n ** 18n);
      // Repaid in full, the debt token can be removed (it is a tightening again).
      const usdc = g.world.tokens.USDC;
      await ownerExec(c, [
        { to: usdc, data: IFACE.erc20.encodeFunctionData("approve", [g.world.aave.pool, USDC(25_000)]) },
        { to: g.world.aave.pool, data: POOL.encodeFunctionData("repay", [usdc, hre.ethers.MaxUint256, 2, safe]) },
      ], "repay all");
      expect(await bal(debt)).to.equal(0n);
      await ownerExec(c, remove, "remove the repaid debt position");
      expect((await g.policy.position(debt)).kind).to.equal(0n);
    });

    it("the floor holds on debt the registry does not list: the pool's own health factor is the truth (both paths)", async () => {
      // The plain world registers no debt position; a loan taken outside the guard is still a loan.
      const plain = await loadFixture(guardedWorldFixture);
      const cp = await ctxOf(plain);
      const w = plain.world;
      const s = w.treasury.safe;
      await ownerExec(cp, supplyBatch(cp, w.tokens.WETH, parseEther("20")), "supply WETH collateral");
      await impersonateAccount(s);
      await setBalance(s, parseEther("10"));
      const signer = await hre.ethers.getSigner(s);
      await (await signer.sendTransaction({ to: w.aave.pool, data: POOL.encodeFunctionData("borrow", [w.tokens.USDC, USDC(20_000), 2, 0, s]) })).wait();
      await stopImpersonatingAccount(s);
      const p = new Contract(w.aave.pool, POOL_ABI, w.provider);
      const poolHf: bigint = (await p.getUserAccountData(s)).healthFactor;
      expect(poolHf).to.be.lt(3n * E18);
      expect(await plain.valuation.healthFactor()).to.equal(poolHf);
      expect((await plain.valuation.snapshot()).healthFactor).to.equal(poolHf);
      // 8 of 20 WETH out: HF 1.485 < 1.6. Refused on both paths; 2 WETH (HF 2.2) passes.
      await expect(ownerTx(cp, aaveWithdraw(cp, w.tokens.WETH, parseEther("8"), s))).to.be.revertedWithCustomError(plain.valuation, "HealthFactorBelowFloor");
      const withdraw = lib.aaveWithdraw(w.aave.pool as Hex, w.tokens.WETH as Hex, parseEther("8"), s as Hex);
      await expect(plain.module.connect(plain.agent).execute([withdraw], hre.ethers.id("w"))).to.be.revertedWithCustomError(plain.valuation, "HealthFactorBelowFloor");
      await ownerExec(cp, aaveWithdraw(cp, w.tokens.WETH, parseEther("2"), s));
      expect((await p.getUserAccountData(s)).healthFactor).to.be.gte(16n * 10n ** 17n);
    });

    // Issue 17 §2: a venue that only claims to be an Aave pool listed a debt token as its aToken.
    it("a debt token cannot be registered as a holding through a venue that only claims to be an Aave pool", async () => {
      const w = g.world;
      const debt = w.aave.variableDebtTokens.USDC;
      const venue = await deploy(w.signers.deployer, await hre.artifacts.readArtifact("AttackerLendingVenue"), [debt]);
      const base = { underlying: w.tokens.USDC, protocol: protocolId("fake-aave"), market: hre.ethers.ZeroAddress, twapDuration: 0 };
      // Through our own aToken adapter: the token names the real pool as its own, not this venue.
      let data = policyCall(c, "setPosition", [debt, { ...base, kind: PositionKind.AaveAToken, venue, adapter: g.addresses.aaveATokenAdapter }]).data!;
      await expect(scheduleAndRun(data)).to.be.revertedWithCustomError(g.policy, "LendingPoolMismatch").withArgs(debt, w.aave.pool);
      // Through an adapter that validates anything and calls it a holding: the policy's debt probe refuses.
      const adapter = await deploy(w.signers.deployer, await hre.artifacts.readArtifact("AttackerPositionAdapter"), []);
      data = policyCall(c, "setPosition", [debt, { ...base, kind: PositionKind.AaveAToken, venue, adapter }]).data!;
      await expect(scheduleAndRun(data)).to.be.revertedWithCustomError(g.policy, "TokenIsDebt").withArgs(debt);
      // An aToken named with another underlying than its own is refused too.
      data = policyCall(c, "setPosition", [w.aave.aTokens.USDC, { ...base, underlying: w.tokens.DAI, protocol: protocolId("aave-v3"), kind: PositionKind.AaveAToken, venue: w.aave.pool, adapter: g.addresses.aaveATokenAdapter }]).data!;
      await expect(scheduleAndRun(data)).to.be.revertedWithCustomError(g.policy, "LendingTokenMismatch");
    });

    it("an aToken position cannot be registered without an adapter (AdapterMissing)", async () => {
      const w = g.world;
      const data = policyCall(c, "setPosition", [w.aave.variableDebtTokens.DAI, { kind: PositionKind.AaveVariableDebt, underlying: w.tokens.DAI, protocol: protocolId("aave-v3"), venue: w.aave.pool, market: hre.ethers.ZeroAddress, twapDuration: 0, adapter: hre.ethers.ZeroAddress }]).data!;
      await expect(scheduleAndRun(data)).to.be.revertedWithCustomError(g.policy, "AdapterMissing");
    });
  });

  describe("leverage through a flash loan", () => {
    it("owners and the agent cannot call flashLoan (debt mode) or flashLoanSimple: no rule covers them", async () => {
      const w = g.world;
      const fl = POOL.encodeFunctionData("flashLoan", [safe, [w.tokens.USDC], [USDC(100_000)], [2], safe, "0x", 0]);
      const fls = POOL.encodeFunctionData("flashLoanSimple", [safe, w.tokens.USDC, USDC(100_000), "0x", 0]);
      for (const data of [fl, fls]) {
        await expect(ownerTx(c, { to: w.aave.pool, data })).to.be.revertedWithCustomError(g.policy, "TargetNotAllowed");
        await expect(g.module.connect(g.agent).execute([{ to: w.aave.pool, value: 0n, data }], hre.ethers.id("d")))
          .to.be.revertedWithCustomError(g.policy, "TargetNotAllowed");
      }
    });

    it("an outsider's flash loan that opens debt on behalf of the Safe reverts (no credit delegation): the Safe owes nothing", async () => {
      const w = g.world;
      const receiverArt = npmArtifact("@aave/core-v3", "artifacts/contracts/mocks/flashloan/MockFlashLoanReceiver.sol/MockFlashLoanReceiver.json");
      const receiver = await deploy(w.signers.outsider, receiverArt, [w.aave.poolAddressesProvider]);
      const outsiderPool = new Contract(w.aave.pool, POOL_ABI, w.signers.outsider as Signer);
      await expect(outsiderPool.flashLoan(receiver, [w.tokens.USDC], [USDC(10_000)], [2], safe, "0x", 0)).to.be.reverted;
      expect(await bal(w.aave.variableDebtTokens.USDC)).to.equal(0n);
      expect((await g.valuation.snapshot()).debt).to.equal(0n);
    });
  });
});

/** A Snapshot result as a plain object the contract accepts back. */
function toObj(s: Awaited<ReturnType<GuardedWorld["valuation"]["snapshot"]>>) {
  return {
    healthy: s.healthy, version: s.version, nav: s.nav, volatileValue: s.volatileValue, values: [...(s[4] as bigint[])],
    protocolValues: [...s.protocolValues], prices: [...s.prices], debt: s.debt, healthFactor: s.healthFactor, liabilities: s.liabilities,
  };
}
