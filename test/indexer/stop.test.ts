// `npm run indexer` stops on SIGINT / SIGTERM sent to the PID that started it (a service manager's
// stop, `kill -INT`), not only on Ctrl-C to the whole terminal group: npm forwards the signal to its
// child, and each script execs the next process, so no shell sits in between holding it.
import { expect } from "chai";
import { spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import path from "node:path";
import { freePort } from "../../scripts/processes";
import { LocalChain, startLocalChain, tmpDir } from "../helpers/indexer";

const ROOT = path.resolve(__dirname, "..", "..");

/** Whether anything still runs in process group `pgid`. */
function groupAlive(pgid: number): boolean {
  try {
    process.kill(-pgid, 0);
    return true;
  } catch {
    return false;
  }
}

const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const s = net.connect(port, "127.0.0.1");
    s.once("connect", () => (s.destroy(), resolve(false)));
    s.once("error", () => resolve(true));
  });

describe("indexer: npm run indexer stops on a signal to its PID", function () {
  this.timeout(300_000);
  let dir: string;
  let chain: LocalChain;
  before(async () => {
    dir = tmpDir("indexer-stop-");
    chain = await startLocalChain(dir);
  });
  after(async () => {
    await chain?.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    it(`${signal} to npm's PID: ponder shuts down, npm exits, the port is free, nothing is left in its group`, async () => {
      const port = await freePort();
      // Its own process group, so the test can see (and at worst clean up) everything npm started.
      const env: NodeJS.ProcessEnv = { ...process.env, DEPLOYMENTS_FILE: chain.file, PONDER_PGLITE_DIR: path.join(dir, `pglite-${signal}`) };
      for (const k of ["DATABASE_URL", "DATABASE_PRIVATE_URL", "PORT"]) delete env[k]; // an empty PORT would mean port 0
      const npm = spawn("npm", ["run", "indexer", "--", "--port", String(port), "--hostname", "127.0.0.1"], {
        cwd: ROOT,
        detached: true,
        env,
        stdio: ["ignore", "pipe", "pipe"],
      });
      let out = "";
      npm.stdout!.on("data", (d) => (out += d));
      npm.stderr!.on("data", (d) => (out += d));
      const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => npm.once("exit", (code, sig) => r({ code, signal: sig })));
      try {
        // Serving: its HTTP server answers (waited on, not timed).
        for (;;) {
          if (npm.exitCode !== null) throw new Error(`npm run indexer exited early:\n${out}`);
          const ok = await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false);
          if (ok) break;
          await new Promise((r) => setTimeout(r, 250));
        }
        npm.kill(signal); // the PID only, as a service manager or `kill` does; not the group
        const how = await exited;
        expect(how.code === 0 || how.signal === signal || how.code === 130 || how.code === 143, `${JSON.stringify(how)}\n${out}`).to.equal(true);
        expect(out).to.include(`Received ${signal}`);
        // Ponder's children go with it: wait for the group to empty (the mocha timeout is the limit).
        while (groupAlive(npm.pid!)) await new Promise((r) => setTimeout(r, 100));
        expect(await refused(port)).to.equal(true);
      } finally {
        if (groupAlive(npm.pid!)) process.kill(-npm.pid!, "SIGKILL");
      }
    });
  }
});
