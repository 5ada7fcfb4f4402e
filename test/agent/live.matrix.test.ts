// Every live source against every failure the issue lists: success, 429 with Retry-After, 451, 5xx,
// a hang, a malformed body and an absurd value. The outcome is checked on the field it feeds.
import { expect } from "chai";
import { dayOf, isoOf } from "../../agent/src/market/calendar";
import { LIVE_DEFAULTS, LiveProvider } from "../../agent/src/market/live/provider";
import type { MarketView } from "../../agent/src/market/types";
import { baseUrls, ROUTES, startStub, Stub } from "../../scripts/standins/marketApis";

const TODAY = dayOf("2026-11-24");

type Source = { route: string; field: string; name: string; firstDown?: string };
const SOURCES: Source[] = [
  { route: ROUTES.btc, field: "btc", name: "CoinGecko" },
  { route: ROUTES.eth, field: "eth", name: "CoinGecko" },
  { route: ROUTES.fng, field: "fearGreed", name: "alternative.me" },
  { route: ROUTES.binance, field: "funding", name: "Binance" },
  { route: ROUTES.bybit, field: "funding", name: "Bybit", firstDown: ROUTES.binance },
  { route: ROUTES.coinmetrics, field: "mvrv", name: "CoinMetrics" },
  { route: ROUTES.bgeometrics, field: "mvrv", name: "BGeometrics", firstDown: ROUTES.coinmetrics },
  { route: ROUTES.deribit, field: "options", name: "Deribit" },
];

/** The field's latest value is there (options: max pain is there). */
function present(v: MarketView, field: string): boolean {
  if (field === "options") return v.options?.maxPain !== undefined;
  const s = v.series[field as keyof MarketView["series"]];
  for (let i = s.length - 1; i >= Math.max(0, s.length - 3); i--) if (!Number.isNaN(s[i])) return true;
  return false;
}

describe("agent live sources × failures (local server)", () => {
  let stub: Stub;
  let sleeps: number[];
  const view = (timeoutMs = 5_000, retries = 2) =>
    new LiveProvider({
      ...LIVE_DEFAULTS,
      ...baseUrls(stub.url),
      http: { timeoutMs, retries, backoffMs: 10, maxRetryAfterMs: 5_000, sleep: async (ms) => void sleeps.push(ms) },
    }).view(isoOf(TODAY));
  const reasons = (v: MarketView, field: string) =>
    v.issues
      .filter((i) => i.field === field)
      .map((i) => i.reason)
      .join(" | ");

  beforeEach(async () => {
    stub = await startStub(TODAY);
    sleeps = [];
  });
  afterEach(() => stub.close());

  for (const src of SOURCES) {
    const label = `${src.name} (${src.field})`;
    const prepare = () => {
      // The second source of a field is asked only when the first fails.
      if (src.firstDown)
        stub.set(src.firstDown, { kind: "status", status: 451, body: JSON.stringify({ code: 0, msg: "restricted location" }) });
    };
    // With the first source down or broken, the second still answers: the field stays present.
    const fallback = src.route === ROUTES.binance || src.route === ROUTES.coinmetrics;

    it(`${label}: success`, async () => {
      prepare();
      const v = await view();
      expect(present(v, src.field)).to.equal(true);
      expect(stub.hits[src.route]).to.equal(1);
    });

    it(`${label}: 429 with Retry-After is honoured, then success`, async () => {
      prepare();
      stub.set(src.route, { kind: "status", status: 429, body: "{}", headers: { "retry-after": "1" }, times: 1 });
      const v = await view();
      expect(stub.hits[src.route]).to.equal(2);
      expect(sleeps).to.include(1000);
      expect(present(v, src.field)).to.equal(true);
    });

    it(`${label}: 451 is not retried and is reported`, async () => {
      prepare();
      stub.set(src.route, { kind: "status", status: 451, body: JSON.stringify({ code: 0, msg: "restricted location" }) });
      const v = await view();
      expect(stub.hits[src.route]).to.equal(1);
      expect(reasons(v, src.field)).to.contain(`${src.name}: HTTP 451`);
      expect(present(v, src.field)).to.equal(fallback);
    });

    it(`${label}: 5xx is retried with backoff, then reported`, async () => {
      prepare();
      stub.set(src.route, { kind: "status", status: 502, body: "{}" });
      const v = await view();
      expect(stub.hits[src.route]).to.equal(3);
      expect(sleeps).to.include.members([10, 20]);
      expect(reasons(v, src.field)).to.contain(`${src.name}: HTTP 502`);
      expect(present(v, src.field)).to.equal(fallback);
    });

    it(`${label}: a hang times out and is reported`, async () => {
      prepare();
      stub.set(src.route, { kind: "hang" });
      // 1 s: short for a test, long enough that the other (answering) sources never hit it.
      const v = await view(1_000, 1);
      expect(stub.hits[src.route]).to.equal(2);
      expect(reasons(v, src.field)).to.contain(`${src.name}: no answer within 1000 ms`);
      expect(present(v, src.field)).to.equal(fallback);
    });

    it(`${label}: a malformed body is rejected`, async () => {
      prepare();
      stub.set(src.route, { kind: "body", body: '{"truncated": ' });
      const v = await view();
      expect(reasons(v, src.field)).to.contain(`${src.name}: malformed JSON body`);
      expect(present(v, src.field)).to.equal(fallback);
    });

    it(`${label}: an absurd value is rejected, not used`, async () => {
      prepare();
      if (src.route === ROUTES.btc) stub.overrides.btcLast = 0;
      else stub.overrides.absurd = src.route;
      const v = await view();
      expect(reasons(v, src.field)).to.match(
        src.field === "options"
          ? /Deribit: unexpected response shape at result\.0\.open_interest/
          : new RegExp(`${src.name}[^:]*: rejected ${src.field} `),
      );
      if (src.field !== "options" && src.field !== "mvrv") {
        const s = v.series[src.field as keyof MarketView["series"]];
        expect(Number.isNaN(s[s.length - 1])).to.equal(true);
      }
    });
  }
});
