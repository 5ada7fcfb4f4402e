// One writer per journal. Embedded (PGlite): an exclusive lock on the data folder, taken by every
// process that opens it (proper-lockfile: an atomic mkdir whose mtime the holder refreshes, stale
// when the holder stops refreshing it). Next to it the holder's pid and host, so a second process is
// refused with who holds it, and a holder killed with SIGKILL (no cleanup) on this host is recognised
// at once instead of after the stale period. On Postgres (DATABASE_URL) the agent verbs take a
// session advisory lock per Safe instead (Journal.lockSafe): several Safes may share one server.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import lockfile from "proper-lockfile";
import { UserError } from "../errors";

/** How long a lock whose holder stopped refreshing it stays held (a holder on another host, or a
 * hung one); the holder refreshes it every STALE_MS / 5. */
const STALE_MS = 15_000;

export interface Holder {
  pid: number;
  host: string;
  argv: string;
  since: string;
}

const lockPath = (dir: string) => path.join(dir, "agent.lock");
const holderPath = (dir: string) => path.join(dir, "agent.lock.json");

function readHolder(dir: string): Holder | undefined {
  try {
    return JSON.parse(fs.readFileSync(holderPath(dir), "utf8")) as Holder;
  } catch {
    return undefined;
  }
}

/** A holder on this host whose process is gone (killed without cleanup): its lock can be taken. */
function holderIsDead(h: Holder | undefined): boolean {
  if (!h || h.host !== os.hostname() || h.pid === process.pid) return false;
  try {
    process.kill(h.pid, 0);
    return false;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "ESRCH";
  }
}

export class JournalLockedError extends UserError {
  constructor(
    readonly dir: string,
    readonly holder: Holder | undefined,
  ) {
    const who = holder ? `process ${holder.pid} on ${holder.host} (${holder.argv}, since ${holder.since})` : "another process that is starting";
    super(`the journal in ${dir} is in use by ${who}: one process writes a journal at a time; stop that process first, or use its dashboard/API (treasury sign and execute work while it runs)`);
    this.name = "JournalLockedError";
  }
}

/** Take the data folder's lock or throw JournalLockedError; resolves to the release function. */
export async function lockDataDir(dir: string, o: { onCompromised?: (e: Error) => void } = {}): Promise<() => Promise<void>> {
  fs.mkdirSync(dir, { recursive: true });
  const take = () =>
    lockfile.lock(dir, {
      lockfilePath: lockPath(dir),
      realpath: false,
      stale: STALE_MS,
      update: STALE_MS / 5,
      retries: 0,
      // Someone removed or took over the lock while this process held it: say so loudly; the
      // journal's own unique key still stops a second live decision for the same day.
      onCompromised: o.onCompromised ?? ((e) => process.stderr.write(`error: the journal lock in ${dir} was lost: ${e.message}\n`)),
    });
  let release: () => Promise<void>;
  try {
    release = await take();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ELOCKED") throw e;
    const holder = readHolder(dir);
    if (!holderIsDead(holder)) throw new JournalLockedError(dir, holder);
    // Killed without cleanup on this host: its lock is void. Taken over atomically by proper-lockfile
    // once removed; a third process racing for it meets ELOCKED like anyone else.
    fs.rmSync(lockPath(dir), { recursive: true, force: true });
    try {
      release = await take();
    } catch (e2) {
      if ((e2 as NodeJS.ErrnoException).code === "ELOCKED") throw new JournalLockedError(dir, readHolder(dir));
      throw e2;
    }
  }
  const me: Holder = { pid: process.pid, host: os.hostname(), argv: process.argv.slice(1).map((a) => path.basename(a)).join(" ").slice(0, 200), since: new Date().toISOString() };
  fs.writeFileSync(holderPath(dir), JSON.stringify(me));
  return async () => {
    if (readHolder(dir)?.pid === process.pid) fs.rmSync(holderPath(dir), { force: true });
    await release().catch(() => undefined);
  };
}
