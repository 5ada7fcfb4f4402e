// One writer per journal, one agent per Safe, and what the agent learns from the chain and the
// transaction service, on the local world with child processes: a second process refused while the
// agent holds the journal; `treasury sign`/`execute` next to the running agent, which then records
// the execution; a proposal overtaken by the owners (superseded, proposed again at the new nonce);
// a service that stores something else than what was proposed (read back, compared); two processes
// started together on one decision (one transaction); a reorg that removes an execution (reopened,
// the same signed bytes sent again, final after the confirmations).
import { expect } from "chai";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import SafeApiKit from "@safe-global/api-kit";
import { createWalletClient, getAddress, http as viemHttp, type Address, type Hex, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { treasuryValuationAbi } from "../../../lib/chain";
import { confirmProposed, executeProposed, proposeBatch, startTxService, type TxService } from "../../../agent/src/safe";
import { openRuntime, type Runtime } from "../../../agent/src/cycle/runtime";
import { runCycle } from "../../../agent/src/cycle/once";
import { readStatus } from "../../../agent/src/cycle/status";
import type { CycleSteps, Planned } from "../../../agent/src/cycle/types";
import type { Portfolio } from "../../../agent/src/chain/types";
import { Journal, JournalLockedError, LIVE } from "../../../agent/src/journal";
import { moduleAbi, ownerCalls } from "../../../agent/src/execute";
import { startLocalChain, testKey, type LocalChain } from "../../../scripts/world/childChain";
import { aaveSupplyPlan, fixedPlanSteps } from "../helpers/fixedPlan";
import { usdNumber } from "../../../agent/src/usd";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const ACT_CHILD = path.join(__dirname, "fixtures", "actChild.ts");

interface Run {
  code: number | null;
  out: string;
  err: string;
}

function spawnNode(args: string[], env: Record<string, string>, onErr?: (all: string) => void): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let out = "", err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => ((err += d), onErr?.(err)));
    child.on("exit", (code) => resolve({ code, out, err }));
  });
}

describe("agent/cycle: one writer per journal, one agent per Safe, the chain as the truth", function () {
  this.timeout(900_000);
  let chain: LocalChain;
  let svc: TxService;
  let rt: Runtime;
  let client: PublicClient;
  let env: Record<string, string>;
  let dir: string;
  let safe: Address, module: Address, usdc: Address, pool: Address;

  const cli = (args: string[], extra: Record<string, string> = {}) => spawnNode([path.join(ROOT, "agent", "bin", "treasury.js"), ...args], { ...env, ...extra });
  const actChild = (dataDir: string, extra: Record<string, string>, onErr?: (all: string) => void) => spawnNode([path.join(ROOT, "node_modules", ".bin", "ts-node"), "--transpile-only", ACT_CHILD], { ...env, AGENT_DATA_DIR: dataDir, LOG_LEVEL: "warn", ...extra }, onErr);
  const supplyPlan = (usd: number): Planned => aaveSupplyPlan({ usd, token: usdc, symbol: "USDC", decimals: 6, pool, safe });
  /** The default steps with the batch fixed (the strategy's day only feeds the record). */
  const stepsFor = (plan: () => Planned): CycleSteps<Portfolio> => fixedPlanSteps(rt, env, plan, { risk: undefined });
  const cycle = (date: string) => runCycle(rt.ctx, stepsFor(() => supplyPlan(60_000)), { date, agentKey: testKey(4) });
  const live = async (date: string) => (await rt.journal.byCycle(`${rt.addresses.chainId}:${safe}:${date}`)).filter((r) => (LIVE as readonly string[]).includes(r.status));
  const executedFor = async (hash: Hex) => client.getContractEvents({ address: module, abi: moduleAbi, eventName: "AgentExecuted", args: { decisionHash: hash }, fromBlock: 0n });

  before(async () => {
    chain = await startLocalChain("i17-writer");
    svc = await startTxService({ rpcUrl: chain.rpcUrl });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "i17-writer-"));
    const depFile = path.join(dir, "deployment.json");
    fs.writeFileSync(depFile, JSON.stringify(chain.deployment));
    const d = chain.deployment;
    safe = getAddress(d.treasury!.safe);
    usdc = getAddress(d.tokens.USDC!);
    pool = getAddress(d.aave.pool);
    env = { RPC_URL: chain.rpcUrl, DEPLOYMENTS_FILE: depFile, AGENT_DATA_DIR: path.join(dir, "agent"), SAFE_TX_SERVICE_URL: svc.url, AGENT_PRIVATE_KEY: testKey(4), LOG_LEVEL: "silent", ANTHROPIC_API_KEY: "" };
    const owner1 = createWalletClient({ account: privateKeyToAccount(testKey(1)), chain: foundry, transport: viemHttp(chain.rpcUrl) });
    await new SafeApiKit({ chainId: BigInt(d.chainId), txServiceUrl: svc.url }).addSafeDelegate({ safeAddress: safe, delegateAddress: privateKeyToAccount(testKey(4)).address, delegatorAddress: owner1.account.address, label: "agent", signer: owner1 });
    // This process is "the running agent": it holds the embedded journal as `treasury run` does.
    rt = await openRuntime({ env, journal: "agent" });
    client = rt.ctx.client;
    module = rt.addresses.module;
  });
  after(async () => {
    await rt?.close();
    await svc?.close();
    await chain?.stop();
  });

  it("a second process on the held journal is refused at start (exit 2, who holds it, what to do); status still answers from the chain", async () => {
    const second = await cli(["once", "--date", "2024-02-06", "--json"]);
    expect(second.code, second.err).to.equal(2);
    expect(second.err.trim().split("\n")).to.have.length(1);
    expect(second.err).to.match(new RegExp(`journal in .* is in use by process ${process.pid} on .*: one process writes a journal at a time; stop that process first`));
    const status = await cli(["status", "--json"]);
    expect(status.code, status.err).to.equal(0);
    expect(JSON.parse(status.out)).to.include({ journal: "held by the running agent: its dashboard and /api show the decisions" });
    // In this process too: a second open of the same folder is refused, not shared.
    const e = await Journal.open({ dataDir: env.AGENT_DATA_DIR }).then(() => null, (x) => x);
    expect(e).to.be.instanceOf(JournalLockedError);
  });

  it("the README's flow next to the running agent: sign and execute in other processes; the agent's next cycle records the execution (status and NAV as on chain)", async () => {
    const date = "2024-03-01";
    const r = await cycle(date);
    expect(r.status, r.reason).to.equal("proposed");
    for (const k of [1, 2]) {
      const s = await cli(["sign", r.safeTxHash!, "--json"], { SIGNER_PRIVATE_KEY: testKey(k) });
      expect(s.code, s.err).to.equal(0);
    }
    const x = await cli(["execute", r.safeTxHash!, "--json"], { SIGNER_PRIVATE_KEY: testKey(1) });
    expect(x.code, x.err).to.equal(0);
    const executed = JSON.parse(x.out);
    expect(executed.journal).to.equal("the running agent records the execution at its next cycle (it holds the journal)");
    expect((await rt.journal.get(r.hash!))!.status, "not written by the other process").to.equal("proposed");

    const next = await cycle(date);
    expect(next.status).to.equal("already");
    expect(next.reconciled).to.deep.equal([{ hash: r.hash, from: "proposed", to: "executed", how: `DecisionRecorded found in ${executed.txHash} (executed by the owners)` }]);
    const s = await readStatus(rt); // what /api/status and the dashboard serve
    expect(s.recent.find((d) => d.hash === r.hash)).to.include({ status: "executed", tx: r.safeTxHash });
    const nav = await client.readContract({ address: rt.addresses.valuation, abi: treasuryValuationAbi, functionName: "nav" });
    expect(s.navUsd).to.equal(usdNumber(nav));
  });

  it("a proposal overtaken by the owners (another transaction at its nonce) becomes superseded, with the reason; the day is proposed again at the new nonce", async () => {
    const date = "2024-03-02";
    const first = await cycle(date);
    expect(first.status, first.reason).to.equal("proposed");
    const firstRow = (await rt.journal.get(first.hash!))!;
    // The owners use that nonce for something of their own.
    const cfg = { ...rt.ctx.safeCfg!, txServiceUrl: svc.url };
    const own = await proposeBatch(cfg, { calls: ownerCalls(rt.addresses.policy, supplyPlan(100).calls, `0x${"11".repeat(32)}`).slice(0, 2), proposerKey: testKey(1), rationale: "the owners' own", nonce: firstRow.safeNonce });
    await confirmProposed(cfg, own.safeTxHash, testKey(2));
    await executeProposed(cfg, own.safeTxHash, testKey(1));

    const again = await cycle(date);
    expect(again.reconciled).to.have.length(1);
    expect(again.reconciled[0]).to.include({ hash: first.hash, from: "proposed", to: "superseded" });
    expect((again.reconciled[0] as { how: string }).how).to.match(new RegExp(`the Safe's nonce ${firstRow.safeNonce} was used by another transaction without this decision's DecisionRecorded`));
    expect(again.status, again.reason).to.equal("proposed");
    expect(again.hash).to.not.equal(first.hash);
    const row = (await rt.journal.get(again.hash!))!;
    expect(row.safeNonce).to.equal(firstRow.safeNonce + 1);
    expect((await live(date)).map((x) => x.hash)).to.deep.equal([again.hash]);
    expect((await rt.journal.get(first.hash!))!).to.include({ status: "superseded" });
  });

  it("the service stores another transaction than the one proposed: the cycle fails (nothing recorded as proposed), and the next one plans the day again", async () => {
    const date = "2024-03-03";
    svc.faults.push({ kind: "alter", fields: { value: "1" } });
    const r = await cycle(date);
    expect(r.status).to.equal("failed");
    expect(r.reason).to.match(/^propose: the transaction service stores a different transaction under 0x[0-9a-f]{64} than the one proposed \(value 1 ≠ 0\): not recorded as proposed; do not sign it$/);
    expect((await rt.journal.get(r.hash!))!).to.include({ status: "failed" });
    expect(await live(date)).to.deep.equal([]);
  });

  it("the service answers 201 but does not keep the proposal: left to reconciliation, which proposes it again at the same nonce (one proposal)", async () => {
    const date = "2024-03-04";
    svc.faults.push({ kind: "drop" });
    const r = await cycle(date);
    expect(r.status).to.equal("failed");
    expect(r.reason).to.match(/answered 201 for 0x[0-9a-f]{64} but does not serve it: left to reconciliation/);
    const row = (await rt.journal.get(r.hash!))!;
    expect(row.status).to.equal("proposing");
    const next = await cycle(date);
    expect(next.reconciled[0]).to.include({ hash: r.hash, from: "proposing", to: "proposed" });
    expect(next.status).to.equal("already");
    const served = await new SafeApiKit({ chainId: BigInt(rt.addresses.chainId), txServiceUrl: svc.url }).getTransaction(row.safeTxHash!);
    expect(Number(served.nonce)).to.equal(row.safeNonce);
  });

  it("two processes started together on the same decision: one transaction on chain", async () => {
    const block = String(await client.getBlockNumber());
    const dataDir = path.join(dir, "race");
    // Both started; neither acts before each has opened the journal or been refused (ACT_GATE).
    // Then the first acts and ends before the second goes on, as with two `run`s 1.5 s apart: the
    // second's view of the journal (opened before the first wrote) must not let it act again.
    const gates = [path.join(dir, "race-gate-0"), path.join(dir, "race-gate-1")];
    const settled: Promise<void>[] = [];
    const runs = gates.map((gate) => {
      let ready!: () => void;
      settled.push(new Promise<void>((r) => (ready = r)));
      const run = actChild(dataDir, { ACT_CYCLE: "race", ACT_BLOCK: block, ACT_GATE: gate }, (all) => all.includes("journal open") && ready());
      void run.then(() => ready());
      return run;
    });
    await Promise.all(settled);
    fs.writeFileSync(gates[0], "go");
    const firstDone = await runs[0];
    fs.writeFileSync(gates[1], "go");
    const both = [firstDone, await runs[1]];
    const outs = both.map((b) => (b.code === 0 ? JSON.parse(b.out) : null));
    const acted = outs.filter((o) => o?.status === "executed");
    expect(acted, both.map((b) => b.err).join("\n")).to.have.length(1);
    // The other one never got the journal: refused at open by the lock, while the first held it.
    const other = both[outs.findIndex((o) => o?.status !== "executed")];
    expect(other.code, other.err).to.equal(1);
    expect(other.err).to.match(/the journal in .* is in use by process \d+/);
    expect(other.err).to.not.include("journal open");
    expect(await executedFor(acted[0].hash)).to.have.length(1);
  });

  it("a reorg removes the block with the agent's execution before its confirmations: reopened, the same signed bytes sent again; final once deep enough", async () => {
    const dataDir = path.join(dir, "reorg");
    const snap = await client.request({ method: "evm_snapshot" as never, params: [] as never });
    const block = String(await client.getBlockNumber());
    const first = await actChild(dataDir, { ACT_CYCLE: "reorg", ACT_BLOCK: block });
    expect(first.code, first.err).to.equal(0);
    const res = JSON.parse(first.out);
    expect(res.status).to.equal("executed");
    const [ev] = await executedFor(res.hash);
    const j = async () => {
      const jj = await Journal.open({ dataDir });
      try {
        return (await jj.get(res.hash))!;
      } finally {
        await jj.close();
      }
    };
    expect(await j()).to.include({ status: "executed", final: false });

    await client.request({ method: "evm_revert" as never, params: [snap] as never });
    expect(await client.getTransactionReceipt({ hash: ev.transactionHash }).catch(() => null), "the block is gone").to.equal(null);

    const after = await actChild(dataDir, { ACT_CYCLE: "reorg", ACT_BLOCK: block });
    expect(after.code, after.err).to.equal(0);
    const out = JSON.parse(after.out);
    expect(out.reconciled).to.have.length(1);
    expect(out.reconciled[0]).to.include({ hash: res.hash, from: "executed", to: "executed" });
    expect(out.reconciled[0].how).to.match(/no longer in the chain \(a reorg removed its block\) before 2 confirmations; reopened: .*re-broadcast unchanged/);
    expect(out.status).to.equal("already");
    expect((await executedFor(res.hash)).map((e) => e.transactionHash)).to.deep.equal([ev.transactionHash]);
    expect(await j()).to.include({ status: "executed", final: false });

    await client.request({ method: "anvil_mine" as never, params: ["0x2"] as never });
    const third = await actChild(dataDir, { ACT_CYCLE: "reorg", ACT_BLOCK: block });
    expect(JSON.parse(third.out)).to.deep.include({ reconciled: [], status: "already" });
    expect(await j()).to.include({ status: "executed", final: true });
  });
});
