// The HTTP routes (hono): health, Prometheus metrics and the JSON API. JSON everywhere but
// /metrics; bigints as decimal strings (jsonSafe); every error is JSON with a message.
import { Hono } from "hono";
import type { Logger } from "pino";
import { jsonSafe } from "../journal";
import { judgeHealth, type HealthRules, type JournalProbe } from "./health";
import type { AgentMetrics } from "./metrics";
import type { LoopState } from "./state";
import { withTimeout } from "./timeout";

export const MAX_DECISIONS = 200;
const DEFAULT_DECISIONS = 20;
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
  /** Resolves when the journal answers a trivial query. */
  pingJournal(): Promise<void>;
}

const ROUTES = "GET /health, /health/live, /metrics, /api/status, /api/decisions?limit=N";
const firstLine = (e: unknown) => (e instanceof Error ? e.message : String(e)).split("\n")[0];

export function buildApp(d: AppDeps): Hono {
  const app = new Hono();

  // Readiness of the agent: the loop runs, cycles finish on schedule and not all fail, the journal answers.
  app.get("/health", async (c) => {
    let journal: JournalProbe = { ok: true };
    try {
      await withTimeout(d.pingJournal(), JOURNAL_PROBE_MS, "the journal");
    } catch (e) {
      journal = { ok: false, error: firstLine(e) };
    }
    const v = judgeHealth(d.state, d.now(), d.rules, journal);
    return c.json(v.body, v.httpStatus);
  });

  // Liveness of the process: it answers HTTP. A restart does not cure a failing cycle, so this
  // stays 200 while /health may be 503.
  app.get("/health/live", (c) => c.json({ status: "ok", uptimeSeconds: Math.round((d.now() - d.state.startedAt) / 1000) }));

  app.get("/metrics", async (c) => c.body(await d.metrics.text(), 200, { "content-type": d.metrics.contentType }));

  app.get("/api/status", async (c) => {
    try {
      const s = await d.status();
      const pending = (s as { pending?: unknown }).pending;
      if (Array.isArray(pending)) d.state.pending(pending.length, d.now());
      return c.json(jsonSafe(s) as Record<string, unknown>);
    } catch (e) {
      d.log.warn({ err: firstLine(e) }, "server: /api/status failed");
      return c.json({ error: `status unavailable: ${firstLine(e)}` }, 503);
    }
  });

  app.get("/api/decisions", async (c) => {
    const raw = c.req.query("limit");
    const limit = raw === undefined ? DEFAULT_DECISIONS : /^\d+$/.test(raw) ? Number(raw) : NaN;
    if (!(Number.isInteger(limit) && limit >= 1 && limit <= MAX_DECISIONS))
      return c.json({ error: `limit must be an integer from 1 to ${MAX_DECISIONS}, got "${raw}"; e.g. /api/decisions?limit=${DEFAULT_DECISIONS}` }, 400);
    try {
      const rows = await d.decisions(limit);
      return c.json({ limit, decisions: jsonSafe(rows) as unknown[] });
    } catch (e) {
      d.log.warn({ err: firstLine(e) }, "server: /api/decisions failed");
      return c.json({ error: `journal unavailable: ${firstLine(e)}` }, 503);
    }
  });

  app.notFound((c) => c.json({ error: `no route ${c.req.method} ${c.req.path}; routes: ${ROUTES}` }, 404));
  app.onError((e, c) => {
    d.log.error({ err: firstLine(e), path: c.req.path }, "server: request failed");
    return c.json({ error: firstLine(e) }, 500);
  });
  return app;
}
