// `npm run chain` / `npm start`: start a local anvil chain (from node_modules, on a free port unless
// --port is given), deploy the local world over JSON-RPC, write deployments/<network>.json, print the
// RPC URL and addresses, and keep running until SIGINT/SIGTERM, then stop anvil (its whole process group).
//
//   npm run chain -- [--port N] [--host 127.0.0.1] [--network local] [--out DIR] [--skip-compile] [--verbose]
import { ChildProcess, spawn, spawnSync } from "node:child_process";
import net from "node:net";
import path from "node:path";
import fs from "node:fs";
import { parseArgs } from "node:util";
import { TEST_MNEMONIC } from "./world/rpc";
import { deployWorldToRpc, WorldExtension } from "./deploy-world";
import { attachLocalGuardrails, GUARDED_TREASURY_USD } from "./guardrails/local";

const ROOT = path.resolve(__dirname, "..");
const CHAIN_ID = 31337;

/**
 * Steps run after deployWorld, in order, with the world and all 10 test-mnemonic signers; each
 * returns addresses for the deployments JSON `guardrails` key. deployWorld itself stays guardrail-free.
 * Guardrails: policy, valuation, guard and module deployed and attached to the treasury Safe, with
 * the world's agent account registered, signer #7 as an extra guardian and signer #8 as a payee.
 */
const EXTENSIONS: WorldExtension[] = [
  async (world, signers) => ({ ...(await attachLocalGuardrails(world, { guardian: signers[7], payee: signers[8] })).addresses }),
];

const USAGE = `Usage: npm run chain -- [--port N] [--host HOST] [--network NAME] [--out DIR] [--skip-compile] [--verbose]
  --port N         anvil port (default: a free port chosen by the OS)
  --host HOST      interface to listen on (default 127.0.0.1)
  --network NAME   write <NAME>.json (default local)
  --out DIR        directory for the deployments file (default deployments/)
  --skip-compile   do not run \`hardhat compile\` first (artifacts must be current)
  --verbose        forward anvil's output`;

function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** Start anvil in its own process group; resolve once *this* process prints "Listening on". */
function startAnvil(host: string, port: number, verbose: boolean): Promise<ChildProcess> {
  const bin = path.join(ROOT, "node_modules", ".bin", "anvil");
  if (!fs.existsSync(bin)) throw new Error(`${bin} not found: is @foundry-rs/anvil installed (npm ci)?`);
  const args = ["--host", host, "--port", String(port), "--chain-id", String(CHAIN_ID), "--hardfork", "cancun", "--mnemonic", TEST_MNEMONIC, "--accounts", "10"];
  // detached: own process group, so we can signal the npm wrapper and the real binary together.
  const child = spawn(bin, args, { cwd: ROOT, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  return new Promise((resolve, reject) => {
    let out = "";
    let ready = false;
    const timer = setTimeout(() => fail(new Error(`anvil did not print "Listening on" within 30 s:\n${out}`)), 30_000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      if (child.pid && child.exitCode === null) killGroup(child, "SIGKILL");
      reject(err);
    };
    const onData = (chunk: Buffer) => {
      const text = chunk.toString();
      if (verbose) process.stderr.write(text.replace(/^/gm, "[anvil] "));
      if (ready) return; // keep draining the pipes so anvil never blocks on a full buffer
      out += text;
      if (/Listening on/.test(out)) {
        ready = true;
        clearTimeout(timer);
        resolve(child);
      }
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("error", (err) => fail(new Error(`cannot start anvil: ${err.message}`)));
    child.once("exit", (code, signal) => {
      if (!ready) fail(new Error(`anvil exited early (code ${code}, signal ${signal}):\n${out}`));
    });
  });
}

function killGroup(child: ChildProcess, signal: NodeJS.Signals) {
  try {
    process.kill(-child.pid!, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
  }
}

async function waitForChainId(url: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }),
      });
      const body = (await res.json()) as { result?: string };
      if (body.result && Number(body.result) === CHAIN_ID) return;
      last = JSON.stringify(body);
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer eth_chainId ${CHAIN_ID} (last: ${last})`);
}

async function main() {
  const { values } = parseArgs({
    options: {
      port: { type: "string" },
      host: { type: "string", default: "127.0.0.1" },
      network: { type: "string", default: "local" },
      out: { type: "string" },
      "skip-compile": { type: "boolean", default: false },
      verbose: { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
    strict: true,
  });
  if (values.help) {
    console.log(USAGE);
    return;
  }
  const t0 = Date.now();
  const host = values.host!;
  let port: number;
  if (values.port !== undefined) {
    port = Number(values.port);
    if (!Number.isInteger(port) || port <= 0 || port > 65535) throw new Error(`--port must be 1..65535, got ${values.port}`);
  } else {
    port = await freePort(host);
  }

  if (!values["skip-compile"]) {
    const r = spawnSync(path.join(ROOT, "node_modules", ".bin", "hardhat"), ["compile", "--quiet"], { cwd: ROOT, stdio: "inherit" });
    if (r.status !== 0) throw new Error("hardhat compile failed");
  }
  const tCompiled = Date.now();

  const anvil = await startAnvil(host, port, values.verbose!);
  let stopping = false;
  const stop = (signal: NodeJS.Signals, exitCode: number) => {
    if (stopping) return;
    stopping = true;
    console.log(`\n${signal}: stopping anvil (pid ${anvil.pid})`);
    const force = setTimeout(() => killGroup(anvil, "SIGKILL"), 5_000);
    anvil.once("exit", () => {
      clearTimeout(force);
      process.exit(exitCode);
    });
    killGroup(anvil, "SIGTERM");
  };
  process.on("SIGINT", () => stop("SIGINT", 0));
  process.on("SIGTERM", () => stop("SIGTERM", 0));
  // `npm start` killed by a supervisor (not Ctrl-C on the terminal) does not always forward the
  // signal to us: when our parent goes away we are re-parented, so stop rather than linger.
  const parent = process.ppid;
  setInterval(() => process.ppid !== parent && stop("SIGTERM", 0), 1_000).unref();
  // Never leave anvil behind, whatever happens to this process.
  process.on("exit", () => anvil.exitCode === null && killGroup(anvil, "SIGKILL"));
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

    const { world, json, file } = await deployWorldToRpc({
      rpcUrl: url, network: values.network!, outDir: values.out && path.resolve(values.out), extensions: EXTENSIONS, worldOptions: { treasuryUsd: GUARDED_TREASURY_USD },
      log: values.verbose ? console.log : undefined,
    });

    console.log(JSON.stringify(json, null, 2));
    console.log(
      `\nLocal world ready: RPC ${url} (chain ${CHAIN_ID}), deployments in ${path.relative(process.cwd(), file)}` +
        `\n  compile ${tCompiled - t0} ms, anvil up ${tChain - tCompiled} ms, deployWorld ${world.deployMs} ms, total ${Date.now() - t0} ms` +
        `\n  treasury Safe ${world.treasury.safe} (${world.treasury.threshold}-of-${world.treasury.owners.length})` +
        `\nPress Ctrl-C to stop.`,
    );
  } catch (err) {
    console.error(err);
    stop("SIGTERM", 1);
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
