// The journal: decision records stored durably through drizzle, in embedded PGlite (a data folder)
// by default or a Postgres server (DATABASE_URL). Writes that precede an on-chain act are awaited
// before the act (write-ahead), so a crash never leaves an act without its record.
import fs from "node:fs";
import path from "node:path";
import { and, desc, eq, inArray, like, sql } from "drizzle-orm";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { DDL, decisions, events } from "./schema";
import { jsonSafe } from "./canonical";
import type { DecisionBody, DecisionRow, Status } from "./record";
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
  ) {}

  static async open(o: JournalOptions): Promise<Journal> {
    let j: Journal;
    if (o.databaseUrl) {
      const { Pool } = await import("pg");
      const { drizzle } = await import("drizzle-orm/node-postgres");
      const pool = new Pool({ connectionString: o.databaseUrl, max: 2 });
      j = new Journal(drizzle(pool) as unknown as Db, () => pool.end(), "postgres (DATABASE_URL)");
    } else {
      const { PGlite } = await import("@electric-sql/pglite");
      const { drizzle } = await import("drizzle-orm/pglite");
      const dir = o.dataDir ?? ".treasury-agent";
      const target = dir.startsWith("memory://") ? dir : path.resolve(dir, "journal");
      if (!target.startsWith("memory://")) fs.mkdirSync(target, { recursive: true });
      const client = await PGlite.create(target);
      j = new Journal(drizzle(client) as unknown as Db, () => client.close(), `pglite ${target}`);
    }
    for (const stmt of DDL) await j.db.execute(stmt);
    return j;
  }

  close(): Promise<void> {
    return this.closeFn();
  }

  /** Insert a decided record; a record with the same hash already there is returned instead. */
  async insert(row: Omit<DecisionRow, "createdAt" | "updatedAt" | "outcome" | "reason" | "txHash" | "rawTx" | "safeTxHash" | "proposalUrl" | "agentNonce"> & Partial<DecisionRow>): Promise<{ row: DecisionRow; existed: boolean }> {
    const inserted = await this.db
      .insert(decisions)
      .values({ ...row, body: jsonSafe(row.body), outcome: row.outcome === undefined ? null : jsonSafe(row.outcome) })
      .onConflictDoNothing()
      .returning({ hash: decisions.hash });
    return { row: (await this.get(row.hash))!, existed: inserted.length === 0 };
  }

  async update(hash: Hex, patch: Partial<Pick<DecisionRow, "status" | "txHash" | "rawTx" | "agentNonce" | "safeTxHash" | "proposalUrl" | "outcome" | "reason" | "safeNonce">>): Promise<void> {
    const set: Record<string, unknown> = { ...patch, updatedAt: new Date() };
    if (patch.outcome !== undefined) set.outcome = jsonSafe(patch.outcome);
    if (patch.reason) set.reason = jsonSafe(patch.reason);
    await this.db.update(decisions).set(set).where(eq(decisions.hash, hash));
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

  async recent(limit = 20): Promise<DecisionRow[]> {
    const r = await this.db.select().from(decisions).orderBy(desc(decisions.createdAt)).limit(limit);
    return r.map(toRow);
  }

  async event(cycleKey: string, kind: string, detail?: unknown, hash?: Hex): Promise<void> {
    await this.db.insert(events).values({ cycleKey, kind, hash: hash ?? null, detail: detail === undefined ? null : jsonSafe(detail) });
  }

  async events(cycleKey: string): Promise<{ kind: string; hash: string | null; detail: unknown }[]> {
    return this.db.select({ kind: events.kind, hash: events.hash, detail: events.detail }).from(events).where(and(eq(events.cycleKey, cycleKey))).orderBy(events.id);
  }
}

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
const escapeLike = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

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
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}
