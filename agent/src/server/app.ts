// The HTTP routes (hono): health, Prometheus metrics, the JSON API and the dashboard (GET /,
// dashboard/). JSON everywhere but /metrics and the dashboard; bigints as decimal strings
// (jsonSafe); every error is JSON with a message.
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { installAccess, type AccessOptions } from "./access";
import type { Logger } from "pino";
import { jsonSafe } from "../journal";
import { firstLine } from "../errors";
import { mountDashboard } from "./dashboard/routes";
import type { NavPoint } from "./dashboard/view";
import type { SeriesRow } from "../journal";
import { seriesOf, type Series } from "./dashboard/series";
import { readIndexer } from "./dashboard/indexer";
import { defaultConfig, type Config } from "../strategy/config";
import { capLimits } from "../strategy/caps";
import { judgeHealth, type HealthRules, type JournalProbe } from "./health";
import type { AgentMetrics } from "./metrics";
import type { LoopState } from "./state";
import { withTimeout } from "./timeout";

export const MAX_DECISIONS = 200;
const DEFAULT_DECISIONS = 20;
export const MAX_NAV_POINTS = 1_000;
const DEFAULT_NAV_POINTS = 200;
const JOURNAL_PROBE_MS = 3_000;

export interface AppDeps {
  state: LoopState;
  metrics: AgentMetrics;
  rules: HealthRules;
  now: () => number;
  log: Logger;
  /** What `treasury status --json` prints (cycle/status.ts readStatus). */
  status(): Promise<unknown>;
  /** The journal's most recent decisions, newest first. */
  decisions(limit: number): Promise<unknown[]>;
  /** NAV of this Safe's last `limit` journaled decisions, oldest first. */
  nav(limit: number): Promise<NavPoint[]>;
  /** Resolves when the journal answers a trivial query. */
  pingJournal(): Promise<void>;
  /** Bearer token and rate limit (access.ts); absent: neither (tests of the routes alone). */
  access?: AccessOptions;
  /** A replay's progress (npm start): window, days done with NAV and decision, indexer URL, summary. Absent: 404. */
  replay?(): Promise<unknown>;
  /** This Safe's last `limit` journal records, oldest first (the dashboard's charts). Absent: no /api/series. */
  series?(limit: number): Promise<SeriesRow[]>;
  /** Changes whenever this Safe's journal does: /api/series recomputes only then (it is polled every few seconds). */
  seriesStamp?(): Promise<string>;
  /** One journal record, whole (the dashboard's decision detail). */
  decision?(hash: string): Promise<unknown | undefined>;
  /** The indexer's HTTP API (performance, decision outcomes); absent: the journal's figures. */
  indexerUrl?: string;
  /** The agent's Safe: the indexer is asked for this Safe's figures (`?safe=`). */
  indexerSafe?: string;
  /** This Safe's assessments (agent/src/ai: daily, weekly, emergency, monthly), newest first. Absent: no /api/assessments. */
  assessments?(limit: number): Promise<unknown[]>;
  /** The strategy's config: benchmarks' weights and rates, the caps. Default: the built-in one. */
  strategy?: Config;
}

export const MAX_SERIES_DAYS = 5_000;

const ROUTES = "GET / (dashboard), /health, /health/live, /metrics, /api/status, /api/watch, /api/decisions?limit=N, /api/replay, /api/nav?limit=N, /api/series, /api/decision/:hash, /api/assessments?limit=N";

/** ?limit=N as an integer from 1 to max (default when absent), or the 400 message naming the fix. */
function limitOf(raw: string | undefined, route: string, def: number, max: number): number | { error: string } {
  const limit = raw === undefined ? def : /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (Number.isInteger(limit) && limit >= 1 && limit <= max) return limit;
  return { error: `limit must be an integer from 1 to ${max}, got "${raw}"; e.g. ${route}?limit=${def}` };
}

export function buildApp(d: AppDeps): Hono {
  const app = new Hono();
  if (d.access) installAccess(app, d.access);

  // Readiness of the agent: the loop runs, cycles finish on schedule and not all fail, the journal answers.
  const health = async () => {
    let journal: JournalProbe = { ok: true };
    try {
      await withTimeout(d.pingJournal(), JOURNAL_PROBE_MS, "the journal");
    } catch (e) {
      journal = { ok: false, error: firstLine(e) };
    }
    return judgeHealth(d.state, d.now(), d.rules, journal);
  };
  app.get("/health", async (c) => {
    const v = await health();
    return c.json(v.body, v.httpStatus);
  });

  // Liveness of the process: it answers HTTP. A restart does not cure a failing cycle, so this
  // stays 200 while /health may be 503.
  app.get("/health/live", (c) => c.json({ status: "ok", uptimeSeconds: Math.round((d.now() - d.state.startedAt) / 1000) }));

  // The watchers' state (agent/src/watch): ticks, RPC, failing detectors, recent events, latency per kind.
  app.get("/api/watch", (c) => c.json(d.state.watch?.() ?? { enabled: false }));

  app.get("/metrics", async (c) => c.body(await d.metrics.text(), 200, { "content-type": d.metrics.contentType }));

  // Each status read also refreshes the pending-proposals gauge.
  const status = async () => {
    const s = await d.status();
    const pending = (s as { pending?: unknown } | undefined)?.pending;
    if (Array.isArray(pending)) d.state.pending(pending.length, d.now());
    return s;
  };
  // A JSON route over a source that can fail (chain, journal): 503 with the source's first line.
  // With `limits` = [default, max] it takes ?limit=N (400 naming the fix when bad) and passes it on.
  const jsonRoute = (path: string, unavailable: string, read: (limit: number) => Promise<unknown>, limits?: [number, number]) =>
    app.get(path, async (c) => {
      const limit = limits ? limitOf(c.req.query("limit"), path, ...limits) : 0;
      if (typeof limit !== "number") return c.json(limit, 400);
      try {
        return c.json(jsonSafe(await read(limit)) as Record<string, unknown>);
      } catch (e) {
        d.log.warn({ err: firstLine(e) }, `server: ${path} failed`);
        return c.json({ error: `${unavailable} unavailable: ${firstLine(e)}` }, 503);
      }
    });
  jsonRoute("/api/status", "status", () => status());
  jsonRoute("/api/decisions", "journal", async (limit) => ({ limit, decisions: await d.decisions(limit) }), [DEFAULT_DECISIONS, MAX_DECISIONS]);
  jsonRoute("/api/nav", "journal", async (limit) => ({ limit, points: await d.nav(limit) }), [DEFAULT_NAV_POINTS, MAX_NAV_POINTS]);
  if (d.replay) jsonRoute("/api/replay", "replay", () => d.replay!());
  if (d.assessments) jsonRoute("/api/assessments", "journal", async (limit) => ({ limit, assessments: await d.assessments!(limit) }), [50, 500]);

  // The dashboard's charts: the journal's series, with the indexer's performance and decision outcomes
  // when it is configured and answers (else the journal's, and the reason the indexer's are absent).
  const strategy = d.strategy ?? defaultConfig();
  let cached: { stamp: string | undefined; series: Series } | undefined;
  const series = async (): Promise<Series & { indexer: string }> => {
    if (!d.series) throw new Error("this server has no journal series");
    const stamp = d.seriesStamp ? await d.seriesStamp() : undefined;
    if (stamp === undefined || stamp !== cached?.stamp) cached = { stamp, series: seriesOf(await d.series(MAX_SERIES_DAYS), strategy) };
    // A copy: the indexer's outcomes are merged into it below.
    const s: Series = { ...cached.series, decisions: cached.series.decisions.map((x) => ({ ...x })) };
    if (!d.indexerUrl) return { ...s, indexer: "not configured (INDEXER_URL): performance from the journal" };
    try {
      const ix = await readIndexer(d.indexerUrl, d.indexerSafe);
      for (const dec of s.decisions) {
        const o = ix.outcomes[dec.hash.toLowerCase()];
        if (o) dec.outcome = o as Series["decisions"][number]["outcome"];
      }
      return { ...s, performance: { ...s.performance, ...ix.performance } as Series["performance"], quality: ix.quality, source: "indexer" as const, indexer: `${d.indexerUrl}: performance and outcomes from the indexer` };
    } catch (e) {
      d.log.warn({ err: firstLine(e) }, "server: the indexer did not answer; the dashboard shows the journal's performance");
      return { ...s, indexer: `unavailable (${firstLine(e)}): performance from the journal` };
    }
  };
  jsonRoute("/api/series", "journal", () => series());
  app.get("/api/decision/:hash", async (c) => {
    const hash = c.req.param("hash");
    if (!/^0x[0-9a-fA-F]{64}$/.test(hash)) return c.json({ error: `decision hash must be 0x and 64 hex digits, got "${hash.slice(0, 80)}"; take one from /api/decisions` }, 400);
    if (!d.decision) return c.json({ error: "journal unavailable: this server has no journal" }, 503);
    try {
      const row = await d.decision(hash.toLowerCase());
      if (!row) return c.json({ error: `no decision ${hash} in the journal; /api/decisions lists them` }, 404);
      const s = d.series ? (await series()).decisions.find((x) => x.hash.toLowerCase() === hash.toLowerCase()) : undefined;
      return c.json(jsonSafe({ decision: row, outcome: s?.outcome ?? null }) as Record<string, unknown>);
    } catch (e) {
      d.log.warn({ err: firstLine(e) }, "server: /api/decision failed");
      return c.json({ error: `journal unavailable: ${firstLine(e)}` }, 503);
    }
  });

  mountDashboard(app, { status, decisions: d.decisions, nav: d.nav, health: async () => (await health()).body, lastRead: () => d.state.portfolio, now: d.now, caps: capLimits(strategy, false), assessments: d.assessments });

  app.notFound((c) => c.json({ error: `no route ${c.req.method} ${c.req.path}; routes: ${ROUTES}` }, 404));
  app.onError((e, c) => {
    // A refusal (401/400 from the bearer check) is an answer, not a failure of the server.
    if (e instanceof HTTPException) return e.getResponse();
    d.log.error({ err: firstLine(e), path: c.req.path }, "server: request failed");
    return c.json({ error: firstLine(e) }, 500);
  });
  return app;
}
