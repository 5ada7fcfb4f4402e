// A crash at any point of the act (after signing, after broadcasting, after computing the
// safeTxHash, after proposing), then a restart: the decision is executed or proposed exactly once.
// The child process is killed with SIGKILL at a point chosen by TREASURY_CRASH_AT.
import { expect } from "chai";
import { spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import SafeApiKit from "@safe-global/api-kit";
import { createPublicClient, createWalletClient, getAddress, http, type Address, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { startTxService, type TxService } from "../../../agent/src/safe";
import { Journal } from "../../../agent/src/journal";
import { moduleAbi } from "../../../agent/src/execute";
import { startLocalChain, testKey, type LocalChain } from "../../../scripts/world/childChain";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const CHILD = path.join(__dirname, "fixtures", "actChild.ts");

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  out: string;
  err: string;
}

describe("agent/cycle: a killed process never executes or proposes a decision twice", function () {
  this.timeout(600_000);
  let chain: LocalChain;
  let svc: TxService;
  let client: PublicClient;
  let api: SafeApiKit;
  let safe: Address, module: Address;
  let depFile: string, dataDir: string;

  const run = (env: Record<string, string>): Promise<Run> =>
    new Promise((resolve) => {
      const child = spawn(process.execPath, [path.join(ROOT, "node_modules", ".bin", "ts-node"), "--transpile-only", CHILD], {
        cwd: ROOT,
        env: { ...process.env, RPC_URL: chain.rpcUrl, DEPLOYMENTS_FILE: depFile, AGENT_DATA_DIR: dataDir, SAFE_TX_SERVICE_URL: svc.url, AGENT_PRIVATE_KEY: testKey(4), LOG_LEVEL: "warn", ...env },
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "", err = "";
      child.stdout.on("data", (d) => (out += d));
      child.stderr.on("data", (d) => (err += d));
      child.on("exit", (code, signal) => resolve({ code, signal, out, err }));
    });
  const executedFor = async (hash?: `0x${string}`) =>
    (await client.getContractEvents({ address: module, abi: moduleAbi, eventName: "AgentExecuted", args: hash ? { decisionHash: hash } : {}, fromBlock: 0n })).length;
  const journalRows = async (cycle: string) => {
    const j = await Journal.open({ dataDir });
    try {
      return await j.byCycle(`${chain.deployment.chainId}:${safe}:${cycle}`);
    } finally {
      await j.close();
    }
  };

  before(async () => {
    chain = await startLocalChain("i9-idem");
    svc = await startTxService({ rpcUrl: chain.rpcUrl });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "i9-idem-"));
    depFile = path.join(dir, "deployment.json");
    fs.writeFileSync(depFile, JSON.stringify(chain.deployment));
    dataDir = path.join(dir, "agent");
    safe = getAddress(chain.deployment.treasury!.safe);
    module = getAddress((chain.deployment.guardrails as Record<string, string>).module);
    client = createPublicClient({ transport: http(chain.rpcUrl) });
    api = new SafeApiKit({ chainId: BigInt(chain.deployment.chainId), txServiceUrl: svc.url });
    // The agent proposes as a delegate of owner #1 (the real service's rule: owner or delegate).
    const owner1 = createWalletClient({ account: privateKeyToAccount(testKey(1)), chain: foundry, transport: http(chain.rpcUrl) });
    await api.addSafeDelegate({ safeAddress: safe, delegateAddress: privateKeyToAccount(testKey(4)).address, delegatorAddress: owner1.account.address, label: "agent", signer: owner1 });
  });
  after(async () => {
    await svc?.close();
    await chain?.stop();
  });

  it("killed after broadcasting, before recording: the restart finds the transaction and does not send again", async () => {
    const before = await executedFor();
    const crashed = await run({ ACT_CYCLE: "c1", TREASURY_CRASH_AT: "after-send-before-record" });
    expect(crashed.signal, crashed.err).to.equal("SIGKILL");
    let rows = await journalRows("c1");
    expect(rows.map((r) => r.status)).to.deep.equal(["sending"]);
    expect(await executedFor(rows[0].hash)).to.equal(1); // it did go out

    const restart = await run({ ACT_CYCLE: "c1" });
    expect(restart.code, restart.err).to.equal(0);
    const res = JSON.parse(restart.out);
    expect(res.reconciled).to.have.length(1);
    expect(res.reconciled[0]).to.include({ hash: rows[0].hash, from: "sending", to: "executed" });
    expect(res.status).to.equal("already");
    rows = await journalRows("c1");
    expect(rows.map((r) => r.status)).to.deep.equal(["executed"]);
    expect((rows[0].outcome as { txHash: string }).txHash).to.equal(rows[0].txHash);
    expect(await executedFor()).to.equal(before + 1);

    const third = await run({ ACT_CYCLE: "c1" });
    expect(JSON.parse(third.out)).to.include({ status: "already" });
    expect(await executedFor()).to.equal(before + 1);
  });

  it("the journal lost after an execution (an older backup restored, a second journal on this Safe): the same decision is not sent again; the module's mark is read and the execution recorded", async () => {
    const block = String(await client.getBlockNumber());
    const first = await run({ ACT_CYCLE: "lost", ACT_BLOCK: block });
    expect(first.code, first.err).to.equal(0);
    const hash = JSON.parse(first.out).hash as `0x${string}`;
    expect(JSON.parse(first.out).status).to.equal("executed");
    const before = await executedFor();
    // A journal that never saw the execution decides the very same decision (same block, same body).
    const emptyDir = fs.mkdtempSync(path.join(os.tmpdir(), "i9-lost-"));
    const again = await run({ ACT_CYCLE: "lost", ACT_BLOCK: block, AGENT_DATA_DIR: emptyDir });
    expect(again.code, again.err).to.equal(0);
    expect(JSON.parse(again.out)).to.include({ status: "executed", hash });
    expect(await executedFor()).to.equal(before); // nothing new on chain
    const j = await Journal.open({ dataDir: emptyDir });
    try {
      const rows = await j.byCycle(`${chain.deployment.chainId}:${safe}:lost`);
      expect(rows.map((r) => r.status)).to.deep.equal(["executed"]);
      expect(rows[0].rawTx ?? null).to.equal(null); // it signed nothing
    } finally {
      await j.close();
    }
  });

  it("killed after signing, before broadcasting: the restart re-broadcasts the same signed bytes (nonce still free); executed once", async () => {
    const before = await executedFor();
    const crashed = await run({ ACT_CYCLE: "c2", TREASURY_CRASH_AT: "after-sign-before-send" });
    expect(crashed.signal, crashed.err).to.equal("SIGKILL");
    const [first] = await journalRows("c2");
    expect(first.status).to.equal("sending");
    expect(first.rawTx).to.match(/^0x02/);
    expect(await executedFor()).to.equal(before);
    expect(await client.getTransaction({ hash: first.txHash! }).catch(() => null)).to.equal(null); // never broadcast

    const restart = await run({ ACT_CYCLE: "c2" });
    expect(restart.code, restart.err).to.equal(0);
    const res = JSON.parse(restart.out);
    expect(res.reconciled).to.have.length(1);
    expect(res.reconciled[0]).to.include({ hash: first.hash, from: "sending", to: "executed" });
    expect(res.reconciled[0].how).to.match(/re-broadcast unchanged/);
    expect(res.status).to.equal("already");
    // The very transaction that was signed before the crash, not a new one.
    const ev = await client.getContractEvents({ address: module, abi: moduleAbi, eventName: "AgentExecuted", args: { decisionHash: first.hash }, fromBlock: 0n });
    expect(ev.map((e) => e.transactionHash)).to.deep.equal([first.txHash]);
    const rows = await journalRows("c2");
    expect(rows.map((r) => [r.hash, r.status, r.txHash])).to.deep.equal([[first.hash, "executed", first.txHash]]);
    expect(await executedFor()).to.equal(before + 1);
  });

  it("killed after signing, and the agent's nonce then used by another transaction: superseded, never re-signed for the same decision", async () => {
    const block = String(await client.getBlockNumber());
    const crashed = await run({ ACT_CYCLE: "c3", ACT_BLOCK: block, TREASURY_CRASH_AT: "after-sign-before-send" });
    expect(crashed.signal, crashed.err).to.equal("SIGKILL");
    const [first] = await journalRows("c3");
    expect(first.status).to.equal("sending");
    // Someone (an operator, another tool) uses the agent key's nonce for something else.
    const agentWallet = createWalletClient({ account: privateKeyToAccount(testKey(4)), chain: foundry, transport: http(chain.rpcUrl) });
    const burn = await agentWallet.sendTransaction({ to: agentWallet.account.address, value: 0n, nonce: first.agentNonce! });
    await client.waitForTransactionReceipt({ hash: burn });
    const nonceAfter = await client.getTransactionCount({ address: agentWallet.account.address });

    const restart = await run({ ACT_CYCLE: "c3", ACT_BLOCK: block });
    expect(restart.code, restart.err).to.equal(0);
    const res = JSON.parse(restart.out);
    expect(res.reconciled[0]).to.include({ hash: first.hash, from: "sending", to: "superseded" });
    expect(res.reconciled[0].how).to.match(/nonce \d+ was used by another transaction/);
    // The same decision again (same inputs, same hash): refused, not signed a second time.
    expect(res.status).to.equal("error");
    expect(res.why).to.match(/never signed for the same decision/);
    const rows = await journalRows("c3");
    expect(rows.map((r) => [r.hash, r.status, r.txHash])).to.deep.equal([[first.hash, "superseded", first.txHash]]);
    expect(await executedFor(first.hash)).to.equal(0);
    expect(await client.getTransactionCount({ address: agentWallet.account.address })).to.equal(nonceAfter); // nothing else sent
  });

  it("sent, then dropped from the mempool before it was mined: the restart re-broadcasts the same bytes; executed once", async () => {
    const before = await executedFor();
    await client.request({ method: "evm_setAutomine" as never, params: [false] as never });
    let first;
    try {
      const crashed = await run({ ACT_CYCLE: "c4", TREASURY_CRASH_AT: "after-send-recorded" });
      expect(crashed.signal, crashed.err).to.equal("SIGKILL");
      [first] = await journalRows("c4");
      expect(first.status).to.equal("sent");
      expect(await client.getTransaction({ hash: first.txHash! })).to.include({ blockNumber: null }); // in the mempool
      await client.request({ method: "anvil_dropTransaction" as never, params: [first.txHash] as never });
      expect(await client.getTransaction({ hash: first.txHash! }).catch(() => null)).to.equal(null);
    } finally {
      await client.request({ method: "evm_setAutomine" as never, params: [true] as never });
    }
    const restart = await run({ ACT_CYCLE: "c4" });
    expect(restart.code, restart.err).to.equal(0);
    const res = JSON.parse(restart.out);
    expect(res.reconciled[0]).to.include({ hash: first.hash, from: "sent", to: "executed" });
    expect(res.reconciled[0].how).to.match(/re-broadcast unchanged/);
    expect(res.status).to.equal("already");
    const ev = await client.getContractEvents({ address: module, abi: moduleAbi, eventName: "AgentExecuted", args: { decisionHash: first.hash }, fromBlock: 0n });
    expect(ev.map((e) => e.transactionHash)).to.deep.equal([first.txHash]);
    expect(await executedFor()).to.equal(before + 1);
  });

  for (const point of ["after-hash-before-propose", "after-propose-before-record"] as const) {
    it(`owner path, killed ${point}: one proposal in the transaction service`, async () => {
      const cycle = `p-${point}`;
      const crashed = await run({ ACT_CYCLE: cycle, ACT_PATH: "proposal", TREASURY_CRASH_AT: point });
      expect(crashed.signal, crashed.err).to.equal("SIGKILL");
      const [row] = await journalRows(cycle);
      expect(row.status).to.equal("proposing");
      const restart = await run({ ACT_CYCLE: cycle, ACT_PATH: "proposal" });
      expect(restart.code, restart.err).to.equal(0);
      const res = JSON.parse(restart.out);
      expect(res.reconciled[0]).to.include({ hash: row.hash, from: "proposing", to: "proposed" });
      expect(res.status).to.equal("already");
      const again = await run({ ACT_CYCLE: cycle, ACT_PATH: "proposal" });
      expect(JSON.parse(again.out)).to.deep.include({ reconciled: [], status: "already" });
      const pending = (await api.getPendingTransactions(safe)).results.filter((t) => t.safeTxHash === row.safeTxHash);
      expect(pending).to.have.length(1);
      const all = (await api.getPendingTransactions(safe)).results.filter((t) => t.nonce === String(row.safeNonce));
      expect(all, "no second proposal at the same nonce").to.have.length(1);
      expect(JSON.parse(pending[0].origin).name).to.equal("treasury-agent: idempotency test: supply 1,000 USDC to Aave");
    });
  }
});
