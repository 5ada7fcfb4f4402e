// A short soak (scripts/soak): the real agent (`treasury run` as a child process) on the local world
// for a few simulated hours, with one fault of each kind named below injected between its cycles by
// a fixed seed. Nothing is done twice, nothing unsafe, and each fault that stops a cycle is alerted
// once. The accounting is then shown to catch what it claims to: the same records with a fabricated
// double execution, double proposal and double alert count each of them.
import { expect } from "chai";
import { runSoak, type SoakResult } from "../../scripts/soak/run";
import { account } from "../../scripts/soak/accounting";
import type { FaultKind } from "../../scripts/soak/schedule";

// The kinds once not alerted (a market 503 behind the cache, a refused RPC slipping between two
// cycles), the one once alerted twice (a tx service 502: the watch loop's detector and the cycle's
// proposal) and the agent SIGKILLed (told by its next start, agent.restarted); the 24 h soak
// (bench/soak.json, README) covers every kind.
const KINDS: FaultKind[] = ["market-5xx", "rpc-refuse", "txservice-5xx", "agent-kill"];
// A simulated hour every 10 s real (speed 360): a cycle under load takes well under that.
const SPEED = 360;
// Bounded: runSoak fails past its deadline naming what it waited for, with the agent log's tail.
const DEADLINE_MS = 420_000;

describe("soak: faults between the agent's cycles (scripts/soak)", function () {
  this.timeout(DEADLINE_MS + 180_000);
  let r: SoakResult;
  before(async () => {
    // The harness's lines, kept in memory and printed only when the run fails (where it hung, and why).
    const lines: string[] = [];
    try {
      // Two simulated hours per fault plus one to start and one to end: each fault has a clean cycle after it.
      r = await runSoak({ hours: 2 * KINDS.length + 2, speed: SPEED, seed: 42, faults: KINDS.length, kinds: KINDS, deadlineMs: DEADLINE_MS, log: (s) => void lines.push(`${new Date().toISOString()} ${s}`) });
    } catch (e) {
      console.error(`soak e2e failed; the harness said:\n${lines.join("\n")}`);
      throw e;
    }
  });

  it("injects each fault once and the agent keeps cycling", () => {
    expect(r.faults).to.deep.equal(Object.fromEntries(KINDS.map((k) => [k, 1])));
    expect(r.cycles).to.be.greaterThan(KINDS.length);
    // The SIGKILLed agent was started again, and nothing else stopped it.
    expect(r.agentStarts).to.equal(2);
    expect(r.agentCrashes).to.equal(0);
  });

  it("nothing twice, nothing unsafe", () => {
    expect(r.duplicates).to.deep.equal({ executions: 0, proposals: 0, alerts: 0 });
    expect(r.unsafeActions).to.equal(0);
    // The owners rejected every proposal, so the agent proposed again each cycle: proposals were made.
    expect(r.extra.proposals).to.be.greaterThan(1);
  });

  it("every fault that stops a cycle or a market source is alerted once", () => {
    expect(r.extra.unalerted).to.deep.equal([]);
    for (const k of KINDS) {
      const f = r.extra.faultsPerKind[k];
      if (!f.expectsAlert) continue;
      // Once: a refused RPC or a tx service 502 is told by the watch loop or by the cycle it stops,
      // not both; a failing market source by one market.source alert (or the hold's, when it held the day).
      expect(f, k).to.include({ injected: 1, alerted: 1, alertedMoreThanOnce: 0 });
    }
    const market = r.records.alerts.filter((a) => a.kind === "market.source" || a.kind === "cycle.held");
    expect(market.length, "the market 503 was told by a market.source or a held day's alert").to.be.greaterThan(0);
  });

  it("the accounting counts a fabricated double execution, double proposal and double alert in the same records", () => {
    const rec = structuredClone(r.records);
    const hash = `0x${"d0".repeat(32)}`;
    rec.executions.push({ decisionHash: hash, txHash: "0xa1", event: "AgentExecuted" }, { decisionHash: hash, txHash: "0xa2", event: "AgentExecuted" });
    const p = rec.proposals[0];
    rec.proposals.push({ ...p, safeTxHash: `0x${"e0".repeat(32)}` });
    const a = rec.alerts.find((x) => x.key && !x.kind.startsWith("report."));
    expect(a, "a keyed alert was delivered").to.not.equal(undefined);
    rec.alerts.push({ ...a!, id: "fabricated-second-send", at: a!.at + 1 });
    expect(account(rec).duplicates).to.deep.equal({ executions: 1, proposals: 1, alerts: 1 });
  });
});
