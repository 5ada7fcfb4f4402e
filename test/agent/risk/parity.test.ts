// Parity: the TypeScript check (agent/src/risk/check.ts) and the chain (AgentModule.execute through
// simulateBatch, real bytecode on the local world) give the same verdict, the same error name (and
// for a failing protocol call the same call index), on hand-picked cases and on 1000 seeded random
// batches across four chain states: fresh, most of the day's budget used, prices stale, paused.
import hre from "hardhat";
import { expect } from "chai";
import { encodeFunctionData, parseUnits } from "viem";
import { aavePoolAbi } from "../../../lib/chain/abi";
import * as enc from "../../../lib/chain/encode";
import { cowPresign, cowSellOrder, cowUnsign } from "../../../lib/chain/cow";
import { readPortfolio } from "../../../agent/src/chain/portfolio";
import { simulateBatch, simulateOwnerBatch, type Simulation } from "../../../agent/src/chain/simulate";
import { checkBatch, checkOwnerBatch } from "../../../agent/src/risk/check";
import type { CheckResult } from "../../../agent/src/risk/types";
import type { Address, Hex } from "viem";
import type { Portfolio } from "../../../agent/src/chain/types";
import { advanceTime } from "../../../scripts/world";
import { agentWorld, type AgentWorld } from "../chain/fixture";
import { randomBatch, rng } from "./parity.gen";

const SEED = Number(process.env.PARITY_SEED ?? 20261202);
const SCENARIOS: { name: string; cases: number }[] = [
  { name: "fresh", cases: 500 },
  { name: "budget-used", cases: 250 },
  { name: "stale-prices", cases: 200 },
  { name: "paused", cases: 50 },
];

type Verdict = string; // "ok" or the error name (CallFailed#index)

async function verdicts(w: AgentWorld, p: Portfolio, calls: enc.Call[], owner?: { owner: Address; decisionHash?: Hex }): Promise<{ ts: Verdict; chain: Verdict; chainText: string; tsReason: string }> {
  let ts: CheckResult;
  let sim: Simulation;
  if (owner) {
    ts = checkOwnerBatch(p, calls, owner.decisionHash);
    sim = await simulateOwnerBatch(w.client, p, calls, { ...owner, blockNumber: p.blockNumber });
  } else {
    ts = checkBatch(p, calls, w.agent);
    sim = await simulateBatch(w.client, p, calls, { agent: w.agent, blockNumber: p.blockNumber });
  }
  // Safe's GS013 (an inner call reverted) arrives as Error("GS013").
  const name = (n: string, i?: number | string) => (n === "CallFailed" ? `CallFailed#${i}` : n === "Error" && i === "GS013" ? "GS013" : n);
  if (!sim.ok && sim.error.name === "Error") return { ts: ts.ok ? "ok" : name(ts.error, ts.index), chain: name("Error", sim.error.args.message), chainText: sim.error.text, tsReason: ts.ok ? "ok" : ts.reason };
  return {
    ts: ts.ok ? "ok" : name(ts.error, ts.index),
    chain: sim.ok ? "ok" : name(sim.error.name, sim.error.args.index),
    chainText: sim.ok ? `ok size ${sim.sizeUsd}` : sim.error.text,
    tsReason: ts.ok ? `ok size ${ts.sizeUsd}` : ts.reason,
  };
}

/** Two agent batches that leave the Safe with an Aave, a vault, an sDAI and a PT position. */
async function seedPositions(w: AgentWorld) {
  const { d, g } = w;
  const safe = d.treasury!.safe;
  const usdc = (n: string) => parseUnits(n, 6);
  const m = Object.values(d.pendle.markets)[0];
  await (await g.module.connect(g.agent).execute([
    enc.approve(d.tokens.USDC, d.aave.pool, usdc("20000")), enc.aaveSupply(d.aave.pool, d.tokens.USDC, usdc("20000"), safe),
    enc.approve(d.tokens.USDC, d.erc4626.scrvUSD, usdc("15000")), enc.vaultDeposit(d.erc4626.scrvUSD, usdc("15000"), safe),
  ], `0x${"00".repeat(32)}`)).wait();
  await (await g.module.connect(g.agent).execute([
    enc.approve(d.tokens.DAI, d.erc4626.sDAI, parseUnits("10000", 18)), enc.vaultDeposit(d.erc4626.sDAI, parseUnits("10000", 18), safe),
    enc.approve(d.tokens.USDC, d.pendle.router, usdc("10000")), enc.pendleSwapExactTokenForPt(d.pendle.router, { receiver: safe, market: m.market, minPtOut: 0n, tokenIn: d.tokens.USDC, amountIn: usdc("10000") }),
  ], `0x${"00".repeat(32)}`)).wait();
  await advanceTime(g.world, 25 * 3600); // the seeding leaves the rolling window
}

async function enter(w: AgentWorld, scenario: string) {
  const { d, g } = w;
  if (scenario === "budget-used") {
    for (const n of ["45000", "45000", "30000"]) {
      const a = parseUnits(n, 6);
      await (await g.module.connect(g.agent).execute([enc.approve(d.tokens.USDC, d.aave.pool, a), enc.aaveSupply(d.aave.pool, d.tokens.USDC, a, d.treasury!.safe)], `0x${"00".repeat(32)}`)).wait();
    }
  }
  if (scenario === "stale-prices") await advanceTime(g.world, 3 * 86400, { refreshFeeds: false });
  if (scenario === "paused") await (await g.policy.connect(g.guardian).pause()).wait();
}

describe("agent risk: TypeScript check ⇔ chain parity", function () {
  this.timeout(900_000);

  it("hand-picked cases: each refusal the agent can meet, named the same", async () => {
    const w = await agentWorld();
    await seedPositions(w);
    const { d } = w;
    const p = await readPortfolio(w.client, d);
    const safe = d.treasury!.safe;
    const usdc = (n: string) => parseUnits(n, 6);
    const weth = (n: string) => parseUnits(n, 18);
    const cow = d.cow!;
    const cowCall = (sellAmount: bigint, buyAmount: bigint) =>
      cowPresign(cow.settlement, cowSellOrder({ sellToken: d.tokens.WETH, buyToken: d.tokens.USDC, sellAmount, buyAmount, validTo: Number(p.timestamp) + 1200 }), safe, p.chainId).call;
    const cases: [string, enc.Call[]][] = [
      ["ok", [enc.approve(d.tokens.USDC, d.aave.pool, usdc("1000")), enc.aaveSupply(d.aave.pool, d.tokens.USDC, usdc("1000"), safe)]],
      ["NoCalls", []],
      ["ReceiverNotSafe", [enc.aaveSupply(d.aave.pool, d.tokens.USDC, 1n, d.accounts.outsider!)]],
      ["SpenderNotAllowed", [enc.approve(d.tokens.USDC, d.accounts.outsider!, 1n)]],
      ["TargetNotAllowed", [{ to: d.aave.pool, value: 0n, data: "0xdeadbeef" }]],
      ["ProtectedTarget", [enc.recordDecision(d.guardrails!.policy, `0x${"ab".repeat(32)}`)]],
      ["PaymentsOwnerOnly", [{ to: d.tokens.USDC, value: 0n, data: "0x" }]],
      ["CallFailed#0", [enc.aaveSupply(d.aave.pool, d.tokens.USDC, usdc("1000"), safe)]],
      ["AutonomyLimitExceeded", [enc.approve(d.tokens.USDC, d.aave.pool, usdc("60000")), enc.aaveSupply(d.aave.pool, d.tokens.USDC, usdc("60000"), safe)]],
      ["ok", [enc.aaveWithdraw(d.aave.pool, d.tokens.USDC, 2n ** 256n - 1n, safe)]],
      // Aave debt (AaveV3Rule): borrow is off by default, repay is on but the Safe has no debt.
      ["TargetNotAllowed", [enc.aaveBorrow(d.aave.pool, d.tokens.USDC, usdc("1000"), safe)]],
      ["ReceiverNotSafe", [enc.aaveRepay(d.aave.pool, d.tokens.USDC, usdc("1000"), d.accounts.outsider!)]],
      ["CallFailed#1", [enc.approve(d.tokens.USDC, d.aave.pool, usdc("1000")), enc.aaveRepay(d.aave.pool, d.tokens.USDC, usdc("1000"), safe)]],
      ["CallFailed#0", [enc.aaveRepayWithATokens(d.aave.pool, d.tokens.USDC, usdc("1000"))]],
      ["InterestRateModeNotAllowed", [{ to: d.aave.pool, value: 0n, data: encodeFunctionData({ abi: aavePoolAbi, functionName: "repay", args: [d.tokens.USDC, 1n, 1n, safe] }) }]],
      // CoW pre-signatures (CowSwapRule): a fair order, a limit under the oracle less 1%, an order
      // that does not match its uid, one above the autonomy limit, and an unsigning.
      ["ok", [enc.approve(d.tokens.WETH, cow.vaultRelayer, weth("1")), cowCall(weth("1"), usdc("2990"))]],
      ["OrderLimitBelowOracle", [cowCall(weth("1"), usdc("2900"))]],
      ["OrderUidMismatch", [{ ...cowCall(weth("1"), usdc("2990")), data: (cowCall(weth("1"), usdc("2990")).data.slice(0, 2 + 2 * 164) + cowCall(weth("1"), usdc("2000")).data.slice(2 + 2 * 164)) as Hex }]],
      ["AutonomyLimitExceeded", [cowCall(weth("20"), usdc("59900"))]],
      ["ok", [cowUnsign(cow.settlement, cowPresign(cow.settlement, cowSellOrder({ sellToken: d.tokens.WETH, buyToken: d.tokens.USDC, sellAmount: 1n, buyAmount: 1n, validTo: 1 }), safe, p.chainId).uid)]],
    ];
    for (const [want, calls] of cases) {
      const v = await verdicts(w, p, calls);
      expect([v.ts, v.chain], `${want}: chain said ${v.chainText}; ts said ${v.tsReason}`).to.deep.equal([want, want]);
    }
  });

  it(`1000 seeded random batches (seed ${SEED}) get the same verdict from the TypeScript check and the chain`, async () => {
    const w = await agentWorld();
    await seedPositions(w);
    let base = (await hre.network.provider.request({ method: "evm_snapshot" })) as string;
    const r = rng(SEED);
    const disagreements: string[] = [];
    const tally: Record<string, number> = {};
    let total = 0;
    const t0 = Date.now();
    for (const s of SCENARIOS) {
      await enter(w, s.name);
      const p = await readPortfolio(w.client, w.d);
      for (let i = 0; i < s.cases; i++) {
        const calls = randomBatch(r, w.d, p);
        const v = await verdicts(w, p, calls);
        total++;
        tally[v.chain.replace(/#\d+$/, "")] = (tally[v.chain.replace(/#\d+$/, "")] ?? 0) + 1;
        if (v.ts !== v.chain) disagreements.push(`${s.name} #${i}: ts ${v.ts} (${v.tsReason}) vs chain ${v.chain} (${v.chainText})`);
      }
      await hre.network.provider.request({ method: "evm_revert", params: [base] });
      base = (await hre.network.provider.request({ method: "evm_snapshot" })) as string;
    }
    const ms = Date.now() - t0;
    console.log(`      parity: ${total} random batches, ${total - disagreements.length} agree, ${ms} ms; chain verdicts ${JSON.stringify(tally)}`);
    expect(disagreements.slice(0, 10), disagreements.join("\n")).to.deep.equal([]);
    expect(total).to.equal(1000);
    expect(tally.ok ?? 0, "the random batches must include accepted ones").to.be.greaterThan(100);
  });

  it("the owners' path (guard): 300 seeded random batches as proposals get the same verdict", async () => {
    const w = await agentWorld();
    await seedPositions(w);
    const owner = w.g.world.treasury.owners[0] as Address;
    const payee = (await w.g.payee.getAddress()) as Address;
    const r = rng(SEED + 1);
    const disagreements: string[] = [];
    const tally: Record<string, number> = {};
    const t0 = Date.now();
    let total = 0;
    for (const [scenario, cases] of [["fresh", 220], ["stale-prices", 80]] as const) {
      await enter(w, scenario);
      const p = await readPortfolio(w.client, w.d);
      for (let i = 0; i < cases; i++) {
        const calls = randomBatch(r, w.d, p, payee);
        const v = await verdicts(w, p, calls, { owner, decisionHash: i % 2 ? (`0x${"5a".repeat(32)}` as Hex) : undefined });
        total++;
        const k = v.chain.replace(/#\d+$/, "");
        tally[k] = (tally[k] ?? 0) + 1;
        if (v.ts !== v.chain) disagreements.push(`${scenario} #${i}: ts ${v.ts} (${v.tsReason}) vs chain ${v.chain} (${v.chainText})`);
      }
    }
    console.log(`      owner-path parity: ${total} random batches, ${total - disagreements.length} agree, ${Date.now() - t0} ms; guard verdicts ${JSON.stringify(tally)}`);
    expect(disagreements.slice(0, 10), disagreements.join("\n")).to.deep.equal([]);
    expect(tally.ok ?? 0).to.be.greaterThan(50);
  });
});
