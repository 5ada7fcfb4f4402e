// The dashboard (GET /) on a free port, fed recorded sources (no chain): its sections with the data
// fed in, its security headers and served assets, escaping of hostile journal and chain text,
// sections that say "unavailable" when their source fails, and /api/nav with its input validation.
import { expect } from "chai";
import fs from "node:fs";
import path from "node:path";
import { startAgentServer, type AgentServer, type AgentServerOptions } from "../../../agent/src/server";
import { DASHBOARD_CSP } from "../../../agent/src/server/dashboard/routes";
import { html, esc, httpUrl } from "../../../agent/src/server/dashboard/html";
import { allocationOf } from "../../../agent/src/server/dashboard/allocation";
import type { NavPoint } from "../../../agent/src/server/dashboard/view";
import { createLogger } from "../../../agent/src/log";
import type { CycleReport, CycleSteps, PortfolioLike } from "../../../agent/src/cycle/types";

const E18 = 10n ** 18n;
const T0 = Date.parse("2026-01-05T00:00:00Z");
const SAFE = "0x399c61b017A871181d8B6C418c93a8bB361E3Db8";
const USDC = "0xA0b86991c6218b36c1d19D4a2e9Eb0cE3606eB48";
const WETH = "0xC02aaA39b223FE8D0A0e5C4F27eAD9083C756Cc2";
const AUSDC = "0x98C23E9d8f34FEFb1B7BD6a91B7FF122F4e16F5c";
const HOSTILE = "<script>alert(1)</script>";
const TX_HASH = "0x8a96" + "ab".repeat(28) + "dd2e";
const ASSETS = path.resolve(__dirname, "..", "..", "..", "agent", "src", "server", "dashboard", "assets");

/** A journaled decision as the journal returns it (JSON: bigints as strings). */
const portfolioJson = { navUsd: (400_000n * E18).toString(), healthy: true, assets: [
  { token: USDC, symbol: "USDC", volatile: false, balance: "200000000000", valueUsd: (200_000n * E18).toString() },
  { token: WETH, symbol: "WETH", volatile: true, balance: (40n * E18).toString(), valueUsd: (100_000n * E18).toString() },
], positions: [{ token: AUSDC, symbol: "aEthUSDC", kind: "aave", underlying: USDC, balance: "100000000000", valueUsd: (100_000n * E18).toString() }] };
const TARGET = { usdc: 0.1, aaveUsdc: 0.4, pendlePt: 0, vault: 0.2, btc: 0.15, eth: 0.15 };
const decisionRows = [
  { hash: "0x" + "11".repeat(32), date: "2025-07-02", status: "failed", path: "none", reason: `the check refused the plan: ${HOSTILE}`, txHash: null, safeTxHash: null, proposalUrl: "javascript:alert(2)", createdAt: new Date("2026-01-05T00:00:00.000Z"), body: { block: "120", target: null } },
  { hash: "0x" + "22".repeat(32), date: "2025-07-01", status: "proposed", path: "proposal", reason: null, txHash: null, safeTxHash: TX_HASH, proposalUrl: `http://127.0.0.1:41003/api/v2/multisig-transactions/${TX_HASH}/`, createdAt: new Date("2026-01-04T23:00:00.000Z"), body: { block: "100", target: TARGET, inputs: { portfolio: portfolioJson }, rationale: "trend-dd on 2025-07-01; drift: usdc is 40.0 points from target" } },
];
const status = {
  safe: SAFE,
  chainId: 31337,
  block: "123",
  navUsd: 399_999.99,
  paused: false,
  owners: ["0x1", "0x2", "0x3"],
  threshold: 2,
  nonce: 4,
  limits: { maxLossBps: 100, autonomyLimitUsd: 50_000, dailyBudgetUsd: 100_000 },
  budgetLeftUsd: 12_345.67,
  pending: [{ safeTxHash: TX_HASH, nonce: "4", confirmations: 1, required: 2, origin: JSON.stringify({ name: `treasury-agent: "><img src=x onerror=alert(3)>`, url: "" }), url: `http://127.0.0.1:41003/api/v2/multisig-transactions/${TX_HASH}/` }],
  recent: [],
  openOrders: [],
};
const navPoints: NavPoint[] = [
  { at: "2026-01-04T22:00:00.000Z", date: "2025-06-30", hash: "0xaa", status: "skipped", navUsd: 400_000 },
  { at: "2026-01-04T23:00:00.000Z", date: "2025-07-01", hash: "0xbb", status: "proposed", navUsd: 380_000 },
  { at: "2026-01-05T00:00:00.000Z", date: "2025-07-02", hash: "0xcc", status: "failed", navUsd: 390_000 },
];

const report = (reason: string): CycleReport => ({ date: "2025-07-02", cycleKey: `31337:${SAFE}:2025-07-02`, status: "failed", reason, reconciled: [], stepsMs: { read: 10 }, totalMs: 100 });
const portfolio: PortfolioLike = { chainId: 31337, blockNumber: 77n, safe: { address: SAFE, nonce: 4n }, policy: { paused: true, limits: { autonomyLimitUsd: 50_000n * E18, maxLossBps: 100 } }, budget: { remainingUsd: 999n * E18 }, navUsd: 1n, healthy: true };

describe("agent/server: dashboard", () => {
  let server: AgentServer;
  const navAsked: number[] = [];
  const options = (over: Partial<AgentServerOptions> = {}): AgentServerOptions => ({
    host: "127.0.0.1",
    port: 0,
    rules: { intervalSeconds: 3600, slackSeconds: 300, maxFailedCycles: 3 },
    log: createLogger("silent"),
    now: () => T0,
    status: async () => status,
    decisions: async (limit) => decisionRows.slice(0, limit),
    nav: async (limit) => {
      navAsked.push(limit);
      return navPoints;
    },
    pingJournal: async () => {},
    ...over,
  });
  const get = async (url: string) => {
    const res = await fetch(url);
    return { status: res.status, headers: res.headers, text: await res.text() };
  };
  /** The inner HTML of <section id="id"> (or the server-rendered <div id="id">). */
  const section = (page: string, id: string) => {
    const m = new RegExp(`<(?:section|div) id="${id}"[^>]*>([\\s\\S]*?)</(?:section|div)>`).exec(page);
    if (!m) throw new Error(`no section ${id} in the page`);
    return m[1];
  };

  before(async () => {
    server = await startAgentServer(options());
    server.cycleDone(report(`read: <img src=x onerror=alert(4)>`));
  });
  after(async () => {
    await server?.stop();
  });

  it("GET / is one HTML page with a strict CSP and every section filled from its sources", async () => {
    const r = await get(server.url + "/");
    expect(r.status).to.equal(200);
    expect(r.headers.get("content-type")).to.equal("text/html; charset=utf-8");
    expect(r.headers.get("content-security-policy")).to.equal(DASHBOARD_CSP);
    expect(DASHBOARD_CSP).to.match(/(^|; )default-src 'none'(;|$)/).and.match(/(^|; )script-src 'self'(;|$)/).and.match(/(^|; )style-src 'self'(;|$)/).and.match(/frame-ancestors 'none'/);
    expect(DASHBOARD_CSP).not.to.match(/unsafe-inline|unsafe-eval|https?:|\*/);
    expect(r.headers.get("x-content-type-options")).to.equal("nosniff");
    expect(r.headers.get("x-frame-options")).to.equal("DENY");
    expect(r.headers.get("referrer-policy")).to.equal("no-referrer");
    const page = r.text;
    expect(page.startsWith("<!doctype html>")).to.equal(true);
    // Nothing from the internet, no inline code: the chart library and our script, its stylesheet and ours, all served here.
    expect(page.match(/<script\b[^>]*>/g)).to.deep.equal(['<script src="dashboard/uPlot.iife.min.js" defer>', '<script src="dashboard/app.js" defer>']);
    expect(page.match(/<link\b[^>]*>/g)).to.deep.equal(['<link rel="stylesheet" href="dashboard/uPlot.min.css">', '<link rel="stylesheet" href="dashboard/style.css">']);
    expect(page, "no inline style or event handler in any tag").not.to.match(/<[^>]*\s(style|on[a-z]+)=|<style/i);
    expect(page, "nothing loaded from another origin").not.to.match(/\ssrc="(https?:)?\/\//);

    const health = section(page, "health");
    expect(health).to.include('<span class="badge ok">ok</span>');
    expect(health).to.include("2025-07-02 <span class=\"status\">failed</span>");
    expect(health).to.include("1 (unhealthy at 3)");

    const nav = section(page, "navnow");
    expect(nav).to.include('<span class="big">$399,999.99</span>');
    expect(nav).to.include('<strong class="down">−$10,000.00 (-2.50%)</strong> <span class="muted">over the last 3 journaled cycles (2025-06-30 → 2025-07-02)</span>');
    // The charts are drawn in the browser (app.js, uPlot): each has its box.
    for (const id of ["chart-nav", "chart-drawdown", "chart-allocation", "chart-prices", "chart-sentiment", "chart-funding"]) expect(page).to.include(`<div id="${id}" class="chart-box"`);
    expect(section(page, "state")).to.include('<span class="pill good">agent active</span>').and.include("1 proposal waiting for the owners");
    expect(navAsked).to.deep.equal([200]);

    const alloc = section(page, "allocation");
    expect(alloc).to.include("2025-07-01, block 100, proposed");
    expect(alloc, "USDC cash 50% vs target 10%").to.include('<td>usdc</td><td class="num">50.0%</td><td class="num">10.0%</td><td class="num">40.0 pp</td>');
    expect(alloc).to.include('<td>aaveUsdc</td><td class="num">25.0%</td><td class="num">40.0%</td><td class="num">-15.0 pp</td>');
    expect(alloc).to.include('<td>eth</td><td class="num">25.0%</td><td class="num">15.0%</td>');
    expect(alloc).to.include('<td>btc</td><td class="num">0.0%</td><td class="num">15.0%</td>');

    const agent = section(page, "agent");
    expect(agent).to.include("<dt>state</dt><dd>active</dd>");
    expect(agent).to.include("<dd>$12,345.67 of $100,000.00</dd>");
    expect(agent).to.include("<dd>$50,000.00 per batch");
    expect(agent).to.include("2 of 3 owners, nonce 4, chain 31337, block 123");

    const proposals = section(page, "proposals");
    expect(proposals).to.include(`<code title="${TX_HASH}">0x8a96ab…dd2e</code>`);
    expect(proposals).to.include('<td class="num">4</td><td class="num">1 / 2</td>');
    expect(proposals).to.include(`<a href="http://127.0.0.1:41003/api/v2/multisig-transactions/${TX_HASH}/" target="_blank" rel="noopener noreferrer">open</a>`);

    const decisions = section(page, "decisions");
    expect(decisions.match(/<tr>/g)).to.have.length(1); // header
    expect(decisions.match(/<tr class="pick" data-hash="0x[0-9a-f]{64}" tabindex="0">/g), "rows open their detail").to.have.length(2);
    expect(decisions).to.include('<td>2025-07-01</td><td><time datetime="2026-01-04T23:00:00.000Z">2026-01-04 23:00:00 UTC</time></td><td class="status">proposed</td><td>proposal</td><td class="reason">trend-dd on 2025-07-01; drift: usdc is 40.0 points from target</td>', "no reason recorded: the rationale");
    expect(decisions).to.include('>proposal</a>');
  });

  it("hostile text from the journal, the transaction service and a cycle is rendered as text, never as markup", async () => {
    const page = (await get(server.url + "/")).text;
    expect(page).to.include("the check refused the plan: &lt;script&gt;alert(1)&lt;/script&gt;");
    expect(page).to.include("treasury-agent: &quot;&gt;&lt;img src=x onerror=alert(3)&gt;</td>"); // a proposal's origin (its name)
    expect(page).to.include("read: &lt;img src=x onerror=alert(4)&gt;"); // the last cycle's reason (health)
    expect(page).not.to.include(HOSTILE);
    expect(page).not.to.match(/<img/i);
    expect(page, "a javascript: proposal URL is not linked").not.to.include("javascript:");
  });

  it("the scripts and the stylesheets (ours and uPlot's from node_modules) are served with their content types", async () => {
    for (const [route, file, type] of [
      ["/dashboard/app.js", "app.js", "text/javascript; charset=utf-8"],
      ["/dashboard/style.css", "style.css", "text/css; charset=utf-8"],
      ["/dashboard/uPlot.iife.min.js", require.resolve("uplot/dist/uPlot.iife.min.js"), "text/javascript; charset=utf-8"],
      ["/dashboard/uPlot.min.css", require.resolve("uplot/dist/uPlot.min.css"), "text/css; charset=utf-8"],
    ]) {
      const r = await get(server.url + route);
      expect(r.status, route).to.equal(200);
      expect(r.headers.get("content-type"), route).to.equal(type);
      expect(r.headers.get("x-content-type-options"), route).to.equal("nosniff");
      expect(r.text, route).to.equal(fs.readFileSync(path.isAbsolute(file) ? file : path.join(ASSETS, file), "utf8"));
    }
    // The script never writes HTML strings into the page: it moves the server's escaped HTML and sets journal text as text.
    expect(fs.readFileSync(path.join(ASSETS, "app.js"), "utf8")).not.to.match(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/);
  });

  it("a source that fails makes its sections say so; the rest of the page still renders", async () => {
    const s = await startAgentServer(
      options({
        status: async () => Promise.reject(new Error("HTTP request failed.\nURL: http://127.0.0.1:1")),
        decisions: async () => Promise.reject(new Error("connect ECONNREFUSED 127.0.0.1:5432")),
      }),
    );
    try {
      await s.watch({ read: async () => portfolio } as unknown as CycleSteps).read();
      const r = await get(s.url + "/");
      expect(r.status).to.equal(200);
      expect(section(r.text, "agent")).to.include("status unavailable: HTTP request failed.");
      expect(section(r.text, "agent"), "the loop's last read instead").to.include("budget left $999.00, <strong class=\"down\">PAUSED</strong>");
      expect(section(r.text, "proposals")).to.include("status unavailable: HTTP request failed.");
      expect(section(r.text, "decisions")).to.include("decisions unavailable: connect ECONNREFUSED 127.0.0.1:5432");
      expect(section(r.text, "allocation")).to.include("decisions unavailable");
      expect(section(r.text, "navnow"), "the loop's last read").to.include('<span class="big">$0.00</span>');
      expect(section(r.text, "health")).to.include('<span class="badge starting">starting</span>');
    } finally {
      await s.stop();
    }
  });

  it("/api/nav: limit 1…1000 (default 200), points oldest first; anything else 400 naming the fix; 503 when the journal fails", async () => {
    navAsked.length = 0;
    let r = await get(server.url + "/api/nav?limit=3");
    expect(r.status).to.equal(200);
    expect(r.headers.get("content-type")).to.match(/^application\/json/);
    expect(JSON.parse(r.text)).to.deep.equal({ limit: 3, points: navPoints });
    r = await get(server.url + "/api/nav");
    expect(JSON.parse(r.text).limit).to.equal(200);
    expect(navAsked).to.deep.equal([3, 200]);
    for (const bad of ["0", "1001", "-1", "abc", "1.5", "", "1e2", "<b>"]) {
      r = await get(`${server.url}/api/nav?limit=${encodeURIComponent(bad)}`);
      expect(r.status, bad).to.equal(400);
      expect(JSON.parse(r.text).error).to.equal(`limit must be an integer from 1 to 1000, got "${bad}"; e.g. /api/nav?limit=200`);
    }
    expect(navAsked, "bad input never reaches the journal").to.deep.equal([3, 200]);
    const failing = await startAgentServer(options({ nav: async () => Promise.reject(new Error("journal closed\nstack")) }));
    try {
      r = await get(failing.url + "/api/nav");
      expect(r.status).to.equal(503);
      expect(JSON.parse(r.text)).to.deep.equal({ error: "journal unavailable: journal closed" });
    } finally {
      await failing.stop();
    }
  });

  it("html``: escapes every interpolated string (elements and attributes), keeps fragments; links only to http(s)", () => {
    expect(esc(`<a href="x" title='y'>&</a>`)).to.equal("&lt;a href=&quot;x&quot; title=&#39;y&#39;&gt;&amp;&lt;/a&gt;");
    const reason = HOSTILE;
    expect(html`<td title="${reason}">${reason}</td>`.text).to.equal('<td title="&lt;script&gt;alert(1)&lt;/script&gt;">&lt;script&gt;alert(1)&lt;/script&gt;</td>');
    expect(html`<tr>${[html`<td>${"<b>"}</td>`, "<i>"]}</tr>`.text).to.equal("<tr><td>&lt;b&gt;</td>&lt;i&gt;</tr>");
    expect(html`${null}${undefined}${false}${0}`.text).to.equal("0");
    expect(httpUrl("https://app.safe.global/transactions/tx?safe=eth:0x1&id=2")).to.equal("https://app.safe.global/transactions/tx?safe=eth:0x1&id=2");
    for (const bad of ["javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,<b>", "/relative", "", 42, null]) expect(httpUrl(bad), String(bad)).to.equal(undefined);
  });

  it("allocationOf: the newest record with a target; no current weights when its portfolio does not parse", () => {
    const a = allocationOf(decisionRows)!;
    expect(a.hash).to.equal(decisionRows[1].hash);
    expect(Object.fromEntries(a.rows.map((r) => [r.position, [r.current, r.target]]))).to.deep.equal({ usdc: [0.5, 0.1], aaveUsdc: [0.25, 0.4], pendlePt: [0, 0], vault: [0, 0.2], btc: [0, 0.15], eth: [0.25, 0.15] });
    const broken = { ...decisionRows[1], body: { ...decisionRows[1].body, inputs: { portfolio: { ...portfolioJson, navUsd: "-1" } } } };
    expect(allocationOf([broken])!.rows.every((r) => r.current === null)).to.equal(true);
    expect(allocationOf([decisionRows[0], { hash: "0x", body: "not an object" }])).to.equal(undefined);
  });

  describe("the charts' data: /api/series and /api/decision/:hash", () => {
    // Eight days of a treasury half in WETH: ETH +10% on day 2 (the day 1 decision is judged against holding still).
    const D = ["2025-07-01", "2025-07-02", "2025-07-03", "2025-07-04", "2025-07-05", "2025-07-06", "2025-07-07", "2025-07-08", "2025-07-09"];
    const eth = [2000, 2200, 2200, 2200, 2200, 2200, 2200, 2200, 2200];
    const btc = [50_000, 50_000, 55_000, 55_000, 55_000, 55_000, 55_000, 55_000, 60_000];
    const usd18 = (v: number) => (BigInt(Math.round(v * 100)) * 10n ** 16n).toString();
    const portfolioOn = (i: number, wethUnits: number, usdc: number) => ({
      navUsd: usd18(usdc + wethUnits * eth[i]),
      healthy: true,
      assets: [
        { token: USDC, symbol: "USDC", volatile: false, balance: String(usdc * 1e6), valueUsd: usd18(usdc) },
        { token: WETH, symbol: "WETH", volatile: true, balance: (BigInt(wethUnits) * E18).toString(), valueUsd: usd18(wethUnits * eth[i]) },
      ],
      positions: [],
    });
    const hashOf = (i: number) => "0x" + (i + 1).toString(16).padStart(64, "0");
    // Day 0's decision sells 50 WETH before ETH rises: it lost against holding still.
    const rows = D.map((date, i) => ({
      hash: hashOf(i),
      date,
      status: i === 0 ? "executed" : "skipped",
      path: i === 0 ? "module" : "none",
      txHash: i === 0 ? "0x" + "ab".repeat(32) : null,
      safeTxHash: null,
      proposalUrl: null,
      reason: i === 0 ? null : "no rebalance",
      createdAt: new Date(T0 + i * 1000),
      portfolio: i === 0 ? portfolioOn(0, 100, 200_000) : portfolioOn(i, 50, 300_000),
      signals: { indicators: { btc: btc[i], eth: eth[i], mvrv: 2 + i / 10, fearGreed: 50 + i, funding7d: 0.001 }, phase: i < 4 ? "accumulation" : "euphoria", mode: "tactical", triggers: i === 0 ? ["drift: eth 10.0 points"] : [], reasons: [] },
      target: TARGET,
      verdict: i === 0 ? "approve" : null,
      rationale: i === 0 ? "trend-dd: sell ETH" : null,
      sizeUsd: i === 0 ? usd18(100_000) : null,
      gasUsed: i === 0 ? "350000" : null,
    }));
    let s: AgentServer;
    before(async () => {
      s = await startAgentServer(
        options({
          series: async (limit) => rows.slice(-limit) as never,
          decision: async (h) => (h === hashOf(0) ? { ...rows[0], body: { signals: rows[0].signals, verdict: { decision: "approve", reasons: ["within limits"] } } } : undefined),
        }),
      );
    });
    after(async () => s?.stop());

    it("one point per day: NAV, weights, indicators, phase and mode; benchmarks from the first day's NAV; drawdown", async () => {
      const r = await get(s.url + "/api/series");
      expect(r.status).to.equal(200);
      const j = JSON.parse(r.text);
      expect(j.days.map((d: { date: string }) => d.date)).to.deep.equal(D);
      expect(j.days[0]).to.include({ nav: 400_000, btc: 50_000, eth: 2000, mvrv: 2, fearGreed: 50, funding7d: 0.001, phase: "accumulation", mode: "tactical" });
      expect(j.days[0].weights).to.include({ usdc: 0.5, eth: 0.5 });
      expect(j.days[1].nav).to.equal(410_000);
      const bench = Object.fromEntries(j.benchmarks.map((b: { name: string; values: number[] }) => [b.name, b.values]));
      expect(bench["static"][0]).to.equal(400_000);
      expect(bench["static"][8]).to.be.closeTo(400_000 * Math.pow(1.065, 8 / 365), 1e-6);
      expect(bench["btc-hold"][8]).to.be.closeTo(480_000, 1e-6);
      // 60/40: 60% stables, 40% BTC/ETH 60:40 (defaultConfig); day 2's value from day 1's units.
      expect(bench["mix-60-40"][1]).to.be.closeTo(400_000 * 0.6 * (1 + 0.03 / 365) + 400_000 * 0.16 * 1.1 + 400_000 * 0.24, 1e-6);
      expect(j.benchmarks.find((b: { name: string }) => b.name === "btc-hold").totalReturn).to.be.closeTo(0.2, 1e-12);
      expect(j.drawdown[0]).to.equal(0);
      expect(j.drawdown.every((x: number) => x <= 0)).to.equal(true);
      expect(j.caps).to.have.keys("volatile", "protocol", "position");
      expect(j.source).to.equal("journal");
      expect(j.indexer).to.match(/^not configured \(INDEXER_URL\)/);
    });

    it("performance by the shared formulas (lib/analytics), and each decision judged after 1 and 7 days against holding still", async () => {
      const j = JSON.parse((await get(s.url + "/api/series")).text);
      expect(j.performance.twr).to.be.closeTo(410_000 / 400_000 - 1, 1e-12);
      expect(j.performance.maxDrawdown).to.equal(0);
      const d0 = j.decisions[0];
      expect(d0).to.include({ hash: hashOf(0), status: "executed", path: "module", verdict: "approve", sizeUsd: 100_000 });
      expect(d0.triggers).to.deep.equal(["drift: eth 10.0 points"]);
      // Holding 100 WETH + $200K: +10% of half = +5%; the treasury made +2.5%: excess −2.5 points.
      expect(d0.outcome["1d"].actual).to.be.closeTo(0.025, 1e-9);
      expect(d0.outcome["1d"].holding).to.be.closeTo(0.05, 1e-9);
      expect(d0.outcome["7d"].excess).to.be.closeTo(-0.025, 1e-9);
      expect(d0.outcome["30d"]).to.equal(null);
      expect(j.quality).to.deep.include({ judged: 1, wins: 0, winRate: 0, qualityScore: 0 });
      expect(j.gasUnits).to.equal(350_000);
    });

    it("/api/decision/:hash: the record and its outcome; 400 for a malformed hash, 404 for an unknown one", async () => {
      let r = await get(s.url + "/api/decision/" + hashOf(0));
      expect(r.status).to.equal(200);
      const j = JSON.parse(r.text);
      expect(j.decision.body.verdict.reasons).to.deep.equal(["within limits"]);
      expect(j.outcome["7d"].excess).to.be.closeTo(-0.025, 1e-9);
      r = await get(s.url + "/api/decision/0x12");
      expect(r.status).to.equal(400);
      expect(JSON.parse(r.text).error).to.match(/^decision hash must be 0x and 64 hex digits, got "0x12"/);
      r = await get(s.url + "/api/decision/" + hashOf(99));
      expect(r.status).to.equal(404);
      expect(JSON.parse(r.text).error).to.include("/api/decisions");
    });

    it("recomputes the series only when the journal's stamp moves (the page polls it every few seconds)", async () => {
      let reads = 0;
      let stamp = "9:a";
      const c = await startAgentServer(options({ series: async () => (reads++, rows as never), seriesStamp: async () => stamp }));
      try {
        for (let i = 0; i < 3; i++) expect((await get(c.url + "/api/series")).status).to.equal(200);
        expect(reads).to.equal(1);
        stamp = "10:b";
        expect(JSON.parse((await get(c.url + "/api/series")).text).days).to.have.length(D.length);
        expect(reads).to.equal(2);
      } finally {
        await c.stop();
      }
    });

    it("with INDEXER_URL: the indexer's performance and outcomes; when it does not answer, the journal's and why", async () => {
      const http = await import("node:http");
      const ix = http.createServer((req, res) => {
        res.writeHead(200, { "content-type": "application/json" });
        if (req.url?.startsWith("/performance")) return res.end(JSON.stringify({ twr: 0.5, apy: 0.9, sharpe: 2, maxDrawdown: 0.1, gasUsd: 12.5, daily: [] }));
        res.end(JSON.stringify({ scored: 3, wins: 2, winRate: 2 / 3, qualityScore: 70, scoreHorizonDays: 7, decisions: [{ decisionHash: hashOf(0).toUpperCase().replace("0X", "0x"), later: { "1d": null, "7d": { excess: 0.01 }, "30d": null } }] }));
      });
      await new Promise<void>((r) => ix.listen(0, "127.0.0.1", r));
      const port = (ix.address() as { port: number }).port;
      const withIx = await startAgentServer(options({ series: async () => rows as never, indexerUrl: `http://127.0.0.1:${port}` }));
      try {
        let j = JSON.parse((await get(withIx.url + "/api/series")).text);
        expect(j.source).to.equal("indexer");
        expect(j.performance).to.include({ twr: 0.5, apy: 0.9, gasUsd: 12.5 });
        expect(j.quality).to.deep.equal({ judged: 3, wins: 2, winRate: 2 / 3, qualityScore: 70, horizonDays: 7 });
        expect(j.decisions[0].outcome["7d"]).to.deep.equal({ excess: 0.01 });
        await new Promise((r) => ix.close(r));
        j = JSON.parse((await get(withIx.url + "/api/series")).text);
        expect(j.source).to.equal("journal");
        expect(j.indexer).to.match(/^unavailable \(.+\): performance from the journal$/);
        expect(j.performance.twr).to.be.closeTo(0.025, 1e-12);
      } finally {
        await withIx.stop();
        ix.close();
      }
    });

    it("many treasuries: the dashboard asks the indexer for its own Safe; an indexer of another Safe (404) is not taken for its own", async () => {
      const http = await import("node:http");
      const followed = "0x00000000000000000000000000000000000000bB";
      const asked: string[] = [];
      // Stands in for indexer/src/api with ?safe= (one indexer per Safe): 404 for any other Safe.
      const ix = http.createServer((req, res) => {
        const u = new URL(req.url!, "http://x");
        asked.push(`${u.pathname}?safe=${u.searchParams.get("safe")}`);
        const safe = u.searchParams.get("safe");
        if (safe && safe.toLowerCase() !== followed.toLowerCase()) {
          res.writeHead(404, { "content-type": "application/json" });
          return res.end(JSON.stringify({ error: `this indexer follows the Safe ${followed}, not ${safe}` }));
        }
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(u.pathname === "/performance" ? { twr: 0.5, daily: [] } : { scored: 0, decisions: [] }));
      });
      await new Promise<void>((r) => ix.listen(0, "127.0.0.1", r));
      const url = `http://127.0.0.1:${(ix.address() as { port: number }).port}`;
      const mine = await startAgentServer(options({ series: async () => rows as never, indexerUrl: url, indexerSafe: followed }));
      const other = await startAgentServer(options({ series: async () => rows as never, indexerUrl: url, indexerSafe: "0x00000000000000000000000000000000000000aA" }));
      try {
        const a = JSON.parse((await get(mine.url + "/api/series")).text);
        expect(a.source).to.equal("indexer");
        expect(a.performance.twr).to.equal(0.5);
        const b = JSON.parse((await get(other.url + "/api/series")).text);
        expect(b.source, "another Safe's indexer figures are not shown").to.equal("journal");
        expect(b.indexer).to.match(/^unavailable \(.*answered 404: .*this indexer follows the Safe 0x0+bB, not 0x0+aA.*\): performance from the journal$/);
        expect(b.performance.twr).to.be.closeTo(0.025, 1e-12);
        expect(asked).to.include.members([`/performance?safe=${followed}`, `/decisions?safe=${followed}`, "/performance?safe=0x00000000000000000000000000000000000000aA"]);
      } finally {
        await Promise.all([mine.stop(), other.stop()]);
        ix.close();
      }
    });
  });
});
