// The `treasury` command as scripts and service managers run it (a child process, its exit code),
// on the local world: a failed or aborted cycle is exit 1, a dead RPC is one line naming the URL
// (never "already" for a finished day), a key that is not a registered agent or not a delegate is
// exit 2 naming its setting before any cycle, an owners' simulation failing with GS013 names the
// inner call's reason (anvil answers eth_simulateV1), and the README's `once --date 2024-02-05` runs with the env it documents.
import { expect } from "chai";
import { execFile } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import SafeApiKit from "@safe-global/api-kit";
import { createPublicClient, createWalletClient, getAddress, http as viemHttp, type PublicClient } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { startTxService, type TxService } from "../../../agent/src/safe";
import { readPortfolio } from "../../../agent/src/chain/portfolio";
import { simulateOwnerBatch } from "../../../agent/src/chain/simulate";
import { aaveSupply, approve, erc20Abi } from "../../../lib/chain";
import { freePort } from "../../../scripts/processes";
import { startLocalChain, testKey, type LocalChain } from "../../../scripts/world/childChain";

const BIN = path.resolve(__dirname, "..", "..", "..", "agent", "bin", "treasury.js");

interface Run {
  code: number | null;
  out: string;
  err: string;
}

/** `treasury …` as a child process with `env` over a clean environment (no keys of the caller). */
function treasury(env: Record<string, string>, ...args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !/PRIVATE_KEY|ANTHROPIC|SAFE_|RPC_URL|AGENT_|DATABASE_URL|DEPLOYMENTS_FILE/.test(k)));
    const child = execFile(process.execPath, [BIN, ...args], { env: { ...base, LOG_LEVEL: "silent", ...env }, encoding: "utf8" }, (_e, out, err) => resolve({ code: child.exitCode, out, err }));
  });
}

describe("agent/cycle: the treasury command's exit codes and start checks (child process)", function () {
  this.timeout(600_000);
  let chain: LocalChain;
  let svc: TxService;
  let dir: string;
  let env: Record<string, string>;

  before(async () => {
    chain = await startLocalChain("preflight");
    svc = await startTxService({ rpcUrl: chain.rpcUrl });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "preflight-"));
    const depFile = path.join(dir, "deployment.json");
    fs.writeFileSync(depFile, JSON.stringify(chain.deployment));
    // What agent/README.md documents for `once` on the local world (with the RPC and service npm start prints).
    env = { RPC_URL: chain.rpcUrl, DEPLOYMENTS_FILE: depFile, SAFE_TX_SERVICE_URL: svc.url, AGENT_DATA_DIR: path.join(dir, "journal"), AGENT_PRIVATE_KEY: testKey(4) };
  });
  /** The owners add the agent key as a delegate (as npm start does, and owners do once in the Safe web app); idempotent. */
  const addDelegate = async () => {
    const d = chain.deployment;
    const owner1 = createWalletClient({ account: privateKeyToAccount(testKey(1)), chain: foundry, transport: viemHttp(chain.rpcUrl) });
    await new SafeApiKit({ chainId: BigInt(d.chainId), txServiceUrl: svc.url }).addSafeDelegate({ safeAddress: getAddress(d.treasury!.safe), delegateAddress: privateKeyToAccount(testKey(4)).address, delegatorAddress: owner1.account.address, label: "agent", signer: owner1 });
  };
  after(async () => {
    await svc?.close();
    await chain?.stop();
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
  });

  it("a dead RPC: once exits 1 with one line naming the URL and what to check", async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    const r = await treasury({ ...env, RPC_URL: dead }, "once", "--date", "2024-02-05");
    expect(r.code, r.err).to.equal(1);
    expect(r.err.trim().split("\n")).to.have.length(1);
    expect(r.err).to.match(new RegExp(`^error: the RPC at ${dead} did not answer \\(HTTP request to ${dead}/? failed \\(fetch failed\\)\\): check that the node is running and that RPC_URL points at it`));
    // Any verb: one line with the URL, never viem's multi-line dump.
    const s = await treasury({ ...env, RPC_URL: dead }, "status");
    expect(s.code, s.err).to.equal(1);
    expect(s.err).to.match(new RegExp(`^error: HTTP request to ${dead}/? failed \\(fetch failed\\): check that the node or service at that URL runs, and the setting that names it \\(RPC_URL, SAFE_TX_SERVICE_URL, …\\)\n$`));
  });

  it("a key that is not a registered agent: exit 2 naming AGENT_PRIVATE_KEY, before any cycle (a dry run needs no key)", async () => {
    const outsider = privateKeyToAccount(testKey(6)).address;
    const r = await treasury({ ...env, AGENT_PRIVATE_KEY: testKey(6) }, "once", "--date", "2024-02-05");
    expect(r.code, r.err).to.equal(2);
    expect(r.out).to.equal("");
    expect(r.err).to.match(new RegExp(`^error: the agent key \\(AGENT_PRIVATE_KEY, address ${outsider}\\) is not a registered agent of the policy 0x[0-9a-fA-F]{40} \\(agents: ${privateKeyToAccount(testKey(4)).address}\\): set AGENT_PRIVATE_KEY to the key the owners registered`));
    const run = await treasury({ ...env, AGENT_PRIVATE_KEY: testKey(6) }, "run", "--max-cycles", "1");
    expect(run.code, run.err).to.equal(2);
    expect(run.err).to.include("is not a registered agent");
  });

  it("the registered agent key that is not a delegate of the Safe in the service: propose and once exit 2 naming the setting", async () => {
    for (const verb of ["propose", "once"]) {
      const r = await treasury(env, verb, "--date", "2024-02-05");
      expect(r.code, `${verb}: ${r.err}`).to.equal(2);
      expect(r.err.trim().split("\n")).to.have.length(1);
      expect(r.err).to.match(/^error: the proposer key \(AGENT_PRIVATE_KEY, address 0x15d34AAf54267DB7D7c367839AAf71A00a2C6A65\) is neither an owner of Safe 0x[0-9a-fA-F]{40} nor its delegate in http:\/\/127\.0\.0\.1:\d+\/api: an owner adds it as a delegate/);
    }
  });

  it("a cycle that FAILED exits 1, after printing its report (0 bps: the check refuses the plan's swaps)", async () => {
    await addDelegate();
    const r = await treasury({ ...env, AGENT_SLIPPAGE_BPS: "0" }, "once", "--date", "2024-02-05", "--json");
    expect(r.code, r.err + r.out).to.equal(1);
    const c = JSON.parse(r.out);
    expect(c.status).to.equal("failed");
    expect(c.reason).to.match(/^the check refused the plan: /);
  });

  it("the owners' simulation failing with the Safe's bare GS013 names the inner call and its decoded revert", async () => {
    const client = createPublicClient({ transport: viemHttp(chain.rpcUrl) }) as PublicClient;
    const d = chain.deployment;
    const safe = getAddress(d.treasury!.safe);
    const p = await readPortfolio(client, d);
    // The guard lets an approve + Aave supply through; supplying one unit more than the Safe holds
    // reverts inside, which the Safe reports only as GS013.
    const usdc = getAddress(d.tokens.USDC!);
    const held = await client.readContract({ address: usdc, abi: erc20Abi, functionName: "balanceOf", args: [safe] });
    const calls = [approve(usdc, getAddress(d.aave.pool), held + 1n), aaveSupply(getAddress(d.aave.pool), usdc, held + 1n, safe)];
    const sim = await simulateOwnerBatch(client, p, calls, { owner: getAddress(d.treasury!.owners[0]) });
    expect(sim.ok).to.equal(false);
    if (sim.ok) return;
    expect(sim.error.text).to.match(new RegExp(`^Error\\("GS013"\\): Safe: the inner call reverted and safeTxGas and gasPrice were 0; the inner call: call 1 to ${getAddress(d.aave.pool)} reverted: (?!no revert data).+`));
    expect(sim.error.args.inner).to.match(/^call 1 to /);
  });

  it("the README's `once --date 2024-02-05` with its env proposes (exit 0); again: ALREADY (exit 0); on a dead RPC: exit 1, never ALREADY", async () => {
    await addDelegate();
    const r = await treasury({ ...env, AGENT_SLIPPAGE_BPS: "100" }, "once", "--date", "2024-02-05", "--json");
    expect(r.code, r.err + r.out).to.equal(0);
    expect(JSON.parse(r.out).status).to.equal("proposed");
    const again = await treasury(env, "once", "--date", "2024-02-05", "--json");
    expect(again.code, again.err).to.equal(0);
    expect(JSON.parse(again.out).status).to.equal("already");
    const dead = await treasury({ ...env, RPC_URL: `http://127.0.0.1:${await freePort()}` }, "once", "--date", "2024-02-05", "--json");
    expect(dead.code).to.equal(1);
    expect(dead.out).to.equal("");
    expect(dead.err).to.match(/did not answer/);
  });

  it("sign and execute with a hash the service does not have: one line naming where to copy it from (exit 2)", async () => {
    const hash = `0x${"ab".repeat(32)}`;
    for (const verb of ["sign", "execute"]) {
      const r = await treasury({ ...env, SIGNER_PRIVATE_KEY: testKey(1) }, verb, hash);
      expect(r.code, r.err).to.equal(2);
      expect(r.err).to.equal(`error: no proposal ${hash} in the transaction service at ${svc.url}: copy the safeTxHash from \`treasury status\` (pending proposals) or the agent's "proposal 0x…" line, and check SAFE_TX_SERVICE_URL is the service the agent proposes to\n`);
    }
  });
});
