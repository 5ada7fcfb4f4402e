// The watchers on the local world (real bytecode, Hardhat's in-process chain seen through viem): each
// detector fires on the real thing (a guardian's pause, a scheduled owner and guard change, a frozen
// Aave reserve, a stale feed, a crash day, a large payment, a stale proposal in the local transaction
// service), is delivered once to the local alert servers, and a restarted watcher over the same blocks
// does not alert again. Latency is recorded from the block's time, never asserted against the clock.
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import hre from "hardhat";
import { Contract } from "ethers";
import { createPublicClient, encodeFunctionData, getAddress, http, parseUnits, type Address, type Hex, type PublicClient } from "viem";
import { JsonRpcServer } from "hardhat/internal/hardhat-network/jsonrpc/server";
import { agentWorld, type AgentWorld } from "../chain/fixture";
import { AlertsConfigSchema } from "../../../agent/src/config/schema";
import { AlertDispatcher, AlertLog, alertChannels } from "../../../agent/src/alerts";
import { Journal } from "../../../agent/src/journal";
import { createLogger } from "../../../agent/src/log";
import { ChainFollower, Cursor, SnapshotReader, Watcher, alertEmergencies, cycleOutage, dispatcherDelivery, isRpcFailureText, withAssessment, type WatchEvent } from "../../../agent/src/watch";
import { respondToEmergency } from "../../../agent/src/ai/emergency";
import { openRuntime } from "../../../agent/src/cycle/runtime";
import { testKey } from "../../../scripts/world/childChain";
import type { PendingProposal } from "../../../agent/src/watch/protocols/proposals";
import { ART, advanceTime, executeSafeTx, feedPrice, setPrice, contractNetworksFor } from "../../../scripts/world";
import { erc20Abi, safeAbi, treasuryPolicyAbi } from "../../../lib/chain/abi";
import { aaveSupply, approve } from "../../../lib/chain";
import { apiKitFor, askTxService, proposeBatch, startTxService, type TxService } from "../../../agent/src/safe";
import { startWebhookReceiver, type WebhookReceiver } from "../../../scripts/standins/alertServers";
import { deadPort } from "../helpers/edges";
import { OWNER_PKS } from "../../helpers/world";

const SECRET = `whsec_${randomBytes(24).toString("base64")}`;
const silent = createLogger("silent");

interface Rig {
  watcher: Watcher;
  cursor: Cursor;
  woken: WatchEvent[][];
}

describe("agent/watch: watchers on the local world", function () {
  this.timeout(300_000);
  let rx: WebhookReceiver;
  let w: AgentWorld;
  let journal: Journal;
  let dir: string;

  before(async () => {
    rx = await startWebhookReceiver(SECRET);
  });
  after(async () => {
    await rx?.close();
  });
  beforeEach(async () => {
    w = await agentWorld();
    rx.received.length = 0;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "watch-"));
    journal = await Journal.open({ dataDir: "memory://" });
  });
  afterEach(async () => {
    await journal?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** A watcher as `treasury run` builds one (startWatch), over the world's contracts, alerting the local webhook. */
  function rig(o: { client?: PublicClient; largeOutflowUsd?: number; pending?: () => Promise<PendingProposal[]>; now?: () => number; agent?: Address } = {}): Rig {
    const client = o.client ?? w.client;
    const g = w.g.addresses;
    const alerts = AlertsConfigSchema.parse({ webhook: { url: `${rx.origin}/hook` } });
    const channels = alertChannels(alerts, { env: { ALERT_WEBHOOK_SECRET: SECRET } });
    const deliver = dispatcherDelivery(new AlertDispatcher({ channels, log: silent, store: AlertLog.of(journal), dedupMs: alerts.dedupSeconds * 1000 }));
    const safe = getAddress(w.d.treasury!.safe);
    const cursor = Cursor.for(dir, w.d.chainId, safe);
    const now = o.now ?? Date.now;
    const woken: WatchEvent[][] = [];
    const watcher = new Watcher({
      intervalSeconds: 30,
      log: silent,
      deliver,
      follower: new ChainFollower({ client, cursor, safe, policy: getAddress(g.policy), module: getAddress(g.module), guard: getAddress(g.guard), agent: o.agent ?? w.agent, largeOutflowUsd: o.largeOutflowUsd ?? 50_000, maxBlockRange: 2_000, now }),
      reader: new SnapshotReader({ client, policy: getAddress(g.policy), pools: w.d.uniswap.pools, now }),
      pending: o.pending,
      proposalMaxAgeHours: 48,
      wake: (evs) => woken.push(evs),
      now,
    });
    return { watcher, cursor, woken };
  }

  const hooks = () => rx.received.map((r) => ({ verified: r.verified, ...(JSON.parse(r.body) as { data: Record<string, unknown> & { kind: string } }) }));
  const ofKind = (evs: WatchEvent[], kind: string) => evs.filter((e) => e.kind === kind);
  const blockTimeMs = async (blockNumber: bigint) => Number((await w.client.getBlock({ blockNumber })).timestamp) * 1000;
  const policyCall = (data: Hex) => ({ to: w.g.addresses.policy, data: encodeFunctionData({ abi: treasuryPolicyAbi, functionName: "schedule", args: [getAddress(w.d.treasury!.safe), data] }) });

  it("a guardian's pause while the watcher was down: one critical alert timed from its block at restart; restarted again (same cursor, or the cursor lost) it does not alert again", async () => {
    const down = rig();
    await down.watcher.tick(); // a first start begins at the head (history is the indexer's), then the process stops
    const tx = await w.g.policy.connect(w.g.guardian).pause();
    const receipt = (await tx.wait())!;
    const r = rig(); // restarted: goes on from the cursor, so the pause is not missed
    const evs = await r.watcher.tick();
    const paused = ofKind(evs, "agent.paused");
    expect(paused).to.have.length(1);
    expect(paused[0]).to.include({ severity: "critical", txHash: receipt.hash });
    expect(paused[0].data.by).to.equal(await w.g.guardian.getAddress());
    expect(hooks().filter((h) => h.data.kind === "agent.paused")).to.have.length(1);
    expect(hooks()[0].verified).to.equal(true);
    // The latency is delivered − the block's time (not the poll's).
    const seen = r.watcher.state().recent.find((x) => x.kind === "agent.paused")!;
    expect(Date.parse(seen.at)).to.equal(await blockTimeMs(BigInt(receipt.blockNumber)));
    expect(seen.latencyMs).to.equal(Date.parse(seen.deliveredAt!) - Date.parse(seen.at));
    expect(r.watcher.state().latency["agent.paused"].count).to.equal(1);
    expect(r.woken.flat().map((e) => e.kind)).to.deep.equal(["agent.paused"]);

    expect(ofKind(await r.watcher.tick(), "agent.paused")).to.have.length(0);
    // Restart with the same cursor: the blocks are done.
    const again = rig();
    expect(ofKind(await again.watcher.tick(), "agent.paused")).to.have.length(0);
    // Restart with the cursor lost before the pause: the event is seen again, the alert log holds it back.
    again.cursor.write(BigInt(receipt.blockNumber) - 1n);
    const third = rig();
    const evs3 = await third.watcher.tick();
    expect(ofKind(evs3, "agent.paused")).to.have.length(1);
    expect(third.watcher.state().recent.find((x) => x.kind === "agent.paused")).to.include({ suppressed: true, latencyMs: null });
    expect(hooks().filter((h) => h.data.kind === "agent.paused")).to.have.length(1);
  });

  it("a scheduled owner change and guard removal: security alerts with the decoded calldata, who scheduled it and when it becomes executable", async () => {
    const r = rig();
    await r.watcher.tick();
    const newOwner = getAddress("0x000000000000000000000000000000000000bEEF");
    const addOwner = encodeFunctionData({ abi: safeAbi, functionName: "addOwnerWithThreshold", args: [newOwner, 2n] });
    const noGuard = encodeFunctionData({ abi: safeAbi, functionName: "setGuard", args: ["0x0000000000000000000000000000000000000000"] });
    const safe = w.d.treasury!.safe;
    const rc = await executeSafeTx({ safe, owners: w.g.quorum, tx: policyCall(addOwner), label: "schedule addOwner" });
    await executeSafeTx({ safe, owners: w.g.quorum, tx: policyCall(noGuard), label: "schedule setGuard(0)" });
    const evs = ofKind(await r.watcher.tick(), "safe.changeScheduled");
    expect(evs).to.have.length(2);
    const [owner, guard] = evs;
    const quorum = (await Promise.all(w.g.quorum.map((s) => s.getAddress()))).map((a) => getAddress(a)).sort();
    expect(owner.title).to.match(/^Scheduled owners change on the Safe: addOwnerWithThreshold, executable /);
    expect(owner.data.decoded).to.deep.include({ functionName: "addOwnerWithThreshold", class: "owners", args: { owner: newOwner, _threshold: "2" } });
    const by = owner.data.scheduledBy as { sender: string; signers: string[]; safeTxHash: string };
    expect(by.sender).to.equal(getAddress(await w.g.quorum[0].getAddress())); // executeSafeTx's executor
    expect([...by.signers].sort()).to.deep.equal(quorum);
    expect(by.safeTxHash).to.match(/^0x[0-9a-f]{64}$/);
    const id = owner.data.id as Hex;
    const readyAt = await w.g.policy.readyAt(id);
    expect(owner.data.readyAtUnix).to.equal(Number(readyAt));
    expect(readyAt - BigInt((await blockTimeMs(BigInt(rc.blockNumber))) / 1000)).to.equal(await w.g.policy.delay());
    expect(owner.lines.join("\n")).to.include(`Executable from ${new Date(Number(readyAt) * 1000).toISOString()}`);
    expect(guard.data.decoded).to.deep.include({ functionName: "setGuard", class: "guard" });
    const sent = hooks().filter((h) => h.data.kind === "safe.changeScheduled");
    expect(sent).to.have.length(2);
    expect(sent[0].data).to.include({ calldata: addOwner });
    expect(ofKind(await r.watcher.tick(), "safe.changeScheduled")).to.have.length(0);
  });

  it("a frozen Aave reserve (the real PoolConfigurator, the world's pool admin): one alert, not repeated while it stays frozen", async () => {
    const r = rig();
    await r.watcher.tick();
    const world = w.g.world;
    const configurator = new Contract(w.d.aave.poolConfigurator!, ART.aave.PoolConfigurator().abi, world.signers.deployer);
    await (await configurator.setReserveFreeze(world.tokens.USDC, true)).wait();
    const evs = ofKind(await r.watcher.tick(), "aave.reserveFrozen");
    expect(evs).to.have.length(1);
    expect(evs[0].data).to.include({ symbol: "USDC", frozen: true, paused: false });
    expect(ofKind(await r.watcher.tick(), "aave.reserveFrozen")).to.have.length(0);
    expect(hooks().filter((h) => h.data.kind === "aave.reserveFrozen")).to.have.length(1);
  });

  it("a USDC reserve lent out to 99.5% (a borrower on the real Aave pool takes the liquidity): aave.utilisation once, not again while it stays there", async () => {
    const r = rig();
    expect(ofKind(await r.watcher.tick(), "aave.utilisation")).to.have.length(0);
    const world = w.g.world;
    const borrower = world.signers.borrower;
    const me = await borrower.getAddress();
    const usdc = new Contract(world.tokens.USDC, ART.tokens.TestERC20().abi, borrower);
    const available: bigint = await usdc.balanceOf(world.aave.aTokens.USDC);
    const borrow = (available * 995n) / 1000n;
    // WBTC collateral worth 4× the borrow at the Aave oracle's price (8 decimals), WBTC 8 decimals.
    const btcUsd: bigint = await new Contract(world.aave.oracle, ["function getAssetPrice(address) view returns (uint256)"], borrower).getAssetPrice(world.tokens.WBTC);
    const collateral = (borrow * 4n * 10n ** 8n * 10n ** 8n) / (10n ** 6n * btcUsd) + 1n;
    const wbtc = new Contract(world.tokens.WBTC, ART.tokens.TestERC20().abi, world.signers.deployer);
    await (await wbtc.mint(me, collateral)).wait();
    const pool = new Contract(world.aave.pool, ART.aave.Pool().abi, borrower);
    await (await new Contract(world.tokens.WBTC, ART.tokens.TestERC20().abi, borrower).approve(world.aave.pool, collateral)).wait();
    await (await pool.supply(world.tokens.WBTC, collateral, me, 0)).wait();
    await (await pool.borrow(world.tokens.USDC, borrow, 2, 0, me)).wait();

    const evs = ofKind(await r.watcher.tick(), "aave.utilisation");
    expect(evs).to.have.length(1);
    expect(evs[0].data).to.include({ symbol: "USDC" });
    expect(evs[0].data.utilisation as number).to.be.within(0.99, 1);
    expect(ofKind(await r.watcher.tick(), "aave.utilisation")).to.have.length(0);
    expect(hooks().filter((h) => h.data.kind === "aave.utilisation")).to.have.length(1);
  });

  it("a stale feed (time moves on, nobody refreshes it): one alert per feed, once", async () => {
    const r = rig();
    await r.watcher.tick();
    const weth = w.g.world.tokens.WETH;
    const limit = Number((await w.g.policy.asset(weth)).maxStaleness);
    await advanceTime(w.g.world, limit + 60, { refreshFeeds: false });
    const evs = ofKind(await r.watcher.tick(), "feed.stale");
    const syms = evs.map((e) => e.data.symbol);
    expect(syms).to.include("WETH");
    expect(new Set(syms).size).to.equal(syms.length);
    const e = evs.find((x) => x.data.symbol === "WETH")!;
    expect(e.data.ageSeconds as number).to.be.greaterThan(limit);
    expect(e.data.maxStaleness).to.equal(limit);
    expect(ofKind(await r.watcher.tick(), "feed.stale")).to.have.length(0);
    expect(hooks().filter((h) => h.data.kind === "feed.stale")).to.have.length(evs.length);
  });

  it("a crash day (the ETH feed down 20%): price.crash, and the feed now 20% away from the Uniswap pool", async () => {
    const r = rig();
    await r.watcher.tick();
    const before = await feedPrice(w.g.world, "WETH");
    await setPrice(w.g.world, "WETH", before * 0.8);
    const evs = await r.watcher.tick();
    const crash = ofKind(evs, "price.crash");
    expect(crash.map((e) => e.data.symbol)).to.deep.equal(["WETH"]);
    expect(crash[0].data.drop as number).to.be.closeTo(0.2, 1e-9);
    const dev = ofKind(evs, "feed.deviation");
    expect(dev.map((e) => e.data.symbol)).to.deep.equal(["WETH"]);
    expect(ofKind(await r.watcher.tick(), "price.crash")).to.have.length(0);
    expect(hooks().filter((h) => h.data.kind === "price.crash")).to.have.length(1);
    expect(r.woken.flat().map((e) => e.kind)).to.include("price.crash");
  });

  it("a large outflow: an owners' payment above watch.largeOutflowUsd alerts with the payment; a small one does not", async () => {
    const r = rig({ largeOutflowUsd: 10_000 });
    await r.watcher.tick();
    const usdc = w.g.world.tokens.USDC;
    const payee = getAddress(await w.g.payee.getAddress());
    const pay = (usd: number) => ({ to: usdc, data: encodeFunctionData({ abi: erc20Abi, functionName: "transfer", args: [payee, parseUnits(String(usd), 6)] }) });
    await executeSafeTx({ safe: w.d.treasury!.safe, owners: w.g.quorum, tx: pay(2_000), label: "small payment" });
    const rc = await executeSafeTx({ safe: w.d.treasury!.safe, owners: w.g.quorum, tx: pay(25_000), label: "large payment" });
    const evs = ofKind(await r.watcher.tick(), "outflow.large");
    expect(evs).to.have.length(1);
    expect(evs[0].txHash).to.equal(rc.hash);
    expect(evs[0].data.outflowUsd as number).to.be.closeTo(25_000, 1);
    expect(evs[0].data.payments).to.deep.equal([{ token: getAddress(usdc), to: payee, amount: "25000000000" }]);
    expect(hooks().filter((h) => h.data.kind === "outflow.large")).to.have.length(1);
  });

  it("an agent batch by another key, then a guardian's emergency exit: each alerted once", async () => {
    const r = rig({ agent: getAddress("0x000000000000000000000000000000000000a11c") }); // this process is not the world's agent
    await r.watcher.tick();
    const usdc = getAddress(w.g.world.tokens.USDC);
    const pool = getAddress(w.d.aave.pool);
    const amount = parseUnits("1000", 6);
    const calls = [approve(usdc, pool, amount), aaveSupply(pool, usdc, amount, getAddress(w.d.treasury!.safe))].map((c) => ({ to: c.to, value: c.value ?? 0n, data: c.data ?? "0x" }));
    await (await w.g.module.connect(w.g.agent).execute(calls, `0x${"11".repeat(32)}`)).wait();
    const other = ofKind(await r.watcher.tick(), "agent.executedByOther");
    expect(other).to.have.length(1);
    expect(other[0].data).to.include({ agent: w.agent, decisionHash: `0x${"11".repeat(32)}` });
    expect(other[0].data.sizeUsd as number).to.be.closeTo(1000, 1);
    await (await w.g.module.connect(w.g.guardian).emergencyExit()).wait();
    const evs = await r.watcher.tick();
    expect(ofKind(evs, "emergency.exit").map((e) => e.data.guardian)).to.deep.equal([await w.g.guardian.getAddress()]);
    expect(ofKind(evs, "agent.paused").map((e) => e.title)).to.deep.equal(["Agent paused by the emergency exit"]);
    expect(hooks().map((h) => h.data.kind).sort()).to.deep.equal(["agent.executedByOther", "agent.paused", "emergency.exit"]);
  });

  it("a stale proposal in the local transaction service: one warning once it is older than proposalMaxAgeHours", async () => {
    const server = new JsonRpcServer({ hostname: "127.0.0.1", port: 0, provider: hre.network.provider });
    const { port } = await server.listen();
    let svc: TxService | undefined;
    try {
      const rpcUrl = `http://127.0.0.1:${port}`;
      svc = await startTxService({ rpcUrl });
      const safe = getAddress(w.d.treasury!.safe);
      const cfg = { rpcUrl, safeAddress: safe, chainId: BigInt(w.d.chainId), txServiceUrl: svc.url, contractNetworks: contractNetworksFor(w.d.safe, w.d.chainId) };
      const owner1 = OWNER_PKS[0] as Hex;
      const usdc = getAddress(w.g.world.tokens.USDC);
      const { safeTxHash } = await proposeBatch(cfg, { calls: [{ to: usdc, value: "0", data: encodeFunctionData({ abi: erc20Abi, functionName: "approve", args: [getAddress(w.d.aave.pool), 1n] }) }], proposerKey: owner1, rationale: "watch test" });
      let clock = Date.now();
      const pending = async () =>
        (await apiKitFor(cfg).getPendingTransactions(safe)).results.map((t) => ({ safeTxHash: t.safeTxHash, nonce: Number(t.nonce), submissionDate: t.submissionDate, confirmations: t.confirmations?.length ?? 0, confirmationsRequired: t.confirmationsRequired }));
      const r = rig({ pending, now: () => clock });
      expect(ofKind(await r.watcher.tick(), "proposal.stale")).to.have.length(0);
      clock += 49 * 3_600_000;
      const evs = ofKind(await r.watcher.tick(), "proposal.stale");
      expect(evs).to.have.length(1);
      expect(evs[0].data).to.include({ safeTxHash, confirmations: 1, confirmationsRequired: 2 });
      clock += 60_000;
      expect(ofKind(await r.watcher.tick(), "proposal.stale")).to.have.length(0);
      expect(hooks().filter((h) => h.data.kind === "proposal.stale")).to.have.length(1);
    } finally {
      await svc?.close();
      await server.close();
    }
  });

  it("a crash day through `treasury run`'s emergency hook: alerted at once, then the emergency assessment (rules, no model key) pauses the agent with the guardian key", async () => {
    const server = new JsonRpcServer({ hostname: "127.0.0.1", port: 0, provider: hre.network.provider });
    const { port } = await server.listen();
    const depFile = path.join(dir, "deployment.json");
    fs.writeFileSync(depFile, JSON.stringify({ ...w.d, rpcUrl: undefined }));
    const rt = await openRuntime({ env: { RPC_URL: `http://127.0.0.1:${port}`, DEPLOYMENTS_FILE: depFile, AGENT_DATA_DIR: "memory://", GUARDIAN_PRIVATE_KEY: testKey(7), ANTHROPIC_API_KEY: "", LOG_LEVEL: "silent", ALERT_WEBHOOK_URL: `${rx.origin}/hook`, ALERT_WEBHOOK_SECRET: SECRET } });
    try {
      const failures: unknown[] = [];
      const hook = withAssessment(alertEmergencies(dispatcherDelivery(new AlertDispatcher({ channels: alertChannels(AlertsConfigSchema.parse({ webhook: { url: `${rx.origin}/hook` } }), { env: { ALERT_WEBHOOK_SECRET: SECRET } }), log: silent, store: AlertLog.of(journal), dedupMs: 3_600_000 }))), (evs) => respondToEmergency(rt, evs, { llm: null }), (e) => failures.push(e));
      const watcher = new Watcher({ intervalSeconds: 30, log: silent, deliver: async () => { throw new Error("unused"); }, reader: new SnapshotReader({ client: w.client, policy: getAddress(w.g.addresses.policy), pools: w.d.uniswap.pools, now: Date.now }), onEmergency: hook });
      await watcher.tick();
      await setPrice(w.g.world, "WETH", (await feedPrice(w.g.world, "WETH")) * 0.75);
      expect(await w.g.policy.paused()).to.equal(false);
      const evs = await watcher.tick();
      expect(ofKind(evs, "price.crash")).to.have.length(1);
      await hook.drain();
      expect(failures).to.deep.equal([]);
      expect(await w.g.policy.paused(), "the assessment paused the agent (emergency.autoPause)").to.equal(true);
      const kinds = hooks().map((h) => h.data.kind);
      // Each event first, as it was seen; then the assessment's own alert.
      expect(kinds.slice(0, 2).sort()).to.deep.equal(["feed.deviation", "price.crash"]);
      expect(kinds.length).to.be.greaterThan(2);
    } finally {
      await rt.close();
      await server.close();
    }
  });

  it("a dead RPC is one alert, not one per tick; a failing detector is reported once and the others go on", async () => {
    const dead = createPublicClient({ transport: http(`http://127.0.0.1:${await deadPort()}`, { retryCount: 0 }) }) as PublicClient;
    const r = rig({ client: dead });
    const e1 = await r.watcher.tick();
    await r.watcher.tick();
    expect(ofKind(e1, "watch.rpcDown")).to.have.length(1);
    expect(hooks().filter((h) => h.data.kind === "watch.rpcDown")).to.have.length(1);
    expect(r.watcher.state().rpcDown).to.equal(true);

    const broken = rig({ pending: async () => { throw new Error("service answered 500"); } });
    await broken.watcher.tick();
    await w.g.policy.connect(w.g.guardian).pause();
    const evs = await broken.watcher.tick();
    expect(ofKind(evs, "agent.paused")).to.have.length(1);
    expect(ofKind(evs, "watch.detectorFailed")).to.have.length(0); // reported at the first failure only
    expect(broken.watcher.state().failing).to.deep.equal({ proposals: "service answered 500" });
    expect(hooks().filter((h) => h.data.kind === "watch.detectorFailed")).to.have.length(1);
  });

  it("a dead RPC and the tx service failing with it (it reads the chain): one alert, watch.rpcDown; the service's failure is not recorded as failing while the chain is down", async () => {
    const before = hooks().length;
    const dead = createPublicClient({ transport: http(`http://127.0.0.1:${await deadPort()}`, { retryCount: 0 }) }) as PublicClient;
    const r = rig({ client: dead, pending: async () => { throw new Error("service answered 502"); } });
    const evs = [...(await r.watcher.tick()), ...(await r.watcher.tick())];
    expect(evs.map((e) => e.kind)).to.deep.equal(["watch.rpcDown"]);
    expect(hooks().slice(before).map((h) => h.data.kind)).to.deep.equal(["watch.rpcDown"]);
    expect(r.watcher.state().failing).to.deep.equal({});
  });

  it("a dead RPC a cycle already told (treasury run: noteOutage) is not told again by the watch loop; the cycle's reason is judged for this RPC only", async () => {
    const url = `http://127.0.0.1:${await deadPort()}`;
    const r = rig({ client: createPublicClient({ transport: http(url, { retryCount: 0 }) }) as PublicClient });
    expect(r.watcher.hasTold("rpc")).to.equal(false);
    r.watcher.noteOutage("rpc");
    expect(ofKind(await r.watcher.tick(), "watch.rpcDown")).to.have.length(0);
    expect(r.watcher.state().rpcDown).to.equal(true);
    expect(r.watcher.hasTold("rpc")).to.equal(true);
    expect(cycleOutage({ status: "aborted", reason: `reconcile: HTTP request to ${url}/ failed (fetch failed)` }, url)).to.equal("rpc");
    // The reasons a cycle reports for a refused and a hanging RPC (viem's HttpRequestError / TimeoutError).
    expect(isRpcFailureText(`reconcile: HTTP request to ${url}/ failed (fetch failed)`, url)).to.equal(true);
    expect(isRpcFailureText(`read: HTTP request to ${url}/ timed out`, url)).to.equal(true);
    expect(isRpcFailureText("reconcile: HTTP request to http://127.0.0.1:1/ failed (fetch failed)", url), "another service's URL").to.equal(false);
    expect(isRpcFailureText("propose: Bad Gateway", url)).to.equal(false);
  });
  it("a transaction service answering 502: the watch loop tells it once, naming the service; a cycle stopped by it is the same outage, and once a cycle has told it the loop does not", async () => {
    // The hosted service behind a failing gateway: every request a 502 with an HTML page (what nginx sends).
    let status = 502;
    const gateway = createServer((_req, res) => (status === 200 ? res.writeHead(200, { "content-type": "application/json" }).end('{"count":0,"next":null,"previous":null,"results":[]}') : res.writeHead(status, { "content-type": "text/html" }).end("<html><body><h1>502 Bad Gateway</h1></body></html>")));
    await new Promise<void>((ok) => gateway.listen(0, "127.0.0.1", ok));
    const server = new JsonRpcServer({ hostname: "127.0.0.1", port: 0, provider: hre.network.provider });
    const { port } = await server.listen();
    try {
      const rpcUrl = `http://127.0.0.1:${port}`;
      const safe = getAddress(w.d.treasury!.safe);
      const cfg = { rpcUrl, safeAddress: safe, chainId: BigInt(w.d.chainId), txServiceUrl: `http://127.0.0.1:${(gateway.address() as AddressInfo).port}/api`, contractNetworks: contractNetworksFor(w.d.safe, w.d.chainId) };
      const pending = async () => (await askTxService(cfg, "pending transactions", () => apiKitFor(cfg).getPendingTransactions(safe))).results.map((t) => ({ safeTxHash: t.safeTxHash, nonce: Number(t.nonce), submissionDate: t.submissionDate, confirmations: 0, confirmationsRequired: 2 }));
      const before = hooks().length;
      const r = rig({ pending });
      await r.watcher.tick();
      await r.watcher.tick();
      const told = hooks().slice(before).filter((h) => h.data.kind === "watch.detectorFailed");
      expect(told).to.have.length(1);
      expect(told[0].data.title).to.equal(`Watcher proposals failed: Safe Transaction Service (${cfg.txServiceUrl}) pending transactions: HTTP 502 Bad Gateway`);
      expect(r.watcher.hasTold("txservice")).to.equal(true);

      // The cycle's own failure through the real proposer: the same outage, by its reason alone.
      const usdc = getAddress(w.g.world.tokens.USDC);
      const err = await proposeBatch(cfg, { calls: [{ to: usdc, value: "0", data: encodeFunctionData({ abi: erc20Abi, functionName: "approve", args: [getAddress(w.d.aave.pool), 1n] }) }], proposerKey: OWNER_PKS[0] as Hex, rationale: "watch test" }).then(() => undefined, (e: Error & { statusCode?: number }) => e);
      expect(err?.message).to.equal(`Safe Transaction Service (${cfg.txServiceUrl}) next nonce: HTTP 502 Bad Gateway`);
      expect(err?.statusCode).to.equal(502);
      expect(cycleOutage({ status: "failed", reason: `propose: ${err!.message}` }, rpcUrl)).to.equal("txservice");
      // Not an outage: the service refusing the proposal (4xx), another service, a cycle that did not fail.
      expect(cycleOutage({ status: "failed", reason: `propose: Safe Transaction Service (${cfg.txServiceUrl}) proposal: HTTP 422 Unprocessable Entity` }, rpcUrl)).to.equal(undefined);
      expect(cycleOutage({ status: "failed", reason: "propose: Bad Gateway" }, rpcUrl)).to.equal(undefined);
      expect(cycleOutage({ status: "proposed", reason: `Safe Transaction Service (${cfg.txServiceUrl})` }, rpcUrl)).to.equal(undefined);

      // A cycle met it first and told it: the loop records it, does not tell it; once the service
      // answers, a new outage is told again.
      const r2 = rig({ pending });
      r2.watcher.noteOutage("txservice");
      // (the returned events, not the webhook: the alert log would hold back the first rig's key anyway)
      expect(ofKind(await r2.watcher.tick(), "watch.detectorFailed")).to.have.length(0);
      expect(r2.watcher.state().failing.proposals).to.match(/HTTP 502/);
      status = 200;
      await r2.watcher.tick();
      expect(r2.watcher.state().failing).to.deep.equal({});
      expect(r2.watcher.hasTold("txservice")).to.equal(false);
      status = 503;
      const evs = ofKind(await r2.watcher.tick(), "watch.detectorFailed");
      expect(evs).to.have.length(1);
      expect(evs[0].title).to.match(/HTTP 503 Service Unavailable/);
    } finally {
      gateway.closeAllConnections();
      await new Promise((ok) => gateway.close(ok));
      await server.close();
    }
  });
});
