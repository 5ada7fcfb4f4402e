// Leverage on the local world as `npm start` runs it (anvil, real Aave v3 bytecode, Safe, guard,
// module, the local Safe Transaction Service), issue 21 §3-4: borrowing is off; the owners' proposal
// to enable it (propose-borrow: the evidence's hash in its origin) is signed and executed, the
// timelock passes, the apply proposal is signed and executed, and the agent sees borrowing enabled.
// Then the agent runs the expiry play through one expiry: day -7 borrow + buy (a Decision with
// leverage, through the module), hold across the expiry, day +1 sell + repay; the health factor stays
// above the floor. A second play is cut short by a guardian's emergency exit, which repays first.
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import SafeApiKit from "@safe-global/api-kit";
import { createWalletClient, getAddress, http as viemHttp, parseAbi, type Address, type Hex, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { erc20Abi } from "../../../lib/chain";
import { startTxService, confirmProposed, executeProposed, type TxService } from "../../../agent/src/safe";
import { openRuntime, type Runtime } from "../../../agent/src/cycle/runtime";
import { defaultSteps } from "../../../agent/src/cycle/steps";
import { planPorts } from "../../../agent/src/cycle/ports";
import { runCycle } from "../../../agent/src/cycle/once";
import { heldWeights } from "../../../agent/src/cycle/decide";
import { readStatus } from "../../../agent/src/cycle/status";
import { emergencyExit } from "../../../agent/src/cycle/emergency";
import { proposeEnableBorrowing, readEvidence } from "../../../agent/src/cycle/borrowProposal";
import { readBorrowing } from "../../../agent/src/chain/borrowing";
import { readPortfolio } from "../../../agent/src/chain/portfolio";
import type { CycleSteps } from "../../../agent/src/cycle/types";
import type { Portfolio } from "../../../agent/src/chain/types";
import type { Leverage, Weights } from "../../../agent/src/strategy/types";
import { startLocalChain, testKey, type LocalChain } from "../helpers/localChain";
import { runTreasury } from "../../helpers/treasuryCli";
import { stepsWithTarget } from "./fixtures/targetSteps";

const E18 = 10n ** 18n;
const usd = (x: bigint) => Number(x) / 1e18;

describe("agent/cycle: leverage on the local world (owners enable borrowing; borrow, hold across an expiry, repay; emergency exit)", function () {
  this.timeout(900_000);
  let chain: LocalChain;
  let svc: TxService;
  let rt: Runtime;
  let client: PublicClient;
  let env: NodeJS.ProcessEnv;
  let safe: Address, debtToken: Address;
  let evidenceFile: string;
  const figures: Record<string, unknown> = {};

  before(async () => {
    chain = await startLocalChain("lever-e2e");
    svc = await startTxService({ rpcUrl: chain.rpcUrl });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "lever-e2e-"));
    const depFile = path.join(dir, "deployment.json");
    fs.writeFileSync(depFile, JSON.stringify(chain.deployment));
    evidenceFile = path.join(dir, "walkforward.json");
    fs.writeFileSync(evidenceFile, JSON.stringify({ summary: "walk-forward 2019-2025: expiry play with 4% of NAV borrowed, Sharpe 1.1 vs 0.9 unlevered, max drawdown 18% vs 16%", folds: [] }));
    env = { RPC_URL: chain.rpcUrl, DEPLOYMENTS_FILE: depFile, AGENT_DATA_DIR: "memory://", SAFE_TX_SERVICE_URL: svc.url, AGENT_PRIVATE_KEY: testKey(4), GUARDIAN_PRIVATE_KEY: testKey(7), LOG_LEVEL: "silent", AGENT_SLIPPAGE_BPS: "150" };
    rt = await openRuntime({ env });
    client = rt.ctx.client;
    const d = chain.deployment;
    safe = getAddress(d.treasury!.safe);
    debtToken = getAddress((d.aave.variableDebtTokens as Record<string, string>).USDC);
    // The agent proposes as a delegate of owner #1 (as `npm start` registers it).
    const api = new SafeApiKit({ chainId: BigInt(d.chainId), txServiceUrl: svc.url });
    const owner1 = createWalletClient({ account: privateKeyToAccount(testKey(1)), chain: foundry, transport: viemHttp(chain.rpcUrl) });
    await api.addSafeDelegate({ safeAddress: safe, delegateAddress: privateKeyToAccount(testKey(4)).address, delegatorAddress: owner1.account.address, label: "agent", signer: owner1 }).catch(() => undefined);
  });
  after(async () => {
    // The figures the report quotes.
    console.log(`      leverage e2e figures: ${JSON.stringify(figures)}`);
    await rt?.close();
    await svc?.close();
    await chain?.stop();
  });

  const debtOf = () => client.readContract({ address: debtToken, abi: erc20Abi, functionName: "balanceOf", args: [safe] });
  const rpc = (method: string, params: unknown[] = []) => client.request({ method: method as never, params: params as never });
  /** Chain time forward, then fresh rounds at the same answers (as live heartbeats would). */
  async function advance(seconds: number) {
    await rpc("evm_increaseTime", [seconds]);
    await rpc("evm_mine");
    const keeper = createWalletClient({ account: privateKeyToAccount(testKey(0)), chain: foundry, transport: viemHttp(chain.rpcUrl) });
    const feedAbi = parseAbi(["function latestAnswer() view returns (int256)", "function updateAnswer(int256)"]);
    for (const feed of Object.values(chain.deployment.feeds) as Address[]) {
      const answer = await client.readContract({ address: feed, abi: feedAbi, functionName: "latestAnswer" });
      await client.waitForTransactionReceipt({ hash: await keeper.writeContract({ address: feed, abi: feedAbi, functionName: "updateAnswer", args: [answer] }) });
    }
  }
  /** Two owners sign the proposal in the service, owner #1 executes it. */
  async function ownersExecute(hash: Hex) {
    const cfg = rt.ctx.safeCfg!;
    await confirmProposed(cfg, hash, testKey(1));
    await confirmProposed(cfg, hash, testKey(2));
    const r = await executeProposed(cfg, hash, testKey(1));
    expect(r.txHash).to.match(/^0x/);
  }
  /** The day's decision: `targets` (unlevered), and the leverage overlay, as the expiry strategy emits it. */
  function stepsFor(targets: Weights, leverage: Leverage | undefined): CycleSteps<Portfolio> {
    const base = defaultSteps(rt, planPorts(rt), { env });
    return {
      ...base,
      decide: async (p, date) => {
        const d = await base.decide(p, date);
        return { ...d, decision: { ...d.decision, hold: false, rebalance: true, triggers: [leverage ? `test: ${leverage.play}` : "test"], targets, leverage } };
      },
    };
  }

  it("borrowing is off until the owners enable it: propose-borrow with the evidence, signed, executed, the timelock, applied", async () => {
    expect((await readBorrowing(client, rt.addresses.policy, rt.deployment)).enabled).to.equal(false);
    const st0 = await readStatus(rt);
    expect(st0.borrowing).to.include({ enabled: false });
    // A leverage request while it is off: planned without leverage, and the decision's reasons say why.
    const p = await readPortfolio(client, rt.deployment);
    const off = await runCycle(rt.ctx, stepsFor(heldWeights(p), { borrow: 0.04, buy: "eth", play: "expiry 2024-05-31" }), { date: "2024-05-24", agentKey: testKey(4) });
    expect(off.status, off.reason).to.equal("skipped");
    expect(off.reason).to.match(/leverage asked by expiry 2024-05-31 .*borrowing USDC is not enabled on chain.*: planned without leverage/);
    const says = ((await rt.journal.get(off.hash!))!.body.signals as { reasons: { indicator: string; says: string }[] }).reasons.find((x) => x.indicator === "leverage")?.says;
    expect(says).to.match(/planned without leverage/);
    expect(await debtOf()).to.equal(0n);
    // The verb: the evidence is required; a dry run prints the stage and the changes, proposes nothing.
    const cli = (...args: string[]) => runTreasury(env, ...args);
    const noEvidence = await cli("propose-borrow", "--json");
    expect(noEvidence.code).to.equal(2);
    expect(noEvidence.err).to.match(/--evidence/);
    const missing = await cli("propose-borrow", "--evidence", `${evidenceFile}.missing`, "--json");
    expect(missing.code).to.equal(2);
    expect(missing.err.trim().split("\n")).to.have.length(1);
    expect(missing.err).to.match(/--evidence .*\.missing: .*; pass the walk-forward table/);
    const dry = await cli("propose-borrow", "--evidence", evidenceFile, "--dry-run", "--json");
    expect(dry.code, dry.err).to.equal(0);
    expect(JSON.parse(dry.out)).to.deep.include({ stage: "schedule", safeTxHash: null });
    const evidence = readEvidence(evidenceFile);
    const s = await proposeEnableBorrowing({ client, policy: rt.addresses.policy, deployment: rt.deployment, safeCfg: rt.ctx.safeCfg!, proposerKey: testKey(4), evidence });
    expect(s.stage).to.equal("schedule");
    // The local world registers no debt: the proposal schedules the liability position and the rule.
    expect(s.changes.map((c) => c.what)).to.have.length(2);
    expect(s.safeTxHash).to.match(/^0x[0-9a-f]{64}$/);
    // The service stores the evidence with the proposal (origin: its hash and summary).
    const api = new SafeApiKit({ chainId: BigInt(chain.deployment.chainId), txServiceUrl: svc.url });
    const stored = await api.getTransaction(s.safeTxHash!);
    expect(stored.origin).to.include(`urn:sha256:${evidence.sha256.slice(2)}`);
    expect(stored.origin).to.match(/walk-forward 2019-2025/);
    await ownersExecute(s.safeTxHash!);
    // Scheduled, not applied: nothing changes before the delay.
    const wait = await proposeEnableBorrowing({ client, policy: rt.addresses.policy, deployment: rt.deployment, safeCfg: rt.ctx.safeCfg!, proposerKey: testKey(4), evidence });
    expect(wait.stage).to.equal("waiting");
    expect(wait.safeTxHash).to.equal(null);
    expect((await readBorrowing(client, rt.addresses.policy, rt.deployment)).enabled).to.equal(false);
    const delay = await client.readContract({ address: rt.addresses.policy, abi: parseAbi(["function delay() view returns (uint256)"]), functionName: "delay" });
    await advance(Number(delay) + 1);
    const apply = await proposeEnableBorrowing({ client, policy: rt.addresses.policy, deployment: rt.deployment, safeCfg: rt.ctx.safeCfg!, proposerKey: testKey(4), evidence });
    expect(apply.stage).to.equal("apply");
    await ownersExecute(apply.safeTxHash!);
    const b = await readBorrowing(client, rt.addresses.policy, rt.deployment);
    expect(b.enabled, b.why).to.equal(true);
    expect((await readStatus(rt)).borrowing).to.include({ enabled: true });
    // What the owners and the agent see from the command line now.
    const st = await cli("status", "--json");
    expect(st.code, st.err).to.equal(0);
    expect(JSON.parse(st.out).borrowing).to.include({ enabled: true });
    const again = await cli("propose-borrow", "--evidence", evidenceFile);
    expect(again.code, again.err).to.equal(0);
    expect(again.out).to.match(/^borrowing: ENABLED — borrowing USDC is enabled/);
  });

  it("the expiry play: day -7 borrow + buy ETH through the module, hold across the expiry, day +1 sell + repay; HF above the floor", async () => {
    // Collateral first: 10 points of NAV from cash into Aave (about $40k: under the autonomy limit).
    const c0 = await runCycle(rt.ctx, stepsWithTarget(rt, env, (cur) => ({ ...cur, usdc: cur.usdc - 0.1, aaveUsdc: cur.aaveUsdc + 0.1 }), "test: collateral"), { date: "2024-06-20", agentKey: testKey(4) });
    expect(c0.status, c0.reason).to.equal("executed");
    const p0 = await readPortfolio(client, rt.deployment);
    const targets = heldWeights(p0);
    const nav0 = p0.navUsd;
    const floor = p0.policy.limits.minHealthFactor;

    const wallet = async () => {
      const p = await readPortfolio(client, rt.deployment);
      const v = (sym: string) => p.assets.find((a) => a.token.toLowerCase() === (rt.deployment.tokens[sym] ?? "").toLowerCase())!.valueUsd;
      return v("USDC") + v("WETH");
    };
    const wallet0 = await wallet();
    // Day -7: the strategy asks for 4% of NAV borrowed into ETH.
    const play: Leverage = { borrow: 0.04, buy: "eth", play: "expiry 2024-06-28" };
    const r1 = await runCycle(rt.ctx, stepsFor(targets, play), { date: "2024-06-21", agentKey: testKey(4) });
    expect(r1.status, r1.reason).to.equal("executed");
    expect(r1.path).to.equal("module");
    const row = (await rt.journal.get(r1.hash!))!;
    const steps = (row.body.plan as { steps: { description: string }[] }).steps.map((s) => s.description);
    expect(steps[0]).to.match(/^borrow /);
    expect((row.body.signals as { reasons: { indicator: string; says: string }[] }).reasons.find((x) => x.indicator === "leverage")?.says).to.match(/leverage for expiry 2024-06-28: owe \$/);
    const borrowed = await debtOf();
    expect(Number(borrowed) / 1e6 / usd(nav0)).to.be.closeTo(0.04, 0.001);
    let hfMin = (await readPortfolio(client, rt.deployment)).healthFactor;

    // Hold across the expiry (2024-06-28): a day at a time; the same request plans nothing.
    for (let day = 0; day < 8; day++) {
      await advance(86_400);
      const p = await readPortfolio(client, rt.deployment);
      if (p.healthFactor < hfMin) hfMin = p.healthFactor;
      expect(p.healthFactor).to.be.gte(floor);
    }
    const hold = await runCycle(rt.ctx, stepsFor(targets, play), { date: "2024-06-28", agentKey: testKey(4) });
    expect(hold.status, hold.reason).to.equal("skipped");
    expect(await debtOf()).to.be.gt(borrowed); // interest accrued
    const owedBefore = await debtOf();

    // Day +1: leave the play: sell ETH first, then repay everything.
    const r2 = await runCycle(rt.ctx, stepsFor(targets, { ...play, borrow: 0 }), { date: "2024-06-29", agentKey: testKey(4) });
    expect(r2.status, r2.reason).to.equal("executed");
    const exitSteps = ((await rt.journal.get(r2.hash!))!.body.plan as { steps: { kind: string; description: string }[] }).steps;
    expect(exitSteps.map((s) => s.kind)).to.deep.equal(["swap", "other"]);
    expect(exitSteps[1].description).to.match(/^repay all the/);
    expect(await debtOf()).to.equal(0n);
    const p2 = await readPortfolio(client, rt.deployment);
    expect(p2.debtUsd).to.equal(0n);
    Object.assign(figures, {
      // The play alone: USDC + WETH in the wallet after it, less before it (ETH's feed unchanged), the debt repaid.
      playPnlUsd: usd((await wallet()) - wallet0),
      borrowedUsdc: Number(borrowed) / 1e6,
      owedAtRepayUsdc: Number(owedBefore) / 1e6,
      interestUsdc: Number(owedBefore - borrowed) / 1e6,
      navBeforeUsd: usd(nav0),
      navAfterUsd: usd(p2.navUsd),
      pnlUsd: usd(p2.navUsd) - usd(nav0),
      hfMin: Number((hfMin * 1000n) / E18) / 1000,
      hfFloor: Number(floor) / 1e18,
    });
    expect(hfMin).to.be.gte(floor);
  });

  it("a second play cut short: the guardian's emergency exit repays the debt before it withdraws the collateral", async () => {
    const p0 = await readPortfolio(client, rt.deployment);
    const targets = heldWeights(p0);
    await advance(86_400);
    const r = await runCycle(rt.ctx, stepsFor(targets, { borrow: 0.04, buy: "eth", play: "expiry 2024-07-26" }), { date: "2024-07-19", agentKey: testKey(4) });
    expect(r.status, r.reason).to.equal("executed");
    const owed = await debtOf();
    expect(owed).to.be.gt(0n);
    await advance(3 * 86_400);
    const x = await emergencyExit(rt.ctx, chain.rpcUrl, testKey(7));
    const order = x.exited.map((e) => getAddress(e.token));
    const what = JSON.stringify(x.exited, (_k, v) => (typeof v === "bigint" ? String(v) : v));
    expect(order, what).to.include(debtToken);
    // The collateral is whatever the Aave sleeve holds (the planner funds it with DAI first: aDAI here).
    const aTokens = Object.values(rt.deployment.aave.aTokens as Record<string, string>).map((t) => getAddress(t));
    const collateral = order.filter((t) => aTokens.includes(t));
    expect(collateral, what).to.not.deep.equal([]);
    for (const t of collateral) expect(order.indexOf(debtToken), `debt repaid before ${t} is withdrawn: ${what}`).to.be.lt(order.indexOf(t));
    for (const e of x.exited) expect(e.success, e.token).to.equal(true);
    expect(await debtOf()).to.equal(0n);
    for (const t of collateral) expect(await client.readContract({ address: t, abi: erc20Abi, functionName: "balanceOf", args: [safe] }), t).to.equal(0n);
    expect((await readStatus(rt)).paused).to.equal(true);
    const sym = (t: Address) => (getAddress(t) === debtToken ? "variableDebtUSDC" : (Object.entries(rt.deployment.aave.aTokens as Record<string, string>).find(([, a]) => getAddress(a) === getAddress(t))?.[0] ?? t));
    figures.exit = { borrowedUsdc: Number(owed) / 1e6, exitedInOrder: x.exited.map((e) => `${sym(e.token)}:${e.success ? "ok" : "failed"}`) };
  });
});
