// Leverage in the planner (issue 21 §3, §4) on the guarded local world (real Aave v3, Safe, guard,
// module; USDC and WETH debt registered as liabilities): a Decision.leverage while borrowing is off is
// planned without leverage and says so; the owners enable it with the timelocked setRule that
// propose-borrow builds; then the borrow + buy, the hold (no trade: the levered asset is not sold
// back to the target), and the exit (sell, then repay all; or repayWithATokens when the wallet has
// no cash), each accepted by the TypeScript check, the simulation and the chain.
import { expect } from "chai";
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { parseUnits } from "ethers";
import { createPublicClient, custom, type Address, type PublicClient } from "viem";
import { leveragedWorldFixture, nextDecisionHash, type GuardedWorld } from "../../helpers/guarded";
import { ctxOf, ownerExec, passDelay, supplyBatch, type Ctx } from "../../guardrails/guard.shared";
import { readPortfolio } from "../../../agent/src/chain/portfolio";
import { borrowingOf } from "../../../agent/src/chain/borrowing";
import { simulateBatch } from "../../../agent/src/chain/simulate";
import { planEnableBorrowing } from "../../../agent/src/cycle/borrowProposal";
import { planRebalance } from "../../../agent/src/plan/plan";
import { currentWeights } from "../../../agent/src/plan/sleeves";
import { checkBatch } from "../../../agent/src/risk/check";
import type { Leverage, Weights } from "../../../agent/src/strategy/types";
import type { Portfolio } from "../../../agent/src/chain/types";

const DEADLINE = 2n ** 40n;
const E18 = 10n ** 18n;
const json = (x: unknown) => JSON.stringify(x, (_k, v) => (typeof v === "bigint" ? String(v) : v));

async function world(): Promise<GuardedWorld> {
  const g = await leveragedWorldFixture();
  // $120k of the Safe's USDC supplied to Aave by the owners: the collateral.
  const c = await ctxOf(g);
  await ownerExec(c, supplyBatch(c, g.world.tokens.USDC, parseUnits("120000", 6)), "collateral");
  return g;
}
async function leveredWorld(): Promise<GuardedWorld> {
  return world();
}

describe("agent plan: leverage (borrow, hold, repay)", function () {
  this.timeout(300_000);
  let g: GuardedWorld;
  let c: Ctx;
  let client: PublicClient;
  let agent: Address;
  let policy: Address;
  beforeEach(async () => {
    g = await loadFixture(leveredWorld);
    c = await ctxOf(g);
    client = createPublicClient({ transport: custom(hre.network.provider), cacheTime: 0 }) as PublicClient;
    agent = (await g.agent.getAddress()) as Address;
    policy = g.addresses.policy as Address;
  });
  const read = () => readPortfolio(client, g.deployment);
  const plan = (p: Portfolio, target: Weights, leverage?: Leverage, over: Partial<Parameters<typeof planRebalance>[0]> = {}) =>
    planRebalance({ portfolio: p, deployment: g.deployment, target, slippageBps: 100, deadline: DEADLINE, leverage, ...over });
  const usdcDebt = async () => (await read()).positions.find((x) => x.kind === "aaveDebt" && x.underlying.toLowerCase() === g.world.tokens.USDC.toLowerCase())!.valueUsd;
  /** Checked by the TypeScript mirror and simulated, then executed through AgentModule. */
  async function run(p: Portfolio, calls: ReturnType<typeof plan>["calls"]) {
    const check = checkBatch(p, calls, agent);
    expect(check.ok, json(check)).to.equal(true);
    const sim = await simulateBatch(client, p, calls, { agent });
    if (!sim.ok) throw new Error(sim.error.text);
    await (await g.module.connect(g.agent).execute(calls, nextDecisionHash())).wait();
  }
  /** The owners enable borrowing as `treasury propose-borrow` proposes it: schedule, the delay, apply. */
  async function enable() {
    const s = await planEnableBorrowing(client, policy, g.deployment);
    expect(s.stage).to.equal("schedule");
    await ownerExec(c, s.calls.map((x) => ({ to: x.to, data: x.data, value: 0n })), "schedule borrow");
    expect((await planEnableBorrowing(client, policy, g.deployment)).stage).to.equal("waiting");
    await passDelay(c);
    const a = await planEnableBorrowing(client, policy, g.deployment);
    expect(a.stage).to.equal("apply");
    await ownerExec(c, a.calls.map((x) => ({ to: x.to, data: x.data, value: 0n })), "apply borrow");
    expect((await planEnableBorrowing(client, policy, g.deployment)).stage).to.equal("enabled");
  }
  const lev = (borrow: number): Leverage => ({ borrow, buy: "eth", play: "expiry 2024-06-28" });

  it("borrowing off (the default): a leverage request is planned without leverage, and the reason says so", async () => {
    const p = await read();
    expect(borrowingOf(p, g.deployment).enabled).to.equal(false);
    const { weights } = currentWeights(p);
    const b = plan(p, weights, lev(0.05));
    expect(b.steps.map((s) => s.description).join("; ")).to.not.match(/borrow/);
    expect(b.leverage.wantUsd).to.equal(0n);
    expect(b.leverage.refused).to.match(/leverage asked by expiry 2024-06-28 .* borrowing USDC is not enabled on chain: no call rule for the pool's borrow/);
    expect(b.reason).to.match(/planned without leverage/);
  });

  it("enabled by the owners: borrow + buy within the limits, hold without trading, then sell and repay all; HF above floor + margin", async () => {
    await enable();
    let p = await read();
    expect(borrowingOf(p, g.deployment).enabled).to.equal(true);
    const target = currentWeights(p).weights;
    const nav0 = p.navUsd;
    // Day -7: owe 5% of NAV in USDC, ETH bought with it.
    const b = plan(p, target, lev(0.05));
    expect(b.steps.map((s) => `${s.kind}:${s.protocol}`), b.reason).to.deep.equal(["other:aave-v3", "swap:uniswap-v3"]);
    expect(b.steps[0].description).to.match(/^borrow .* \(variable rate\)/);
    expect(b.leverage.wantUsd).to.equal((nav0 * 5n) / 100n);
    await run(p, b.calls);
    p = await read();
    const debt = await usdcDebt();
    expect(Number(debt) / Number(nav0)).to.be.closeTo(0.05, 0.0005);
    expect(p.healthFactor).to.be.gte(p.policy.limits.minHealthFactor + 25n * 10n ** 16n);
    // The weights over NAV net of debt: ETH up by the borrow, cash down by it; the rest where it was.
    const w = currentWeights(p).weights;
    expect(w.eth - target.eth).to.be.closeTo(0.05, 0.003);
    expect(w.aaveUsdc).to.be.closeTo(target.aaveUsdc, 0.001);
    // Holding: the same request plans nothing (the levered ETH is not sold back to the target).
    const hold = plan(p, target, lev(0.05));
    expect(hold.calls, hold.reason).to.deep.equal([]);
    expect(hold.inBand).to.equal(true);
    // Leaving (borrow 0): sell the ETH first, then repay everything (maxUint256: interest included).
    const exit = plan(p, target, lev(0));
    expect(exit.steps.map((s) => `${s.kind}:${s.protocol}`), exit.reason).to.deep.equal(["swap:uniswap-v3", "other:aave-v3"]);
    expect(exit.steps[1].description).to.match(/^repay all the/);
    expect(exit.steps[1].riskReducing).to.equal(true);
    await run(p, exit.calls);
    expect(await usdcDebt()).to.equal(0n);
    const after = await read();
    expect(after.debtUsd).to.equal(0n);
    expect(currentWeights(after).weights.eth).to.be.closeTo(target.eth, 0.003);
  });

  it("sized within the limits: a large request is cut to the volatile cap, the position cap or the health factor, and the reason names it", async () => {
    await enable();
    const p = await read();
    const target = currentWeights(p).weights;
    const b = plan(p, target, lev(0.5));
    const l = b.leverage;
    expect(l.wantUsd).to.be.lt(l.requestedUsd);
    expect(l.wantUsd).to.equal([l.limits.volatileCapUsd, l.limits.positionCapUsd, l.limits.healthFactorUsd].reduce((a, x) => (x < a ? x : a)));
    expect(l.reason).to.match(/cut down: .*allows \$/);
    // Collateral $120k USDC (LT 80%), floor 1.6 + 0.25: at most $120k x 0.8 / 1.85 of debt.
    expect(Number(l.limits.healthFactorUsd / E18)).to.be.closeTo((120_000 * 0.8) / 1.85, 60);
    // The cut-down batch breaks no rule of the chain's but the agent's own size limit: the owners sign it.
    const check = checkBatch(p, b.calls, agent);
    expect(check.ok || check.error === "AutonomyLimitExceeded", json(check)).to.equal(true);
  });

  it("no cash in the wallet: the debt is repaid with the Safe's aUSDC (repayWithATokens), and the chain takes it", async () => {
    await enable();
    let p = await read();
    const target = currentWeights(p).weights;
    await run(p, plan(p, target, lev(0.04)).calls);
    p = await read();
    // The same portfolio as if the wallet held no USDC: the planner must not count on cash.
    const usdc = g.world.tokens.USDC.toLowerCase();
    const dry: Portfolio = { ...p, assets: p.assets.map((a) => (a.token.toLowerCase() === usdc ? { ...a, valueUsd: 0n, balance: 0n } : a)) };
    const exit = plan(dry, target, undefined, { driftBand: 1 });
    const repay = exit.steps.find((s) => /repay/.test(s.description))!;
    expect(repay.description, exit.reason).to.match(/with its aTokens/);
    expect(exit.leverage.reason).to.match(/no leverage asked: repay the \$[\d,]+ owed/);
    await (await g.module.connect(g.agent).execute(exit.calls, `0x${"55".repeat(32)}`)).wait();
    expect(await usdcDebt()).to.equal(0n);
  });
});
