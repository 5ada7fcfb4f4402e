// The journal's database for the soak: a scratch PostgreSQL server (the test helper's binaries and
// setup), restartable in place (pg_ctl restart -m immediate: every connection is cut, as a crash or
// a failover does) with its data kept.
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { postgresBinDir, reachableBinDir } from "../../test/helpers/postgres";
import { freePort } from "../processes";

export interface SoakPostgres {
  url: string;
  /** Stop at once (every connection cut), wait for `whileDown`, start again with the same data. */
  restart(whileDown: () => Promise<unknown>): Promise<void>;
  stop(): Promise<void>;
}

export async function startSoakPostgres(): Promise<SoakPostgres> {
  let bin = postgresBinDir();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-soak-"));
  const data = path.join(dir, "data");
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(spawnSync("id", ["-u", "postgres"], { encoding: "utf8" }).stdout.trim());
    const gid = Number(spawnSync("id", ["-g", "postgres"], { encoding: "utf8" }).stdout.trim());
    if (!uid) throw new Error("running as root and there is no `postgres` user to run the server as: create one (useradd --system postgres) or run as a normal user");
    fs.chownSync(dir, uid, gid);
    bin = reachableBinDir(bin);
  }
  const run = (cmd: string, args: string[]) => {
    const [file, argv] = asRoot ? ["runuser", ["-u", "postgres", "--", path.join(bin, cmd), ...args]] : [path.join(bin, cmd), args];
    try {
      return execFileSync(file, argv, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    } catch (err) {
      const e = err as { stderr?: string; stdout?: string; message: string };
      throw new Error(`${cmd} failed: ${e.stderr || e.stdout || e.message}`, { cause: err });
    }
  };
  run("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
  const port = await freePort();
  const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const start = () => run("pg_ctl", ["-D", data, "-l", path.join(dir, "server.log"), "-w", "-t", "60", "-o", opts, "start"]);
  const stopNow = () => run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
  start();
  return {
    url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
    async restart(whileDown) {
      stopNow();
      await whileDown();
      start();
    },
    async stop() {
      try {
        stopNow();
      } catch {
        // already stopped
      }
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
