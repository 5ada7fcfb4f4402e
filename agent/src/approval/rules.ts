// The deterministic approver: pure checks of the plan against the limits, the simulation and the
// freshness of the data. It decides alone when the LLM is unavailable, and it can veto the LLM.
import type { ApprovalRequest, Plan, RiskFlag, Verdict } from "./types";

export const planUsd = (plan: Plan): number => plan.steps.reduce((s, x) => s + x.amountUsd, 0);

export function ruleVerdict(req: ApprovalRequest, plan: Plan = req.plan): Verdict {
  const reasons: string[] = [];
  const flags = new Set<RiskFlag>();
  const fail = (reason: string, flag: RiskFlag) => (reasons.push(reason), flags.add(flag));
  const sim = req.simulation;

  if (plan.steps.length === 0) fail("the plan has no steps", "other");
  const ids = plan.steps.map((s) => s.id);
  if (new Set(ids).size !== ids.length) fail(`step ids repeat (${ids.join(", ")})`, "other");
  if (plan.steps.some((s) => BigInt(s.amount) === 0n && s.kind !== "approve")) fail("a step moves a zero amount", "other");

  if (!sim.ok) fail(`the simulation failed${sim.revert ? `: ${sim.revert}` : ""}`, "simulation");
  const total = planUsd(plan);
  if (total > req.limits.maxPlanUsd) fail(`the plan moves $${total.toFixed(2)}, above the approval limit of $${req.limits.maxPlanUsd.toFixed(2)}`, "policy_limit");

  if (sim.navBeforeUsd > 0) {
    const lossBps = ((sim.navBeforeUsd - sim.navAfterUsd) / sim.navBeforeUsd) * 10_000;
    if (lossBps > req.limits.maxNavLossBps) fail(`the simulated NAV drops ${lossBps.toFixed(1)} bps, above the ${req.limits.maxNavLossBps} bps limit`, "slippage");
  } else if (plan.steps.length > 0) {
    fail("the simulation reports no NAV before the batch", "simulation");
  }
  for (const [limit, usd] of Object.entries(sim.headroomUsd)) {
    if (usd < 0) fail(`the batch goes $${(-usd).toFixed(2)} over the ${limit} limit`, "policy_limit");
  }

  // Stale or broken prices: only steps that lower risk may go ahead (the chain enforces the same).
  const stale = req.data.staleSources.length > 0 || req.data.pricesBroken;
  if (stale && plan.steps.some((s) => !s.riskReducing)) {
    const why = req.data.pricesBroken ? "prices are broken" : `stale data (${req.data.staleSources.join(", ")})`;
    fail(`${why}: only risk-reducing steps are allowed`, "stale_data");
  }

  if (reasons.length) return { decision: "reject", reasons, riskFlags: [...flags], confidence: 1 };
  return {
    decision: "approve",
    reasons: [`within limits: $${total.toFixed(2)} ≤ $${req.limits.maxPlanUsd.toFixed(2)}, simulation ok, data fresh as of ${req.data.asOf}`],
    riskFlags: [],
    confidence: 1,
  };
}
