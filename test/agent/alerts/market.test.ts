// A failing market source is alerted (issue 20, soak: "market-5xx unalerted"). The real live
// provider against the local market API servers: a 503, a 429 and a malformed body are one path
// (the source, its status, what the agent used instead: a fallback source, the cached answer or
// nothing), and the real notifier sends one alert per source and failure, holds the repeats back
// (across a restart too) and closes it once the market is read cleanly.
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { alertsFrom, marketSourceAlerts } from "../../../agent/src/alerts";
import { AlertsConfigSchema } from "../../../agent/src/config/schema";
import { createLogger } from "../../../agent/src/log";
import { Journal } from "../../../agent/src/journal";
import { dayOf, isoOf } from "../../../agent/src/market/calendar";
import { LIVE_DEFAULTS, LiveProvider, liveConfigFromEnv } from "../../../agent/src/market/live/provider";
import type { SourceFailure } from "../../../agent/src/market/types";
import type { CycleReport } from "../../../agent/src/cycle/types";
import { baseUrls, ROUTES, startStub, type Stub } from "../../../scripts/standins/marketApis";
import { startTelegramStub, type TelegramStub } from "../../../scripts/standins/alertServers";

const TODAY = dayOf("2026-11-24");
const DATE = isoOf(TODAY);
const TOKEN = "7012345678:AAH-market-alert-token_0123456789ab";
const CHAT = "-1001234567890";
const SAFE = "0x399c61b017A871181d8B6C418c93a8bB361E3Db8";
const S503 = { kind: "status", status: 503, body: '{"error":"Service Unavailable"}' } as const;

const report = (over: Partial<CycleReport>): CycleReport => ({ date: DATE, cycleKey: `31337:${SAFE}:${DATE}`, status: "proposed", safeTxHash: `0x${"ab".repeat(32)}`, reason: "above the autonomy limit", reconciled: [], stepsMs: {}, totalMs: 1, ...over });

describe("agent/alerts: a failing market source is alerted once (live provider, local market APIs)", function () {
  this.timeout(60_000);
  let stub: Stub;
  let tg: TelegramStub;
  let dir: string;
  // No cache between views (each view asks again, as each daily cycle does), no real waits.
  const provider = () => new LiveProvider({ ...LIVE_DEFAULTS, ...baseUrls(stub.url), cacheTtlMs: 0, http: { timeoutMs: 5_000, retries: 1, backoffMs: 1, maxRetryAfterMs: 5_000, sleep: async () => undefined } });
  const failures = (fs: SourceFailure[] | undefined) => (fs ?? []).map((f) => `${f.source}/${f.field}/${f.status ?? f.kind}/${f.did}${f.instead && f.did === "fallback" ? `:${f.instead}` : ""}`).sort();

  beforeEach(async () => {
    stub = await startStub(TODAY);
    tg = await startTelegramStub({ token: TOKEN, chats: [CHAT] });
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "agent-market-alert-"));
  });
  afterEach(async () => {
    await stub.close();
    await tg.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it("503, 429 and a malformed body: each failing source is named with its status and what was used instead; sources failing together are one alert", async () => {
    const p = provider();
    const clean = await p.view(DATE);
    expect(clean.sourceFailures, "a clean read lists no failure").to.deep.equal([]);

    // CoinGecko 503, Binance 429, alternative.me malformed: each answered from the cache.
    stub.set(ROUTES.btc, S503);
    stub.set(ROUTES.binance, { kind: "status", status: 429, headers: { "retry-after": "1" }, body: '{"code":-1003,"msg":"Too many requests"}' });
    stub.set(ROUTES.fng, { kind: "body", body: '{"truncated": [1, 2' });
    const v = await p.view(DATE);
    expect(failures(v.sourceFailures)).to.deep.equal(["Binance/funding/429/cached", "CoinGecko/btc/503/cached", "alternative.me/fearGreed/malformed/cached"]);
    // The cycle carries on: nothing it needs is missing.
    expect(v.issues.filter((i) => !i.info).map((i) => i.reason)).to.deep.equal([]);

    // A provider with nothing cached (a fresh process): the next source, or the field is missing, said as such.
    const fresh = await provider().view(DATE);
    expect(failures(fresh.sourceFailures)).to.deep.equal(["Binance/funding/429/fallback:Bybit", "CoinGecko/btc/503/none", "alternative.me/fearGreed/malformed/none"]);
    const [one, ...more] = marketSourceAlerts(report({ sourceFailures: v.sourceFailures }));
    expect(more, "three sources failing in one cycle: one alert").to.deep.equal([]);
    expect(one.title).to.equal("Market sources failing: Binance HTTP 429, CoinGecko HTTP 503, alternative.me malformed (the agent used its cached answers or fallbacks)");
    expect(one.lines.join("\n")).to.include("Binance (funding): HTTP 429; the agent used the answer cached at");
  });

  it("one alert per source and failure, held back while it keeps failing (also after a restart), closed by a clean read", async () => {
    const p = provider();
    await p.view(DATE);
    stub.set(ROUTES.btc, S503);
    stub.set(ROUTES.eth, S503);
    const failing = (await p.view(DATE)).sourceFailures;

    const cfg = AlertsConfigSchema.parse({ maxAttempts: 1, dedupSeconds: 6 * 3600, telegram: { chatId: CHAT, baseUrl: tg.origin } });
    const open = async () => {
      const journal = await Journal.open({ dataDir: dir });
      return { journal, n: alertsFrom(cfg, { env: { TELEGRAM_BOT_TOKEN: TOKEN }, log: createLogger("silent"), journal, sleep: async () => undefined }) };
    };
    let { journal, n } = await open();
    const first = await n.cycle(report({ sourceFailures: failing }));
    const sent = first.filter((r) => r.kind === "market.source");
    // btc and eth both come from CoinGecko: one source, one failure, one alert.
    expect(sent.map((r) => [r.key, r.delivered])).to.deep.equal([["market.source:CoinGecko HTTP 503", ["telegram"]]]);
    const text = tg.delivered.map((d) => d.text).join("\n");
    expect(text).to.include("Market source failing: CoinGecko HTTP 503 (the agent used its cached answers or fallbacks)");
    expect(text).to.include("CoinGecko (btc): HTTP 503; the agent used the answer cached at");
    expect(text).to.include("Check the source");
    const before = tg.delivered.length;

    // Still failing next cycle: held back.
    expect((await n.cycle(report({ sourceFailures: (await p.view(DATE)).sourceFailures }))).filter((r) => r.kind === "market.source").map((r) => r.suppressed)).to.deep.equal([true]);
    await journal.close();
    ({ journal, n } = await open()); // the agent restarts: the journal remembers
    expect((await n.cycle(report({ sourceFailures: (await p.view(DATE)).sourceFailures }))).filter((r) => r.kind === "market.source").map((r) => r.suppressed)).to.deep.equal([true]);
    expect(tg.delivered.length).to.equal(before);

    // The source answers again: one "recovered", and a later failure is a new alert at once.
    stub.set(ROUTES.btc, { kind: "ok" });
    stub.set(ROUTES.eth, { kind: "ok" });
    const ok = await n.cycle(report({ status: "already", safeTxHash: undefined, sourceFailures: (await p.view(DATE)).sourceFailures }));
    expect(ok.map((r) => r.kind)).to.deep.equal(["recovered"]);
    expect(tg.delivered.at(-1)!.text).to.include("Market source failing: CoinGecko HTTP 503");
    stub.set(ROUTES.btc, S503);
    expect((await n.cycle(report({ sourceFailures: (await p.view(DATE)).sourceFailures }))).filter((r) => r.kind === "market.source").map((r) => r.delivered)).to.deep.equal([["telegram"]]);
    await journal.close();
  });

  it("a day held because the sources failed is one alert (the hold's), naming the source and its status", async () => {
    stub.set(ROUTES.btc, S503);
    const v = await provider().view(DATE);
    const journal = await Journal.open({ dataDir: "memory://" });
    try {
      const n = alertsFrom(AlertsConfigSchema.parse({ maxAttempts: 1, telegram: { chatId: CHAT, baseUrl: tg.origin } }), { env: { TELEGRAM_BOT_TOKEN: TOKEN }, log: createLogger("silent"), journal, sleep: async () => undefined });
      const out = await n.cycle(report({ status: "skipped", held: "stale-data", safeTxHash: undefined, reason: "hold: market data missing or rejected (not available: CoinGecko: HTTP 503)", sourceFailures: v.sourceFailures }));
      expect(out.map((r) => r.kind)).to.deep.equal(["cycle.held"]);
      expect(tg.delivered).to.have.length(1);
      expect(tg.delivered[0].text).to.include("CoinGecko (btc): HTTP 503; the agent had nothing instead");
    } finally {
      await journal.close();
    }
  });

  it("MARKET_CACHE_TTL_SECONDS sets the cache; a bad value is a one-line error naming it", () => {
    expect(liveConfigFromEnv({ MARKET_CACHE_TTL_SECONDS: "3" }).cacheTtlMs).to.equal(3_000);
    expect(liveConfigFromEnv({}).cacheTtlMs).to.equal(LIVE_DEFAULTS.cacheTtlMs);
    expect(() => liveConfigFromEnv({ MARKET_CACHE_TTL_SECONDS: "soon" })).to.throw(/MARKET_CACHE_TTL_SECONDS must be a number of seconds ≥ 0, got "soon"/);
  });
});
