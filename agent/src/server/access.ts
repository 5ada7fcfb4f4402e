// Who may ask the agent's server, and how often: a bearer token on every route but /health/live
// when `server.token` is set (required off loopback, see config/schema.ts), and a per-client rate
// limit. /health/live stays open and unlimited: a process supervisor's liveness probe must never be
// told "unauthorised" or "too many requests" by a healthy process.
import type { Hono, MiddlewareHandler } from "hono";
import { bearerAuth } from "hono/bearer-auth";
import { getConnInfo } from "@hono/node-server/conninfo";
import { rateLimiter } from "hono-rate-limiter";

export interface AccessOptions {
  /** Bearer token; absent: no authentication (loopback only). */
  token?: string;
  rateLimit: { windowSeconds: number; max: number };
}

export const OPEN_PATH = "/health/live";

/** The client's address as the socket reports it (a proxy in front makes every client one: put the limit there). */
function clientKey(c: Parameters<MiddlewareHandler>[0]): string {
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    return "unknown"; // app.request() in tests has no socket
  }
}

/** Installs the rate limit and, with a token, the bearer check, before every route but OPEN_PATH. */
export function installAccess(app: Hono, o: AccessOptions): void {
  const limit = rateLimiter({
    windowMs: o.rateLimit.windowSeconds * 1000,
    limit: o.rateLimit.max,
    standardHeaders: "draft-6",
    keyGenerator: clientKey,
    handler: (c) => {
      c.header("Retry-After", String(o.rateLimit.windowSeconds));
      return c.json({ error: `too many requests: at most ${o.rateLimit.max} per ${o.rateLimit.windowSeconds} s from one address; retry after the Retry-After header's seconds` }, 429);
    },
  });
  const auth = o.token
    ? bearerAuth({
        token: o.token,
        noAuthenticationHeader: { message: { error: "this server needs Authorization: Bearer <server.token> (AGENT_SERVER_TOKEN) on every route but /health/live" } },
        invalidAuthenticationHeader: { message: { error: "the Authorization header must be `Bearer <token>`" } },
        invalidToken: { message: { error: "the bearer token is not this server's AGENT_SERVER_TOKEN" } },
      })
    : undefined;
  app.use("*", async (c, next) => {
    if (c.req.path === OPEN_PATH) return next();
    return limit(c, async () => {
      await (auth ? auth(c, next) : next());
    });
  });
}
