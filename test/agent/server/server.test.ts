// The agent's HTTP server on a free port, fed a recorded cycle feed (no chain): /health's verdicts as
// time moves (injected clock, no sleeping), /metrics as strict Prometheus text with the values fed
// in, the JSON API and its input validation, a bind failure, and a clean stop.
import { expect } from "chai";
import net from "node:net";
import { register as globalRegistry } from "prom-client";
import { startAgentServer, type AgentServer, type AgentServerOptions } from "../../../agent/src/server";
import { createLogger } from "../../../agent/src/log";
import { UserError } from "../../../agent/src/errors";
import type { CycleReport, CycleSteps, PortfolioLike } from "../../../agent/src/cycle/types";
import { parsePrometheus } from "./promText";

const E18 = 10n ** 18n;
const T0 = Date.parse("2026-01-05T00:00:00Z");
const HOUR = 3_600_000;
const RULES = { intervalSeconds: 3600, slackSeconds: 300, maxFailedCycles: 3 };

const report = (date: string, status: CycleReport["status"], totalMs: number, reason?: string): CycleReport => ({
  date,
  cycleKey: `31337:0xSafe:${date}`,
  status,
  reason,
  reconciled: [],
  stepsMs: { reconcile: totalMs * 0.1, read: totalMs * 0.3, decide: totalMs * 0.6 },
  totalMs,
});

const portfolio = (o: { navUsd: bigint; budget: bigint; paused?: boolean; healthy?: boolean }): PortfolioLike => ({
  chainId: 31337,
  blockNumber: 123n,
  safe: { address: "0x399c61b017A871181d8B6C418c93a8bB361E3Db8", nonce: 4n },
  policy: { paused: o.paused ?? false, limits: { autonomyLimitUsd: 50_000n * E18, maxLossBps: 100 } },
  budget: { remainingUsd: o.budget },
  navUsd: o.navUsd,
  healthy: o.healthy ?? true,
});

/** Steps whose read returns the given portfolios in turn; nothing else is called by these tests. */
const readingSteps = (...ps: PortfolioLike[]): CycleSteps => ({ read: async () => ps.shift()! }) as unknown as CycleSteps;

describe("agent/server: health, metrics and JSON API", () => {
  let now = T0;
  let server: AgentServer;
  let journalUp = true;
  const pending = 2;
  const decisionsAsked: number[] = [];
  const options = (over: Partial<AgentServerOptions> = {}): AgentServerOptions => ({
    host: "127.0.0.1",
    port: 0,
    rules: RULES,
    log: createLogger("silent"),
    now: () => now,
    status: async () => ({ safe: "0x399c61b017A871181d8B6C418c93a8bB361E3Db8", block: 99n, navUsd: 400_000, pending: [{ safeTxHash: "0xaa" }, { safeTxHash: "0xbb" }, { safeTxHash: "0xcc" }] }),
    decisions: async (limit) => {
      decisionsAsked.push(limit);
      return [{ hash: "0x01", status: "executed", safeNonce: 3, body: { block: 7n } }];
    },
    nav: async () => [],
    pingJournal: async () => {
      if (!journalUp) throw new Error("connect ECONNREFUSED 127.0.0.1:5432\nstack…");
    },
    pendingProposals: async () => pending,
    ...over,
  });
  const get = async (path: string) => {
    const res = await fetch(server.url + path);
    const text = await res.text();
    return { status: res.status, type: res.headers.get("content-type") ?? "", text, json: () => JSON.parse(text) };
  };
  const health = async () => {
    const r = await get("/health");
    return { status: r.status, body: r.json() };
  };

  before(async () => {
    server = await startAgentServer(options());
  });
  after(async () => {
    await server?.stop();
  });

  it("listens on 127.0.0.1 at a free port and says so in its URL", () => {
    expect(server.url).to.equal(`http://127.0.0.1:${server.port}`);
    expect(server.port).to.be.greaterThan(0);
  });

  it("/health: starting within the grace period, 503 once no cycle finished in it", async () => {
    let h = await health();
    expect(h.status).to.equal(200);
    expect(h.body).to.include({ status: "starting", lastCycle: null, cycles: 0, journal: "ok" });
    expect(h.body.limits).to.deep.equal({ maxAgeSeconds: 7500, graceSeconds: 300, maxFailedCycles: 3 });
    now = T0 + 301_000;
    h = await health();
    expect(h.status).to.equal(503);
    expect(h.body.status).to.equal("unhealthy");
    expect(h.body.reason).to.equal("no cycle has finished 301 s after start (grace 300 s)");
  });

  it("/health: 200 with the last cycle after one finished; 503 once it is older than 2 × interval + slack", async () => {
    const steps = server.watch(readingSteps(portfolio({ navUsd: 399_999_990_000n * 10n ** 12n, budget: 12_345_670_000n * 10n ** 12n })));
    await steps.read();
    server.cycleDone(report("2025-07-01", "proposed", 600, "$319300 is above the autonomy limit"));
    const finished = now;
    let h = await health();
    expect(h.status).to.equal(200);
    expect(h.body.status).to.equal("ok");
    expect(h.body.lastCycle).to.deep.equal({ date: "2025-07-01", status: "proposed", at: new Date(finished).toISOString(), ageSeconds: 0, totalMs: 600, reason: "$319300 is above the autonomy limit" });
    now = finished + 2 * HOUR + 300_000; // exactly at the limit: still fine
    expect((await health()).status).to.equal(200);
    now += 1_000;
    h = await health();
    expect(h.status).to.equal(503);
    expect(h.body.reason).to.equal("the last cycle finished 7501 s ago, more than 2 × the 3600 s interval + 300 s (7500 s): the loop is stuck or too slow");
    expect(h.body.lastCycle.ageSeconds).to.equal(7501);
  });

  it("/health: 503 after maxFailedCycles failed cycles in a row, 200 again after one that did not fail", async () => {
    server.cycleDone(report("2025-07-02", "aborted", 1_500, "read: HTTP request failed"));
    server.cycleDone(report("2025-07-02", "failed", 500, "simulation reverted"));
    let h = await health();
    expect(h.status, "2 failures < 3").to.equal(200);
    expect(h.body.consecutiveFailures).to.equal(2);
    server.cycleDone(report("2025-07-02", "aborted", 2_500, "read: HTTP request failed"));
    h = await health();
    expect(h.status).to.equal(503);
    expect(h.body.reason).to.equal("the last 3 cycles failed (limit 3); last: aborted — read: HTTP request failed");
    expect(h.body.lastOkCycleAt).to.equal(new Date(T0 + 301_000).toISOString());
    server.cycleDone(report("2025-07-02", "skipped", 400, "no rebalance"));
    h = await health();
    expect(h.status).to.equal(200);
    expect(h.body.consecutiveFailures).to.equal(0);
  });

  it("/health: 503 when the journal does not answer; /health/live stays 200", async () => {
    journalUp = false;
    try {
      const h = await health();
      expect(h.status).to.equal(503);
      expect(h.body.reason).to.equal("the journal is unreachable: connect ECONNREFUSED 127.0.0.1:5432");
      const live = await get("/health/live");
      expect(live.status).to.equal(200);
      expect(live.json().status).to.equal("ok");
    } finally {
      journalUp = true;
    }
    expect((await health()).status).to.equal(200);
  });

  it("/metrics: Prometheus text with cycles by status, durations, last cycle, NAV, budget, paused, pending, process metrics", async () => {
    const r = await get("/metrics");
    expect(r.status).to.equal(200);
    expect(r.type).to.match(/^text\/plain; version=0\.0\.4/);
    const m = parsePrometheus(r.text);
    expect(m.types.get("treasury_cycles_total")).to.equal("counter");
    expect(m.types.get("treasury_cycle_duration_seconds")).to.equal("histogram");
    expect(m.value("treasury_cycles_total", { status: "proposed" })).to.equal(1);
    expect(m.value("treasury_cycles_total", { status: "aborted" })).to.equal(2);
    expect(m.value("treasury_cycles_total", { status: "failed" })).to.equal(1);
    expect(m.value("treasury_cycles_total", { status: "skipped" })).to.equal(1);
    expect(m.value("treasury_cycles_total", { status: "executed" }), "every status from 0").to.equal(0);
    expect(m.value("treasury_cycle_duration_seconds_count")).to.equal(5);
    expect(m.value("treasury_cycle_duration_seconds_sum")).to.be.closeTo(0.6 + 1.5 + 0.5 + 2.5 + 0.4, 1e-9);
    expect(m.value("treasury_cycle_duration_seconds_bucket", { le: "0.5" })).to.equal(2);
    expect(m.value("treasury_cycle_duration_seconds_bucket", { le: "+Inf" })).to.equal(5);
    expect(m.value("treasury_cycle_step_duration_seconds_sum", { step: "read" })).to.be.closeTo(0.3 * 5.5, 1e-9);
    expect(m.value("treasury_cycle_step_duration_seconds_count", { step: "decide" })).to.equal(5);
    expect(m.value("treasury_last_cycle_timestamp_seconds")).to.equal(now / 1000);
    expect(m.value("treasury_consecutive_failed_cycles")).to.equal(0);
    expect(m.value("treasury_nav_usd")).to.equal(399_999.99);
    expect(m.value("treasury_agent_budget_remaining_usd")).to.equal(12_345.67);
    expect(m.value("treasury_paused")).to.equal(0);
    expect(m.value("treasury_pending_proposals")).to.equal(2);
    expect(m.value("treasury_loop_stopping")).to.equal(0);
    expect(m.value("process_cpu_user_seconds_total")).to.be.greaterThan(0);
    expect(m.value("nodejs_heap_size_used_bytes")).to.be.greaterThan(0);
    // Owned registry: nothing lands in prom-client's global default one.
    expect((await globalRegistry.metrics()).includes("treasury_")).to.equal(false);
  });

  it("/metrics: NAV unknown (a price missing) is NaN, a paused agent is 1; a second server in the process has its own counters", async () => {
    await server.watch(readingSteps(portfolio({ navUsd: 0n, budget: 0n, paused: true, healthy: false }))).read();
    const m = parsePrometheus((await get("/metrics")).text);
    expect(m.value("treasury_nav_usd")).to.be.NaN;
    expect(m.value("treasury_paused")).to.equal(1);
    expect(m.value("treasury_agent_budget_remaining_usd")).to.equal(0);
    const other = await startAgentServer(options());
    try {
      const o = parsePrometheus(await (await fetch(other.url + "/metrics")).text());
      expect(o.value("treasury_cycles_total", { status: "proposed" })).to.equal(0);
      expect(o.value("treasury_last_cycle_timestamp_seconds")).to.equal(0);
      expect(o.value("treasury_nav_usd")).to.be.NaN;
    } finally {
      await other.stop();
    }
  });

  it("a report the metrics cannot take never throws into the cycle", async () => {
    const before = parsePrometheus((await get("/metrics")).text).value("treasury_cycle_duration_seconds_count");
    expect(() => server.cycleDone({ ...report("2025-07-03", "skipped", 100), totalMs: NaN })).not.to.throw();
    expect(await server.watch(readingSteps(null as unknown as PortfolioLike)).read()).to.equal(null);
    expect(parsePrometheus((await get("/metrics")).text).value("treasury_cycle_duration_seconds_count")).to.equal(before);
  });

  it("/api/status: the status as JSON (bigints as strings), its pending proposals counted; 503 with the error when it fails", async () => {
    const r = await get("/api/status");
    expect(r.status).to.equal(200);
    expect(r.json()).to.deep.include({ block: "99", navUsd: 400_000 });
    expect(parsePrometheus((await get("/metrics")).text).value("treasury_pending_proposals")).to.equal(3);
    const failing = await startAgentServer(options({ status: async () => Promise.reject(new Error("HTTP request failed.\nURL: http://127.0.0.1:1")) }));
    try {
      const res = await fetch(failing.url + "/api/status");
      expect(res.status).to.equal(503);
      expect(await res.json()).to.deep.equal({ error: "status unavailable: HTTP request failed." });
    } finally {
      await failing.stop();
    }
  });

  it("/api/decisions: limit 1…200 (default 20), anything else 400 naming the fix", async () => {
    decisionsAsked.length = 0;
    let r = await get("/api/decisions?limit=5");
    expect(r.status).to.equal(200);
    expect(r.json()).to.deep.equal({ limit: 5, decisions: [{ hash: "0x01", status: "executed", safeNonce: 3, body: { block: "7" } }] });
    r = await get("/api/decisions");
    expect(r.json().limit).to.equal(20);
    expect(decisionsAsked).to.deep.equal([5, 20]);
    for (const bad of ["0", "201", "-1", "abc", "1.5", "", "1e2"]) {
      r = await get(`/api/decisions?limit=${encodeURIComponent(bad)}`);
      expect(r.status, bad).to.equal(400);
      expect(r.json().error).to.equal(`limit must be an integer from 1 to 200, got "${bad}"; e.g. /api/decisions?limit=20`);
    }
    expect(decisionsAsked, "bad input never reaches the journal").to.deep.equal([5, 20]);
  });

  it("an unknown route is a JSON 404 listing the routes", async () => {
    const r = await get("/nope");
    expect(r.status).to.equal(404);
    expect(r.json().error).to.match(/^no route GET \/nope; routes: GET \/ \(dashboard\), \/health, \/health\/live, \/metrics, .*\/api\/nav\?limit=N, \/api\/series, \/api\/decision\/:hash(, \/api\/assessments\?limit=N)?$/);
  });

  it("a port already in use is a UserError naming the port and the fix", async () => {
    let err: unknown;
    try {
      await startAgentServer(options({ port: server.port }));
    } catch (e) {
      err = e;
    }
    expect(err).to.be.instanceOf(UserError);
    expect((err as Error).message).to.match(new RegExp(`^agent server: cannot listen on 127\\.0\\.0\\.1:${server.port} \\(EADDRINUSE: .*\\); set AGENT_SERVER_PORT to a free port \\(0: one chosen by the OS\\)`));
  });

  it("stopping: /health 503 at once; stop() closes the port, keep-alive connections included", async () => {
    const s = await startAgentServer(options());
    // A keep-alive connection left open by a client must not hold the stop.
    expect((await fetch(s.url + "/health/live", { keepalive: true })).status).to.equal(200);
    s.stopping();
    const res = await fetch(s.url + "/health");
    expect(res.status).to.equal(503);
    expect((await res.json()).reason).to.match(/^the agent loop is stopping/);
    expect(parsePrometheus(await (await fetch(s.url + "/metrics")).text()).value("treasury_loop_stopping")).to.equal(1);
    await s.stop();
    const refused = await new Promise<boolean>((resolve) => {
      const c = net.connect(s.port, "127.0.0.1");
      c.on("connect", () => (c.destroy(), resolve(false)));
      c.on("error", () => resolve(true));
    });
    expect(refused, "nothing listens after stop").to.equal(true);
  });

  it("a cycle that ends during shutdown does not ask the (stopped) transaction service for pending proposals", async () => {
    let asked = 0;
    const s = await startAgentServer(options({ pendingProposals: async () => (asked++, pending) }));
    s.cycleDone(report("2025-07-03", "skipped", 100));
    await s.stop();
    expect(asked, "polled after the cycle before the stop").to.equal(1);
    s.cycleDone(report("2025-07-04", "skipped", 100));
    const s2 = await startAgentServer(options({ pendingProposals: async () => (asked++, pending) }));
    s2.stopping();
    s2.cycleDone(report("2025-07-04", "skipped", 100));
    await s2.stop();
    expect(asked, "no poll once stopping or stopped").to.equal(1);
  });
});
