// Local processes the scripts, benchmarks and tests start: a free port to give them, the local
// chain (anvil from node_modules, for `npm start`, the tests and the benchmarks alike), and a stop
// that asks first (SIGTERM) and insists after a grace period (SIGKILL).
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";

const ROOT = path.resolve(__dirname, "..");
/** The local chain's id (anvil's default, as Hardhat's). */
export const LOCAL_CHAIN_ID = 31337;

/** A port the OS says is free on `host` now (never a hard-coded one: this machine is shared). */
export function freePort(host = "127.0.0.1"): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, host, () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/** SIGTERM each child still running; resolves when all have exited (SIGKILL after `graceMs`). */
export function stopChildren(children: ChildProcess[], graceMs = 5_000): Promise<void> {
  const live = children.filter((c) => c.exitCode === null && c.signalCode === null);
  return Promise.all(
    live.map(
      (c) =>
        new Promise<void>((resolve) => {
          const t = setTimeout(() => c.kill("SIGKILL"), graceMs);
          c.once("exit", () => (clearTimeout(t), resolve()));
          c.kill("SIGTERM");
        }),
    ),
  ).then(() => undefined);
}

export interface AnvilOptions {
  host?: string;
  port: number;
  /** Accounts 0..9 of this mnemonic are funded. */
  mnemonic: string;
  /** Forward anvil's output to stderr. */
  verbose?: boolean;
  cwd?: string;
  /** Genesis block timestamp (unix seconds); a replay starts the chain the day before its window. */
  timestamp?: number;
  /** More anvil flags (the soak's `--state FILE`: the chain dumped on exit and loaded at start). */
  extraArgs?: string[];
}

/** Block states the local anvil keeps in memory (an eth_call at an older block fails). */
export const LOCAL_STATES_IN_MEMORY = 20_000;

/**
 * anvil (node_modules/.bin) in its own process group (so the npm wrapper and the real binary are
 * signalled together: killGroup / stopAnvil); resolves once *this* process prints "Listening on".
 */
export function startAnvil(o: AnvilOptions): Promise<ChildProcess> {
  const bin = path.join(ROOT, "node_modules", ".bin", "anvil");
  if (!fs.existsSync(bin)) throw new Error(`${bin} not found: is @foundry-rs/anvil installed (npm ci)?`);
  const args = [
    "--host", o.host ?? "127.0.0.1", "--port", String(o.port), "--chain-id", String(LOCAL_CHAIN_ID), "--hardfork", "cancun", "--mnemonic", o.mnemonic, "--accounts", "10",
    // Block states kept in memory, like an archive node. With anvil's default history settings an
    // eth_call at a past block took 8-12 ms on a simulated year (2,747 blocks), 1-2 ms with every
    // state in memory (resident memory 1.6 GB instead of 1.4 GB); the indexer reads NAV at every
    // past treasury block. Beyond LOCAL_STATES_IN_MEMORY blocks the oldest states are dropped.
    "--prune-history", String(LOCAL_STATES_IN_MEMORY),
    ...(o.timestamp !== undefined ? ["--timestamp", String(o.timestamp)] : []),
    ...(o.extraArgs ?? []),
  ];
  const child = spawn(bin, args, { cwd: o.cwd ?? ROOT, detached: true, stdio: ["ignore", "pipe", "pipe"] });
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
      if (o.verbose) process.stderr.write(text.replace(/^/gm, "[anvil] "));
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

/** Signal a child started with `detached: true` and its whole process group. */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  try {
    process.kill(-child.pid!, signal);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ESRCH") throw err;
  }
}

/** SIGTERM anvil's process group; SIGKILL after `graceMs`; resolves when it has exited. */
export function stopAnvil(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => killGroup(child, "SIGKILL"), graceMs);
    child.once("exit", () => (clearTimeout(t), resolve()));
    killGroup(child, "SIGTERM");
  });
}

/** Resolves once `url` answers eth_chainId with `chainId`. */
export async function waitForChainId(url: string, chainId = LOCAL_CHAIN_ID, timeoutMs = 15_000): Promise<void> {
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
      if (body.result && Number(body.result) === chainId) return;
      last = JSON.stringify(body);
    } catch (err) {
      last = (err as Error).message;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} did not answer eth_chainId ${chainId} (last: ${last})`);
}
