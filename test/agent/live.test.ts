import { expect } from "chai";
import { dayOf, isoOf, nextQuarterlyExpiry, todayDay } from "../../agent/src/market/calendar";
import { getJson, ProviderError, retryAfterMs } from "../../agent/src/market/live/http";
import { LIVE_DEFAULTS, LiveProvider } from "../../agent/src/market/live/provider";
import { maxPain, parseInstrument } from "../../agent/src/market/live/sources";
import { main } from "../../agent/src/cli";
import { defaultConfig } from "../../agent/src/strategy/config";
import { seedStrategy } from "../../agent/src/strategy/seed";
import { signalsFor } from "../../agent/src/strategy/signals";
import { baseUrls, ROUTES, startStub, Stub } from "../../scripts/standins/marketApis";

const TODAY = dayOf("2026-11-24");

describe("agent live market providers (local servers with the real APIs' shapes)", () => {
  let stub: Stub;
  let sleeps: number[];
  // Generous timeout (the machine is shared); the hang test sets a short one.
  const provider = (timeoutMs = 5_000) =>
    new LiveProvider({
      ...LIVE_DEFAULTS,
      ...baseUrls(stub.url),
      http: { timeoutMs, retries: 2, backoffMs: 10, maxRetryAfterMs: 5_000, sleep: async (ms) => void sleeps.push(ms) },
    });
  const issuesOf = (v: { issues: { field: string; reason: string }[] }, f: string) =>
    v.issues.filter((i) => i.field === f).map((i) => i.reason);

  beforeEach(async () => {
    stub = await startStub(TODAY);
    sleeps = [];
  });
  afterEach(() => stub.close());

  it("success: every field, sources and max pain; the decision for today trades on it", async () => {
    const v = await provider().view(isoOf(TODAY));
    expect(
      v.issues.filter((i) => i.field !== "stableYield"),
      JSON.stringify(v.issues),
    ).to.deep.equal([]);
    const last = v.series.btc.length - 1;
    // CoinGecko's 00:00 point of today is yesterday's close; the partial "now" point is dropped.
    expect(v.series.btc[last]).to.be.closeTo(stub.btcClose(TODAY - 1), 1e-6);
    expect(v.series.funding[last]).to.be.closeTo(0.0003, 1e-12);
    expect(Number.isNaN(v.series.mvrv[last])).to.equal(true); // CoinMetrics lags: 2 days old
    expect(v.options).to.deep.equal({
      nextExpiry: isoOf(nextQuarterlyExpiry(TODAY)),
      maxPain: 90000,
      maxPainSource: "Deribit open interest",
    });
    const { decision } = signalsFor(v, seedStrategy(defaultConfig()));
    expect(decision.hold).to.equal(false);
    expect(decision.phase).to.be.a("string");
  });

  it("429 with Retry-After: waits what the server asked, then succeeds", async () => {
    stub.set(ROUTES.btc, {
      kind: "status",
      status: 429,
      body: JSON.stringify({ status: { error_code: 429, error_message: "You've exceeded the Rate Limit" } }),
      headers: { "retry-after": "2" },
      times: 1,
    });
    const v = await provider().view(isoOf(TODAY));
    expect(stub.hits[ROUTES.btc]).to.equal(2);
    expect(sleeps).to.include(2000);
    expect(issuesOf(v, "btc")).to.deep.equal([]);
  });

  it("MVRV: CoinMetrics down (403, metric not in the community tier), BGeometrics answers", async () => {
    stub.set(ROUTES.coinmetrics, {
      kind: "status",
      status: 403,
      body: JSON.stringify({
        error: {
          type: "forbidden",
          message: "Requested metric 'CapMVRVCur' with frequency '1d' for asset 'btc' is not available with supplied credentials.",
        },
      }),
    });
    const v = await provider().view(isoOf(TODAY));
    expect(stub.hits[ROUTES.coinmetrics]).to.equal(1);
    expect(v.series.mvrv[v.series.mvrv.length - 2]).to.be.closeTo(+(1.81 + 0.1 * Math.sin((TODAY - 2) / 30)).toFixed(4), 1e-9);
    expect(issuesOf(v, "mvrv").join()).to.match(/fell back to BGeometrics: CoinMetrics: HTTP 403 \(forbidden/);
    expect(signalsFor(v, seedStrategy(defaultConfig())).decision.hold).to.equal(false);
  });

  it("451 from Binance: no retry, Bybit answers instead, and the record says so", async () => {
    stub.set(ROUTES.binance, {
      kind: "status",
      status: 451,
      body: JSON.stringify({ code: 0, msg: "Service unavailable from a restricted location according to 'b. Eligibility'" }),
    });
    const v = await provider().view(isoOf(TODAY));
    expect(stub.hits[ROUTES.binance]).to.equal(1);
    expect(stub.hits[ROUTES.bybit]).to.equal(1);
    const last = v.series.funding.length - 1;
    expect(v.series.funding[last]).to.be.closeTo(3 * 0.0000491, 1e-12);
    expect(issuesOf(v, "funding").join()).to.match(/fell back to Bybit: Binance: HTTP 451 \(unavailable from this location/);
  });

  it("Bybit errors come as HTTP 200 with retCode: both funding sources down is a named issue", async () => {
    stub.set(ROUTES.binance, { kind: "status", status: 451, body: "{}" });
    stub.set(ROUTES.bybit, {
      kind: "body",
      body: JSON.stringify({ retCode: 10001, retMsg: "params error", result: {}, retExtInfo: {}, time: 1 }),
    });
    const v = await provider().view(isoOf(TODAY));
    expect(issuesOf(v, "funding").join()).to.match(/not available: Binance: HTTP 451.*Bybit: retCode 10001: params error/);
  });

  it("5xx: retried with backoff, then the field is missing and the strategy holds naming it", async () => {
    stub.set(ROUTES.coinmetrics, {
      kind: "status",
      status: 503,
      body: JSON.stringify({ error: { type: "unavailable", message: "try later" } }),
    });
    stub.set(ROUTES.bgeometrics, { kind: "status", status: 503, body: "{}" });
    const v = await provider().view(isoOf(TODAY));
    expect(stub.hits[ROUTES.coinmetrics]).to.equal(3);
    expect(sleeps.filter((s) => s === 10 || s === 20)).to.have.length.greaterThanOrEqual(2);
    expect(issuesOf(v, "mvrv").join()).to.match(/not available: CoinMetrics: HTTP 503.*BGeometrics: HTTP 503/);
    const { decision } = signalsFor(v, seedStrategy(defaultConfig()));
    expect(decision.hold).to.equal(true);
    expect(decision.rebalance).to.equal(false);
    expect(decision.reasons.some((r) => r.indicator === "mvrv" && r.says.startsWith("hold:"))).to.equal(true);
  });

  it("a server that hangs times out (retried), and the field is reported missing", async () => {
    stub.set(ROUTES.fng, { kind: "hang" });
    const v = await provider(1_000).view(isoOf(TODAY));
    expect(stub.hits[ROUTES.fng]).to.equal(3);
    expect(issuesOf(v, "fearGreed").join()).to.match(/alternative\.me: no answer within 1000 ms/);
  });

  it("malformed bodies and unexpected shapes are rejected, not used", async () => {
    stub.set(ROUTES.deribit, { kind: "body", body: "<html>maintenance</html>" });
    stub.set(ROUTES.eth, { kind: "body", body: JSON.stringify({ prices: "none" }) });
    const v = await provider().view(isoOf(TODAY));
    expect(issuesOf(v, "options").join()).to.match(/Deribit: malformed JSON body/);
    expect(v.options).to.deep.equal({ nextExpiry: isoOf(nextQuarterlyExpiry(TODAY)) });
    expect(issuesOf(v, "eth").join()).to.match(/CoinGecko: unexpected response shape at prices/);
    expect(Array.from(v.series.eth).every(Number.isNaN)).to.equal(true);
  });

  it("an absurd value (BTC 10x yesterday, or 0) is rejected and the strategy holds", async () => {
    for (const absurd of [stub.btcClose(TODAY - 2) * 10, 0]) {
      stub.overrides.btcLast = absurd;
      const v = await provider().view(isoOf(TODAY));
      const last = v.series.btc.length - 1;
      expect(Number.isNaN(v.series.btc[last])).to.equal(true);
      expect(issuesOf(v, "btc").join()).to.match(new RegExp(`CoinGecko: rejected btc ${absurd} for ${isoOf(TODAY - 1)}`));
      const { decision } = signalsFor(v, seedStrategy(defaultConfig()));
      expect(decision.hold).to.equal(true);
    }
  });

  it("staleness: MVRV older than its limit is an issue and the strategy holds", async () => {
    stub.overrides.mvrvEndsDaysBefore = 5;
    const v = await provider().view(isoOf(TODAY));
    expect(issuesOf(v, "mvrv").join()).to.match(/BTC MVRV: latest value is from .*, 6 days old \(limit 4\)/);
    expect(signalsFor(v, seedStrategy(defaultConfig())).decision.hold).to.equal(true);
  });

  it("cache: a second call within the TTL asks nobody; after it, a failed refresh falls back to the cached answer", async () => {
    let now = 1_000_000;
    const p = new LiveProvider(
      {
        ...LIVE_DEFAULTS,
        ...baseUrls(stub.url),
        http: { timeoutMs: 5_000, retries: 0, backoffMs: 1, maxRetryAfterMs: 1000, sleep: async () => {} },
      },
      () => now,
    );
    await p.view(isoOf(TODAY));
    const hits = { ...stub.hits };
    await p.view(isoOf(TODAY));
    expect(stub.hits).to.deep.equal(hits);
    now += LIVE_DEFAULTS.cacheTtlMs + 1;
    stub.set(ROUTES.btc, { kind: "status", status: 500, body: "{}" });
    const v = await p.view(isoOf(TODAY));
    expect(stub.hits[ROUTES.btc]).to.equal(hits[ROUTES.btc] + 1);
    expect(v.series.btc[v.series.btc.length - 1]).to.be.closeTo(stub.btcClose(TODAY - 1), 1e-6);
    expect(issuesOf(v, "btc").join()).to.match(/HTTP 500.*using the answer cached at/);
  });

  it("a Retry-After longer than we wait fails at once (the cache or fallback answers)", async () => {
    stub.set(ROUTES.btc, { kind: "status", status: 429, body: "{}", headers: { "retry-after": "3600" } });
    const v = await provider().view(isoOf(TODAY));
    expect(stub.hits[ROUTES.btc]).to.equal(1);
    expect(issuesOf(v, "btc").join()).to.match(/asked to retry after 3600 s/);
  });

  it("`treasury signals --live` reads the base URLs from the environment", async () => {
    const live = await startStub(todayDay());
    const keys = {
      MARKET_COINGECKO_URL: "coingecko",
      MARKET_ALTERNATIVE_URL: "alternative",
      MARKET_BINANCE_URL: "binance",
      MARKET_BYBIT_URL: "bybit",
      MARKET_COINMETRICS_URL: "coinmetrics",
      MARKET_BGEOMETRICS_URL: "bgeometrics",
      MARKET_DERIBIT_URL: "deribit",
    } as const;
    const saved = { ...process.env };
    const urls = baseUrls(live.url);
    for (const [k, v] of Object.entries(keys)) process.env[k] = urls[v];
    try {
      let out = "";
      const code = await main(["node", "treasury", "signals", "--live", "--json", "--strategy", "seed"], {
        out: (s) => (out += s),
        err: (s) => (out += s),
      });
      expect(code, out).to.equal(0);
      const j = JSON.parse(out);
      expect(j.source).to.equal("live");
      expect(j.options.maxPain).to.equal(90000);
      expect(j.decision.hold).to.equal(false);
      let err = "";
      expect(
        await main(["node", "treasury", "signals", "--live", "--date", "2020-01-01"], { out: () => {}, err: (s) => (err += s) }),
      ).to.equal(2);
      expect(err).to.match(/--live answers for today/);
    } finally {
      process.env = saved;
      await live.close();
    }
  });
});

describe("agent live helpers", () => {
  it("Retry-After as seconds or an HTTP date", () => {
    expect(retryAfterMs("35")).to.equal(35_000);
    expect(retryAfterMs("Wed, 21 Oct 2015 07:28:10 GMT", Date.parse("Wed, 21 Oct 2015 07:28:00 GMT"))).to.equal(10_000);
    expect(retryAfterMs(null)).to.equal(null);
    expect(retryAfterMs("soon")).to.equal(null);
  });

  it("max pain by hand: strikes 80/90/100k → 90k", () => {
    const o = [
      "BTC-27MAR26-80000-C",
      "BTC-27MAR26-90000-C",
      "BTC-27MAR26-100000-C",
      "BTC-27MAR26-80000-P",
      "BTC-27MAR26-90000-P",
      "BTC-27MAR26-100000-P",
    ].map((n, i) => parseInstrument(n, [10, 30, 50, 40, 20, 5][i])!);
    expect(o[0]).to.deep.equal({ expiry: "2026-03-27", strike: 80000, type: "C", oi: 10 });
    // pain(80k)=300k, pain(90k)=150k, pain(100k)=500k
    expect(maxPain(o)).to.equal(90000);
    expect(parseInstrument("BTC_USDC-27MAR26-90000-C", 1)).to.equal(null);
    expect(maxPain([])).to.equal(null);
  });

  it("a 4xx other than 429 is not retried", async () => {
    const http = await import("node:http");
    let hits = 0;
    const server = http.createServer((_q, res) => {
      hits++;
      res.writeHead(403, { "content-type": "application/json" });
      res.end(
        JSON.stringify({
          error: { type: "forbidden", message: "Requested metric 'CapRealUSD' ... is not available with supplied credentials." },
        }),
      );
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as import("node:net").AddressInfo).port;
    try {
      const e = await getJson("CoinMetrics", `http://127.0.0.1:${port}/x`, {
        timeoutMs: 5_000, // a local answer on a loaded machine: a timeout here would be a retry, and a second hit
        retries: 3,
        backoffMs: 1,
        maxRetryAfterMs: 10,
        sleep: async () => {},
      }).catch((x) => x);
      expect(e).to.be.instanceOf(ProviderError);
      expect((e as ProviderError).status).to.equal(403);
      expect((e as Error).message).to.match(/CoinMetrics: HTTP 403 \(forbidden/);
      expect(hits).to.equal(1);
    } finally {
      server.close();
    }
  });
});
