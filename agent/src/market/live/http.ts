// One HTTP GET for market data: timeout, retry with exponential backoff on 429/5xx/timeouts
// (honouring Retry-After), no retry on other 4xx (451 geo-block, 403), JSON parsed or rejected.
import { fetchText, NoAnswer, type HttpAnswer } from "../../http";
import { retryable, withRetry, type RetryHint } from "../../retry";

export type FetchFailure = "timeout" | "network" | "http" | "malformed" | "schema" | "bounds";

export class ProviderError extends Error implements RetryHint {
  retryable?: boolean;
  /** Server-requested delay before the next attempt (Retry-After). */
  retryAfterMs?: number;
  constructor(
    readonly source: string,
    readonly kind: FetchFailure,
    message: string,
    readonly status?: number,
  ) {
    super(`${source}: ${message}`);
    this.name = "ProviderError";
  }
}

export interface HttpOptions {
  timeoutMs: number;
  retries: number;
  backoffMs: number;
  /** Longest Retry-After we wait for; a longer one fails now (the cache or fallback answers). */
  maxRetryAfterMs: number;
  headers?: Record<string, string>;
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_HTTP: HttpOptions = { timeoutMs: 10_000, retries: 3, backoffMs: 500, maxRetryAfterMs: 60_000 };

/** Retry-After as milliseconds: delta-seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterMs(v: string | null, now = Date.now()): number | null {
  if (!v) return null;
  if (/^\d+(\.\d+)?$/.test(v.trim())) return Math.round(Number(v) * 1000);
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : Math.max(0, t - now);
}

export async function getJson(source: string, url: string, o: HttpOptions = DEFAULT_HTTP): Promise<unknown> {
  return withRetry(() => getJsonOnce(source, url, o), { maxAttempts: o.retries + 1, baseDelayMs: o.backoffMs, maxDelayMs: Infinity, sleep: o.sleep });
}

async function getJsonOnce(source: string, url: string, o: HttpOptions): Promise<unknown> {
  let answer: HttpAnswer;
  try {
    answer = await fetchText(url, { headers: { accept: "application/json", ...(o.headers ?? {}) }, timeoutMs: o.timeoutMs });
  } catch (e) {
    if (!(e instanceof NoAnswer)) throw e;
    throw retryable(new ProviderError(source, e.timedOut ? "timeout" : "network", e.message));
  }
  const { status, text } = answer;
  const retryAfter = answer.headers.get("retry-after");
  if (status >= 200 && status < 300) {
    try {
      return JSON.parse(text);
    } catch {
      throw new ProviderError(source, "malformed", `malformed JSON body (${JSON.stringify(text.slice(0, 60))})`, status);
    }
  }
  const err = new ProviderError(source, "http", `HTTP ${status}${hint(status)} ${text.slice(0, 120)}`.trim(), status);
  if (status !== 429 && status < 500) throw err; // 451, 403, 400…: asking again will not help
  const ra = retryAfterMs(retryAfter);
  if (ra !== null && ra > o.maxRetryAfterMs) {
    throw new ProviderError(source, "http", `HTTP ${status}: asked to retry after ${Math.round(ra / 1000)} s, longer than the ${o.maxRetryAfterMs / 1000} s we wait`, status);
  }
  throw retryable(err, ra ?? undefined);
}

function hint(status: number): string {
  if (status === 451) return " (unavailable from this location: geo-blocked)";
  if (status === 429) return " (rate-limited)";
  if (status === 403) return " (forbidden: key or plan required)";
  return "";
}
