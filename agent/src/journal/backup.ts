// Backup and restore of the embedded journal (PGlite data folder). A backup is one file: a magic
// line, a JSON header (chain, Safe, counts, the newest block the journal had read, size and SHA-256
// of the payload), then PGlite's own dump of the data folder (gzip tar). Both verbs take the data
// folder's lock, so they never copy or replace files a running agent is writing: while the agent
// holds the journal they refuse (stop it first; on Postgres, pg_dump works while it runs).
// Restore verifies everything before it touches the journal, loads the backup into a new folder next
// to it, and only then swaps the folders: the old one is kept aside, never deleted.
import crypto from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { getAddress } from "viem";
import { UserError } from "../errors";
import { JournalLockedError, lockDataDir } from "./lock";
import { DDL } from "./schema";

const MAGIC = "TREASURY-JOURNAL-BACKUP 1\n";
export const BACKUP_FORMAT = "treasury-journal-backup";

export interface BackupHeader {
  format: typeof BACKUP_FORMAT;
  version: 1;
  createdAt: string;
  chainId: number;
  safe: string;
  /** PGlite that wrote the dump (its Postgres major decides what can load it). */
  pglite: string;
  decisions: number;
  events: number;
  /** Newest block a journaled decision read: on restore, executions after it are looked up on chain. */
  lastBlock: string;
  bytes: number;
  sha256: string;
}

export interface Contents {
  decisions: number;
  events: number;
  lastBlock: string;
  /** Distinct `chainId:safe` of the decisions. */
  treasuries: string[];
}

/** Where the embedded journal of an agent data folder lives (Journal.open uses the same). */
export const journalDirOf = (dataDir: string) => path.resolve(dataDir, "journal");
/** The events key of the restore markers (reconcile's check after a restore reads them). */
export const restoreKey = (chainId: number, safe: string) => `restore:${chainId}:${getAddress(safe)}`;

function pgliteVersion(): string {
  try {
    const pkg = path.join(path.dirname(require.resolve("@electric-sql/pglite")), "..", "package.json");
    return (JSON.parse(fs.readFileSync(pkg, "utf8")) as { version: string }).version;
  } catch {
    return "unknown";
  }
}

type Pg = { query<T>(q: string, p?: unknown[]): Promise<{ rows: T[] }>; exec(q: string): Promise<unknown>; close(): Promise<void>; dumpDataDir(c?: "gzip" | "none" | "auto"): Promise<Blob> };

async function openPg(dir: string, load?: Buffer): Promise<Pg> {
  const { PGlite } = await import("@electric-sql/pglite");
  // The type tells PGlite to gunzip it; the checksum was verified before (PGlite's own untar fails
  // on a damaged payload with an unhandled zlib error).
  return (await PGlite.create(dir, load ? { loadDataDir: new Blob([new Uint8Array(load)], { type: "application/x-gzip" }) } : {})) as unknown as Pg;
}

async function contentsOf(pg: Pg): Promise<Contents> {
  const has = async (t: string) => (await pg.query<{ ok: boolean }>(`SELECT to_regclass('public.${t}') IS NOT NULL AS ok`)).rows[0]?.ok === true;
  const out: Contents = { decisions: 0, events: 0, lastBlock: "0", treasuries: [] };
  if (await has("decisions")) {
    const r = (await pg.query<{ n: string; last: string | null }>(`SELECT count(*)::text AS n, max((body ->> 'block')::numeric)::text AS last FROM decisions`)).rows[0];
    out.decisions = Number(r?.n ?? 0);
    out.lastBlock = r?.last ?? "0";
    out.treasuries = (await pg.query<{ t: string }>(`SELECT DISTINCT split_part(cycle_key, ':', 1) || ':' || split_part(cycle_key, ':', 2) AS t FROM decisions ORDER BY 1`)).rows.map((x) => x.t);
  }
  if (await has("events")) out.events = Number((await pg.query<{ n: string }>(`SELECT count(*)::text AS n FROM events`)).rows[0]?.n ?? 0);
  return out;
}

const hasJournal = (dir: string) => fs.existsSync(path.join(dir, "PG_VERSION"));
const stamp = () => new Date().toISOString().replace(/[:.]/g, "-");

async function lockFor(verb: "backup" | "restore", dataDir: string): Promise<() => Promise<void>> {
  try {
    return await lockDataDir(path.resolve(dataDir));
  } catch (e) {
    if (!(e instanceof JournalLockedError)) throw e;
    const h = e.holder;
    const who = h ? `process ${h.pid} on ${h.host} (${h.argv})` : "another process";
    throw new UserError(
      verb === "backup"
        ? `the journal in ${e.dir} is in use by ${who}: a consistent backup needs the journal to itself; stop the agent, run \`treasury backup\`, start it again (or keep the journal on Postgres and use pg_dump, which works while the agent runs)`
        : `the journal in ${e.dir} is in use by ${who}: restore never replaces a journal a running agent writes; stop the agent first, then run \`treasury restore\` again`,
    );
  }
}

/** Back up the embedded journal of `dataDir` to `out` (written to a temporary name, then renamed). */
export async function backupJournal(o: { dataDir: string; chainId: number; safe: string; out: string }): Promise<BackupHeader & { file: string }> {
  const dir = journalDirOf(o.dataDir);
  if (!hasJournal(dir)) throw new UserError(`no embedded journal in ${dir}: nothing to back up; check AGENT_DATA_DIR (or dataDir in the config)`);
  const unlock = await lockFor("backup", o.dataDir);
  try {
    const pg = await openPg(dir);
    let data: Buffer, c: Contents;
    try {
      c = await contentsOf(pg);
      // Everything written so far in the data files, not only in the WAL (the dump carries both; this
      // makes the restored folder start without replaying much).
      await pg.exec("CHECKPOINT");
      data = Buffer.from(await (await pg.dumpDataDir("gzip")).arrayBuffer());
    } finally {
      await pg.close();
    }
    const header: BackupHeader = {
      format: BACKUP_FORMAT,
      version: 1,
      createdAt: new Date().toISOString(),
      chainId: o.chainId,
      safe: getAddress(o.safe),
      pglite: pgliteVersion(),
      decisions: c.decisions,
      events: c.events,
      lastBlock: c.lastBlock,
      bytes: data.length,
      sha256: crypto.createHash("sha256").update(data).digest("hex"),
    };
    const out = path.resolve(o.out);
    const tmp = `${out}.partial-${process.pid}`;
    try {
      fs.writeFileSync(tmp, Buffer.concat([Buffer.from(MAGIC + JSON.stringify(header) + "\n"), data]));
      fs.renameSync(tmp, out);
    } catch (e) {
      fs.rmSync(tmp, { force: true });
      throw new UserError(`cannot write the backup to ${out}: ${(e as Error).message}; pick a writable path with --out`);
    }
    return { ...header, file: out };
  } finally {
    await unlock();
  }
}

/** Read and verify a backup file: its format, header and the payload's size and SHA-256. */
export function readBackup(file: string): { header: BackupHeader; data: Buffer } {
  let buf: Buffer;
  try {
    buf = fs.readFileSync(file);
  } catch (e) {
    throw new UserError(`cannot read the backup ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}; give the path of a file written by \`treasury backup\``);
  }
  const bad = (why: string) => new UserError(`${file} is not a usable journal backup: ${why}; nothing was changed — use another copy of the backup`);
  if (!buf.subarray(0, MAGIC.length).equals(Buffer.from(MAGIC))) throw bad("it does not start like a file written by `treasury backup`");
  const end = buf.indexOf(0x0a, MAGIC.length);
  if (end < 0) throw bad("its header is cut off");
  let header: BackupHeader;
  try {
    header = JSON.parse(buf.subarray(MAGIC.length, end).toString("utf8")) as BackupHeader;
  } catch {
    throw bad("its header is not JSON");
  }
  if (header.format !== BACKUP_FORMAT || header.version !== 1 || !Number.isInteger(header.chainId) || typeof header.safe !== "string" || !/^[0-9a-f]{64}$/.test(header.sha256 ?? "")) throw bad("its header lacks the format, chain, Safe or checksum");
  const data = buf.subarray(end + 1);
  if (data.length !== header.bytes) throw bad(`it holds ${data.length} bytes of data where its header says ${header.bytes} (truncated or appended to)`);
  if (crypto.createHash("sha256").update(data).digest("hex") !== header.sha256) throw bad("the SHA-256 of its data does not match its header (the file is damaged)");
  return { header, data };
}

export interface RestoreResult {
  header: BackupHeader;
  restored: Contents;
  /** The journal folder that was there before, kept aside (absent when there was none). */
  keptAside?: string;
  replaced?: Contents;
}

/**
 * Restore `file` into the embedded journal of `dataDir`. Refused, with nothing changed: a damaged
 * file, a backup of another chain or Safe than the configured one (unless force), a journal that
 * holds records (unless force), a journal a running agent holds. The backup is loaded into a new
 * folder and checked there; the current journal is then renamed aside (journal.before-restore-…),
 * never deleted. A marker event makes the next cycle look on chain for executions the backup does
 * not know (execute/restored.ts) so a restored older journal never acts twice for a day.
 */
export async function restoreJournal(o: { dataDir: string; chainId: number; safe: string; file: string; force?: boolean }): Promise<RestoreResult> {
  const { header, data } = readBackup(o.file);
  const safe = getAddress(o.safe);
  if (!o.force && (header.chainId !== o.chainId || getAddress(header.safe) !== safe))
    throw new UserError(`${o.file} is a journal of the Safe ${header.safe} on chain ${header.chainId}, not of the configured ${safe} on chain ${o.chainId}: nothing was changed; check DEPLOYMENTS_FILE/SAFE_ADDRESS, or pass --force to restore it anyway`);
  const dir = journalDirOf(o.dataDir);
  const unlock = await lockFor("restore", o.dataDir);
  const staging = `${dir}.restoring-${stamp()}`;
  try {
    let replaced: Contents | undefined;
    if (hasJournal(dir)) {
      const pg = await openPg(dir);
      try {
        replaced = await contentsOf(pg);
      } finally {
        await pg.close();
      }
      if (!o.force && replaced.decisions + replaced.events > 0)
        throw new UserError(`the journal in ${dir} already holds ${replaced.decisions} decisions and ${replaced.events} events: restore does not overwrite a journal that has records; pass --force to replace it (it is kept aside as journal.before-restore-…, not deleted)`);
    } else if (fs.existsSync(dir) && fs.readdirSync(dir).length > 0) {
      if (!o.force) throw new UserError(`${dir} holds files that are not a journal: nothing was changed; move them away or pass --force (they are kept aside, not deleted)`);
    }
    let restored: Contents;
    try {
      const pg = await openPg(staging, data);
      try {
        restored = await contentsOf(pg);
        if (restored.decisions !== header.decisions || restored.events !== header.events)
          throw new UserError(`${o.file} loads, but holds ${restored.decisions} decisions and ${restored.events} events where its header says ${header.decisions} and ${header.events}: nothing was changed; use another copy of the backup`);
        const own = `${o.chainId}:${safe}`;
        const foreign = restored.treasuries.filter((t) => t.toLowerCase() !== own.toLowerCase());
        if (!o.force && foreign.length)
          throw new UserError(`${o.file} holds decisions of ${foreign.join(", ")}, not only of ${own}: nothing was changed; pass --force to restore it anyway`);
        // A backup of a journal that never ran a cycle may lack the tables: the marker needs them.
        const { drizzle } = await import("drizzle-orm/pglite");
        const db = drizzle(pg as never);
        for (const stmt of DDL) await db.execute(stmt);
        await pg.query(`INSERT INTO events (cycle_key, kind, detail) VALUES ($1, 'restored', $2)`, [
          restoreKey(o.chainId, safe),
          JSON.stringify({ fromBlock: header.lastBlock, backupCreatedAt: header.createdAt, file: path.resolve(o.file) }),
        ]);
      } finally {
        await pg.close();
      }
    } catch (e) {
      fs.rmSync(staging, { recursive: true, force: true });
      if (e instanceof UserError) throw e;
      throw new UserError(`${o.file} passed its checksum but PGlite ${pgliteVersion()} could not load it (${(e as Error).message}): nothing was changed; it was written by PGlite ${header.pglite}`);
    }
    let keptAside: string | undefined;
    if (fs.existsSync(dir)) {
      keptAside = `${dir}.before-restore-${stamp()}`;
      fs.renameSync(dir, keptAside);
    }
    try {
      fs.renameSync(staging, dir);
    } catch (e) {
      if (keptAside) fs.renameSync(keptAside, dir);
      throw e;
    }
    return { header, restored: restored!, keptAside, replaced };
  } catch (e) {
    fs.rmSync(staging, { recursive: true, force: true });
    throw e;
  } finally {
    await unlock();
  }
}
