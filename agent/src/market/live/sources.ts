// The live market APIs, one function each: URL, zod schema of the documented response, mapping
// to daily values. Shapes: CoinGecko market_chart, alternative.me fng, Binance fapi fundingRate,
// Bybit v5 funding history, CoinMetrics community asset-metrics, Deribit book summary.
import { z } from "zod";
import { isoOf } from "../calendar";
import type { DailyColumn } from "../csv";
import { getJson, HttpOptions, ProviderError } from "./http";
import { toColumn } from "./series";

const DAY_MS = 86_400_000;

function parse<T>(source: string, schema: z.ZodType<T>, body: unknown): T {
  const r = schema.safeParse(body);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new ProviderError(source, "schema", `unexpected response shape at ${i.path.join(".") || "(root)"}: ${i.message}`);
  }
  return r.data;
}

const numStr = z
  .string()
  .regex(/^-?\d+(\.\d+)?(e-?\d+)?$/i)
  .transform(Number);

// CoinGecko -------------------------------------------------------------------------------------
const cgChart = z.object({ prices: z.array(z.tuple([z.number(), z.number()])) });

/**
 * Daily closes from /coins/{id}/market_chart (interval=daily). A point at 00:00 UTC of day X is
 * the price when day X-1 ended, i.e. X-1's close; the trailing "now" point is a partial day and dropped.
 */
export async function coingeckoCloses(
  base: string,
  id: "bitcoin" | "ethereum",
  days: number,
  http: HttpOptions,
): Promise<DailyColumn | null> {
  const body = await getJson("CoinGecko", `${base}/coins/${id}/market_chart?vs_currency=usd&days=${days}&interval=daily`, http);
  const { prices } = parse("CoinGecko", cgChart, body);
  const pts: [number, number][] = prices.filter(([t]) => t % DAY_MS === 0).map(([t, v]) => [t / DAY_MS - 1, v]);
  return toColumn(pts);
}

// alternative.me ------------------------------------------------------------------------------
const fng = z.object({
  data: z.array(z.object({ value: numStr, value_classification: z.string(), timestamp: numStr })),
  metadata: z.object({ error: z.string().nullable() }).optional(),
});

export async function fearGreed(base: string, limit: number, http: HttpOptions): Promise<DailyColumn | null> {
  const body = parse("alternative.me", fng, await getJson("alternative.me", `${base}/fng/?limit=${limit}`, http));
  if (body.metadata?.error) throw new ProviderError("alternative.me", "http", `API error: ${body.metadata.error}`);
  return toColumn(body.data.map((d) => [Math.floor(d.timestamp / 86_400), d.value]));
}

// Funding -----------------------------------------------------------------------------------------
/** Daily sums of 8-hourly settlements; a day without its 3 settlements is left out (partial). */
function dailySums(settlements: { t: number; rate: number }[]): DailyColumn | null {
  const byDay = new Map<number, { sum: number; n: number }>();
  for (const s of settlements) {
    const d = Math.floor(s.t / DAY_MS);
    const e = byDay.get(d) ?? { sum: 0, n: 0 };
    e.sum += s.rate;
    e.n++;
    byDay.set(d, e);
  }
  return toColumn([...byDay].filter(([, e]) => e.n >= 3).map(([d, e]) => [d, e.sum]));
}

const binanceFunding = z.array(z.object({ symbol: z.string(), fundingTime: z.number(), fundingRate: numStr }));

export async function binanceFundingDaily(base: string, sinceMs: number, http: HttpOptions): Promise<DailyColumn | null> {
  const body = await getJson("Binance", `${base}/fapi/v1/fundingRate?symbol=BTCUSDT&startTime=${sinceMs}&limit=1000`, http);
  return dailySums(parse("Binance", binanceFunding, body).map((r) => ({ t: r.fundingTime, rate: r.fundingRate })));
}

const bybitFunding = z.object({
  retCode: z.number(),
  retMsg: z.string(),
  // On errors Bybit sends `result: {}`.
  result: z
    .object({ list: z.array(z.object({ symbol: z.string(), fundingRate: numStr, fundingRateTimestamp: numStr })).optional() })
    .optional(),
});

export async function bybitFundingDaily(base: string, http: HttpOptions): Promise<DailyColumn | null> {
  const body = parse(
    "Bybit",
    bybitFunding,
    await getJson("Bybit", `${base}/v5/market/funding/history?category=linear&symbol=BTCUSDT&limit=200`, http),
  );
  // Bybit reports errors as HTTP 200 with retCode != 0.
  if (body.retCode !== 0 || !body.result?.list) throw new ProviderError("Bybit", "http", `retCode ${body.retCode}: ${body.retMsg}`);
  return dailySums(body.result.list.map((r) => ({ t: r.fundingRateTimestamp, rate: r.fundingRate })));
}

// CoinMetrics community ---------------------------------------------------------------------------
const cmMetrics = z.object({
  data: z.array(z.object({ asset: z.string(), time: z.string(), CapMVRVCur: numStr.optional() })),
  next_page_url: z.string().optional(),
});

export async function coinmetricsMvrv(base: string, since: string, http: HttpOptions): Promise<DailyColumn | null> {
  const body = await getJson(
    "CoinMetrics",
    `${base}/timeseries/asset-metrics?assets=btc&metrics=CapMVRVCur&frequency=1d&start_time=${since}&page_size=1000`,
    http,
  );
  const rows = parse("CoinMetrics", cmMetrics, body).data;
  const pts: [number, number][] = [];
  for (const r of rows) {
    const t = Date.parse(r.time.replace(/\.\d+Z$/, "Z"));
    if (Number.isNaN(t) || r.CapMVRVCur === undefined) continue;
    pts.push([Math.floor(t / DAY_MS), r.CapMVRVCur]);
  }
  return toColumn(pts);
}

// BGeometrics (bitcoin-data.com): MVRV fallback; tight free quota, so second in line --------------
const bgMvrv = z.array(z.object({ d: z.string().regex(/^\d{4}-\d{2}-\d{2}$/), mvrv: z.union([numStr, z.number()]) }));

export async function bgeometricsMvrv(base: string, http: HttpOptions): Promise<DailyColumn | null> {
  const rows = parse("BGeometrics", bgMvrv, await getJson("BGeometrics", `${base}/v1/mvrv`, http));
  return toColumn(rows.map((r) => [Date.parse(`${r.d}T00:00:00Z`) / DAY_MS, r.mvrv]));
}

// Deribit -----------------------------------------------------------------------------------------
const deribitBook = z.object({
  jsonrpc: z.literal("2.0"),
  // Open interest is in contracts (units of BTC): never negative.
  result: z.array(z.object({ instrument_name: z.string(), open_interest: z.number().min(0).nullable() })),
});

const MONTHS = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
const NAME = /^BTC-(\d{1,2})([A-Z]{3})(\d{2})-(\d+)-([CP])$/;

export interface OptionOi {
  expiry: string;
  strike: number;
  type: "C" | "P";
  oi: number;
}

export function parseInstrument(name: string, oi: number): OptionOi | null {
  const m = NAME.exec(name);
  if (!m) return null;
  const month = MONTHS.indexOf(m[2]);
  if (month < 0) return null;
  const day = Date.UTC(2000 + Number(m[3]), month, Number(m[1])) / DAY_MS;
  return { expiry: isoOf(day), strike: Number(m[4]), type: m[5] as "C" | "P", oi };
}

/** Max pain: the listed strike K minimising Σcalls OI·max(0, K−strike) + Σputs OI·max(0, strike−K). */
export function maxPain(options: OptionOi[]): number | null {
  const strikes = [...new Set(options.map((o) => o.strike))].sort((a, b) => a - b);
  let best: number | null = null;
  let bestPain = Infinity;
  for (const k of strikes) {
    let pain = 0;
    for (const o of options) pain += o.oi * (o.type === "C" ? Math.max(0, k - o.strike) : Math.max(0, o.strike - k));
    if (pain < bestPain) {
      bestPain = pain;
      best = k;
    }
  }
  return best;
}

export async function deribitOptions(base: string, http: HttpOptions): Promise<OptionOi[]> {
  const body = parse(
    "Deribit",
    deribitBook,
    await getJson("Deribit", `${base}/public/get_book_summary_by_currency?currency=BTC&kind=option`, http),
  );
  return body.result.map((r) => parseInstrument(r.instrument_name, r.open_interest ?? 0)).filter((x): x is OptionOi => x !== null);
}
