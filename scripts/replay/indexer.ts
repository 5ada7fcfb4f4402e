// The indexer (indexer/, Ponder on embedded PGlite) as npm start runs it: `ponder start` on a free
// port with its own database folder, following the local chain.
import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { freePort } from "../processes";

const ROOT = path.resolve(__dirname, "..", "..");
const PONDER_BIN = path.join(ROOT, "node_modules", "ponder", "dist", "esm", "bin", "ponder.js");

export interface IndexerProcess {
  child: ChildProcess;
  url: string;
  /** Last lines of its output (for an error message). */
  tail: () => string;
  getJson: <T>(p: string) => Promise<T>;
  /** Resolves once /caught-up says the indexed block is the chain head (fails if the indexer exited). */
  waitCaughtUp: (timeoutMs?: number, stopped?: () => boolean) => Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startIndexerProcess(o: { deploymentsFile: string; pgliteDir: string; host?: string }, children: ChildProcess[]): Promise<IndexerProcess> {
  const host = o.host ?? "127.0.0.1";
  const port = await freePort(host);
  const env: NodeJS.ProcessEnv = { ...process.env, DEPLOYMENTS_FILE: o.deploymentsFile, PONDER_PGLITE_DIR: o.pgliteDir, PONDER_TELEMETRY_DISABLED: "true",
    // A replayed day is one or two blocks: a NAV snapshot at every block gives one a day, and the
    // last snapshot is the chain's last block (compared to the cent with TreasuryValuation.nav()).
    NAV_INTERVAL_BLOCKS: process.env.NAV_INTERVAL_BLOCKS ?? "1" };
  for (const k of ["DATABASE_URL", "DATABASE_PRIVATE_URL", "PORT"]) delete env[k]; // PORT would override --port
  const child = spawn(process.execPath, [PONDER_BIN, "start", "--schema", "treasury", "--port", String(port), "--hostname", host, "--log-format", "json", "--log-level", "warn"], {
    cwd: path.join(ROOT, "indexer"),
    env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  children.push(child);
  let out = "";
  const keep = (d: Buffer) => (out = (out + d.toString()).slice(-20_000));
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  const url = `http://${host}:${port}`;
  const getJson = async <T>(p: string): Promise<T> => {
    const r = await fetch(url + p);
    const body = await r.json();
    if (!r.ok) throw new Error(`indexer GET ${p}: ${r.status} ${JSON.stringify(body)}`);
    return body as T;
  };
  const ix: IndexerProcess = {
    child,
    url,
    tail: () => out.slice(-3000),
    getJson,
    async waitCaughtUp(timeoutMs = 300_000, stopped = () => false) {
      const t0 = Date.now();
      while (Date.now() - t0 < timeoutMs) {
        if (stopped()) throw new Error("stopped while waiting for the indexer");
        if (child.exitCode !== null) throw new Error(`the indexer exited with code ${child.exitCode}:\n${out.slice(-3000)}`);
        try {
          if ((await fetch(url + "/caught-up")).status === 200) return;
        } catch {
          // not serving yet
        }
        await sleep(250);
      }
      throw new Error(`the indexer did not catch up within ${timeoutMs / 1000} s:\n${out.slice(-3000)}`);
    },
  };
  // Not waited on here: it follows the chain from the start, and the replay only needs it at the
  // end (waitCaughtUp, which also reports an early exit). Its start overlaps the rest of the setup.
  return ix;
}
