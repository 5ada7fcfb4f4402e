// The agent's swaps on CoW Protocol (SWAP_VENUE=cow) on the local world: anvil with the real
// GPv2Settlement, the local order book server, the local solver. One cycle sells WETH: the plan is
// [exact approval to the vault relayer, pre-signature] with the limit from the oracle (tightened by the
// quote), executed through the module and metered like a swap; the decision record keeps the order
// uid; `treasury status` lists the open order; the next cycle does not sell again while it is open.
// The solver fills it; the cycle after deposits the proceeds.
import { expect } from "chai";
import http from "node:http";
import type { AddressInfo } from "node:net";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { JsonRpcProvider, Wallet } from "ethers";
import { getAddress, parseAbi, type Address, type PublicClient } from "viem";
import { erc20Abi } from "../../../lib/chain";
import { openRuntime, type Runtime } from "../../../agent/src/cycle/runtime";
import { runCycle } from "../../../agent/src/cycle/once";
import { formatStatus, readStatus } from "../../../agent/src/cycle/status";
import { CowOrderBook } from "../../../agent/src/cow/api";
import { cowOrdersOf } from "../../../agent/src/cow/orders";
import { startLocalOrderBook, type LocalOrderBook } from "../../../agent/src/cow/localOrderBook";
import { moduleAbi } from "../../../agent/src/execute";
import type { Weights } from "../../../agent/src/strategy/types";
import { solveCowOrder } from "../../../scripts/world";
import SafeApiKit from "@safe-global/api-kit";
import { createWalletClient, http as viemHttp } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { confirmProposed, executeProposed, startTxService, type TxService } from "../../../agent/src/safe";
import { startLocalChain, testKey, type LocalChain } from "../../../scripts/world/childChain";
import { stepsWithTarget } from "./fixtures/targetSteps";

describe("agent/cycle: swaps through CoW Protocol (local order book + local solver)", function () {
  this.timeout(600_000);
  let chain: LocalChain;
  let book: LocalOrderBook;
  let svc: TxService;
  let rt: Runtime;
  let client: PublicClient;
  let env: NodeJS.ProcessEnv;
  let safe: Address, weth: Address, usdc: Address;

  const stepsWith = (target: (held: Weights) => Weights) => stepsWithTarget(rt, env, target);
  const balance = (token: Address) => client.readContract({ address: token, abi: erc20Abi, functionName: "balanceOf", args: [safe] });

  before(async () => {
    chain = await startLocalChain("i9-cow");
    const d = chain.deployment;
    book = await startLocalOrderBook({ rpcUrl: chain.rpcUrl, deployment: d });
    svc = await startTxService({ rpcUrl: chain.rpcUrl });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "i9-cow-"));
    const depFile = path.join(dir, "deployment.json");
    fs.writeFileSync(depFile, JSON.stringify(d));
    env = { RPC_URL: chain.rpcUrl, DEPLOYMENTS_FILE: depFile, AGENT_DATA_DIR: "memory://", AGENT_PRIVATE_KEY: testKey(4), LOG_LEVEL: "silent", SAFE_TX_SERVICE_URL: svc.url, SWAP_VENUE: "cow", COW_API_URL: book.url, AGENT_SLIPPAGE_BPS: "100" };
    rt = await openRuntime({ env });
    client = rt.ctx.client;
    safe = getAddress(d.treasury!.safe);
    weth = getAddress(d.tokens.WETH!);
    usdc = getAddress(d.tokens.USDC!);
    // The agent proposes as a delegate of owner #1 (as in the cycle e2e test).
    const owner1 = createWalletClient({ account: privateKeyToAccount(testKey(1)), chain: foundry, transport: viemHttp(chain.rpcUrl) });
    await new SafeApiKit({ chainId: BigInt(d.chainId), txServiceUrl: svc.url }).addSafeDelegate({ safeAddress: safe, delegateAddress: privateKeyToAccount(testKey(4)).address, delegatorAddress: owner1.account.address, label: "agent", signer: owner1 });
  });
  after(async () => {
    await rt?.close();
    await book?.close();
    await svc?.close();
    await chain?.stop();
  });

  it("sells WETH with a pre-signed order, waits for the fill, then deposits the proceeds", async () => {
    const d = chain.deployment;
    // 1. Five points of NAV from ETH to cash (about $20K: under the $50K autonomy limit).
    const sell = stepsWith((cur) => ({ ...cur, eth: cur.eth - 0.05, usdc: cur.usdc + 0.05 }));
    const [weth0, usdc0] = [await balance(weth), await balance(usdc)];
    const r1 = await runCycle(rt.ctx, sell, { date: "2024-04-01", agentKey: testKey(4) });
    expect(r1.status, r1.reason).to.equal("executed");
    expect(r1.path).to.equal("module");
    const row = (await rt.journal.get(r1.hash!))!;
    const orders = cowOrdersOf(row);
    expect(orders, "the decision record keeps the order").to.have.length(1);
    const { uid, order } = orders[0];
    const plan = row.body.plan as { calls: { to: string }[]; steps: { kind: string; protocol: string; description: string }[]; detail: { quotes: Record<string, { buyAmount: string }>; cowOrders: { oracleMinOut: string; quotedBuyAmount: string }[] } };
    expect(plan.steps.map((s) => `${s.kind}:${s.protocol}`)).to.deep.equal(["swap:cow"]);
    expect(plan.calls.map((c) => getAddress(c.to))).to.deep.equal([weth, getAddress(d.cow!.settlement)]); // exact approval, pre-signature
    expect(plan.steps[0].description).to.include(uid);
    // The limit: never below the oracle's minimum; tightened to the quote less the slippage.
    const { oracleMinOut, quotedBuyAmount } = plan.detail.cowOrders[0];
    expect(BigInt(order.buyAmount)).to.be.gte(BigInt(oracleMinOut));
    expect(BigInt(order.buyAmount)).to.equal([(BigInt(quotedBuyAmount) * 9_900n) / 10_000n, BigInt(oracleMinOut)].reduce((a, b) => (a > b ? a : b)));
    // Nothing moved yet; the module metered the order like a swap of its sell amount.
    expect(await balance(weth)).to.equal(weth0);
    expect(await balance(usdc)).to.equal(usdc0);
    const ev = await client.getContractEvents({ address: rt.addresses.module, abi: moduleAbi, eventName: "AgentExecuted", args: { decisionHash: r1.hash }, fromBlock: 0n });
    expect(Number(ev[0].args.sizeUsd! / 10n ** 18n)).to.be.within(19_000, 21_000);
    expect(await client.readContract({ address: weth, abi: erc20Abi, functionName: "allowance", args: [safe, getAddress(d.cow!.vaultRelayer)] })).to.equal(BigInt(order.sellAmount));

    // The order book has it, open; `treasury status` lists it.
    const api = new CowOrderBook({ baseUrl: book.url });
    expect((await api.getOrder(uid)).status).to.equal("open");
    const s1 = await readStatus(rt);
    expect(s1.openOrders).to.have.length(1);
    expect(formatStatus(s1)).to.match(/open CoW orders: 1\n.*open: sell/);

    // 2. The next cycle wants the same: WETH has an order out, so nothing is sold twice.
    const r2 = await runCycle(rt.ctx, sell, { date: "2024-04-02", agentKey: testKey(4) });
    expect(r2.status, r2.reason).to.equal("skipped");
    expect(r2.reason).to.match(/WETH: an order for it is still open/);

    // 3. The local solver fills it at the oracle price: the Safe receives at least the limit.
    const solver = new Wallet(testKey(0), new JsonRpcProvider(chain.rpcUrl, undefined, { cacheTimeout: -1 }));
    const solved = await book.app.settleOpen((s) => solveCowOrder(solver, d as never, d, d.cow!, s.order, s.owner));
    expect(solved).to.deep.equal([uid]);
    const filled = await api.getOrder(uid);
    expect(filled.status).to.equal("fulfilled");
    expect((await balance(usdc)) - usdc0).to.be.gte(BigInt(order.buyAmount));
    expect(weth0 - (await balance(weth))).to.equal(BigInt(order.sellAmount));
    expect((await readStatus(rt)).openOrders).to.deep.equal([]);

    // 4. The proceeds are cash now: the next cycle deposits stable cash (Aave), no swap needed (DAI
    // first: unlike USDC it has nowhere else to go).
    const deposit = stepsWith((cur) => ({ ...cur, usdc: cur.usdc - 0.05, aaveUsdc: cur.aaveUsdc + 0.05 }));
    const r3 = await runCycle(rt.ctx, deposit, { date: "2024-04-03", agentKey: testKey(4) });
    expect(r3.status, r3.reason).to.equal("executed");
    const plan3 = (await rt.journal.get(r3.hash!))!.body.plan as { steps: { kind: string; protocol: string }[] };
    expect(plan3.steps.map((s) => `${s.kind}:${s.protocol}`)).to.deep.equal(["deposit:aave-v3"]);
    const aTokens = [d.aave.aTokens.USDC!, d.aave.aTokens.DAI!].map((a) => getAddress(a));
    const supplied = await Promise.all(aTokens.map((a) => client.readContract({ address: a, abi: parseAbi(["function balanceOf(address) view returns (uint256)"]), functionName: "balanceOf", args: [safe] })));
    expect(supplied.some((b) => b > 0n)).to.equal(true);
  });

  it("the owners' path: the order waits for the owners (presignaturePending), their execution pre-signs it, the solver fills it", async () => {
    const d = chain.deployment;
    const sell = stepsWith((cur) => ({ ...cur, eth: cur.eth - 0.06, usdc: cur.usdc + 0.06 }));
    const r = await runCycle(rt.ctx, sell, { date: "2024-04-05", agentKey: testKey(4), forceProposal: true });
    expect(r.status, r.reason).to.equal("proposed");
    const [{ uid, order }] = cowOrdersOf((await rt.journal.get(r.hash!))!);
    const api = new CowOrderBook({ baseUrl: book.url });
    expect((await api.getOrder(uid)).status).to.equal("presignaturePending");
    expect(((await readStatus(rt)).openOrders as { uid: string; status: string }[]).map((o) => [o.uid, o.status])).to.deep.equal([[uid, "presignaturePending"]]);
    const cfg = rt.ctx.safeCfg!;
    await confirmProposed(cfg, r.safeTxHash!, testKey(1));
    await confirmProposed(cfg, r.safeTxHash!, testKey(2));
    await executeProposed(cfg, r.safeTxHash!, testKey(1));
    expect((await api.getOrder(uid)).status).to.equal("open");
    const usdc0 = await balance(usdc);
    const solver = new Wallet(testKey(0), new JsonRpcProvider(chain.rpcUrl, undefined, { cacheTimeout: -1 }));
    expect(await book.app.settleOpen((s) => solveCowOrder(solver, d as never, d, d.cow!, s.order, s.owner))).to.deep.equal([uid]);
    expect((await api.getOrder(uid)).status).to.equal("fulfilled");
    expect((await balance(usdc)) - usdc0).to.be.gte(BigInt(order.buyAmount));
  });

  it("the order book refuses the order (a 5xx, then a 4xx): nothing is sent, the reason is recorded", async () => {
    // Quotes pass through to the local order book; POST /api/v1/orders answers what the test says.
    let answer = { status: 500, body: { errorType: "InternalServerError", description: "down for maintenance" } };
    const proxy = http.createServer((req, res) => {
      let body = "";
      req.on("data", (c) => (body += c));
      req.on("end", async () => {
        if (req.method === "POST" && req.url === "/api/v1/orders") return res.writeHead(answer.status, { "content-type": "application/json" }).end(JSON.stringify(answer.body));
        const r = await fetch(`${book.url}${req.url}`, { method: req.method, headers: { "content-type": "application/json" }, body: req.method === "GET" ? undefined : body });
        res.writeHead(r.status, { "content-type": r.headers.get("content-type") ?? "application/json" }).end(await r.text());
      });
    });
    await new Promise<void>((r) => proxy.listen(0, "127.0.0.1", r));
    const rt2 = await openRuntime({ env: { ...env, COW_API_URL: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}` } });
    try {
      const steps = stepsWithTarget(rt2, env, (cur) => ({ ...cur, eth: cur.eth - 0.06, usdc: cur.usdc + 0.06 }), "test");
      const executed = async () => (await client.getContractEvents({ address: rt.addresses.module, abi: moduleAbi, eventName: "AgentExecuted", fromBlock: 0n })).length;
      const before = await executed();
      const r = await runCycle(rt2.ctx, steps, { date: "2024-04-20", agentKey: testKey(4) });
      expect(r.status).to.equal("failed");
      expect(r.reason).to.match(/the order book did not take the plan's orders: .*HTTP 500 InternalServerError: down for maintenance/);
      answer = { status: 400, body: { errorType: "InsufficientAllowance", description: "order owner must give allowance to VaultRelayer" } };
      const r2 = await runCycle(rt2.ctx, steps, { date: "2024-04-21", agentKey: testKey(4) });
      expect(r2.status).to.equal("failed");
      expect(r2.reason).to.match(/HTTP 400 InsufficientAllowance/);
      expect(await executed()).to.equal(before); // nothing reached the chain
      expect((await rt2.journal.get(r2.hash!))!.reason).to.match(/InsufficientAllowance/);
    } finally {
      await rt2.close();
      proxy.closeAllConnections();
      await new Promise((r) => proxy.close(r));
    }
  });

  it("a quote below the oracle's minimum is not traded: the leg is left out and the reason recorded", async () => {
    const d = chain.deployment;
    // A local market 3% under the oracle: with 1% slippage the quote cannot meet the oracle's minimum.
    const bad = await startLocalOrderBook({ rpcUrl: chain.rpcUrl, deployment: d, spreadBps: 300 });
    const rt2 = await openRuntime({ env: { ...env, COW_API_URL: bad.url } });
    try {
      // 6 points: clearly over the 5-point drift band (exactly 5 sits on its edge and is not traded).
      const steps = stepsWithTarget(rt2, env, (cur) => ({ ...cur, eth: cur.eth - 0.06, usdc: cur.usdc + 0.06 }), "test");
      const r = await runCycle(rt2.ctx, steps, { date: "2024-04-10", agentKey: testKey(4) });
      expect(r.status).to.equal("skipped");
      expect(r.reason).to.match(/sell-WETH: no cow route or the quote is below the oracle minimum/);
      expect(bad.app.orders.size).to.equal(0);
    } finally {
      await rt2.close();
      await bad.close();
    }
  });
});
