// End-to-end check of `npm run chain`: start it, wait for the world, read the deployments file,
// query the RPC, stop it with SIGINT and verify nothing keeps listening.
import { expect } from "chai";
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { Contract, InterfaceAbi, JsonRpcProvider, dataSlice, formatUnits, getAddress, keccak256, toUtf8Bytes } from "ethers";
import { treasuryPolicyLensAbi } from "../../lib/chain/abi";
import { ABI, readDeployment } from "../../scripts/world";
import { GUARDED_TREASURY_USD } from "../../scripts/guardrails/local";
import { runOwnerTxExample } from "../../scripts/examples/owner-tx";

const ROOT = path.resolve(__dirname, "..", "..");
/** Hardhat/anvil test account #9 (public test mnemonic): the deployer of the second guardrail set. */
const HARDHAT_KEY_9 = "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6";

function portAcceptsConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect({ host: "127.0.0.1", port });
    sock.once("connect", () => (sock.destroy(), resolve(true)));
    sock.once("error", () => resolve(false));
  });
}

describe("local world: npm run chain (anvil + JSON-RPC deploy)", function () {
  this.timeout(120_000);
  let child: ChildProcess | undefined;
  let outDir: string;

  before(() => {
    outDir = fs.mkdtempSync(path.join(os.tmpdir(), "chain-e2e-"));
  });
  after(async () => {
    // On a failed assertion the chain is still up: stop it gracefully so it takes anvil (its own
    // process group) down too; SIGKILL would orphan anvil on its port.
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once("exit", resolve));
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
    }
    fs.rmSync(outDir, { recursive: true, force: true });
  });

  it("starts anvil on a free port, deploys the world, writes the JSON and shuts down cleanly on SIGINT", async () => {
    const t0 = Date.now();
    // Artifacts are current: `hardhat test` compiled before running this file.
    child = spawn(process.execPath, [path.join(ROOT, "node_modules", ".bin", "ts-node"), "--transpile-only", "scripts/chain.ts", "--skip-compile", "--no-agent", "--network", "e2e", "--out", outDir], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    child.stdout!.on("data", (d) => (output += d));
    child.stderr!.on("data", (d) => (output += d));
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`chain not ready in 90 s:\n${output}`)), 90_000);
      const poll = setInterval(() => {
        if (output.includes("Press Ctrl-C")) (clearInterval(poll), clearTimeout(timer), resolve());
      }, 100);
      child!.once("exit", (code) => (clearInterval(poll), clearTimeout(timer), reject(new Error(`chain exited early (${code}):\n${output}`))));
    });
    console.log(`      chain ready in ${Date.now() - t0} ms (${/deploy (\d+) ms/.exec(output)?.[1]} ms deploying)`);

    const json = readDeployment(path.join(outDir, "e2e.json"));
    if (!json.treasury || !json.rpcUrl) throw new Error("a local deployments file has treasury and rpcUrl");
    expect(json.chainId).to.equal(31337);
    expect(json.network).to.equal("e2e");
    expect(json.safe.safeL2).to.equal("0x29fcB43b46531BcA003ddC8FCB67FFE91900C762");
    const rpcUrl = json.rpcUrl;
    const port = Number(new URL(rpcUrl).port);
    expect(port).to.be.greaterThan(0);
    expect(output).to.include(rpcUrl);

    const provider = new JsonRpcProvider(rpcUrl, undefined, { cacheTimeout: -1, staticNetwork: true });
    try {
      expect((await provider.getNetwork()).chainId).to.equal(31337n);
      expect(await provider.getBlockNumber()).to.be.greaterThan(json.block);
      const treasury = json.treasury.safe;
      expect(await new Contract(treasury, ABI.safe(), provider).getThreshold()).to.equal(2n);
      expect(await new Contract(json.tokens.USDC!, ABI.erc20(), provider).balanceOf(treasury)).to.equal(BigInt(GUARDED_TREASURY_USD.USDC) * 10n ** 6n);
      // The guardrails are attached: guard in the Safe's guard slot, module enabled, NAV readable.
      const g = json.guardrails as Record<string, string>;
      const guardSlot = await provider.getStorage(treasury, keccak256(toUtf8Bytes("guard_manager.guard.address")));
      expect(getAddress(dataSlice(guardSlot, 12))).to.equal(getAddress(g.guard));
      expect(await new Contract(treasury, ABI.safe(), provider).isModuleEnabled(g.module)).to.equal(true);
      const nav = await new Contract(g.valuation, ["function nav() view returns (uint256)"], provider).nav();
      expect(nav).to.be.closeTo(400_000n * 10n ** 18n, 10n ** 18n);
      expect(await provider.getCode(json.pendle.router)).to.not.equal("0x");

      // The real-Safe deploy script against this chain: it deploys a second set of guardrails with
      // a deployer key from the environment and prints (and writes) the one Safe transaction the
      // owners must sign; it never signs for the Safe itself.
      const settingsFile = path.join(outDir, "settings.json");
      fs.writeFileSync(settingsFile, JSON.stringify({ agents: [json.accounts.agent], caps: { maxVolatileBps: 3500 } }));
      const outFile = path.join(outDir, "attach.json");
      const cli = spawnSync(process.execPath, [
        path.join(ROOT, "node_modules", ".bin", "ts-node"), "--transpile-only", "scripts/deploy-guardrails.ts",
        "--deployment", path.join(outDir, "e2e.json"), "--safe", treasury, "--rpc", rpcUrl, "--settings", settingsFile, "--out", outFile,
      ], { cwd: ROOT, encoding: "utf8", env: { ...process.env, DEPLOYER_PRIVATE_KEY: HARDHAT_KEY_9 } });
      expect(cli.status, cli.stderr + cli.stdout).to.equal(0);
      expect(cli.stdout + cli.stderr).to.not.include(HARDHAT_KEY_9.slice(2));
      const attach = JSON.parse(fs.readFileSync(outFile, "utf8"));
      for (const name of ["policy", "valuation", "guard", "module", "fallbackHandler", "lens", "ruleAaveV3", "ruleErc4626", "ruleUniswapV3", "rulePendle", "ruleErc20", "ruleCow"]) {
        expect(await provider.getCode(attach.guardrails[name]), name).to.not.equal("0x");
      }
      expect(cli.stdout).to.include(attach.safeTransaction.data);
      expect(attach.safeTransaction.to).to.equal(json.safe.multiSendCallOnly);
      expect(attach.safeTransaction.operation).to.equal(1);
      const [enable, setHandler, setGuard] = attach.transactionBuilder.transactions;
      const safeIface = new Contract(treasury, ABI.safe()).interface;
      expect(safeIface.decodeFunctionData("enableModule", enable.data)[0]).to.equal(attach.guardrails.module);
      expect(safeIface.decodeFunctionData("setFallbackHandler", setHandler.data)[0]).to.equal(attach.guardrails.fallbackHandler);
      expect(safeIface.decodeFunctionData("setGuard", setGuard.data)[0]).to.equal(attach.guardrails.guard);
      // The whole configuration through the lens the deploy step published (not a hand-written ABI).
      const lens = new Contract(attach.guardrails.lens, treasuryPolicyLensAbi as unknown as InterfaceAbi, provider);
      const cfg = await lens.getConfig(attach.guardrails.policy);
      expect(cfg.safe).to.equal(treasury);
      expect(cfg.caps.maxVolatileBps).to.equal(3500n);
      expect(cfg.agents).to.deep.equal([json.accounts.agent]);
      expect(cfg.assets.length).to.equal(4);
      expect(cfg.positions.length).to.equal(7);

      // The dry run on the (guarded) treasury warns about what attaching replaces or leaves in place,
      // and shows enums and protocols by name.
      const dry = spawnSync(process.execPath, [
        path.join(ROOT, "node_modules", ".bin", "ts-node"), "--transpile-only", "scripts/deploy-guardrails.ts",
        "--deployment", path.join(outDir, "e2e.json"), "--safe", treasury, "--rpc", rpcUrl, "--settings", settingsFile, "--dry-run",
      ], { cwd: ROOT, encoding: "utf8" });
      expect(dry.status, dry.stderr + dry.stdout).to.equal(0);
      expect(dry.stderr).to.include(`the Safe already has a guard (${getAddress(g.guard)})`);
      expect(dry.stderr).to.include(`1 module(s) enabled (${getAddress(g.module)})`);
      expect(dry.stdout).to.include('"function": "aaveSupply"');
      expect(dry.stdout).to.include('"rule": "AaveV3Rule"');
      expect(dry.stdout).to.not.include('"function": "aaveBorrow"'); // borrowing is off by default
      expect(dry.stdout).to.include('"kind": "PendlePT"');
      expect(dry.stdout).to.include('"protocol": "aave-v3"');
      expect(dry.stdout).to.include('"class": "Volatile"');

      // An integrator's protocol-kit Safe transaction goes through the guard; a forbidden one is
      // refused and decoded by name from the published ABIs.
      const example = await runOwnerTxExample(path.join(outDir, "e2e.json"), "1000", () => {});
      expect((await provider.getTransactionReceipt(example.supplyTx))?.status).to.equal(1);
      expect(example.refusal).to.equal(`PayeeNotAllowed(to=${json.accounts.outsider})`);
      // After the Safe's USDC is deployed (the README's flow: the first rebalance moves it), the
      // example reads what the Safe holds: all the USDC left, then DAI; --usdc above the balance names it.
      const usdcLeft = (await new Contract(json.tokens.USDC!, ["function balanceOf(address) view returns (uint256)"], provider).balanceOf(treasury)) as bigint;
      const logs: string[] = [];
      await runOwnerTxExample(path.join(outDir, "e2e.json"), undefined, (m) => logs.push(m)); // min(1000, balance) of USDC
      const all = formatUnits(usdcLeft - 1000n * 10n ** 6n, 6);
      await runOwnerTxExample(path.join(outDir, "e2e.json"), all, (m) => logs.push(m));
      await runOwnerTxExample(path.join(outDir, "e2e.json"), undefined, (m) => logs.push(m));
      const supplied = logs.filter((l) => l.startsWith("supplied"));
      expect(supplied).to.have.length(3);
      expect(supplied[0]).to.match(/^supplied 1000\.0 USDC to Aave/);
      expect(supplied[1].startsWith(`supplied ${all} USDC to Aave`), supplied[1]).to.equal(true);
      expect(supplied[2]).to.match(/^supplied 1000\.0 DAI to Aave/);
      await runOwnerTxExample(path.join(outDir, "e2e.json"), "1", () => {}).then(
        () => expect.fail("--usdc above the Safe's balance must fail"),
        (e: Error) => expect(e.message).to.equal("--usdc 1: the Safe holds 0.0 USDC; ask for at most that, or leave --usdc out to supply what the Safe holds"),
      );
    } finally {
      provider.destroy();
    }

    const exited = new Promise<number | null>((resolve) => child!.once("exit", (code) => resolve(code)));
    child.kill("SIGINT");
    expect(await exited).to.equal(0);
    expect(output).to.include("SIGINT: stopping anvil");
    expect(await portAcceptsConnections(port)).to.equal(false);
  });
});
