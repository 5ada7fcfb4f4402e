// planRebalance on the local world: nothing inside the drift band; outside it an ordered batch
// (withdrawals, swaps, deposits, exact approvals) that the TypeScript check and the chain both accept
// and that lands the weights on the target.
import { expect } from "chai";
import { decodeFunctionData, type Address } from "viem";
import { erc20Abi, swapRouterAbi } from "../../../lib/chain/abi";
import { readPortfolio } from "../../../agent/src/chain/portfolio";
import { simulateBatch } from "../../../agent/src/chain/simulate";
import { planRebalance } from "../../../agent/src/plan/plan";
import { currentWeights } from "../../../agent/src/plan/sleeves";
import { checkBatch } from "../../../agent/src/risk/check";
import type { Weights } from "../../../agent/src/strategy/types";
import { agentWorld } from "../chain/fixture";

const DEADLINE = 2n ** 40n;

describe("agent plan: planRebalance", () => {
  it("plans nothing inside the drift band", async () => {
    const { d, client } = await agentWorld();
    const p = await readPortfolio(client, d);
    const { weights } = currentWeights(p);
    const plan = planRebalance({ portfolio: p, deployment: d, target: { ...weights, usdc: weights.usdc - 0.03, aaveUsdc: 0.03 }, slippageBps: 100, deadline: DEADLINE });
    expect(plan.inBand).to.equal(true);
    expect(plan.calls).to.deep.equal([]);
  });

  it("outside the band: withdrawals, then swaps, then deposits, with exact approvals; check and chain accept; weights land on target", async () => {
    const { g, d, client, agent } = await agentWorld();
    const p = await readPortfolio(client, d);
    const { weights } = currentWeights(p);
    expect(weights.usdc).to.be.closeTo(0.7, 0.01);
    // Sell 2 points of ETH, put 6 points in Aave and 3 in a vault (≈ $44k, under the autonomy limit):
    // stable cash is DAI first (it has no other use), so aDAI and sDAI.
    const target: Weights = { ...weights, eth: weights.eth - 0.02, usdc: weights.usdc - 0.07, aaveUsdc: 0.06, vault: 0.03 };
    const plan = planRebalance({ portfolio: p, deployment: d, target, slippageBps: 100, deadline: DEADLINE });
    expect(plan.inBand).to.equal(false);
    expect(plan.steps.map((s) => s.kind)).to.deep.equal(["swap", "deposit", "deposit"]);
    expect(plan.steps[0].riskReducing).to.equal(true);
    // Every spend is preceded by an approval of exactly its amount.
    const approvals = plan.calls.filter((c) => c.data.startsWith("0x095ea7b3")).map((c) => decodeFunctionData({ abi: erc20Abi, data: c.data }).args[1] as bigint);
    expect(approvals.map(String)).to.deep.equal(plan.steps.map((s) => s.amount));

    const check = checkBatch(p, plan.calls, agent);
    expect(check.ok, JSON.stringify(check, (_k, v) => (typeof v === "bigint" ? String(v) : v))).to.equal(true);
    const sim = await simulateBatch(client, p, plan.calls, { agent });
    if (!sim.ok) throw new Error(sim.error.text);
    await (await g.module.connect(g.agent).execute(plan.calls, `0x${"22".repeat(32)}`)).wait();
    const after = currentWeights(await readPortfolio(client, d)).weights;
    for (const k of ["eth", "aaveUsdc", "vault", "usdc"] as const) expect(after[k], k).to.be.closeTo(target[k], 0.003);
    expect(sim.weightsAfterBps[d.aave.aTokens.DAI as Address] / 1e4).to.be.closeTo(0.06, 0.002);
    expect(sim.weightsAfterBps[d.erc4626.sDAI as Address] / 1e4).to.be.closeTo(0.03, 0.002);
  });

  it("reduces positions first: withdraws from Aave and redeems vault shares before it buys", async () => {
    const { g, d, client, agent } = await agentWorld();
    let p = await readPortfolio(client, d);
    const w0 = currentWeights(p).weights;
    const into: Weights = { ...w0, usdc: w0.usdc - 0.1, aaveUsdc: 0.06, vault: 0.04 };
    await (await g.module.connect(g.agent).execute(planRebalance({ portfolio: p, deployment: d, target: into, slippageBps: 100, deadline: DEADLINE }).calls, `0x${"33".repeat(32)}`)).wait();
    p = await readPortfolio(client, d);
    const w1 = currentWeights(p).weights;
    const back: Weights = { ...w1, aaveUsdc: 0, vault: 0.01, btc: w1.btc + 0.02, usdc: w1.usdc + w1.aaveUsdc + (w1.vault - 0.01) - 0.02 };
    const plan = planRebalance({ portfolio: p, deployment: d, target: back, slippageBps: 100, deadline: DEADLINE });
    expect(plan.steps.map((s) => `${s.kind}:${s.protocol}`)).to.deep.equal(["withdraw:aave-v3", "withdraw:erc4626", "swap:uniswap-v3"]);
    expect(plan.steps[0].amount).to.equal((2n ** 256n - 1n).toString()); // all of it: no interest dust left
    const check = checkBatch(p, plan.calls, agent);
    const sim = await simulateBatch(client, p, plan.calls, { agent });
    expect([check.ok, sim.ok]).to.deep.equal([true, true]);
  });

  it("resize (a reviewer's modify): a subset of the legs at smaller amounts, same ids and targets, approvals and minOut scaled; check and chain accept it", async () => {
    const { d, client, agent } = await agentWorld();
    const p = await readPortfolio(client, d);
    const { weights } = currentWeights(p);
    const target: Weights = { ...weights, eth: weights.eth - 0.02, usdc: weights.usdc - 0.07, aaveUsdc: 0.06, vault: 0.03 };
    const plan = planRebalance({ portfolio: p, deployment: d, target, slippageBps: 100, deadline: DEADLINE });
    const [sell, supply, deposit] = plan.steps;
    const half = BigInt(sell.amount) / 2n;
    const small = plan.resize([{ id: sell.id, amount: half }, { id: deposit.id, amount: BigInt(deposit.amount) / 4n }]);
    expect(small.steps.map((s) => s.id)).to.deep.equal([sell.id, deposit.id]);
    expect(small.steps.map((s) => [s.target, s.token])).to.deep.equal([[sell.target, sell.token], [deposit.target, deposit.token]]);
    expect(small.steps[0].amount).to.equal(half.toString());
    expect(small.steps[0].amountUsd).to.be.closeTo(sell.amountUsd / 2, 0.01);
    expect(small.steps[1].amountUsd).to.be.closeTo(deposit.amountUsd / 4, 0.01);
    expect(small.steps.some((s) => s.id === supply.id)).to.equal(false);
    const approvals = small.calls.filter((c) => c.data.startsWith("0x095ea7b3")).map((c) => decodeFunctionData({ abi: erc20Abi, data: c.data }).args[1] as bigint);
    expect(approvals.map(String)).to.deep.equal(small.steps.map((s) => s.amount));
    // minOut of the halved sell is about half the planned one (oracle value less the same slippage).
    const minOut = (calls: typeof plan.calls) => (decodeFunctionData({ abi: swapRouterAbi, data: calls.find((c) => c.to === sell.target && !c.data.startsWith("0x095ea7b3"))!.data }).args[0] as { amountOutMinimum: bigint }).amountOutMinimum;
    const ratio = Number((minOut(small.calls) * 10_000n) / minOut(plan.calls)) / 10_000;
    expect(ratio).to.be.closeTo(0.5, 0.001);
    expect(checkBatch(p, small.calls, agent).ok).to.equal(true);
    expect((await simulateBatch(client, p, small.calls, { agent })).ok).to.equal(true);
    for (const [kept, error] of [
      [[{ id: sell.id, amount: BigInt(sell.amount) + 1n }], /enlarges/],
      [[{ id: "9-transfer", amount: 1n }], /not in the plan/],
      [[{ id: sell.id, amount: 0n }], /drop the leg/],
      [[{ id: sell.id, amount: 1n }, { id: sell.id, amount: 1n }], /twice/],
    ] as const) expect(() => plan.resize([...kept])).to.throw(error);
  });
});
