// A scratch Postgres server for tests: initdb in a temporary folder, started on a free port with its
// socket in that folder, trust auth on 127.0.0.1 only, dropped with stop(). Real server binaries
// (initdb, pg_ctl), no docker. As root the server runs as the `postgres` user (it refuses root).
// Missing binaries → an error naming what to install, never a skipped test.
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "../../scripts/processes";

export interface ScratchPostgres {
  /** postgres://postgres@127.0.0.1:<port>/<database> */
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Database to create and point `url` at (default "postgres", which always exists). */
  database?: string;
}

/** The folder holding initdb and pg_ctl: PG_BIN, else the newest /usr/lib/postgresql/<v>/bin, else PATH. */
export function postgresBin(env: NodeJS.ProcessEnv = process.env, root = "/usr/lib/postgresql"): string {
  const has = (dir: string) => ["initdb", "pg_ctl"].every((b) => fs.existsSync(path.join(dir, b)));
  if (env.PG_BIN) {
    if (has(env.PG_BIN)) return env.PG_BIN;
    throw new Error(`PG_BIN=${env.PG_BIN} has no initdb and pg_ctl: point it at the Postgres server's bin folder`);
  }
  const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (has(path.join(root, v, "bin"))) return path.join(root, v, "bin");
  for (const dir of (env.PATH ?? "").split(path.delimiter)) if (dir && has(dir)) return dir;
  throw new Error(
    "Postgres server binaries not found (initdb and pg_ctl): install the server (Debian/Ubuntu: apt-get install postgresql; macOS: brew install postgresql@15) or set PG_BIN to the folder that holds them",
  );
}

const isRoot = () => typeof process.getuid === "function" && process.getuid() === 0;

export async function start(o: StartOptions = {}): Promise<ScratchPostgres> {
  const bin = postgresBin();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "scratch-pg-"));
  const data = path.join(dir, "data");
  const log = path.join(dir, "server.log");
  // Postgres will not run as root: hand the folder to the postgres user and run the tools as it.
  let asUser: string[] = [];
  if (isRoot()) {
    const uid = Number(execFileSync("id", ["-u", "postgres"]).toString().trim());
    const gid = Number(execFileSync("id", ["-g", "postgres"]).toString().trim());
    fs.chownSync(dir, uid, gid);
    asUser = ["runuser", "-u", "postgres", "--"];
  }
  const run = (tool: string, args: string[]) => {
    const cmd = [...asUser, path.join(bin, tool), ...args];
    try {
      return execFileSync(cmd[0], cmd.slice(1), { stdio: ["ignore", "pipe", "pipe"], timeout: 120_000 }).toString();
    } catch (e) {
      const err = e as { stderr?: Buffer; stdout?: Buffer; message: string };
      const serverLog = fs.existsSync(log) ? fs.readFileSync(log, "utf8").slice(-2_000) : "";
      throw new Error(`${tool} failed: ${err.stderr?.toString() || err.stdout?.toString() || err.message}${serverLog ? `\nserver log:\n${serverLog}` : ""}`, { cause: e });
    }
  };
  const port = await freePort();
  let started = false;
  const stop = async () => {
    if (started) {
      started = false;
      try {
        run("pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"]);
      } catch {
        /* already gone */
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    run("initdb", ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C", "--no-sync"]);
    // Local socket in our own folder, TCP on 127.0.0.1 only, no fsync: a throw-away server.
    const opts = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
    run("pg_ctl", ["-D", data, "-o", opts, "-l", log, "-w", "-t", "60", "start"]);
    started = true;
    const database = o.database ?? "postgres";
    if (database !== "postgres") {
      const { Client } = await import("pg");
      const c = new Client({ connectionString: `postgres://postgres@127.0.0.1:${port}/postgres` });
      await c.connect();
      try {
        await c.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
      } finally {
        await c.end();
      }
    }
    return { url: `postgres://postgres@127.0.0.1:${port}/${database}`, port, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
