// Harness for the indexer's end-to-end tests: a throwaway anvil on a free port with the local world
// and the guardrails deployed over JSON-RPC, and throwaway `ponder start` processes (fresh PGlite
// directory, free port) that are waited on until caught up with the chain head.
import { ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { JsonRpcProvider, Signer } from "ethers";
import { deployWorld, worldToDeploymentJson, writeDeployment, DeploymentJson, World } from "../../scripts/world";
import { connectRpc, TEST_MNEMONIC } from "../../scripts/world/rpc";
import { freePort, startAnvil, stopAnvil, stopChildren, waitForChainId } from "../../scripts/processes";
import { attachLocalGuardrails, GUARDED_TREASURY_USD } from "../../scripts/guardrails/local";
import type { GuardrailAddresses } from "../../scripts/guardrails/deploy";

const ROOT = path.resolve(__dirname, "..", "..");
export const INDEXER_DIR = path.join(ROOT, "indexer");
const PONDER_BIN = path.join(ROOT, "node_modules", "ponder", "dist", "esm", "bin", "ponder.js");

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const stopChild = (child: ChildProcess) => stopChildren([child], 10_000);

export interface LocalChain {
  rpcUrl: string;
  provider: JsonRpcProvider;
  signers: Signer[];
  world: World;
  guardrails: GuardrailAddresses;
  deployment: DeploymentJson & { rpcUrl: string };
  file: string;
  rpc: (method: string, params?: unknown[]) => Promise<unknown>;
  stop: () => Promise<void>;
}

/** anvil on a free port (started as `npm start` starts it: scripts/processes.ts), with the world and guardrails. */
export async function startLocalChain(outDir: string, network = "e2e"): Promise<LocalChain> {
  const port = await freePort();
  const anvil = await startAnvil({ port, mnemonic: TEST_MNEMONIC });
  const rpcUrl = `http://127.0.0.1:${port}`;
  try {
    await waitForChainId(rpcUrl);
    const { provider, signers } = await connectRpc(rpcUrl, { count: 10 });
    const world = await deployWorld(signers, { treasuryUsd: GUARDED_TREASURY_USD });
    const { addresses } = await attachLocalGuardrails(world, { guardian: signers[7], payee: signers[8] });
    const deployment = { ...worldToDeploymentJson(world, network, { ...addresses }), rpcUrl };
    const file = writeDeployment(deployment, outDir);
    return {
      rpcUrl, provider, signers, world, guardrails: addresses, deployment, file,
      rpc: (method, params = []) => provider.send(method, params as unknown[]),
      stop: async () => {
        provider.destroy();
        await stopAnvil(anvil);
      },
    };
  } catch (err) {
    await stopAnvil(anvil);
    throw err;
  }
}

export interface Indexer {
  url: () => string;
  output: () => string;
  getJson: <T = unknown>(p: string) => Promise<T>;
  graphql: <T = Record<string, { items: Record<string, unknown>[] }>>(query: string) => Promise<T>;
  waitCaughtUp: (timeoutMs?: number, readyPath?: string) => Promise<number>;
  stop: () => Promise<void>;
}

/** `ponder start` for the indexer (or another Ponder app in `appDir`) with `env` (DEPLOYMENTS_FILE, PONDER_PGLITE_DIR, ...). */
export async function startIndexer(env: Record<string, string>, appDir = INDEXER_DIR): Promise<Indexer> {
  const port = await freePort();
  // Only what the caller passes selects the database (DATABASE_URL: Postgres; else PGlite).
  const childEnv: NodeJS.ProcessEnv = { ...process.env, DATABASE_URL: undefined, DATABASE_PRIVATE_URL: undefined, PORT: undefined, PONDER_TELEMETRY_DISABLED: "true", ...env };
  for (const k of ["DATABASE_URL", "DATABASE_PRIVATE_URL", "PORT"]) if (childEnv[k] === undefined) delete childEnv[k]; // PORT overrides --port in Ponder
  const child = spawn(process.execPath, [PONDER_BIN, "start", "--schema", "e2e", "--port", String(port), "--log-format", "json", "--log-level", "info"], {
    cwd: appDir,
    env: childEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let actualPort = port;
  const onData = (d: Buffer) => {
    out += d.toString();
    // A busy port silently becomes port+1: take the real one from the log.
    const m = /"msg":"Created HTTP server"[^\n]*"port":(\d+)|"port":(\d+)[^\n]*"msg":"Created HTTP server"/.exec(out);
    if (m) actualPort = Number(m[1] ?? m[2]);
  };
  child.stdout!.on("data", onData);
  child.stderr!.on("data", onData);
  const url = () => `http://127.0.0.1:${actualPort}`;
  const getJson = async <T>(p: string): Promise<T> => {
    const r = await fetch(url() + p);
    const body = await r.json();
    if (!r.ok) throw new Error(`GET ${p}: ${r.status} ${JSON.stringify(body)}`);
    return body as T;
  };
  return {
    url,
    output: () => out,
    getJson,
    async graphql<T>(query: string): Promise<T> {
      const r = await fetch(url() + "/graphql", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ query }) });
      const j = (await r.json()) as { data: T; errors?: unknown };
      if (j.errors) throw new Error(JSON.stringify(j.errors));
      return j.data;
    },
    /** Poll `readyPath` (default /caught-up: indexed block >= chain head) until 200; returns ms waited. */
    async waitCaughtUp(timeoutMs = 120_000, readyPath = "/caught-up"): Promise<number> {
      const t0 = Date.now();
      while (Date.now() - t0 < timeoutMs) {
        if (child.exitCode !== null) throw new Error(`indexer exited with ${child.exitCode}:\n${out.slice(-3000)}`);
        try {
          if ((await fetch(url() + readyPath)).status === 200) return Date.now() - t0;
        } catch {
          // server not up yet
        }
        await sleep(200);
      }
      throw new Error(`indexer not caught up in ${timeoutMs} ms:\n${out.slice(-3000)}`);
    },
    stop: () => stopChild(child),
  };
}

/** Run `ponder start` expecting it to fail at startup; returns its exit code and output. */
export async function indexerStartupFailure(env: Record<string, string>, timeoutMs = 90_000): Promise<{ code: number | null; output: string }> {
  const port = await freePort();
  const childEnv: NodeJS.ProcessEnv = { ...process.env, PONDER_TELEMETRY_DISABLED: "true", ...env };
  delete childEnv.PORT;
  delete childEnv.DATABASE_URL;
  const child = spawn(process.execPath, [PONDER_BIN, "start", "--schema", "e2e", "--port", String(port)], { cwd: INDEXER_DIR, env: childEnv, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout!.on("data", (d) => (out += d));
  child.stderr!.on("data", (d) => (out += d));
  const code = await new Promise<number | null>((resolve) => {
    const t = setTimeout(() => {
      child.kill("SIGKILL");
      resolve(null);
    }, timeoutMs);
    child.once("exit", (c) => (clearTimeout(t), resolve(c)));
  });
  return { code, output: out };
}

export function tmpDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}
