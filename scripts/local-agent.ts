// The agent side of `npm start`: the local Safe Transaction Service and `treasury run` against the
// chain just deployed, on the embedded defaults (replay market data, PGlite journal, rule-based
// approver unless ANTHROPIC_API_KEY is set). Child processes, so a stop signal reaches each of them.
import { ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import SafeApiKit from "@safe-global/api-kit";
import { HDNodeWallet } from "ethers";
import { createWalletClient, getAddress, http, type Hex } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { TEST_MNEMONIC } from "./world/rpc";

const ROOT = path.resolve(__dirname, "..");
/** Account #4 of the test mnemonic is the world's registered agent (see the README's accounts table). */
const AGENT_INDEX = 4;
/** Account #1 is the first of the Safe's owners. */
const OWNER_INDEX = 1;

export interface LocalAgent {
  txServiceUrl: string;
  /** The local CoW order book (its solver settles open orders every 15 s). */
  orderBookUrl: string;
  dataDir: string;
  /** The agent's HTTP server (health, metrics, JSON API); undefined when disabled or not reported in time. */
  serverUrl?: string;
}

/** How long the summary waits for the agent to report its server (it opens its journal first). */
const SERVER_WAIT_MS = 60_000;

/** The URL the agent prints once its server listens (`server http://…`), or undefined if it exits or stays silent. */
function agentServerUrl(agent: ChildProcess): Promise<string | undefined> {
  return new Promise((resolve) => {
    let out = "";
    const done = (url: string | undefined) => {
      clearTimeout(timer);
      agent.stdout!.off("data", onData);
      agent.off("exit", onExit);
      resolve(url);
    };
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = /^server (http:\/\/\S+)/m.exec(out);
      if (m) done(m[1]);
    };
    const onExit = () => done(undefined);
    const timer = setTimeout(() => done(undefined), SERVER_WAIT_MS);
    agent.stdout!.on("data", onData);
    agent.once("exit", onExit);
  });
}

/** Spawn a ts-node child and resolve with the URL it prints (the first match of `re`). */
async function spawnService(script: string, args: string[], re: RegExp, name: string, children: ChildProcess[]): Promise<{ child: ChildProcess; url: string }> {
  const tsNode = path.join(ROOT, "node_modules", ".bin", "ts-node");
  // Local services are development tooling: transpiled by SWC as the root tsconfig's scripts are
  // (an agent/src entry would otherwise take agent/tsconfig.json's TypeScript transpiler, ~3x the start).
  const child = spawn(process.execPath, [tsNode, "--swc", script, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  const url = await new Promise<string>((resolve, reject) => {
    let out = "";
    const timer = setTimeout(() => reject(new Error(`the local ${name} did not start within 60 s:\n${out}`)), 60_000);
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = re.exec(out);
      if (m) {
        clearTimeout(timer);
        child.stdout!.off("data", onData);
        resolve(m[1]);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", (d: Buffer) => (out += d.toString()));
    child.once("exit", (code) => (clearTimeout(timer), reject(new Error(`the local ${name} exited (code ${code}):\n${out}`))));
  });
  return { child, url };
}

function prefixLines(child: ChildProcess, prefix: string, stream: "stdout" | "stderr") {
  let rest = "";
  child[stream]!.on("data", (chunk: Buffer) => {
    const lines = (rest + chunk.toString()).split("\n");
    rest = lines.pop()!;
    for (const l of lines) if (l.trim()) process.stdout.write(`${prefix} ${l}\n`);
  });
}

/**
 * Owner #1 adds the agent key as a delegate of the Safe in the transaction service, as owners do
 * once in the Safe web app (Settings → Delegates): the service accepts proposals only from owners
 * and delegates, so without it every proposal above the autonomy limit is refused.
 */
async function registerAgentDelegate(txServiceUrl: string, deploymentsFile: string): Promise<void> {
  const d = JSON.parse(fs.readFileSync(deploymentsFile, "utf8")) as { chainId: number; treasury: { safe: string } };
  const key = (i: number) => HDNodeWallet.fromPhrase(TEST_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).privateKey as Hex;
  const owner = createWalletClient({ account: privateKeyToAccount(key(OWNER_INDEX)), chain: foundry, transport: http() }); // chain id 31337, as the local world
  await new SafeApiKit({ chainId: BigInt(d.chainId), txServiceUrl }).addSafeDelegate({
    safeAddress: getAddress(d.treasury.safe),
    delegateAddress: privateKeyToAccount(key(AGENT_INDEX)).address,
    delegatorAddress: owner.account.address,
    label: "treasury agent (local)",
    signer: owner,
  });
}

/** Start the tx service and the CoW order book (each resolves once it prints its URL) and the agent loop. Each child is pushed
 * onto `children` as soon as it is spawned, so the caller's stop reaches it even if a later step fails. */
/** The local Safe Transaction Service (with the agent registered as a delegate) and the CoW order book. */
export async function startLocalServices(o: { rpcUrl: string; deploymentsFile: string }, children: ChildProcess[]): Promise<{ txServiceUrl: string; orderBookUrl: string }> {
  const { child: txService, url: txServiceUrl } = await spawnService("agent/src/safe/txServiceMain.ts", ["--rpc", o.rpcUrl, "--quiet"], /at (http:\/\/\S+\/api)/, "tx service", children);
  prefixLines(txService, "[tx-service]", "stdout");
  prefixLines(txService, "[tx-service]", "stderr");
  await registerAgentDelegate(txServiceUrl, o.deploymentsFile);
  const book = await spawnService("scripts/local-order-book.ts", ["--rpc", o.rpcUrl, "--deployment", o.deploymentsFile, "--quiet"], /at (http:\/\/\S+)\s/, "CoW order book", children);
  prefixLines(book.child, "[order-book]", "stdout");
  prefixLines(book.child, "[order-book]", "stderr");
  return { txServiceUrl, orderBookUrl: book.url };
}

/** One journal per chain instance: a new chain with an old journal would reconcile against
 * transactions that no longer exist. */
export const agentDataDir = (instance: string) => path.join(ROOT, ".treasury-agent", instance);

export async function startLocalAgent(
  o: { rpcUrl: string; deploymentsFile: string; instance: string; verbose: boolean },
  children: ChildProcess[],
): Promise<LocalAgent> {
  const { txServiceUrl, orderBookUrl } = await startLocalServices(o, children);
  const book = { url: orderBookUrl };

  const dataDir = agentDataDir(o.instance);
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
      // Swaps stay on Uniswap v3 locally unless SWAP_VENUE=cow; the order book is there either way.
      COW_API_URL: process.env.COW_API_URL ?? book.url,
      AGENT_DATA_DIR: dataDir,
      AGENT_INTERVAL_SECONDS: process.env.AGENT_INTERVAL_SECONDS ?? "3600",
      // The local Uniswap pools are shallow: a $50k swap moves them ~0.4%, past the 50 bps default.
      AGENT_SLIPPAGE_BPS: process.env.AGENT_SLIPPAGE_BPS ?? "100",
      // Health, metrics and the JSON API on a free loopback port (printed in the summary).
      AGENT_SERVER_ENABLED: process.env.AGENT_SERVER_ENABLED ?? "true",
      AGENT_SERVER_PORT: process.env.AGENT_SERVER_PORT ?? "0",
    },
  });
  children.push(agent);
  prefixLines(agent, "[agent]", "stdout");
  // pino's JSON lines go to stderr: shown with --verbose only (the cycle summary is on stdout).
  // Its last words are kept either way: a CLI error ("error: …", one line) says why it stopped.
  let lastError = "";
  agent.stderr!.on("data", (d: Buffer) => {
    for (const l of d.toString().split("\n")) if (/^error: /.test(l)) lastError = l;
  });
  if (o.verbose) prefixLines(agent, "[agent]", "stderr");
  agent.once("exit", (code, signal) => {
    if (code !== 0 && signal === null) console.error(`[agent] exited with code ${code}${lastError ? `: ${lastError.replace(/^error: /, "")}` : " (run with --verbose for its logs)"}`);
  });
  const serverOff = /^(false|0|no)$/i.test(process.env.AGENT_SERVER_ENABLED?.trim() ?? "");
  const serverUrl = serverOff ? undefined : await agentServerUrl(agent);
  return { txServiceUrl, orderBookUrl: book.url, dataDir, serverUrl };
}
