// simulateBatch: one eth_call runs AgentModule.execute as the agent would send it; the outcome equals
// what sending it does, and a refused batch names the policy's error.
import { expect } from "chai";
import { parseUnits, type Address } from "viem";
import { aaveSupply, approve, type Call } from "../../../lib/chain/encode";
import { readPortfolio } from "../../../agent/src/chain/portfolio";
import { simulateBatch } from "../../../agent/src/chain/simulate";
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
