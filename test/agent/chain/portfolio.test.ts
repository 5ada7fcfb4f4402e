// readPortfolio: one multicall at one block gives the same numbers as the contracts' own views.
import { expect } from "chai";
import hre from "hardhat";
import { createPublicClient, custom, type Address, type PublicClient } from "viem";
import { readPortfolio } from "../../../agent/src/chain/portfolio";
import { advanceTime } from "../../../scripts/world";
import { agentWorld } from "./fixture";

describe("agent chain: readPortfolio", () => {
  it("matches nav(), allocation(), balances, budget and the Safe's owners, threshold and nonce", async () => {
    const { g, d, client } = await agentWorld();
    const p = await readPortfolio(client, d);
    expect(p.healthy).to.equal(true);
    expect(p.navUsd).to.equal(await g.valuation.nav());
    const [volBps] = await g.valuation.allocation();
    expect(p.allocation!.volatileBps).to.equal(Number(volBps));
    expect(p.safe.owners).to.deep.equal(g.world.treasury.owners);
    expect(p.safe.threshold).to.equal(2);
    expect(p.safe.nonce).to.equal(BigInt(await client.readContract({ address: d.treasury!.safe, abi: [{ type: "function", name: "nonce", stateMutability: "view", inputs: [], outputs: [{ type: "uint256" }] }], functionName: "nonce" })));
    expect(p.policy.paused).to.equal(false);
    expect(p.policy.agents).to.include(d.accounts.agent);
    expect(p.policy.limits.dailyBudgetUsd).to.equal((await g.policy.limits()).dailyBudgetUsd);
    expect(p.budget.remainingUsd).to.equal(p.policy.limits.dailyBudgetUsd);
    const usdc = p.assets.find((a) => a.symbol === "USDC")!;
    expect(usdc.balance).to.equal(g.world.treasury.funding.USDC);
    expect(usdc.priceOk).to.equal(true);
    expect(usdc.priceUsd).to.equal(10n ** 18n);
    const weth = p.assets.find((a) => a.symbol === "WETH")!;
    expect(weth.volatile).to.equal(true);
    expect(weth.valueUsd).to.equal((weth.balance * weth.priceUsd) / 10n ** 18n);
    expect(p.values.reduce((a, b) => a + b, 0n)).to.equal(p.navUsd);
    expect(p.positions.map((x) => x.kind).sort()).to.include.members(["aave", "erc4626", "pendlePt"]);
    expect(p.allowances[usdc.token][d.aave.pool as Address]).to.equal(0n);
  });

  it("makes two eth_calls (the deployless multicall, then the Aave reserves' parameters at the same block) besides the block header", async () => {
    const { d } = await agentWorld();
    const methods: string[] = [];
    const counting = createPublicClient({ transport: custom({ request: (a: { method: string; params?: readonly unknown[] }) => (methods.push(a.method), hre.network.provider.request(a)) }) }) as PublicClient;
    await readPortfolio(counting, d);
    expect(methods.filter((m) => m === "eth_call")).to.have.length(2);
    expect(methods.filter((m) => m !== "eth_chainId")).to.deep.equal(["eth_getBlockByNumber", "eth_call", "eth_call"]);
  });

  it("marks stale prices: not healthy, no allocation, priceOk false", async () => {
    const { g, d, client } = await agentWorld();
    await advanceTime(g.world, 3 * 86400, { refreshFeeds: false });
    const p = await readPortfolio(client, d);
    expect(p.healthy).to.equal(false);
    expect(p.allocation).to.equal(null);
    expect(p.assets.every((a) => !a.priceOk && a.priceUsd === 0n)).to.equal(true);
  });
});
