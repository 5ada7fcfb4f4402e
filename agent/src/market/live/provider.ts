// Live provider: the same "what was known on day D" answer as the replay, from the public APIs.
// Every source: timeout + retry (http.ts), schema (sources.ts), sanity bounds (series.ts), a
// cache, and a fallback order (funding: Binance, then Bybit; MVRV: CoinMetrics, then BGeometrics).
// Staleness is judged on the result
// exactly as for the replay (view.ts), so a late source makes the strategy hold.
import { dayOf, isoOf, nextQuarterlyExpiry } from "../calendar";
import type { DailyColumn } from "../csv";
import { alignHistory } from "../replay";
import type { DataIssue, Field, MarketProvider, MarketView, OptionsInfo, SourceFailure } from "../types";
import { DEFAULT_MAX_AGE_DAYS, viewAt } from "../view";
import { DEFAULT_HTTP, HttpOptions, ProviderError } from "./http";
import { UserError } from "../../errors";
import { applyBounds } from "./series";
import {
  binanceFundingDaily,
  bybitFundingDaily,
  coingeckoCloses,
  coinmetricsMvrv,
  bgeometricsMvrv,
  deribitOptions,
  fearGreed,
  maxPain,
  OptionOi,
} from "./sources";

export interface LiveConfig {
  coingecko: string;
  alternative: string;
  binance: string;
  bybit: string;
  coinmetrics: string;
  bgeometrics: string;
  deribit: string;
  coingeckoApiKey?: string;
  http: HttpOptions;
  /** How long an answer is reused without asking again. */
  cacheTtlMs: number;
  /** Days of history asked for (indicators need 200+). */
  historyDays: number;
}

export const LIVE_DEFAULTS: LiveConfig = {
  coingecko: "https://api.coingecko.com/api/v3",
  alternative: "https://api.alternative.me",
  binance: "https://fapi.binance.com",
  bybit: "https://api.bybit.com",
  coinmetrics: "https://community-api.coinmetrics.io/v4",
  bgeometrics: "https://bitcoin-data.com",
  deribit: "https://www.deribit.com/api/v2",
  http: DEFAULT_HTTP,
  cacheTtlMs: 10 * 60_000,
  historyDays: 365,
};

/** Base URLs from the environment (MARKET_*_URL), so tests and mirrors point the same code elsewhere. */
export function liveConfigFromEnv(env: NodeJS.ProcessEnv = process.env): LiveConfig {
  return {
    ...LIVE_DEFAULTS,
    coingecko: env.MARKET_COINGECKO_URL ?? LIVE_DEFAULTS.coingecko,
    alternative: env.MARKET_ALTERNATIVE_URL ?? LIVE_DEFAULTS.alternative,
    binance: env.MARKET_BINANCE_URL ?? LIVE_DEFAULTS.binance,
    bybit: env.MARKET_BYBIT_URL ?? LIVE_DEFAULTS.bybit,
    coinmetrics: env.MARKET_COINMETRICS_URL ?? LIVE_DEFAULTS.coinmetrics,
    bgeometrics: env.MARKET_BGEOMETRICS_URL ?? LIVE_DEFAULTS.bgeometrics,
    deribit: env.MARKET_DERIBIT_URL ?? LIVE_DEFAULTS.deribit,
    coingeckoApiKey: env.COINGECKO_API_KEY || undefined,
    cacheTtlMs: cacheTtlFromEnv(env.MARKET_CACHE_TTL_SECONDS),
  };
}

/** MARKET_CACHE_TTL_SECONDS: how long an answer is reused (the soak compresses it with the day). */
function cacheTtlFromEnv(v: string | undefined): number {
  if (v === undefined || v.trim() === "") return LIVE_DEFAULTS.cacheTtlMs;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new UserError(`MARKET_CACHE_TTL_SECONDS must be a number of seconds ≥ 0, got "${v}"; unset it for the default ${LIVE_DEFAULTS.cacheTtlMs / 1000} s`);
  return Math.round(n * 1000);
}

interface Fetched<T> {
  value: T;
  source: string;
  issues: DataIssue[];
}

type Loader<T> = () => Promise<Fetched<T>>;

/** A failure as the operator's alert tells it (what was done instead is filled in by the caller). */
function failureOf(source: string, field: Field | "options", e: unknown): Omit<SourceFailure, "did"> {
  const p = e instanceof ProviderError ? e : undefined;
  // The status only when it is the failure (a malformed 200 is "malformed", not "HTTP 200").
  return { source, field, kind: p?.kind ?? "error", ...(p?.kind === "http" && p.status !== undefined ? { status: p.status } : {}), message: (e as Error)?.message ?? String(e) };
}

export class LiveProvider implements MarketProvider {
  readonly name = "live";
  private cache = new Map<string, { at: number; value: Fetched<unknown> }>();

  constructor(
    readonly cfg: LiveConfig = LIVE_DEFAULTS,
    private readonly now: () => number = Date.now,
  ) {}

  static fromEnv(): LiveProvider {
    return new LiveProvider(liveConfigFromEnv());
  }

  /**
   * Cached load: a fresh answer is reused for cacheTtlMs; when a refresh fails, the last good
   * answer is used (with an issue saying so) and staleness decides whether it is still usable.
   */
  private async cached<T>(key: string, load: Loader<T>, failed?: (e: unknown, cachedAt: string) => void): Promise<Fetched<T>> {
    const hit = this.cache.get(key);
    if (hit && this.now() - hit.at < this.cfg.cacheTtlMs) return hit.value as Fetched<T>;
    try {
      const v = await load();
      this.cache.set(key, { at: this.now(), value: v });
      return v;
    } catch (e) {
      if (hit) {
        // Not silent: the caller reports the source as failing (an alert), with the cached answer as what was used.
        failed?.(e, new Date(hit.at).toISOString());
        const old = hit.value as Fetched<T>;
        return {
          ...old,
          issues: [
            ...old.issues,
            { field: key as Field, reason: `${(e as Error).message}; using the answer cached at ${new Date(hit.at).toISOString()}`, info: true },
          ],
        };
      }
      throw e;
    }
  }

  private column(field: Field, source: string, load: () => Promise<DailyColumn | null>): Loader<DailyColumn | null> {
    return async () => {
      const col = await load();
      return { value: col, source, issues: col ? applyBounds(field, col, source) : [] };
    };
  }

  async view(date: string): Promise<MarketView> {
    const day = dayOf(date);
    const c = this.cfg;
    const http: HttpOptions = { ...c.http, headers: c.coingeckoApiKey ? { "x-cg-demo-api-key": c.coingeckoApiKey } : undefined };
    const plain = c.http;
    const since = day - c.historyDays - 2;
    const col = (field: Field, source: string, load: () => Promise<DailyColumn | null>) => ({ source, load: this.column(field, source, load) });
    const loaders: Record<Exclude<Field, "stableYield">, { source: string; load: Loader<DailyColumn | null> }[]> = {
      btc: [col("btc", "CoinGecko", () => coingeckoCloses(c.coingecko, "bitcoin", c.historyDays, http))],
      eth: [col("eth", "CoinGecko", () => coingeckoCloses(c.coingecko, "ethereum", c.historyDays, http))],
      mvrv: [
        col("mvrv", "CoinMetrics community", () => coinmetricsMvrv(c.coinmetrics, isoOf(since), plain)),
        col("mvrv", "BGeometrics", () => bgeometricsMvrv(c.bgeometrics, plain)),
      ],
      funding: [
        // 1000 settlements max per call, ascending from startTime: ask for the last 60 days only.
        col("funding", "Binance", () => binanceFundingDaily(c.binance, (day - 60) * 86_400_000, plain)),
        col("funding", "Bybit", () => bybitFundingDaily(c.bybit, plain)),
      ],
      fearGreed: [col("fearGreed", "alternative.me", () => fearGreed(c.alternative, c.historyDays + 2, plain))],
    };
    const cols: Partial<Record<Field, DailyColumn>> = {};
    const sources: Partial<Record<Field, string>> = {};
    const issues: DataIssue[] = [];
    // Every source that failed, whatever answered instead: a fallback or a cached answer keeps the
    // cycle going, but the operator is still told (alerts/market.ts), once per source and failure.
    const sourceFailures: SourceFailure[] = [];
    await Promise.all(
      (Object.keys(loaders) as (keyof typeof loaders)[]).map(async (field) => {
        const failures: string[] = [];
        const failed: Omit<SourceFailure, "did">[] = [];
        for (const [k, { source, load }] of loaders[field].entries()) {
          try {
            const got = await this.cached(`${field}#${k}`, load, (e, at) => sourceFailures.push({ ...failureOf(source, field, e), did: "cached", instead: at }));
            issues.push(...got.issues.map((i) => ({ ...i, field })));
            if (got.value) {
              cols[field] = got.value;
              sources[field] = got.source + (failures.length ? ` (after ${failures.join("; ")})` : "");
              if (failures.length) issues.push({ field, reason: `fell back to ${got.source}: ${failures.join("; ")}`, info: true });
              sourceFailures.push(...failed.map((f) => ({ ...f, did: "fallback" as const, instead: got.source })));
              return;
            }
            failures.push(`${got.source}: no data`);
          } catch (e) {
            failures.push(e instanceof ProviderError ? e.message : `${(e as Error).message}`);
            failed.push(failureOf(source, field, e));
          }
        }
        sourceFailures.push(...failed.map((f) => ({ ...f, did: "none" as const })));
        issues.push({ field, reason: `not available: ${failures.join("; ")}` });
      }),
    );
    // Aave's rate is read on chain by the agent cycle, not from an HTTP API.
    const h = alignHistory(
      Object.keys(cols).length ? cols : { btc: { firstDay: day - 1, values: new Float64Array([Number.NaN]) } },
      sources,
    );
    const length = Math.max(h.length, day - h.startDay);
    const view = viewAt({ ...h, length, series: pad(h.series, length) }, day);
    // A rejected value matters while it would have been the latest usable one; older rejections
    // are plain gaps for the indicators.
    const recent = (i: DataIssue) => {
      const m = / for (\d{4}-\d{2}-\d{2}): /.exec(i.reason);
      return !m || i.field === "options" || dayOf(m[1]) >= day - 1 - DEFAULT_MAX_AGE_DAYS[i.field];
    };
    view.issues = [...issues.filter(recent), ...view.issues.filter((i) => i.field !== "stableYield")];
    view.options = await this.options(day, view.issues, sourceFailures);
    view.sourceFailures = sourceFailures;
    return view;
  }

  private async options(day: number, issues: DataIssue[], sourceFailures: SourceFailure[]): Promise<OptionsInfo> {
    const next = isoOf(nextQuarterlyExpiry(day));
    try {
      const got = await this.cached<OptionOi[]>(
        "options",
        async () => ({ value: await deribitOptions(this.cfg.deribit, this.cfg.http), source: "Deribit", issues: [] }),
        (e, at) => sourceFailures.push({ ...failureOf("Deribit", "options", e), did: "cached", instead: at }),
      );
      const mine = got.value.filter((o) => o.expiry === next);
      const mp = maxPain(mine);
      if (mp === null) issues.push({ field: "options", reason: `Deribit lists no option for the ${next} expiry: no max pain` });
      return mp === null ? { nextExpiry: next } : { nextExpiry: next, maxPain: mp, maxPainSource: "Deribit open interest" };
    } catch (e) {
      sourceFailures.push({ ...failureOf("Deribit", "options", e), did: "none" });
      issues.push({ field: "options", reason: `${(e as Error).message}: expiry from the calendar, no max pain` });
      return { nextExpiry: next };
    }
  }
}

/** Extends every series to `length` with gaps (today's row is not known yet). */
function pad(series: Record<Field, Float64Array>, length: number): Record<Field, Float64Array> {
  const out = {} as Record<Field, Float64Array>;
  for (const [f, s] of Object.entries(series) as [Field, Float64Array][]) {
    if (s.length >= length) out[f] = s;
    else {
      const p = new Float64Array(length).fill(Number.NaN);
      p.set(s);
      out[f] = p;
    }
  }
  return out;
}
