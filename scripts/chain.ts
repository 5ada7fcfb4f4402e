// `npm start` / `npm run chain`: start a local anvil chain (from node_modules, on a free port unless
// --port is given), deploy the local world and the guardrails over JSON-RPC, write
// deployments/<network>.json, start the local Safe Transaction Service and the agent loop (npm start;
// `npm run chain` passes --no-agent), print a short summary, and keep running until SIGINT/SIGTERM,
// then stop the agent, the service and anvil (its whole process group).
//
//   npm start -- [--port N] [--host 127.0.0.1] [--network local] [--out DIR] [--skip-compile] [--no-agent] [--verbose]
//
// Nothing that needs the compiled artifacts (typechain-types, artifacts/) is imported at load time:
// on a fresh clone they only exist once the compile step below has run.
import { ChildProcess, spawnSync } from "node:child_process";
import path from "node:path";
import fs from "node:fs";
import net from "node:net";
import { parseArgs } from "node:util";
import { HDNodeWallet } from "ethers";
import { TEST_MNEMONIC, connectRpc } from "./world/rpc";
import type { WorldExtension } from "./deploy-world";
import { startLocalAgent } from "./local-agent";
import { closest } from "../lib/suggest";
import { LOCAL_CHAIN_ID as CHAIN_ID, freePort, killGroup, startAnvil, stopChildren, waitForChainId } from "./processes";

const ROOT = path.resolve(__dirname, "..");
/** Test-mnemonic account indices with a role in the local world (see the README). */
const GUARDIAN_INDEX = 7;
const PAYEE_INDEX = 8;

const USAGE = `Usage: npm start -- [--port N] [--host HOST] [--network NAME] [--out DIR] [--skip-compile] [--no-agent] [--verbose]
  --port N         anvil port (default: a free port chosen by the OS)
  --host HOST      interface to listen on (default 127.0.0.1)
  --network NAME   write <NAME>.json (default local)
  --out DIR        directory for the deployments file (default deployments/)
  --skip-compile   do not run \`hardhat compile\` first (artifacts must be current)
  --no-agent       only the chain: no local Safe Transaction Service, no agent loop
  --verbose        forward anvil's output, log every deploy step and print the whole deployments JSON
SIGINT (Ctrl-C) or SIGTERM stops the agent, the service and the chain; nothing is left listening.`;

const progress = (msg: string) => console.log(`[start] ${msg}`);

/** Address of account `i` of the test mnemonic (the keys anvil funds). */
function deriveAddress(i: number): string {
  return HDNodeWallet.fromPhrase(TEST_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).address;
}

function accountIndex(address: string): number {
  for (let i = 0; i < 10; i++) if (deriveAddress(i).toLowerCase() === address.toLowerCase()) return i;
  return -1;
}

/** nav() is USD with 18 decimals. */
function formatUsd18(v: bigint): string {
  const cents = v / 10n ** 16n;
  return `$${(Number(cents) / 100).toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

const OPTIONS = {
  port: { type: "string" },
  host: { type: "string", default: "127.0.0.1" },
  network: { type: "string", default: "local" },
  out: { type: "string" },
  "skip-compile": { type: "boolean", default: false },
  "no-agent": { type: "boolean", default: false },
  verbose: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const;

/** Bad input: one line on stderr, exit 2, nothing started. */
class UsageError extends Error {}

/** The options, or a UsageError naming the fix ("did you mean --port?" for a typo). */
export function parseOptions(args: string[]) {
  try {
    return parseArgs({ args, options: OPTIONS, strict: true }).values;
  } catch (err) {
    const e = err as Error & { code?: string };
    const unknown = /Unknown option '(-{1,2}[^']+)'/.exec(e.message)?.[1];
    if (e.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && unknown) {
      const best = closest(unknown.replace(/^-+/, ""), Object.keys(OPTIONS), 2);
      throw new UsageError(`unknown option ${unknown}${best ? `; did you mean --${best}?` : ""} (npm start -- --help lists the options)`);
    }
    throw new UsageError(`${e.message.split("\n")[0]} (npm start -- --help lists the options)`);
  }
}

/** Whether `port` on `host` is taken (another anvil, an earlier npm start, any service). */
function portInUse(host: string, port: number): Promise<boolean> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", (err: NodeJS.ErrnoException) => (err.code === "EADDRINUSE" ? resolve(true) : reject(err)));
    srv.listen(port, host, () => srv.close(() => resolve(false)));
  });
}

const portBusy = (host: string, port: number) =>
  new UsageError(`port ${port} on ${host} is in use (an earlier npm start, anvil or another service): stop it, pick another with --port, or leave --port out for a free one`);

async function main() {
  const values = parseOptions(process.argv.slice(2));
  if (values.help) {
    console.log(USAGE);
    return;
  }
  // The approver's model is configuration, never a hidden default: say so now, not after the
  // world is deployed and the agent has died behind "run with --verbose".
  if (!values["no-agent"] && process.env.ANTHROPIC_API_KEY?.trim() && !process.env.ANTHROPIC_MODEL?.trim())
    throw new UsageError("ANTHROPIC_API_KEY is set but ANTHROPIC_MODEL is not: set ANTHROPIC_MODEL to the model id (e.g. claude-sonnet-4-6), or unset ANTHROPIC_API_KEY for the rule-based approver");
  const t0 = Date.now();
  const host = values.host!;
  let port: number;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new UsageError(`--port must be an integer 1..65535, got ${values.port}`);
    if (await portInUse(host, port)) throw portBusy(host, port);
  } else {
    port = await freePort(host);
  }

  if (!values["skip-compile"]) {
    progress("compiling contracts (a first compile takes about a minute) ...");
    const r = spawnSync(path.join(ROOT, "node_modules", ".bin", "hardhat"), ["compile", "--quiet"], { cwd: ROOT, stdio: "inherit" });
    if (r.status !== 0) throw new Error("hardhat compile failed (see above); fix the error, or run `npm run compile` to see it alone");
  }
  if (!fs.existsSync(path.join(ROOT, "typechain-types", "index.ts"))) {
    throw new Error("typechain-types/ is missing: run `npm run compile` (or start without --skip-compile)");
  }
  // Loaded only now: the guardrails deploy step needs the types the compile just generated.
  const { attachLocalGuardrails, GUARDED_TREASURY_USD } = await import("./guardrails/local");
  const { deployWorldToRpc } = await import("./deploy-world");
  const { TreasuryValuation__factory } = await import("../typechain-types");
  /**
   * Steps run after deployWorld, in order; each returns addresses for the deployments JSON
   * `guardrails` key. Guardrails: policy, valuation, guard, module and fallback handler deployed and attached to the
   * treasury Safe, with the world's agent account registered, an extra guardian and a payee.
   */
  const extensions: WorldExtension[] = [
    async (world, signers) => ({ ...(await attachLocalGuardrails(world, { guardian: signers[GUARDIAN_INDEX], payee: signers[PAYEE_INDEX] })).addresses }),
  ];
  const tCompiled = Date.now();

  progress(`starting anvil on ${host}:${port} ...`);
  const anvil = await startAnvil({ host, port, mnemonic: TEST_MNEMONIC, verbose: values.verbose!, cwd: ROOT }).catch((err: Error) => {
    // Taken between our check and anvil's bind (or by a process our check cannot see).
    throw /address already in use|addrinuse/i.test(err.message) ? portBusy(host, port) : err;
  });
  let stopping = false;
  const children: ChildProcess[] = [];
  const stop = (signal: NodeJS.Signals, exitCode: number) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping ${children.length ? "the agent, the tx service and " : ""}anvil (pid ${anvil.pid})`);
    // The agent first (it finishes its current cycle against a live chain), then the chain.
    void stopChildren(children).then(() => {
      const force = setTimeout(() => killGroup(anvil, "SIGKILL"), 5_000);
      anvil.once("exit", () => {
        clearTimeout(force);
        process.exit(exitCode);
      });
      killGroup(anvil, "SIGTERM");
    });
  };
  process.on("SIGINT", () => stop("SIGINT", 0));
  process.on("SIGTERM", () => stop("SIGTERM", 0));
  // `npm start` killed by a supervisor (not Ctrl-C on the terminal) does not always forward the
  // signal to us: when our parent goes away we are re-parented, so stop rather than linger.
  const parent = process.ppid;
  setInterval(() => process.ppid !== parent && stop("SIGTERM", 0), 1_000).unref();
  // Never leave anvil behind, whatever happens to this process.
  process.on("exit", () => {
    for (const c of children) if (c.exitCode === null) c.kill("SIGKILL");
    if (anvil.exitCode === null) killGroup(anvil, "SIGKILL");
  });
  anvil.once("exit", (code, signal) => {
    if (!stopping) {
      console.error(`anvil exited unexpectedly (code ${code}, signal ${signal})`);
      process.exit(1);
    }
  });

  try {
    const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}`;
    await waitForChainId(url);
    const tChain = Date.now();

    progress("deploying Safe 1.4.1, tokens, Aave v3, Uniswap v3, ERC-4626 vaults, Pendle and the guardrails ...");
    const { world, json, file } = await deployWorldToRpc({
      rpcUrl: url, network: values.network!, outDir: values.out && path.resolve(values.out), extensions,
      worldOptions: { treasuryUsd: GUARDED_TREASURY_USD },
      log: values.verbose ? console.log : undefined,
    });
    if (values.verbose) console.log(JSON.stringify(json, null, 2));

    const { provider } = await connectRpc(url, { count: 0 });
    const nav = await TreasuryValuation__factory.connect(json.guardrails!.valuation, provider).nav();
    let agentLine = `  agent loop  off (--no-agent)`;
    if (!values["no-agent"]) {
      progress("starting the local Safe Transaction Service and the agent loop ...");
      // anvil's genesis is the same on every start: name the journal after this start instead.
      const instance = `${values.network}-${new Date().toISOString().replace(/[:.]/g, "-")}`;
      const local = await startLocalAgent({ rpcUrl: url, deploymentsFile: file, instance, verbose: values.verbose! }, children);
      agentLine = [
        `  agent loop  treasury run: replay market data, journal ${path.relative(process.cwd(), local.dataDir)}, approver ${process.env.ANTHROPIC_API_KEY ? "Claude + rules" : "rules (no ANTHROPIC_API_KEY)"}`,
        `  tx service  ${local.txServiceUrl}  (Safe Transaction Service API for proposals above the autonomy limit)`,
        `  order book  ${local.orderBookUrl}  (CoW Protocol API + a local solver; swaps go there with SWAP_VENUE=cow)`,
        `  agent API   ${local.serverUrl ? `${local.serverUrl}  (dashboard at /; /health, /metrics for Prometheus, /api/status, /api/decisions, /api/nav)` : "not reported (AGENT_SERVER_ENABLED=false, or see the [agent] lines)"}`,
      ].join("\n");
    }
    provider.destroy();
    const ownerLine = world.treasury.owners.map((o) => `#${accountIndex(o)} ${o}`).join(", ");
    const g = json.guardrails!;
    console.log(
      [
        ``,
        `Local world ready (compile ${tCompiled - t0} ms, anvil ${tChain - tCompiled} ms, deploy ${Date.now() - tChain} ms)`,
        `  RPC         ${url}  (chain ${CHAIN_ID})`,
        `  Safe        ${world.treasury.safe}  Safe 1.4.1, ${world.treasury.threshold}-of-${world.treasury.owners.length}, NAV ${formatUsd18(nav)}`,
        `  owners      ${ownerLine}`,
        `  agent       #4 ${world.accounts.agent}   guardian #${GUARDIAN_INDEX} ${deriveAddress(GUARDIAN_INDEX)}   payee #${PAYEE_INDEX} ${deriveAddress(PAYEE_INDEX)}`,
        `  guardrails  policy ${g.policy}  valuation ${g.valuation}`,
        `              guard ${g.guard}  module ${g.module}  fallback handler ${g.fallbackHandler}`,
        agentLine,
        `  accounts    #N = account N of the test mnemonic "${TEST_MNEMONIC}" (test keys: never use them on a real chain)`,
        `  all addresses and ABIs: ${path.relative(process.cwd(), file)}, ${path.relative(process.cwd(), path.join(ROOT, "deployments", "abi"))}/`,
        `Press Ctrl-C to stop.`,
      ].join("\n"),
    );
  } catch (err) {
    console.error(err);
    stop("SIGTERM", 1);
  }
}

if (require.main === module)
  main().catch((err) => {
    console.error(err instanceof UsageError ? `npm start: ${err.message}` : err instanceof Error ? err.message : err);
    process.exit(err instanceof UsageError ? 2 : 1);
  });
