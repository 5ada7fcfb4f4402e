// The cycle's routing without a chain: the pure router (which step next, held with which status and
// why, or sent on which path) and runCycle over stub steps on an in-memory journal.
import { expect } from "chai";
import { createLogger } from "../../../agent/src/log";
import type { PublicClient } from "viem";
import { route, pathOf, type Evidence } from "../../../agent/src/cycle/route";
import { runCycle } from "../../../agent/src/cycle/once";
import { Journal } from "../../../agent/src/journal";
import type { CycleSteps } from "../../../agent/src/cycle/types";
import type { Portfolio } from "../../../agent/src/chain/types";
import type { ExecContext } from "../../../agent/src/execute";
import { checkBatch } from "../../../agent/src/risk/check";
import { checkOk, decided, planned, portfolio, refused, simOk, TEST_AGENT, TEST_SAFE, verdict } from "../helpers/portfolio";

const ev = (o: Partial<Evidence<Portfolio>> = {}): Evidence<Portfolio> => ({ portfolio: portfolio(), date: "2024-03-01", riskStep: false, ...o });
const upTo = (o: Partial<Evidence<Portfolio>> = {}) => ev({ decided: decided(), plan: planned(), check: checkOk(), simulation: simOk, verdict: verdict("approve"), ...o });

describe("agent/cycle: routing is a pure function of what the steps returned", () => {
  it("asks for the steps in order, then sends", () => {
    expect(route(ev())).to.deep.equal({ kind: "next", step: "decide" });
    expect(route(ev({ decided: decided() }))).to.deep.equal({ kind: "next", step: "plan" });
    expect(route(ev({ decided: decided(), plan: planned() }))).to.deep.equal({ kind: "next", step: "check" });
    expect(route(ev({ decided: decided(), plan: planned(), check: checkOk() }))).to.deep.equal({ kind: "next", step: "simulate", path: "module" });
    expect(route(ev({ riskStep: true, decided: decided(), plan: planned(), check: checkOk(), simulation: simOk }))).to.deep.equal({ kind: "next", step: "risk", path: "module" });
    expect(route(ev({ decided: decided(), plan: planned(), check: checkOk(), simulation: simOk }))).to.deep.equal({ kind: "next", step: "approve", path: "module" });
    expect(route(upTo())).to.deep.equal({ kind: "send", path: "module", why: "within the autonomy limit and budget" });
  });

  it("holds with the status and the reason, and says when it held out of doubt", () => {
    expect(route(ev({ portfolio: portfolio({ paused: true }) }))).to.include({ kind: "hold", status: "skipped", held: "paused" });
    expect(route(ev({ decided: decided({ hold: true }) }))).to.deep.include({ kind: "hold", status: "skipped", held: "stale-data", reason: "hold: market data missing or rejected (stale btc close)" });
    expect(route(ev({ decided: decided({ rebalance: false }) }))).to.deep.equal({ kind: "hold", status: "skipped", reason: "no rebalance: the strategy's triggers did not fire", held: undefined });
    // A leverage overlay (a play's borrow or its exit) is planned even when the targets' triggers did not fire.
    const lev = decided({ rebalance: false });
    lev.decision.leverage = { borrow: 0, buy: "eth", play: "expiry 2024-06-28" };
    expect(route(ev({ decided: lev }))).to.deep.equal({ kind: "next", step: "plan" });
    expect(route(ev({ decided: decided(), plan: planned(0, 0) }))).to.include({ kind: "hold", status: "skipped", reason: "nothing to do: inside the drift band" });
    expect(route(upTo({ check: refused("VolatileCapExceeded") }))).to.include({ kind: "hold", status: "failed", reason: "the check refused the plan: VolatileCapExceeded: VolatileCapExceeded (test)" });
    expect(route(upTo({ simulation: { ok: false, error: "reverted: NavLoss" } }))).to.include({ kind: "hold", status: "failed", reason: "the simulation failed: reverted: NavLoss" });
    expect(route(upTo({ riskStep: true, risk: { ok: false, reason: "VaR 9%" } }))).to.include({ kind: "hold", status: "skipped", held: "risk" });
    expect(route(upTo({ verdict: verdict("reject") }))).to.include({ kind: "hold", status: "skipped", held: "rejected", reason: "rejected by rules: reject (test)" });
    expect(route(upTo({ verdict: verdict("reject", { riskFlags: ["stale_data"] }) }))).to.include({ held: "stale-data" });
  });

  it("the path is the check's: its own-limit refusals go to the owners, an exit it lets through stays on the module whatever its size", () => {
    const big = refused("AutonomyLimitExceeded", { sizeUsd: String(60_000n * 10n ** 18n), limitUsd: String(50_000n * 10n ** 18n) });
    expect(route(upTo({ check: big }))).to.deep.equal({ kind: "send", path: "proposal", why: "$60,000 is above the autonomy limit of $50,000: proposed to the owners" });
    expect(pathOf(refused("DailyBudgetExceeded", { sizeUsd: String(30n * 10n ** 21n), usedUsd: String(80n * 10n ** 21n), budgetUsd: String(100n * 10n ** 21n) }))).to.deep.equal({ path: "proposal", why: "$30,000 is above the agent's budget left ($80,000 used of $100,000 in 24 h): proposed to the owners" });
    // A $60K exit on a $50K autonomy limit: the chain executes exits through the module, so does the agent.
    expect(route(upTo({ plan: planned(60_000), check: checkOk(60_000) }))).to.deep.include({ kind: "send", path: "module" });
    expect(route(upTo({ forceProposal: true }))).to.deep.equal({ kind: "send", path: "proposal", why: "owner path requested" });
  });

  it("a reviewer's modify: the smaller plan's fate decides", () => {
    expect(route(upTo({ verdict: verdict("modify") }))).to.deep.equal({ kind: "next", step: "modify", path: "module" });
    expect(route(upTo({ verdict: verdict("modify"), modified: { ok: false, stage: "validate", reason: "larger" } }))).to.include({ kind: "hold", status: "skipped", held: "reviewer" });
    expect(route(upTo({ verdict: verdict("modify"), modified: { ok: false, stage: "simulate", reason: "reverted" } }))).to.include({ kind: "hold", status: "failed", held: "reviewer" });
    expect(route(upTo({ verdict: verdict("modify"), modified: { ok: true, plan: planned(5_000), check: checkOk(5_000), simulation: simOk, rules: {} as never } }))).to.deep.equal({ kind: "send", path: "module", why: "within the autonomy limit and budget; cut down at the reviewer's request" });
  });

  it("the check's early refusals on a built portfolio, without a chain", () => {
    expect(checkBatch(portfolio({ agents: [] }), planned().calls, TEST_AGENT)).to.include({ ok: false, error: "AgentNotRegistered" });
    expect(checkBatch(portfolio({ paused: true }), planned().calls, TEST_AGENT)).to.include({ ok: false, error: "AgentPaused" });
    expect(checkBatch(portfolio(), [], TEST_AGENT)).to.include({ ok: false, error: "NoCalls" });
  });
});

describe("agent/cycle: runCycle over stub steps (no chain)", function () {
  this.timeout(120_000);
  let journal: Journal;
  const client = { getBlockNumber: async () => 100n } as unknown as PublicClient;
  const ctxOf = (): ExecContext => ({ client, journal, log: createLogger("silent"), chainId: 31337, safe: TEST_SAFE, module: TEST_SAFE, policy: TEST_SAFE });
  const stub = (o: Partial<CycleSteps<Portfolio>> = {}): CycleSteps<Portfolio> => ({
    read: async () => portfolio({ autonomyLimitUsd: 50_000 }),
    decide: async () => decided(),
    plan: () => planned(60_000),
    check: () => checkOk(60_000),
    simulate: async () => simOk,
    approve: async () => verdict("approve"),
    ...o,
  });
  before(async () => (journal = await Journal.open({ dataDir: "memory://" })));
  after(async () => journal?.close());

  it("an exit above the autonomy limit that the check lets through goes through the module (the limit is not re-derived)", async () => {
    const seen: string[] = [];
    const r = await runCycle(ctxOf(), stub({ simulate: async (_p, _pl, via) => (seen.push(via), simOk) }), { date: "2024-03-01", dryRun: true });
    expect(r).to.include({ status: "dry-run", path: "module" });
    expect(seen).to.deep.equal(["module"]);
  });

  it("held cycles are recorded once with their reason; the report's shape is kept", async () => {
    const r = await runCycle(ctxOf(), stub({ check: () => refused("NavLoss") }), { date: "2024-03-02" });
    expect(r).to.include({ status: "failed", path: "none", reason: "the check refused the plan: NavLoss: NavLoss (test)" });
    const rows = await journal.byCycle(r.cycleKey);
    expect(rows.map((x) => [x.status, x.path, x.reason])).to.deep.equal([["failed", "none", r.reason]]);
    expect(Object.keys(r.stepsMs)).to.deep.equal(["reconcile", "read", "decide", "plan", "check"]);
  });

  it("a step that throws stops the cycle (aborted), a failing approver too", async () => {
    const r = await runCycle(ctxOf(), stub({ approve: async () => { throw new Error("approver down"); } }), { date: "2024-03-03" });
    expect(r).to.include({ status: "aborted", reason: "approve: approver down" });
  });
});
