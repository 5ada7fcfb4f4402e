// Local HTTP server reproducing the market APIs' shapes and status codes (per the vendors' docs):
// CoinGecko market_chart, alternative.me fng, Binance fapi fundingRate (451 geo-block), Bybit v5
// funding history (errors as HTTP 200 + retCode), CoinMetrics community asset-metrics, Deribit
// JSON-RPC book summary. Each route can be switched to a failure per test.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { nextQuarterlyExpiry } from "../../agent/src/market/calendar";

const DAY_MS = 86_400_000;

export type Behaviour =
  | { kind: "ok" }
  | { kind: "status"; status: number; body: string; headers?: Record<string, string>; times?: number }
  | { kind: "hang" }
  | { kind: "body"; body: string };

export interface Stub {
  url: string;
  hits: Record<string, number>;
  set(route: string, b: Behaviour): void;
  close(): Promise<void>;
  /** Days of data the fixtures hold, ending the day before `today`. */
  today: number;
  btcClose(day: number): number;
  /** btcLast: BTC's latest close; absurd: a route whose latest value is replaced by an absurd one. */
  overrides: { btcLast?: number; mvrvEndsDaysBefore?: number; absurd?: string };
}

export const ROUTES = {
  btc: "/coingecko/coins/bitcoin/market_chart",
  eth: "/coingecko/coins/ethereum/market_chart",
  fng: "/alternative/fng/",
  binance: "/binance/fapi/v1/fundingRate",
  bybit: "/bybit/v5/market/funding/history",
  coinmetrics: "/coinmetrics/timeseries/asset-metrics",
  bgeometrics: "/bgeometrics/v1/mvrv",
  deribit: "/deribit/public/get_book_summary_by_currency",
} as const;

export function baseUrls(url: string) {
  return {
    coingecko: `${url}/coingecko`,
    alternative: `${url}/alternative`,
    binance: `${url}/binance`,
    bybit: `${url}/bybit`,
    coinmetrics: `${url}/coinmetrics`,
    bgeometrics: `${url}/bgeometrics`,
    deribit: `${url}/deribit`,
  };
}

export async function startStub(today: number, days = 400): Promise<Stub> {
  const behaviour = new Map<string, Behaviour>();
  const hits: Record<string, number> = {};
  const sockets = new Set<import("node:net").Socket>();
  const overrides: Stub["overrides"] = {};
  const btcClose = (d: number) => 60_000 + 5_000 * Math.sin(d / 20) + (d - today) * 10;
  const ethClose = (d: number) => 3_000 + 200 * Math.sin(d / 15);
  const json = (res: http.ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    res.writeHead(status, { "content-type": "application/json", ...headers });
    res.end(typeof body === "string" ? body : JSON.stringify(body));
  };
  const ok: Record<string, (q: URLSearchParams) => unknown> = {
    [ROUTES.btc]: () => {
      const prices: [number, number][] = [];
      for (let d = today - days; d <= today; d++)
        prices.push([d * DAY_MS, d === today && overrides.btcLast !== undefined ? overrides.btcLast : btcClose(d - 1)]);
      prices.push([today * DAY_MS + 41_441_000, btcClose(today)]); // "now": a partial day
      return { prices, market_caps: prices.map(([t, p]) => [t, p * 19e6]), total_volumes: prices.map(([t]) => [t, 3e10]) };
    },
    [ROUTES.eth]: () => {
      const prices: [number, number][] = [];
      for (let d = today - days; d <= today; d++)
        prices.push([d * DAY_MS, d === today && overrides.absurd === ROUTES.eth ? ethClose(d - 1) * 50 : ethClose(d - 1)]);
      prices.push([today * DAY_MS + 41_430_000, ethClose(today)]);
      return { prices, market_caps: prices, total_volumes: prices };
    },
    [ROUTES.fng]: (q) => {
      const n = Number(q.get("limit") ?? 1);
      const data = [];
      for (let k = 0; k < n; k++) {
        const d = today - k;
        const v = k === 1 && overrides.absurd === ROUTES.fng ? 150 : 20 + ((d * 7) % 60);
        data.push({
          value: String(v),
          value_classification: v < 25 ? "Extreme Fear" : v < 47 ? "Fear" : v < 55 ? "Neutral" : "Greed",
          timestamp: String(d * 86_400),
          ...(k === 0 ? { time_until_update: "31442" } : {}),
        });
      }
      return { name: "Fear and Greed Index", data, metadata: { error: null } };
    },
    [ROUTES.binance]: (q) => {
      const start = Number(q.get("startTime"));
      const out = [];
      for (let t = Math.ceil(start / (8 * 3_600_000)) * 8 * 3_600_000; t <= today * DAY_MS && out.length < 1000; t += 8 * 3_600_000) {
        const absurd = overrides.absurd === ROUTES.binance && t >= (today - 1) * DAY_MS;
        out.push({ symbol: "BTCUSDT", fundingTime: t, fundingRate: absurd ? "0.50000000" : "0.00010000", markPrice: "91402.66000000" });
      }
      return out;
    },
    [ROUTES.bybit]: () => {
      const list = [];
      for (let k = 0; k < 200; k++) {
        const t = today * DAY_MS - k * 8 * 3_600_000;
        const absurd = overrides.absurd === ROUTES.bybit && t >= (today - 1) * DAY_MS;
        list.push({ symbol: "BTCUSDT", fundingRate: absurd ? "0.5" : "0.0000491", fundingRateTimestamp: String(t) });
      }
      return { retCode: 0, retMsg: "OK", result: { category: "linear", list }, retExtInfo: {}, time: today * DAY_MS };
    },
    [ROUTES.coinmetrics]: (q) => {
      const start = Date.parse(`${q.get("start_time")}T00:00:00Z`) / DAY_MS;
      const end = today - 1 - (overrides.mvrvEndsDaysBefore ?? 1); // CoinMetrics lags a day or two
      const data = [];
      for (let d = start; d <= end; d++) {
        data.push({
          asset: "btc",
          time: `${new Date(d * DAY_MS).toISOString().slice(0, 10)}T00:00:00.000000000Z`,
          CapMVRVCur: (d === end && overrides.absurd === ROUTES.coinmetrics ? 55 : 1.8 + 0.1 * Math.sin(d / 30)).toFixed(6),
        });
      }
      return { data };
    },
    [ROUTES.bgeometrics]: () => {
      const out = [];
      for (let d = today - 400; d <= today - 2; d++) {
        const v = d === today - 2 && overrides.absurd === ROUTES.bgeometrics ? 55 : 1.81 + 0.1 * Math.sin(d / 30);
        out.push({ d: new Date(d * DAY_MS).toISOString().slice(0, 10), unixTs: String(d * 86_400), mvrv: v.toFixed(4) });
      }
      return out;
    },
    [ROUTES.deribit]: () => ({
      jsonrpc: "2.0",
      result: deribitBook(today).map((r, i) => (i === 0 && overrides.absurd === ROUTES.deribit ? { ...r, open_interest: -5e9 } : r)),
      usIn: 1795527441001234,
      usOut: 1795527441005678,
      usDiff: 4444,
      testnet: false,
    }),
  };
  const server = http.createServer((req, res) => {
    const u = new URL(req.url ?? "/", "http://x");
    hits[u.pathname] = (hits[u.pathname] ?? 0) + 1;
    const b = behaviour.get(u.pathname) ?? { kind: "ok" };
    if (b.kind === "hang") return; // never answers
    if (b.kind === "body") return json(res, 200, b.body);
    if (b.kind === "status" && (b.times === undefined || b.times-- > 0)) return json(res, b.status, b.body, b.headers);
    const h = ok[u.pathname];
    if (!h) return json(res, 404, { error: "not found" });
    json(res, 200, h(u.searchParams));
  });
  server.on("connection", (s) => {
    sockets.add(s);
    s.on("close", () => sockets.delete(s));
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    hits,
    today,
    btcClose,
    overrides,
    set: (route, b) => behaviour.set(route, b),
    close: () =>
      new Promise<void>((r) => {
        for (const s of sockets) s.destroy();
        server.close(() => r());
      }),
  };
}

/** Options for the next quarterly expiry and a weekly one; OI chosen so max pain is hand-computable. */
export function deribitBook(today: number) {
  // next quarterly expiry: last Friday of Mar/Jun/Sep/Dec on or after today
  const e = new Date(nextQuarterlyExpiry(today) * DAY_MS);
  const tag = `${e.getUTCDate()}${["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"][e.getUTCMonth()]}${String(e.getUTCFullYear()).slice(2)}`;
  const row = (name: string, oi: number | null) => ({
    instrument_name: name,
    base_currency: "BTC",
    quote_currency: "BTC",
    underlying_index: `BTC-${tag}`,
    underlying_price: 91310.55,
    mark_price: 0.02,
    mark_iv: 41.8,
    bid_price: null,
    ask_price: 0.027,
    open_interest: oi,
    volume: 0,
    creation_timestamp: 1795527441003,
  });
  return [
    row(`BTC-${tag}-80000-C`, 10),
    row(`BTC-${tag}-90000-C`, 30),
    row(`BTC-${tag}-100000-C`, 50),
    row(`BTC-${tag}-80000-P`, 40),
    row(`BTC-${tag}-90000-P`, 20),
    row(`BTC-${tag}-100000-P`, 5),
    row(`BTC-${tag}-120000-C`, null),
    row("BTC-1JAN99-50000-C", 1000), // another expiry: ignored
    row(`BTC_USDC-${tag}-90000-C`, 1000), // linear option: not this market
  ];
}
