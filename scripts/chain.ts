// `npm start` / `npm run chain`: start a local anvil chain (from node_modules, on a free port unless
// --port is given), deploy the local world and the guardrails over JSON-RPC, write
// deployments/<network>.json, start the local Safe Transaction Service, the CoW order book, the
// indexer and the agent with its server, replay the last twelve months of data/market/ on the chain
// (scripts/replay), write the reports, then keep the agent running live until SIGINT/SIGTERM, which
// stop everything (anvil's whole process group too). `--no-replay` is the previous behaviour: the
// agent loop (`treasury run`) on the day after the data; `npm run chain` passes --no-agent.
//
//   npm start -- [--from D] [--to D] [--no-replay] [--signer-delay-days N] [--headless] [--port N] [--host 127.0.0.1]
//                [--network local] [--out DIR] [--skip-compile] [--no-agent] [--verbose]
//
// Nothing that needs the compiled artifacts (typechain-types, artifacts/) is imported at load time:
// on a fresh clone they only exist once the compile step below has run.
import { ChildProcess, spawnSync } from "node:child_process";
import path from "node:path";
import fs from "node:fs";
import { parseArgs } from "node:util";
import { closest } from "../lib/suggest";
import { HDNodeWallet } from "ethers";
import { TEST_MNEMONIC, connectRpc } from "./world/rpc";
import type { WorldExtension } from "./deploy-world";
import { startLocalAgent } from "./local-agent";
import { LOCAL_CHAIN_ID as CHAIN_ID, freePort, killGroup, startAnvil, stopChildren, waitForChainId } from "./processes";
import { UserError } from "../agent/src/errors";
import { assertPortFree, killAll, portInUseError, replayWindow, startSystem, type System, type Window } from "./replay/system";
import { latestMvrv, startWatch, withAssessment } from "../agent/src/watch";
import { respondToEmergency } from "../agent/src/ai/emergency";
import { privateKeyToAccount } from "viem/accounts";

const ROOT = path.resolve(__dirname, "..");
/** Test-mnemonic account indices with a role in the local world (see the README). */
const GUARDIAN_INDEX = 7;
const PAYEE_INDEX = 8;

/** The default replay window: the last twelve months of data/market/. */
const DEFAULT_FROM = "2024-07-01";
const DEFAULT_TO = "2025-06-30";

const USAGE = `Usage: npm start -- [--from D] [--to D] [--no-replay] [--signer-delay-days N] [--headless] [--port N] [--host HOST] [--network NAME] [--out DIR] [--skip-compile] [--no-agent] [--verbose]
  --from D, --to D        replay window in data/market/ (default ${DEFAULT_FROM} → ${DEFAULT_TO})
  --no-replay             no replay: the agent loop on the day after the data, as before
  --signer-delay-days N   simulated days before owners #1 and #2 sign a proposal (default 0)
  --headless              replay without the agent's server, write the reports and exit (0; 1 if a cycle failed)
  --port N         anvil port (default: a free port chosen by the OS)
  --host HOST      interface to listen on (default 127.0.0.1)
  --network NAME   write <NAME>.json (default local)
  --out DIR        directory for the deployments file (default deployments/)
  --skip-compile   do not run \`hardhat compile\` first (artifacts must be current)
  --no-agent       only the chain: no local Safe Transaction Service, no agent loop
  --verbose        forward anvil's output, log every deploy step and print the whole deployments JSON
SIGINT (Ctrl-C) or SIGTERM stops the agent, the service and the chain; nothing is left listening.`;

const progress = (msg: string) => console.log(`[start] ${msg}`);
/** Bad input (flags, window, port): one line, exit 2, nothing started. */
const BAD_INPUT = 2;

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
  from: { type: "string", default: DEFAULT_FROM },
  to: { type: "string", default: DEFAULT_TO },
  "no-replay": { type: "boolean", default: false },
  "signer-delay-days": { type: "string", default: "0" },
  headless: { type: "boolean", default: false },
  help: { type: "boolean", short: "h", default: false },
} as const;

/** The options, or bad input (UserError: one line, exit 2) naming the fix ("did you mean --port?" for a typo). */
export function parseOptions(args: string[]) {
  try {
    return parseArgs({ args, options: OPTIONS, strict: true }).values;
  } catch (err) {
    const e = err as Error & { code?: string };
    const unknown = /Unknown option '(-{1,2}[^']+)'/.exec(e.message)?.[1];
    if (e.code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && unknown) {
      const best = closest(unknown.replace(/^-+/, ""), Object.keys(OPTIONS), 2);
      throw new UserError(`unknown option ${unknown}${best ? `; did you mean --${best}?` : ""} (npm start -- --help lists the options)`);
    }
    throw new UserError(`${e.message.split("\n")[0]} (npm start -- --help lists the options)`);
  }
}

/**
 * The replay path of npm start: the whole system (scripts/replay/system.ts), the window replayed with
 * a progress bar, the reports, then the agent live on the day after the window until a signal
 * (--headless: exit instead). Ready ("Press Ctrl-C to stop") once the server is up and the replay
 * has started.
 */
async function startReplay(o: { window: Window; host: string; port: number; network: string; outDir?: string; verbose: boolean; headless: boolean; signerDelayDays: number; t0: number; tCompiled: number }): Promise<void> {
  const { runSession } = await import("./replay/session");
  const { makeProgress } = await import("./replay/progress");
  const { runCycle } = await import("../agent/src/cycle/once");
  const { isoOf } = await import("../agent/src/market/calendar");
  const { lastDecisionDay } = await import("../agent/src/market/replay");
  const children: ChildProcess[] = [];
  const held: { anvil?: ChildProcess; sys?: System } = {};
  let stopRequested = false;
  let shuttingDown = false;
  let replaying = false;
  const shutdown = async (code: number) => {
    if (shuttingDown) return;
    shuttingDown = true;
    if (held.sys) await held.sys.stop();
    else {
      await stopChildren(children);
      if (held.anvil && held.anvil.exitCode === null) killGroup(held.anvil, "SIGTERM");
    }
    process.exit(code);
  };
  const onSignal = (sig: NodeJS.Signals) => {
    if (stopRequested) return;
    stopRequested = true;
    console.log(`\n${sig}: stopping${replaying ? " after the day in progress (the journal and the indexer keep what was done)" : ""}: the agent, the indexer, the tx service, the order book and anvil`);
    // During the replay the current day finishes first (a cycle is never cut in half); never longer than 5 s.
    if (replaying) setTimeout(() => void shutdown(0), 5_000).unref();
    else void shutdown(0);
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  const parent = process.ppid;
  setInterval(() => process.ppid !== parent && onSignal("SIGTERM"), 1_000).unref();
  process.on("exit", () => killAll({ anvil: held.anvil, children }));

  const instance = `${o.network}-${new Date().toISOString().replace(/[:.]/g, "-")}`;
  const tty = Boolean(process.stdout.isTTY);
  const from = isoOf(o.window.fromDay);
  const to = isoOf(o.window.toDay);
  progress(`starting anvil on ${o.host}:${o.port} at ${isoOf(o.window.fromDay - 1)} (the day before the replay) ...`);
  let serverUrl: string | undefined;
  const { ReplayState } = await import("./replay/state");
  const state = new ReplayState({ from, to, totalDays: o.window.toDay - o.window.fromDay + 1, signerDelayDays: o.signerDelayDays });
  const sys = await startSystem(
    {
      window: o.window, host: o.host, port: o.port, network: o.network, outDir: o.outDir, instance, server: !o.headless, indexer: true, verbose: o.verbose,
      log: progress,
      say: (line) => (serverUrl = /^server (http:\/\/\S+)/.exec(line)?.[1]),
      onAnvil: (a) => (held.anvil = a),
      replay: async () => state.json(),
    },
    children,
  );
  held.sys = sys;
  state.indexerUrl = sys.indexer?.url ?? null;
  if (stopRequested) return shutdown(0);
  const w = sys.world;
  const g = JSON.parse(fs.readFileSync(sys.deploymentsFile, "utf8")).guardrails as Record<string, string>;
  console.log(
    [
      ``,
      `Local world ready (compile ${o.tCompiled - o.t0} ms, chain + world + services ${Date.now() - o.tCompiled} ms)`,
      `  RPC         ${sys.rpcUrl}  (chain ${CHAIN_ID})`,
      `  Safe        ${w.treasury.safe}  Safe 1.4.1, ${w.treasury.threshold}-of-${w.treasury.owners.length}`,
      `  owners      ${w.treasury.owners.map((a) => `#${accountIndex(a)} ${a}`).join(", ")}`,
      `  agent       #4 ${w.accounts.agent}   guardian #${GUARDIAN_INDEX} ${deriveAddress(GUARDIAN_INDEX)}   payee #${PAYEE_INDEX} ${deriveAddress(PAYEE_INDEX)}`,
      `  guardrails  policy ${g.policy}  valuation ${g.valuation}  guard ${g.guard}  module ${g.module}`,
      `  tx service  ${sys.txServiceUrl}  (Safe Transaction Service API; proposals above the autonomy limit are signed by owners #1 and #2 after ${o.signerDelayDays} simulated day(s))`,
      `  order book  ${sys.orderBookUrl}  (CoW Protocol API + a local solver; swaps go there with SWAP_VENUE=cow)`,
      `  indexer     ${sys.indexer?.url ?? "off"}  (GraphQL at /graphql; /portfolio, /performance, /decisions)`,
      `  agent API   ${serverUrl ? `${serverUrl}  (dashboard at /; /health, /metrics, /api/status, /api/decisions, /api/nav, /api/replay, /api/watch, /api/assessments)` : "off (--headless or AGENT_SERVER_ENABLED=false)"}`,
      `  journal     ${path.relative(process.cwd(), sys.dataDir)}  approver ${process.env.ANTHROPIC_API_KEY ? "Claude + rules" : "rules (no ANTHROPIC_API_KEY)"}`,
      `  replay      ${from} → ${to} (${o.window.toDay - o.window.fromDay + 1} days): started`,
      `  accounts    #N = account N of the test mnemonic "${TEST_MNEMONIC}" (test keys: never use them on a real chain)`,
      `  all addresses and ABIs: ${path.relative(process.cwd(), sys.deploymentsFile)}, ${path.relative(process.cwd(), path.join(ROOT, "deployments", "abi"))}/`,
      o.headless ? `Replaying headless; the process exits when done.` : `Press Ctrl-C to stop.`,
    ].join("\n"),
  );
  replaying = true;
  let result;
  try {
    result = await runSession({
      world: w, agent: sys.agent, indexer: sys.indexer, history: o.window.history, fromDay: o.window.fromDay, toDay: o.window.toDay,
      signerDelayDays: o.signerDelayDays, initialUsd: sys.initialUsd, progress: makeProgress({ tty }), stopped: () => stopRequested, state,
    });
  } catch (e) {
    if (stopRequested) return shutdown(0);
    console.error(`replay failed: ${(e as Error).message}`);
    return shutdown(1);
  } finally {
    replaying = false;
  }
  if (stopRequested) return shutdown(0);
  if (o.headless) return shutdown(result.failed ? 1 : 0);

  // Live, as `treasury run`: the cycle on the day after the replay (within the data), every interval.
  const liveDay = Math.min(o.window.toDay + 1, lastDecisionDay(o.window.history));
  // Hourly by default, as the agent loop of `npm start -- --no-replay` (scripts/local-agent.ts).
  const interval = Number(process.env.AGENT_INTERVAL_SECONDS ?? 3600);
  console.log(`[start] replay done; the agent runs live on ${isoOf(liveDay)} every ${interval} s, with the watchers every ${sys.agent.rt.cfg.watch.intervalSeconds} s. Press Ctrl-C to stop.`);
  // Between cycles the agent keeps watch, as `treasury run` does (agent/src/watch): chain logs from
  // now on (the replay's history is the indexer's), the feeds, Aave, the vaults, waiting proposals.
  // A critical event starts the next cycle now (after the current one); emergencies go to the
  // emergency assessment (pause / de-risk / exit as the config allows), as in `treasury run`.
  let woken: boolean;
  const rt = sys.agent.rt;
  const watcher = startWatch(rt, {
    agent: privateKeyToAccount(sys.agent.agentKey).address,
    // MVRV crossing 3.5, from the cycles' own market provider on the live day.
    mvrv: latestMvrv(sys.agent.provider, async () => isoOf(liveDay)),
    wake: () => (woken = true),
    assess: (base) => withAssessment(base, (evs) => respondToEmergency(rt, evs), (e) => rt.log.error({ err: (e as Error).message }, "emergency assessment failed")),
  });
  if (watcher) sys.agent.server?.attachWatch(watcher);
  try {
    while (!stopRequested) {
      const started = Date.now();
      woken = false;
      const r = await runCycle(sys.agent.rt.ctx, sys.agent.steps, { date: isoOf(liveDay), agentKey: sys.agent.agentKey });
      sys.agent.server?.cycleDone(r);
      console.log(`[agent] cycle ${r.date}: ${r.status.toUpperCase()}${r.reason ? ` — ${r.reason}` : ""}`);
      // Live, nobody signs for the owners: say what waits for them and how to sign it (README, quick start).
      if (r.status === "proposed" && r.safeTxHash) {
        console.log(`[agent]   proposal ${r.safeTxHash} ${r.proposalUrl ?? ""}`);
        console.log(`[agent]   waits for the owners: RPC_URL=${sys.rpcUrl} SAFE_TX_SERVICE_URL=${sys.txServiceUrl} npx treasury sign ${r.safeTxHash} (owners #1 and #2), then treasury execute ${r.safeTxHash}`);
      }
      while (!stopRequested && !woken && Date.now() - started < interval * 1000) await new Promise((res) => setTimeout(res, 250));
    }
  } finally {
    await watcher?.stop();
  }
}

async function main() {
  const values = parseOptions(process.argv.slice(2));
  if (values.help) {
    console.log(USAGE);
    return;
  }
  // The approver's model is configuration, never a hidden default: say so now, not after the
  // world is deployed and the agent has died behind "run with --verbose".
  if (!values["no-agent"] && process.env.ANTHROPIC_API_KEY?.trim() && !process.env.ANTHROPIC_MODEL?.trim())
    throw new UserError("ANTHROPIC_API_KEY is set but ANTHROPIC_MODEL is not: set ANTHROPIC_MODEL to the model id (e.g. claude-sonnet-4-6), or unset ANTHROPIC_API_KEY for the rule-based approver");
  const replay = !values["no-replay"] && !values["no-agent"];
  const delay = Number(values["signer-delay-days"]);
  if (!Number.isInteger(delay) || delay < 0) throw new UserError(`--signer-delay-days must be a whole number of days ≥ 0, got "${values["signer-delay-days"]}"`);
  if (values.headless && !replay) throw new UserError("--headless runs a replay: drop --no-replay / --no-agent, or drop --headless");
  // The window is checked against the data before anything starts.
  const window = replay ? replayWindow(values.from!, values.to!) : undefined;
  const t0 = Date.now();
  const host = values.host!;
  let port: number;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new UserError(`--port must be 1..65535, got ${values.port}`);
    await assertPortFree(host, port, "--port");
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
  if (window) return startReplay({ window, host, port, network: values.network!, outDir: values.out && path.resolve(values.out), verbose: values.verbose!, headless: values.headless!, signerDelayDays: delay, t0, tCompiled });

  progress(`starting anvil on ${host}:${port} ...`);
  const anvil = await startAnvil({ host, port, mnemonic: TEST_MNEMONIC, verbose: values.verbose!, cwd: ROOT }).catch((err: Error) => {
    // Taken between our check and anvil's bind (or by a process our check cannot see).
    throw /address already in use|addrinuse/i.test(err.message) ? portInUseError(host, port, "--port") : err;
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
        `  agent API   ${local.serverUrl ? `${local.serverUrl}  (dashboard at /; /health, /metrics for Prometheus, /api/status, /api/decisions, /api/nav, /api/watch, /api/assessments)` : "not reported (AGENT_SERVER_ENABLED=false, or see the [agent] lines)"}`,
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
    console.error(err instanceof UserError ? `npm start: ${err.message}` : err instanceof Error ? err.message : err);
    process.exit(err instanceof UserError ? BAD_INPUT : 1);
  });
