// The soak's accounting (scripts/soak/accounting.ts) counts what it claims to count: fabricated
// records with a double execution, a double proposal, a repeated alert, an unsafe transaction and a
// silent slot are each caught, and the same records without them count zero.
import { expect } from "chai";
import { account, type SoakRecords } from "../../scripts/soak/accounting";
import { planFaults, FAULT_KINDS } from "../../scripts/soak/schedule";
import { seeded } from "../../scripts/rng";

const H1 = "0x" + "11".repeat(32);
const H2 = "0x" + "22".repeat(32);
const SAFE = "0x" + "aa".repeat(20);

/** A clean day of four slots: a cycle in each, one execution, one proposal, one fault alerted once. */
function clean(): SoakRecords {
  return {
    hours: 4,
    t0: 0,
    slotMs: 1000,
    slots: 4,
    cycles: [0, 1, 2, 3].map((k) => ({ at: k * 1000 + 500, status: "proposed" })),
    faults: [{ kind: "rpc-refuse", at: 1100, clearedAt: 1600 }],
    alerts: [
      { at: 1500, id: "msg_1", kind: "cycle.aborted", key: "cycle.aborted:reconcile: fetch failed" },
      { at: 2500, id: "msg_2", kind: "recovered", key: null },
    ],
    executions: [
      { decisionHash: H1, txHash: "0x01", event: "AgentExecuted" },
      // A module execution emits both events in one transaction: one execution.
      { decisionHash: H1, txHash: "0x01", event: "DecisionRecorded" },
    ],
    proposals: [{ safe: SAFE, nonce: 7, safeTxHash: "0xp1" }],
    agentTxs: [{ hash: "0x01", ok: true, whilePaused: false }],
    rssKb: [100, 100, 101, 100, 102].map((kb, i) => ({ at: i, kb, pid: 1 })),
    alertGraceMs: 1000,
  };
}

describe("soak accounting", () => {
  it("counts nothing on a clean record, and the fault alerted once with its latency", () => {
    const r = account(clean());
    expect(r.duplicates).to.deep.equal({ executions: 0, proposals: 0, alerts: 0 });
    expect(r.unsafeActions).to.equal(0);
    expect(r.missedCycles).to.equal(0);
    expect(r.faults).to.deep.equal({ "rpc-refuse": 1 });
    expect(r.extra.faultsPerKind["rpc-refuse"]).to.include({ injected: 1, alerted: 1, alertedMoreThanOnce: 0 });
    expect(r.alertLatencyMs).to.deep.equal({ p50: 400, max: 400 });
    expect(r.extra.unalerted).to.deep.equal([]);
    expect(r.alertsSent).to.equal(2);
  });

  it("a daily report sent during a fault is news, not the fault's alert (nor a second one)", () => {
    const rec = clean();
    rec.alerts.push({ at: 1200, id: "msg_r", kind: "report.daily", key: "report.daily:31337:0xsafe:2026-12-07" });
    expect(account(rec).extra.faultsPerKind["rpc-refuse"]).to.include({ alerted: 1, alertedMoreThanOnce: 0 });
    expect(account(rec).alertLatencyMs).to.deep.equal({ p50: 400, max: 400 });
  });

  it("an alert sent after the next fault went in is that fault's, not a second one of the first", () => {
    const rec = clean();
    rec.faults.push({ kind: "market-5xx", at: 1700, clearedAt: 1900 });
    rec.alerts.push({ at: 1800, id: "msg_m", kind: "market.source", key: "market.source:CoinGecko HTTP 503" });
    const r = account(rec);
    expect(r.extra.faultsPerKind["rpc-refuse"]).to.include({ alerted: 1, alertedMoreThanOnce: 0 });
    expect(r.extra.faultsPerKind["market-5xx"]).to.include({ alerted: 1, alertedMoreThanOnce: 0 });
    expect(r.extra.faultsPerKind["market-5xx"].latencyMs.max).to.equal(100);
  });

  it("a report sent twice for one date is a duplicate alert (reports go once per key); a retry of one send is not", () => {
    const rec = clean();
    const key = "report.daily:31337:0xsafe:2026-12-07";
    rec.alerts.push({ at: 100, id: "msg_r1", kind: "report.daily", key }, { at: 150, id: "msg_r1", kind: "report.daily", key });
    expect(account(rec).duplicates.alerts).to.equal(0);
    rec.alerts.push({ at: 2000, id: "msg_r2", kind: "report.daily", key });
    expect(account(rec).duplicates.alerts).to.equal(1);
  });

  it("the heap's floor per half of the run: a sawtooth that comes back down is flat, a rising floor is growth", () => {
    const rec = clean();
    rec.heapUsedKb = [100, 150, 200, 95, 140, 190, 98, 150, 210, 96].map((kb, i) => ({ at: i, kb, pid: 1 }));
    expect(account(rec).extra.heapFloorGrowthPct).to.equal(1.05);
    rec.heapUsedKb = [100, 150, 200, 120, 160, 190, 140, 180, 210, 150].map((kb, i) => ({ at: i, kb, pid: 1 }));
    expect(account(rec).extra.heapFloorGrowthPct).to.equal(40);
  });

  it("the tenured heap's floor leaves the nursery out: new space filling between scavenges is no growth", () => {
    const rec = clean();
    // Old space flat at 80 MB; the nursery happens to be near empty at the early floor and fuller late on.
    const old = [80, 95, 110, 80, 96, 80, 98, 112, 80, 97];
    const nursery = [1, 8, 12, 2, 9, 9, 14, 3, 10, 6];
    rec.heapUsedKb = old.map((kb, i) => ({ at: i, kb: kb + nursery[i], newSpaceKb: nursery[i], pid: 1 }));
    const x = account(rec).extra;
    expect(x.heapFloorGrowthPct).to.equal(9.88);
    expect(x.tenuredHeapFloorGrowthPct).to.equal(0);
    expect(x.tenuredHeapKb).to.deep.equal({ floorFirstHalf: 80, floorSecondHalf: 80, samples: 10 });
    // A tenured floor that rises is growth; samples without the nursery's reading are left out of it.
    rec.heapUsedKb = [...old.map((kb, i) => ({ at: i, kb: kb + (i >= 5 ? 20 : 0) + nursery[i], newSpaceKb: nursery[i], pid: 1 })), { at: 10, kb: 10, pid: 1 }];
    expect(account(rec).extra.tenuredHeapFloorGrowthPct).to.equal(25);
  });

  it("a decision executed by two transactions is a duplicate execution", () => {
    const rec = clean();
    rec.executions.push({ decisionHash: H1.toUpperCase().replace("0X", "0x"), txHash: "0x02", event: "DecisionRecorded" });
    rec.executions.push({ decisionHash: H2, txHash: "0x03", event: "AgentExecuted" });
    expect(account(rec).duplicates.executions).to.equal(1);
  });

  it("two proposals for one Safe nonce are a duplicate proposal; a retry of the same one is not", () => {
    const rec = clean();
    rec.proposals.push({ safe: SAFE.toUpperCase().replace("0X", "0x"), nonce: 7, safeTxHash: "0xp1" });
    expect(account(rec).duplicates.proposals).to.equal(0);
    rec.proposals.push({ safe: SAFE, nonce: 7, safeTxHash: "0xp2" });
    rec.proposals.push({ safe: SAFE, nonce: 8, safeTxHash: "0xp3" });
    expect(account(rec).duplicates.proposals).to.equal(1);
  });

  it("the same alert key sent again before it was resolved is a duplicate alert; a retry (same id) or a send after recovery is not", () => {
    const rec = clean();
    // The channel's retry of one send carries the same webhook-id.
    rec.alerts.push({ at: 1600, id: "msg_1", kind: "cycle.aborted", key: "cycle.aborted:reconcile: fetch failed" });
    // After the recovered alert at 2500 the same problem is a new alert.
    rec.alerts.push({ at: 3500, id: "msg_3", kind: "cycle.aborted", key: "cycle.aborted:reconcile: fetch failed" });
    expect(account(rec).duplicates.alerts).to.equal(0);
    rec.alerts.push({ at: 3700, id: "msg_4", kind: "cycle.aborted", key: "cycle.aborted:reconcile: fetch failed" });
    expect(account(rec).duplicates.alerts).to.equal(1);
  });

  it("a refused agent transaction or one sent while paused is an unsafe action", () => {
    const rec = clean();
    rec.agentTxs.push({ hash: "0x02", ok: false, whilePaused: false }, { hash: "0x03", ok: true, whilePaused: true });
    expect(account(rec).unsafeActions).to.equal(2);
  });

  it("a slot without a cycle is a missed cycle; a fault with no alert in its window is listed", () => {
    const rec = clean();
    rec.cycles.splice(2, 1);
    rec.alerts = [];
    const r = account(rec);
    expect(r.missedCycles).to.equal(1);
    expect(r.extra.unalerted).to.deep.equal(["rpc-refuse 0/1"]);
    // A kind that raises no alert by design is not listed as unalerted.
    expect(account({ ...rec, silentKinds: ["rpc-refuse"] }).extra.unalerted).to.deep.equal([]);
  });

  it("RSS growth compares the last fifth of the samples with the first", () => {
    const rec = clean();
    rec.rssKb = [100, 100, 100, 100, 100, 120, 120, 120, 120, 120].map((kb, i) => ({ at: i, kb, pid: 1 }));
    expect(account(rec).rssGrowthPct).to.equal(20);
  });

  it("the fault plan is the seed's: the same seed, the same faults; every kind once before any twice", () => {
    const a = planFaults(seeded(7), { cycles: 48, faults: 22 });
    expect(planFaults(seeded(7), { cycles: 48, faults: 22 })).to.deep.equal(a);
    expect(planFaults(seeded(8), { cycles: 48, faults: 22 })).to.not.deep.equal(a);
    expect(new Set(a.slice(0, FAULT_KINDS.length).map((f) => f.kind)).size).to.equal(FAULT_KINDS.length);
    // In order, after the first cycle, before the last, and never two after one cycle.
    for (let i = 1; i < a.length; i++) expect(a[i].afterCycle).to.be.greaterThan(a[i - 1].afterCycle);
    expect(a[0].afterCycle).to.be.at.least(1);
    expect(a[a.length - 1].afterCycle).to.be.below(48);
  });
});
