// The local world in a child process, as `npm run chain` runs it (anvil on a free port, world +
// guardrails deployed over JSON-RPC): for the end-to-end tests of the agent's edges and the benches.
// stop() sends SIGTERM so chain.ts takes anvil down.
import { ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { HDNodeWallet } from "ethers";
import type { Hex } from "viem";
import { readDeployment } from "../../lib/chain/deployments";
import { TEST_MNEMONIC } from "./rpc";

const ROOT = path.resolve(__dirname, "..", "..");

/** Private key of account `i` of the public test mnemonic (local chains only). */
export const testKey = (i: number) => HDNodeWallet.fromPhrase(TEST_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).privateKey as Hex;

export interface LocalChain {
  deployment: ReturnType<typeof readDeployment>;
  /** The deployments file chain.ts wrote (removed by stop()). */
  file: string;
  rpcUrl: string;
  stop(): Promise<void>;
}

export async function startLocalChain(network = "agent-e2e"): Promise<LocalChain> {
  const outDir = fs.mkdtempSync(path.join(os.tmpdir(), `${network}-`));
  // Artifacts are current: `hardhat test` (or the bench script) compiled first.
  const child: ChildProcess = spawn(process.execPath, [path.join(ROOT, "node_modules", ".bin", "ts-node"), "--transpile-only", "scripts/chain.ts", "--skip-compile", "--no-agent", "--network", network, "--out", outDir], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (d) => (output += d));
  child.stderr!.on("data", (d) => (output += d));
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise((r) => child.once("exit", r));
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
    }
    fs.rmSync(outDir, { recursive: true, force: true });
  };
  try {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`chain not ready in 240 s:\n${output}`)), 240_000);
      const poll = setInterval(() => output.includes("Press Ctrl-C") && (clearInterval(poll), clearTimeout(timer), resolve()), 100);
      child.once("exit", (code) => (clearInterval(poll), clearTimeout(timer), reject(new Error(`chain exited early (${code}):\n${output}`))));
    });
  } catch (err) {
    await stop();
    throw err;
  }
  const file = path.join(outDir, `${network}.json`);
  const deployment = readDeployment(file);
  if (!deployment.rpcUrl || !deployment.treasury) throw new Error("the local deployments file has no rpcUrl or treasury");
  return { deployment, file, rpcUrl: deployment.rpcUrl, stop };
}
