// The journal: decision records stored durably through drizzle, in embedded PGlite (a data folder)
// by default or a Postgres server (DATABASE_URL). Writes that precede an on-chain act are awaited
// before the act (write-ahead), so a crash never leaves an act without its record.
import fs from "node:fs";
import path from "node:path";
import { and, desc, eq, inArray, like, or, sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { DDL, decisions, events } from "./schema";
import { jsonSafe } from "./canonical";
import { LIVE, type DecisionBody, type DecisionRow, type Status } from "./record";
import { lockDataDir } from "./lock";
import { UserError } from "../errors";
import type { Hex } from "viem";

type Db = PgDatabase<PgQueryResultHKT>;

export interface JournalOptions {
  databaseUrl?: string;
  /** PGlite data folder (created); "memory://" for an in-memory database (tests, benchmark). */
  dataDir?: string;
}

export class Journal {
  private constructor(
    readonly db: Db,
    private readonly closeFn: () => Promise<void>,
    readonly where: string,
    /** Postgres: a session of its own for the advisory lock per Safe (lockSafe). */
    private readonly lockSession?: () => Promise<{ query(q: string, v: unknown[]): Promise<{ rows: { locked: boolean }[] }>; release(): void }>,
  ) {}
  private heldSession?: { release(): void };
  /** The Safe whose advisory lock this journal holds (Postgres): taken again after a lost session. */
  private lockKey?: string;
  /** The last connection error the pool reported (a server restart), for logs and status. */
  lastError?: string;

  static async open(o: JournalOptions): Promise<Journal> {
    let j: Journal;
    if (o.databaseUrl) {
      const { Pool } = await import("pg");
      const { drizzle } = await import("drizzle-orm/node-postgres");
      // One more connection than the queries need: lockSafe keeps one for the advisory lock's session.
      const pool = new Pool({ connectionString: o.databaseUrl, max: 3 });
      // A server restart cuts idle connections: pg emits "error" on the pool, and an unhandled
      // "error" event would kill the process. The next query reconnects; one that fails fails its
      // cycle (aborted, alerted), never the agent.
      pool.on("error", (e) => {
        j.lastError = e.message;
      });
      j = new Journal(drizzle(pool) as unknown as Db, () => pool.end(), "postgres (DATABASE_URL)", () => pool.connect());
    } else {
      const { PGlite } = await import("@electric-sql/pglite");
      const { drizzle } = await import("drizzle-orm/pglite");
      const dir = o.dataDir ?? ".treasury-agent";
      const target = dir.startsWith("memory://") ? dir : path.resolve(dir, "journal");
      // One writer per embedded journal: the data folder's lock, held until close (or the process ends).
      const unlock = target.startsWith("memory://") ? async () => undefined : await lockDataDir(path.resolve(dir));
      let client;
      try {
        if (!target.startsWith("memory://")) fs.mkdirSync(target, { recursive: true });
        client = await PGlite.create(target);
      } catch (e) {
        await unlock();
        throw e;
      }
      const c = client;
      j = new Journal(drizzle(c) as unknown as Db, async () => {
        try {
          await c.close();
        } finally {
          await unlock();
        }
      }, `pglite ${target}`);
    }
    try {
      if (o.databaseUrl)
        // Several agents (one per Safe) starting at once on a fresh server would race the same
        // CREATE … IF NOT EXISTS (a duplicate pg_type row): one migrates at a time.
        await j.db.transaction(async (tx) => {
          await tx.execute(sql`SELECT pg_advisory_xact_lock(hashtextextended('treasury-agent:journal-ddl', 0))`);
          for (const stmt of DDL) await tx.execute(stmt);
        });
      else for (const stmt of DDL) await j.db.execute(stmt);
    } catch (e) {
      await j.close();
      const m = (e as Error).message;
      if (/decisions_one_live_per_day/.test(m) || /could not create unique index/.test(m)) throw new UserError(`the journal (${j.where}) has two live decisions for one day, from a version that let two processes act: look them up (status executed/proposed, same cycle_key), mark the one that never reached the chain as failed, then start again`);
      throw e;
    }
    return j;
  }

  async close(): Promise<void> {
    this.heldSession?.release();
    this.heldSession = undefined;
    return this.closeFn();
  }

  /**
   * One agent per Safe on a shared Postgres server: a session advisory lock on `key` (chainId:safe),
   * held until close or the process ends (the server drops it with the session). Refused at once,
   * with what to do, when another session holds it. Embedded: the data folder's lock already is one.
   */
  async lockSafe(key: string): Promise<void> {
    if (!this.lockSession || this.heldSession) return;
    this.lockKey = key;
    const s = await this.lockSession();
    // The session dies with the server (a restart, a failover): the advisory lock dies with it.
    // Forget it, so the next cycle takes it again (ensureLock) before writing anything.
    (s as unknown as { on?(ev: "error", fn: (e: Error) => void): void }).on?.("error", (e) => {
      this.lastError = e.message;
      if (this.heldSession === s) this.heldSession = undefined;
      try {
        s.release();
      } catch {
        // already gone
      }
    });
    let ok = false;
    try {
      const r = await s.query("SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked", [`treasury-agent:${key}`]);
      ok = r.rows[0]?.locked === true;
    } finally {
      if (!ok) s.release();
    }
    if (!ok) throw new UserError(`another agent process holds the Safe ${key} on this Postgres journal (DATABASE_URL): one agent per Safe; stop the other \`treasury run\` (or wait for its cycle to end) and start again`);
    this.heldSession = s;
  }

  /**
   * Postgres: hold this Safe's advisory lock again if a server restart took it away. Throws while the
   * server is down, or when another agent process took the Safe in between (then this one must not
   * write: the cycle is aborted and alerted).
   */
  async ensureLock(): Promise<void> {
    if (this.lockKey && !this.heldSession) await this.lockSafe(this.lockKey);
  }

  /**
   * Insert a record. `existed` is false only when this call created it: a record with the same hash
   * already there, or another live decision for the same day (the unique key per chain, Safe and day),
   * is returned instead, and the caller must not act.
   */
  async insert(row: Omit<DecisionRow, "createdAt" | "updatedAt" | "outcome" | "reason" | "txHash" | "rawTx" | "safeTxHash" | "proposalUrl" | "agentNonce" | "final"> & Partial<DecisionRow>): Promise<{ row: DecisionRow; existed: boolean }> {
    const inserted = await this.db
      .insert(decisions)
      .values({ ...row, body: jsonSafe(row.body), outcome: row.outcome === undefined ? null : jsonSafe(row.outcome) })
      .onConflictDoNothing()
      .returning({ hash: decisions.hash });
    if (inserted.length) return { row: (await this.get(row.hash))!, existed: false };
    const same = await this.get(row.hash);
    if (same) return { row: same, existed: true };
    const live = (await this.byCycle(row.cycleKey)).find((r) => (LIVE as readonly string[]).includes(r.status));
    if (!live) throw new Error(`journal: the insert of ${row.hash} was refused, yet no record holds its key`);
    return { row: live, existed: true };
  }

  async update(hash: Hex, patch: Partial<Pick<DecisionRow, "status" | "txHash" | "rawTx" | "agentNonce" | "safeTxHash" | "proposalUrl" | "outcome" | "reason" | "safeNonce" | "final">>): Promise<void> {
    const set: Record<string, unknown> = { ...patch, updatedAt: new Date() };
    if (patch.outcome !== undefined) set.outcome = jsonSafe(patch.outcome);
    if (patch.reason) set.reason = jsonSafe(patch.reason);
    await this.db.update(decisions).set(set).where(eq(decisions.hash, hash));
  }

  /**
   * Take a closed record (failed or skipped, nothing signed) back to `decided` to act on it again,
   * atomically: true only for the one caller whose update moved it (another process, or another live
   * decision for the day, makes it false).
   */
  async claim(hash: Hex, from: Status): Promise<boolean> {
    try {
      const r = await this.db.update(decisions).set({ status: "decided", reason: null, updatedAt: new Date() }).where(and(eq(decisions.hash, hash), eq(decisions.status, from))).returning({ hash: decisions.hash });
      return r.length === 1;
    } catch (e) {
      if (/decisions_one_live_per_day|duplicate key/.test(errorMessage(e))) return false;
      throw e;
    }
  }

  async get(hash: Hex): Promise<DecisionRow | undefined> {
    const r = await this.db.select().from(decisions).where(eq(decisions.hash, hash));
    return r[0] ? toRow(r[0]) : undefined;
  }

  async byCycle(cycleKey: string): Promise<DecisionRow[]> {
    const r = await this.db.select().from(decisions).where(eq(decisions.cycleKey, cycleKey)).orderBy(desc(decisions.createdAt));
    return r.map(toRow);
  }

  /** Decisions of this journal made at a Safe nonce (the owner path's idempotency key next to the hash). */
  async bySafeNonce(nonce: number, path?: DecisionRow["path"]): Promise<DecisionRow[]> {
    const where = path ? and(eq(decisions.safeNonce, nonce), eq(decisions.path, path)) : eq(decisions.safeNonce, nonce);
    const r = await this.db.select().from(decisions).where(where).orderBy(desc(decisions.createdAt));
    return r.map(toRow);
  }

  /** NAV (USD, 18 decimals, as a decimal string) read by each cycle whose key starts with `prefix`,
   * one per date (the latest record of the day), oldest first: the drawdown stop's equity curve. */
  async navByDate(prefix: string, limit = 2_000): Promise<{ date: string; navUsd: string }[]> {
    const rows = await this.db
      .select({ date: decisions.date, nav: sql<string | null>`${decisions.body} -> 'inputs' -> 'portfolio' ->> 'navUsd'` })
      .from(decisions)
      .where(like(decisions.cycleKey, `${escapeLike(prefix)}%`))
      .orderBy(desc(decisions.createdAt))
      .limit(limit);
    const byDate = new Map<string, string>();
    for (const r of rows) if (r.nav && /^\d+$/.test(r.nav) && !byDate.has(r.date)) byDate.set(r.date, r.nav);
    return [...byDate.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([date, navUsd]) => ({ date, navUsd }));
  }

  /** NAV read by each of the last `limit` records whose key starts with `prefix`, oldest first: the
   * dashboard's NAV line over journaled cycles. navUsd is null when the read had no usable price. */
  async navHistory(prefix: string, limit: number): Promise<{ at: Date; date: string; hash: Hex; status: Status; navUsd: string | null }[]> {
    const p = sql`${decisions.body} -> 'inputs' -> 'portfolio'`;
    const rows = await this.db
      .select({ at: decisions.createdAt, date: decisions.date, hash: decisions.hash, status: decisions.status, nav: sql<string | null>`${p} ->> 'navUsd'`, healthy: sql<string | null>`${p} ->> 'healthy'` })
      .from(decisions)
      .where(like(decisions.cycleKey, `${escapeLike(prefix)}%`))
      .orderBy(desc(decisions.createdAt))
      .limit(limit);
    return rows.reverse().map((r) => ({ at: r.at, date: r.date, hash: r.hash as Hex, status: r.status as Status, navUsd: r.nav && /^\d+$/.test(r.nav) && r.healthy !== "false" ? r.nav : null }));
  }

  /** The dashboard's series: every record whose key starts with `prefix` (the last `limit`), oldest
   * first, with only what the charts and the decision log read (the portfolio, signals, target and
   * the verdict's decision), not the plans and simulations (GET /api/decision/:hash has those). */
  async seriesRows(prefix: string, limit: number): Promise<SeriesRow[]> {
    const b = decisions.body;
    const rows = await this.db
      .select({
        hash: decisions.hash,
        date: decisions.date,
        status: decisions.status,
        path: decisions.path,
        txHash: decisions.txHash,
        safeTxHash: decisions.safeTxHash,
        proposalUrl: decisions.proposalUrl,
        reason: decisions.reason,
        createdAt: decisions.createdAt,
        // Only what the charts read of the portfolio (not its allowances, pools, prices): the route is polled.
        portfolio: sql<unknown>`jsonb_build_object('navUsd', ${b} -> 'inputs' -> 'portfolio' -> 'navUsd', 'healthy', ${b} -> 'inputs' -> 'portfolio' -> 'healthy', 'assets', ${b} -> 'inputs' -> 'portfolio' -> 'assets', 'positions', ${b} -> 'inputs' -> 'portfolio' -> 'positions')`,
        signals: sql<unknown>`${b} -> 'signals'`,
        target: sql<unknown>`${b} -> 'target'`,
        verdict: sql<string | null>`${b} -> 'verdict' ->> 'decision'`,
        rationale: sql<string | null>`${b} ->> 'rationale'`,
        sizeUsd: sql<string | null>`${b} -> 'plan' ->> 'sizeUsd'`,
        gasUsed: sql<string | null>`${decisions.outcome} ->> 'gasUsed'`,
      })
      .from(decisions)
      .where(like(decisions.cycleKey, `${escapeLike(prefix)}%`))
      .orderBy(desc(decisions.createdAt))
      .limit(limit);
    return rows.reverse().map((r) => ({ ...r, hash: r.hash as Hex, status: r.status as Status, path: r.path as DecisionRow["path"] }));
  }

  /** How many records of `prefix` there are and when the last changed: the dashboard recomputes its series only when this moves. */
  async seriesStamp(prefix: string): Promise<string> {
    const [r] = await this.db
      .select({ n: sql<string>`count(*)`, last: sql<string | null>`max(${decisions.updatedAt})` })
      .from(decisions)
      .where(like(decisions.cycleKey, `${escapeLike(prefix)}%`));
    return `${r?.n ?? 0}:${r?.last ?? ""}`;
  }

  /** Records whose act may have happened without its result being recorded; with `prefix`
   * (`chainId:safe:`) only that Safe's, so a journal shared by several Safes or chains never has one
   * agent settle another's decisions. */
  async unfinished(prefix?: string): Promise<DecisionRow[]> {
    const open = inArray(decisions.status, ["sending", "sent", "proposing"]);
    const r = await this.db.select().from(decisions).where(prefix ? and(open, like(decisions.cycleKey, `${escapeLike(prefix)}%`)) : open);
    return r.map(toRow);
  }

  /** What reconciliation watches besides the unfinished acts: decisions inserted but never acted on
   * (`decided`: the process stopped before its write-ahead), open proposals (executed or overtaken
   * elsewhere) and executions not yet final (a reorg may remove them); this Safe's only. */
  async watched(prefix: string): Promise<DecisionRow[]> {
    const open = or(inArray(decisions.status, ["decided", "proposed"]), and(eq(decisions.status, "executed"), eq(decisions.final, false)));
    const r = await this.db.select().from(decisions).where(and(open, like(decisions.cycleKey, `${escapeLike(prefix)}%`))).orderBy(decisions.createdAt);
    return r.map(toRow);
  }

  /** The last `limit` records; with `prefix` (`chainId:safe:`) only that Safe's: on a Postgres journal
   * shared by several Safes, an agent's status, dashboard and open CoW orders are its own. */
  async recent(limit = 20, prefix?: string): Promise<DecisionRow[]> {
    const q = this.db.select().from(decisions);
    const r = await (prefix ? q.where(like(decisions.cycleKey, `${escapeLike(prefix)}%`)) : q).orderBy(desc(decisions.createdAt)).limit(limit);
    return r.map(toRow);
  }

  async event(cycleKey: string, kind: string, detail?: unknown, hash?: Hex): Promise<void> {
    await this.db.insert(events).values({ cycleKey, kind, hash: hash ?? null, detail: detail === undefined ? null : jsonSafe(detail) });
  }

  /** The latest event whose cycle key is `key`, or starts with it when `prefix` (none: undefined). */
  async lastEvent(key: string, o: { prefix?: boolean } = {}): Promise<{ id: number; at: Date; cycleKey: string; kind: string; detail: unknown } | undefined> {
    const r = await this.db
      .select({ id: events.id, at: events.at, cycleKey: events.cycleKey, kind: events.kind, detail: events.detail })
      .from(events)
      .where(o.prefix ? like(events.cycleKey, `${escapeLike(key)}%`) : eq(events.cycleKey, key))
      .orderBy(desc(events.id))
      .limit(1);
    return r[0];
  }

  async events(cycleKey: string): Promise<{ kind: string; hash: string | null; detail: unknown }[]> {
    return this.db.select({ kind: events.kind, hash: events.hash, detail: events.detail }).from(events).where(and(eq(events.cycleKey, cycleKey))).orderBy(events.id);
  }
}

const errorMessage = (e: unknown): string => `${(e as Error).message} ${((e as { cause?: Error }).cause?.message ?? "")}`;

export interface SeriesRow {
  hash: Hex;
  date: string;
  status: Status;
  path: DecisionRow["path"];
  txHash: string | null;
  safeTxHash: string | null;
  proposalUrl: string | null;
  reason: string | null;
  createdAt: Date;
  portfolio: unknown;
  signals: unknown;
  target: unknown;
  verdict: string | null;
  rationale: string | null;
  sizeUsd: string | null;
  gasUsed: string | null;
}

/** A LIKE pattern matching `s` literally (backslash is Postgres' default LIKE escape). */
export const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

function toRow(r: typeof decisions.$inferSelect): DecisionRow {
  return {
    hash: r.hash as Hex,
    cycleKey: r.cycleKey,
    date: r.date,
    status: r.status as Status,
    path: r.path as DecisionRow["path"],
    safeNonce: r.safeNonce,
    agentNonce: r.agentNonce,
    txHash: r.txHash as Hex | null,
    rawTx: r.rawTx as Hex | null,
    safeTxHash: r.safeTxHash as Hex | null,
    proposalUrl: r.proposalUrl,
    body: r.body as DecisionBody,
    outcome: r.outcome,
    reason: r.reason,
    final: r.final,
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}
