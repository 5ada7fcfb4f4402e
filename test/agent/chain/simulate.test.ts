// simulateBatch: one eth_call runs AgentModule.execute as the agent would send it; the outcome equals
// what sending it does, and a refused batch names the policy's error.
import { expect } from "chai";
import { encodeFunctionData, parseUnits, type Address } from "viem";
import { erc20Abi } from "../../../lib/chain/abi";
import { aaveSupply, approve, uniswapExactInputSingle, type Call } from "../../../lib/chain/encode";
import { executeSafeTx } from "../../../scripts/world";
import { readPortfolio } from "../../../agent/src/chain/portfolio";
import { simulateBatch, simulateOwnerBatch } from "../../../agent/src/chain/simulate";
import { agentWorld } from "./fixture";

describe("agent chain: simulateBatch", () => {
  it("reports NAV, size, weights and headroom equal to executing the batch", async () => {
    const { g, d, client, agent } = await agentWorld();
    const safe = d.treasury!.safe;
    const amount = parseUnits("10000", 6);
    const calls: Call[] = [approve(d.tokens.USDC, d.aave.pool, amount), aaveSupply(d.aave.pool, d.tokens.USDC, amount, safe)];
    const p = await readPortfolio(client, d);
    const sim = await simulateBatch(client, p, calls, { agent });
    if (!sim.ok) throw new Error(sim.error.text);
    expect(Number(sim.sizeUsd) / 1e18).to.be.closeTo(10_000, 1);
    expect(sim.headroom.autonomyUsd).to.equal(p.policy.limits.autonomyLimitUsd - sim.sizeUsd);
    expect(sim.weightsAfterBps[d.aave.aTokens.USDC as Address]).to.be.greaterThan(0);
    expect(sim.gas > 100_000n).to.equal(true);

    const tx = await g.module.connect(g.agent).execute(calls, `0x${"11".repeat(32)}`);
    await tx.wait();
    // One block later Aave interest has accrued a little: equal to within a cent.
    expect(Number((await g.valuation.nav()) - sim.navAfterUsd) / 1e18).to.be.closeTo(0, 0.01);
  });

  it("names the policy's error and arguments of a refused batch", async () => {
    const { d, client, agent } = await agentWorld();
    const p = await readPortfolio(client, d);
    const tooBig = parseUnits("60000", 6);
    const sim = await simulateBatch(client, p, [approve(d.tokens.USDC, d.aave.pool, tooBig), aaveSupply(d.aave.pool, d.tokens.USDC, tooBig, d.treasury!.safe)], { agent });
    expect(sim.ok).to.equal(false);
    if (sim.ok) return;
    expect(sim.error.name).to.equal("AutonomyLimitExceeded");
    expect(Number(sim.error.args.sizeUsd) / 1e18).to.be.closeTo(60_000, 1);
    const outsider = await simulateBatch(client, p, [approve(d.tokens.USDC, d.accounts.outsider!, 1n)], { agent });
    expect(outsider.ok ? "" : outsider.error.text).to.match(/^SpenderNotAllowed\(spender=0x/);
  });
});

describe("agent chain: simulateOwnerBatch (the guard path of a proposal)", () => {
  it("runs a batch above the autonomy limit through the guard, with the decision receipt, as the signers' execution will", async () => {
    const { g, d, client } = await agentWorld();
    const safe = d.treasury!.safe;
    const owner = g.world.treasury.owners[0] as Address;
    const amount = parseUnits("60000", 6);
    const calls: Call[] = [approve(d.tokens.USDC, d.aave.pool, amount), aaveSupply(d.aave.pool, d.tokens.USDC, amount, safe)];
    const p = await readPortfolio(client, d);
    const sim = await simulateOwnerBatch(client, p, calls, { owner, decisionHash: `0x${"44".repeat(32)}` });
    if (!sim.ok) throw new Error(sim.error.text);
    expect(Number(sim.sizeUsd) / 1e18).to.be.closeTo(60_000, 1);
    await executeSafeTx({ safe, owners: g.quorum, tx: calls.map((c) => ({ to: c.to, data: c.data })), infra: g.world.safe });
    expect(Number((await g.valuation.nav()) - sim.navAfterUsd) / 1e18).to.be.closeTo(0, 0.01);
  });

  it("names the guard's refusal: a cap breach and an unknown payee", async () => {
    const { g, d, client } = await agentWorld();
    const owner = g.world.treasury.owners[0] as Address;
    const p = await readPortfolio(client, d);
    const usdcIn = parseUnits("150000", 6);
    const buy = [approve(d.tokens.USDC, d.uniswap.swapRouter, usdcIn), uniswapExactInputSingle(d.uniswap.swapRouter, { tokenIn: d.tokens.USDC, tokenOut: d.tokens.WETH, fee: d.uniswap.pools.WETH_USDC.fee, recipient: d.treasury!.safe, deadline: 2n ** 40n, amountIn: usdcIn, amountOutMinimum: 0n })];
    const cap = await simulateOwnerBatch(client, p, buy, { owner });
    expect(cap.ok ? "ok" : cap.error.name).to.equal("VolatileCapExceeded");
    const pay = await simulateOwnerBatch(client, p, [{ to: d.tokens.USDC, value: 0n, data: encodeFunctionData({ abi: erc20Abi, functionName: "transfer", args: [d.accounts.outsider!, 1n] }) }], { owner });
    expect(pay.ok ? "ok" : pay.error.text).to.match(/^PayeeNotAllowed\(to=0x/);
  });
});
