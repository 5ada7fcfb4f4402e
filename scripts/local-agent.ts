// The agent side of `npm start`: the local Safe Transaction Service and `treasury run` against the
// chain just deployed, on the embedded defaults (replay market data, PGlite journal, rule-based
// approver unless ANTHROPIC_API_KEY is set). Child processes, so a stop signal reaches each of them.
import { ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { HDNodeWallet } from "ethers";
import { TEST_MNEMONIC } from "./world/rpc";

const ROOT = path.resolve(__dirname, "..");
/** Account #4 of the test mnemonic is the world's registered agent (see the README's accounts table). */
const AGENT_INDEX = 4;

export interface LocalAgent {
  txServiceUrl: string;
  dataDir: string;
}

function prefixLines(child: ChildProcess, prefix: string, stream: "stdout" | "stderr") {
  let rest = "";
  child[stream]!.on("data", (chunk: Buffer) => {
    const lines = (rest + chunk.toString()).split("\n");
    rest = lines.pop()!;
    for (const l of lines) if (l.trim()) process.stdout.write(`${prefix} ${l}\n`);
  });
}

/** Start the tx service (resolves once it prints its URL) and the agent loop. Each child is pushed
 * onto `children` as soon as it is spawned, so the caller's stop reaches it even if a later step fails. */
export async function startLocalAgent(
  o: { rpcUrl: string; deploymentsFile: string; instance: string; verbose: boolean },
  children: ChildProcess[],
): Promise<LocalAgent> {
  const tsNode = path.join(ROOT, "node_modules", ".bin", "ts-node");
  const txService = spawn(process.execPath, [tsNode, "--transpile-only", "agent/src/safe/txServiceMain.ts", "--rpc", o.rpcUrl, "--quiet"], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(txService);
  const txServiceUrl = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`the local tx service did not start within 60 s:\n${out}`)), 60_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /at (http:\/\/\S+\/api)/.exec(out);
      if (m) {
        clearTimeout(timer);
        txService.stdout!.off("data", onData);
        resolve(m[1]);
      }
    };
    txService.stdout!.on("data", onData);
    txService.stderr!.on("data", (d: Buffer) => (out += d.toString()));
    txService.once("exit", (code) => (clearTimeout(timer), reject(new Error(`the local tx service exited (code ${code}):\n${out}`))));
  });
  prefixLines(txService, "[tx-service]", "stdout");
  prefixLines(txService, "[tx-service]", "stderr");

  // One journal per chain instance: a new chain with an old journal would reconcile against
  // transactions that no longer exist.
  const dataDir = path.join(ROOT, ".treasury-agent", o.instance);
  const agentKey = HDNodeWallet.fromPhrase(TEST_MNEMONIC, undefined, `m/44'/60'/0'/0/${AGENT_INDEX}`).privateKey;
  const agent = spawn(process.execPath, [path.join(ROOT, "agent", "bin", "treasury.js"), "run"], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
    env: {
      ...process.env,
      RPC_URL: o.rpcUrl,
      DEPLOYMENTS_FILE: o.deploymentsFile,
      AGENT_PRIVATE_KEY: agentKey,
      SAFE_TX_SERVICE_URL: txServiceUrl,
      AGENT_DATA_DIR: dataDir,
      AGENT_INTERVAL_SECONDS: process.env.AGENT_INTERVAL_SECONDS ?? "3600",
      // The local Uniswap pools are shallow: a $50k swap moves them ~0.4%, past the 50 bps default.
      AGENT_SLIPPAGE_BPS: process.env.AGENT_SLIPPAGE_BPS ?? "100",
    },
  });
  children.push(agent);
  prefixLines(agent, "[agent]", "stdout");
  // pino's JSON lines go to stderr: shown with --verbose only (the cycle summary is on stdout).
  if (o.verbose) prefixLines(agent, "[agent]", "stderr");
  else agent.stderr!.resume();
  agent.once("exit", (code, signal) => {
    if (code !== 0 && signal === null) console.error(`[agent] exited with code ${code} (run with --verbose for its logs)`);
  });
  return { txServiceUrl, dataDir };
}
