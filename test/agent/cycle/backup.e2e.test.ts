// `treasury backup` / `treasury restore` of the embedded journal on the local world: a backup read
// back in an empty folder gives the same decisions; both verbs refused while the agent holds the
// journal; a damaged file, a journal with records and another Safe's backup refused with nothing
// lost; and a restored older backup does not make the agent execute a day a second time (the chain's
// AgentExecuted after the backup holds the day).
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { getAddress, type Address, type PublicClient } from "viem";
import { openRuntime, type Runtime } from "../../../agent/src/cycle/runtime";
import { runCycle } from "../../../agent/src/cycle/once";
import type { CycleSteps, Planned } from "../../../agent/src/cycle/types";
import type { Portfolio } from "../../../agent/src/chain/types";
import { moduleAbi } from "../../../agent/src/execute";
import { startLocalChain, testKey, type LocalChain } from "../../../scripts/world/childChain";
import { aaveSupplyPlan, fixedPlanSteps } from "../helpers/fixedPlan";
import { runTreasury } from "../../helpers/treasuryCli";

describe("treasury backup / restore (embedded journal, local world)", function () {
  this.timeout(1_200_000);
  let chain: LocalChain;
  let client: PublicClient;
  let env: Record<string, string>;
  let dir: string;
  let safe: Address, usdc: Address, pool: Address, module: Address;
  const dataA = () => path.join(dir, "a");

  const supplyPlan = (usd: number): Planned => aaveSupplyPlan({ usd, token: usdc, symbol: "USDC", decimals: 6, pool, safe });
  const stepsFor = (rt: Runtime): CycleSteps<Portfolio> => fixedPlanSteps(rt, env, () => supplyPlan(500), { risk: undefined });
  /** One cycle as `treasury once` runs it, in this process (the journal held for its length). */
  const cycleIn = async (dataDir: string, date: string) => {
    const rt = await openRuntime({ env: { ...env, AGENT_DATA_DIR: dataDir }, journal: "agent" });
    try {
      return await runCycle(rt.ctx, stepsFor(rt), { date, agentKey: testKey(4) });
    } finally {
      await rt.close();
    }
  };
  const cli = (dataDir: string, ...args: string[]) => runTreasury({ ...env, AGENT_DATA_DIR: dataDir }, ...args);
  const recent = async (dataDir: string) => {
    const r = await cli(dataDir, "status", "--json");
    expect(r.code, r.err).to.equal(0);
    return (JSON.parse(r.out) as { recent: { date: string; hash: string; status: string }[] }).recent.map((x) => `${x.date} ${x.status} ${x.hash}`).sort();
  };
  const executions = async () => (await client.getContractEvents({ address: module, abi: moduleAbi, eventName: "AgentExecuted", fromBlock: 0n })).length;

  let backup1: string;
  let day1: string[];
  let day2Hash: string;

  before(async () => {
    chain = await startLocalChain("ops2-backup");
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "ops2-backup-"));
    const depFile = path.join(dir, "deployment.json");
    fs.writeFileSync(depFile, JSON.stringify(chain.deployment));
    const d = chain.deployment;
    safe = getAddress(d.treasury!.safe);
    usdc = getAddress(d.tokens.USDC!);
    pool = getAddress(d.aave.pool);
    env = { RPC_URL: chain.rpcUrl, DEPLOYMENTS_FILE: depFile, AGENT_PRIVATE_KEY: testKey(4), LOG_LEVEL: "silent", ANTHROPIC_API_KEY: "", SAFE_TX_SERVICE_URL: "", DATABASE_URL: "" };
    const rt = await openRuntime({ env: { ...env, AGENT_DATA_DIR: dataA() } });
    client = rt.ctx.client;
    module = rt.addresses.module;
    await rt.close();
  });
  after(async () => {
    await chain?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("backup → a new empty folder → restore: status reads the same decisions", async () => {
    const r = await cycleIn(dataA(), "2024-03-04");
    expect(r.status, r.reason).to.equal("executed");
    day1 = await recent(dataA());
    expect(day1).to.have.length(1);
    backup1 = path.join(dir, "day1.backup");
    const b = await cli(dataA(), "backup", "--out", backup1, "--json");
    expect(b.code, b.err).to.equal(0);
    expect(JSON.parse(b.out)).to.include({ decisions: 1, chainId: chain.deployment.chainId, safe });
    const fresh = path.join(dir, "fresh");
    const x = await cli(fresh, "restore", backup1);
    expect(x.code, x.err).to.equal(0);
    expect(x.out).to.match(/^restored 1 decisions and \d+ events/);
    expect(await recent(fresh)).to.deep.equal(day1);
  });

  it("both verbs refused while the agent holds the journal (one line: stop the agent; pg_dump on Postgres)", async () => {
    const rt = await openRuntime({ env: { ...env, AGENT_DATA_DIR: dataA() }, journal: "agent" });
    try {
      const b = await cli(dataA(), "backup", "--out", path.join(dir, "while-running.backup"));
      expect(b.code).to.equal(2);
      expect(b.err.trim().split("\n")).to.have.length(1);
      expect(b.err).to.match(new RegExp(`in use by process ${process.pid} .*a consistent backup needs the journal to itself; stop the agent.*pg_dump`));
      expect(fs.existsSync(path.join(dir, "while-running.backup"))).to.equal(false);
      const x = await cli(dataA(), "restore", backup1, "--force");
      expect(x.code).to.equal(2);
      expect(x.err).to.match(/in use by process .*restore never replaces a journal a running agent writes; stop the agent first/);
    } finally {
      await rt.close();
    }
    expect(await recent(dataA())).to.deep.equal(day1);
  });

  it("damaged, truncated, another Safe's backup, or a journal with records: refused, nothing lost", async () => {
    const r = await cycleIn(dataA(), "2024-03-05");
    expect(r.status, r.reason).to.equal("executed");
    day2Hash = r.hash!;
    const before = await recent(dataA());
    expect(before).to.have.length(2);

    const bytes = fs.readFileSync(backup1);
    const damaged = path.join(dir, "damaged.backup");
    const flipped = Buffer.from(bytes);
    flipped[flipped.length - 100] ^= 0xff;
    fs.writeFileSync(damaged, flipped);
    let x = await cli(dataA(), "restore", damaged, "--force");
    expect(x.code).to.equal(2);
    expect(x.err).to.match(/damaged\.backup is not a usable journal backup: the SHA-256 of its data does not match its header \(the file is damaged\); nothing was changed/);

    const truncated = path.join(dir, "truncated.backup");
    fs.writeFileSync(truncated, bytes.subarray(0, bytes.length - 4096));
    x = await cli(dataA(), "restore", truncated, "--force");
    expect(x.code).to.equal(2);
    expect(x.err).to.match(/holds \d+ bytes of data where its header says \d+ \(truncated or appended to\)/);

    const junk = path.join(dir, "junk.backup");
    fs.writeFileSync(junk, "not a backup\n");
    x = await cli(dataA(), "restore", junk);
    expect(x.code).to.equal(2);
    expect(x.err).to.match(/does not start like a file written by `treasury backup`/);

    x = await runTreasury({ ...env, AGENT_DATA_DIR: dataA(), SAFE_ADDRESS: "0x000000000000000000000000000000000000dEaD" }, "restore", backup1);
    expect(x.code).to.equal(2);
    expect(x.err).to.match(new RegExp(`is a journal of the Safe ${safe} on chain ${chain.deployment.chainId}, not of the configured 0x000000000000000000000000000000000000dEaD`));

    x = await cli(dataA(), "restore", backup1);
    expect(x.code).to.equal(2);
    expect(x.err).to.match(/already holds 2 decisions and \d+ events: restore does not overwrite a journal that has records; pass --force/);

    expect(await recent(dataA()), "the journal is as it was").to.deep.equal(before);
    expect(fs.readdirSync(dataA()).filter((f) => /restoring|before-restore/.test(f)), "no staging or kept-aside folder left").to.deep.equal([]);
  });

  it("an older backup restored over the journal: the old folder kept aside, and the next cycle does not execute the same day again", async () => {
    const n = await executions();
    const x = await cli(dataA(), "restore", backup1, "--force", "--json");
    expect(x.code, x.err).to.equal(0);
    const out = JSON.parse(x.out) as { keptAside: string; replaced: { decisions: number } };
    expect(out.replaced.decisions).to.equal(2);
    expect(fs.existsSync(path.join(out.keptAside, "PG_VERSION")), "the replaced journal is kept aside").to.equal(true);
    expect(await recent(dataA())).to.deep.equal(day1);

    // Day 2 was executed after the backup: the restored journal does not know it.
    const r = await cycleIn(dataA(), "2024-03-05");
    expect(r.status, r.reason).to.equal("already");
    expect(r.hash).to.equal(day2Hash);
    expect(r.reconciled).to.have.length(1);
    expect(r.reconciled[0]).to.include({ hash: day2Hash, from: "unknown", to: "executed" });
    expect(await executions(), "no second execution of day 2").to.equal(n);

    // One look per restore: the next day acts as usual.
    const r3 = await cycleIn(dataA(), "2024-03-06");
    expect(r3.status, r3.reason).to.equal("executed");
    expect(r3.reconciled).to.deep.equal([]);
    expect(await executions()).to.equal(n + 1);
  });
});
