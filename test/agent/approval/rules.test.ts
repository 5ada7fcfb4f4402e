// The deterministic approver and the "smaller plan only" rule, without any LLM.
import { expect } from "chai";
import { ApprovalRequestSchema, applyModify, ruleVerdict, shrinkError } from "../../../agent/src/approval";
import { request } from "./fixtures";

const req = (over = {}) => ApprovalRequestSchema.parse(request(over));

describe("agent/approval: rule-based approver", () => {
  it("approves a plan within the limits with a clean simulation and fresh data", () => {
    const v = ruleVerdict(req());
    expect(v.decision).to.equal("approve");
    expect(v.riskFlags).to.deep.equal([]);
  });

  it("rejects a plan larger than the approval limit", () => {
    const v = ruleVerdict(req({ limits: { maxPlanUsd: 40_000, maxNavLossBps: 50 } }));
    expect(v.decision).to.equal("reject");
    expect(v.riskFlags).to.include("policy_limit");
    expect(v.reasons.join()).to.match(/\$50000\.00, above the approval limit of \$40000\.00/);
  });

  it("rejects when the simulation failed, naming the revert", () => {
    const v = ruleVerdict(req({ simulation: { ok: false, revert: "CapExceeded(class=Volatile)", navBeforeUsd: 400_000, navAfterUsd: 400_000 } }));
    expect(v.decision).to.equal("reject");
    expect(v.reasons.join()).to.include("CapExceeded(class=Volatile)");
    expect(v.riskFlags).to.include("simulation");
  });

  it("rejects a simulated NAV loss above the limit (60 bps > 50 bps)", () => {
    const v = ruleVerdict(req({ simulation: { ok: true, navBeforeUsd: 400_000, navAfterUsd: 397_600 } }));
    expect(v.decision).to.equal("reject");
    expect(v.riskFlags).to.include("slippage");
  });

  it("rejects a batch that goes over a limit's headroom", () => {
    const v = ruleVerdict(req({ simulation: { ok: true, navBeforeUsd: 400_000, navAfterUsd: 400_000, headroomUsd: { dailyBudget: -1_000 } } }));
    expect(v.decision).to.equal("reject");
    expect(v.reasons.join()).to.include("over the dailyBudget limit");
  });

  it("on stale data allows only risk-reducing steps", () => {
    const stale = { asOf: "2024-03-01", staleSources: ["feed:WBTC"], pricesBroken: false };
    expect(ruleVerdict(req({ data: stale })).decision).to.equal("reject");
    expect(ruleVerdict(req({ data: stale })).riskFlags).to.include("stale_data");
    const base = request();
    const derisk = { steps: base.plan.steps.map((s) => ({ ...s, riskReducing: true })) };
    expect(ruleVerdict(req({ data: stale, plan: derisk })).decision).to.equal("approve");
  });

  it("rejects an empty plan", () => {
    expect(ruleVerdict(req({ plan: { steps: [] } })).decision).to.equal("reject");
  });

  it("refuses a request with a bad address or amount before judging it", () => {
    const bad = request();
    bad.plan.steps[1].amount = "-5";
    expect(() => ApprovalRequestSchema.parse(bad)).to.throw(/non-negative integer in raw token units/);
    const bad2 = request();
    bad2.plan.steps[1].target = "0x1234";
    expect(() => ApprovalRequestSchema.parse(bad2)).to.throw(/20-byte hex address/);
  });
});

describe("agent/approval: modify keeps only a smaller plan", () => {
  const plan = req().plan;

  it("accepts a subset of the steps and smaller amounts, keeping the planned order", () => {
    const r = applyModify(plan, [{ stepId: "supply-usdc", amount: "20000000000" }, { stepId: "approve-usdc", amount: "20000000000" }]);
    if (!r.ok) throw new Error(r.error);
    expect(r.plan.steps.map((s) => s.id)).to.deep.equal(["approve-usdc", "supply-usdc"]);
    expect(r.plan.steps[1].amount).to.equal("20000000000");
    expect(r.plan.steps[1].amountUsd).to.equal(20_000);
    expect(r.plan.steps[1].target).to.equal(plan.steps[1].target);
    const dropped = applyModify(plan, [{ stepId: "approve-usdc", amount: "50000000000" }]);
    expect(dropped.ok && dropped.plan.steps.length).to.equal(1);
  });

  it("refuses a larger amount, an unknown or repeated step, a zero amount, and no change at all", () => {
    const cases: [Parameters<typeof applyModify>[1], RegExp][] = [
      [[{ stepId: "supply-usdc", amount: "50000000001" }], /enlarges step "supply-usdc"/],
      [[{ stepId: "transfer-all", amount: "1" }], /not in the plan/],
      [[{ stepId: "supply-usdc", amount: "1" }, { stepId: "supply-usdc", amount: "1" }], /twice/],
      [[{ stepId: "supply-usdc", amount: "0" }], /drop the step instead/],
      [[{ stepId: "supply-usdc", amount: "1e9" }], /not a non-negative integer/],
      [[], /names no steps/],
      [plan.steps.map((s) => ({ stepId: s.id, amount: s.amount })), /that is an approve/],
    ];
    for (const [changes, error] of cases) {
      const r = applyModify(plan, changes);
      expect(r.ok, JSON.stringify(changes)).to.equal(false);
      if (!r.ok) expect(r.error).to.match(error);
    }
  });

  it("shrinkError (the cycle's own check on any approver's plan): same steps only, never larger, changed or reordered", () => {
    const [a, b] = plan.steps;
    expect(shrinkError(plan, { steps: [a, { ...b, amount: "20000000000", amountUsd: 20_000 }] })).to.equal(null);
    expect(shrinkError(plan, { steps: [b] })).to.equal(null);
    const cases: [typeof plan.steps, RegExp][] = [
      [[{ ...b, amount: "50000000001" }], /grows from/],
      [[{ ...b, token: "0x976EA74026E726554dB657fA54763abd0C3a0aa9" }], /changes its token/],
      [[{ ...b, target: "0x976EA74026E726554dB657fA54763abd0C3a0aa9" }], /changes its target/],
      [[{ ...b, id: "transfer-all" }], /not in the plan/],
      [[b, a], /out of the planned order/],
      [[b, b], /twice/],
      [[{ ...b, amount: "0" }], /drop the step instead/],
      [[{ ...b, amount: "1", amountUsd: 1e9 }], /grows from \$/],
      [[], /no steps/],
      [plan.steps, /that is an approve/],
    ];
    for (const [steps, error] of cases) expect(shrinkError(plan, { steps }), JSON.stringify(steps)).to.match(error);
  });
});
