// The HTTP routes (hono): health, Prometheus metrics, the JSON API and the dashboard (GET /,
// dashboard/). JSON everywhere but /metrics and the dashboard; bigints as decimal strings
// (jsonSafe); every error is JSON with a message.
import { Hono } from "hono";
import type { Logger } from "pino";
import { jsonSafe } from "../journal";
import { mountDashboard } from "./dashboard/routes";
import type { NavPoint } from "./dashboard/view";
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
}

const ROUTES = "GET / (dashboard), /health, /health/live, /metrics, /api/status, /api/decisions?limit=N, /api/nav?limit=N";
const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split("\n")[0];

/** ?limit=N as an integer from 1 to max (default when absent), or the 400 message naming the fix. */
function limitOf(raw: string | undefined, route: string, def: number, max: number): number | { error: string } {
  const limit = raw === undefined ? def : /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (Number.isInteger(limit) && limit >= 1 && limit <= max) return limit;
  return { error: `limit must be an integer from 1 to ${max}, got "${raw}"; e.g. ${route}?limit=${def}` };
}

export function buildApp(d: AppDeps): Hono {
  const app = new Hono();

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

  app.get("/metrics", async (c) => c.body(await d.metrics.text(), 200, { "content-type": d.metrics.contentType }));

  // Each status read also refreshes the pending-proposals gauge.
  const status = async () => {
    const s = await d.status();
    const pending = (s as { pending?: unknown } | undefined)?.pending;
    if (Array.isArray(pending)) d.state.pending(pending.length, d.now());
    return s;
  };
  app.get("/api/status", async (c) => {
    try {
      return c.json(jsonSafe(await status()) as Record<string, unknown>);
    } catch (e) {
      d.log.warn({ err: firstLine(e) }, "server: /api/status failed");
      return c.json({ error: `status unavailable: ${firstLine(e)}` }, 503);
    }
  });

  app.get("/api/decisions", async (c) => {
    const limit = limitOf(c.req.query("limit"), "/api/decisions", DEFAULT_DECISIONS, MAX_DECISIONS);
    if (typeof limit !== "number") return c.json(limit, 400);
    try {
      const rows = await d.decisions(limit);
      return c.json({ limit, decisions: jsonSafe(rows) as unknown[] });
    } catch (e) {
      d.log.warn({ err: firstLine(e) }, "server: /api/decisions failed");
      return c.json({ error: `journal unavailable: ${firstLine(e)}` }, 503);
    }
  });

  app.get("/api/nav", async (c) => {
    const limit = limitOf(c.req.query("limit"), "/api/nav", DEFAULT_NAV_POINTS, MAX_NAV_POINTS);
    if (typeof limit !== "number") return c.json(limit, 400);
    try {
      return c.json({ limit, points: jsonSafe(await d.nav(limit)) as unknown[] });
    } catch (e) {
      d.log.warn({ err: firstLine(e) }, "server: /api/nav failed");
      return c.json({ error: `journal unavailable: ${firstLine(e)}` }, 503);
    }
  });

  mountDashboard(app, { status, decisions: d.decisions, nav: d.nav, health: async () => (await health()).body, lastRead: () => d.state.portfolio, now: d.now });

  app.notFound((c) => c.json({ error: `no route ${c.req.method} ${c.req.path}; routes: ${ROUTES}` }, 404));
  app.onError((e, c) => {
    d.log.error({ err: firstLine(e), path: c.req.path }, "server: request failed");
    return c.json({ error: firstLine(e) }, 500);
  });
  return app;
}
