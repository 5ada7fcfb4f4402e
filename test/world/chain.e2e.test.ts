// End-to-end check of `npm run chain`: start it, wait for the world, read the deployments file,
// query the RPC, stop it with SIGINT and verify nothing keeps listening.
import { expect } from "chai";
import { ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { Contract, JsonRpcProvider, dataSlice, getAddress, keccak256, toUtf8Bytes } from "ethers";
import { ABI, readDeployment } from "../../scripts/world";
import { GUARDED_TREASURY_USD } from "../../scripts/guardrails/local";

const ROOT = path.resolve(__dirname, "..", "..");

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
    child = spawn(process.execPath, [path.join(ROOT, "node_modules", ".bin", "ts-node"), "--transpile-only", "scripts/chain.ts", "--skip-compile", "--network", "e2e", "--out", outDir], {
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
    console.log(`      chain ready in ${Date.now() - t0} ms (${/deployWorld (\d+) ms/.exec(output)?.[1]} ms deploying)`);

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
