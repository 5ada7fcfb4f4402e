// A reviewer's `modify`: a smaller plan only. Validated against the original (same steps, amounts no
// larger), rebuilt by the planner, then the TypeScript check and the simulation run again on the
// smaller batch and the rule-based approver judges it: the LLM is never the only gate. Pure
// orchestration over the cycle's ports; the caller records what comes back either way.
import { ruleVerdict, shrinkError, ApprovalRequestSchema, type ApprovalRequestInput, type ApprovalResult, type Verdict } from "../approval";
import { errorText } from "./errors";
import type { Checked, CycleSteps, Planned, PortfolioLike, Simulated } from "./types";
import type { RiskOnTop } from "./riskGate";

export type Replanned =
  | { ok: true; plan: Planned; check: Checked; simulation: Simulated & { ok: true }; rules: Verdict; risk?: RiskOnTop }
  | { ok: false; stage: "validate" | "rebuild" | "check" | "simulate" | "risk" | "rules"; reason: string; plan?: Planned; check?: Checked; simulation?: Simulated; rules?: Verdict; risk?: RiskOnTop };

export async function replanModified<P extends PortfolioLike>(
  steps: Pick<CycleSteps<P>, "check" | "simulate">,
  p: P,
  o: {
    original: Planned;
    verdict: ApprovalResult;
    via: "module" | "proposal";
    request: (plan: Planned, sim: Simulated & { ok: true }) => ApprovalRequestInput;
    /** Risk on top (VaR, drawdown stop) for the smaller plan; absent: not applied. */
    risk?: (plan: Planned, sim: Simulated & { ok: true }) => RiskOnTop | Promise<RiskOnTop>;
  },
): Promise<Replanned> {
  const { original, verdict, via } = o;
  // 1. The approver's smaller plan must be a shrink of ours, whatever approver produced it.
  const asked = verdict.plan;
  const bad = shrinkError({ steps: original.steps }, asked);
  if (bad) return { ok: false, stage: "validate", reason: `the modify is not a smaller plan: ${bad}` };
  if (!original.resize) return { ok: false, stage: "rebuild", reason: "the planner cannot rebuild this plan smaller" };

  // 2. The planner rebuilds the batch; the rebuilt batch must still be a shrink of the original.
  let plan: Planned;
  try {
    plan = original.resize(asked.steps.map((s) => ({ id: s.id, amount: BigInt(s.amount) })));
  } catch (e) {
    return { ok: false, stage: "rebuild", reason: `the planner could not rebuild the smaller plan: ${errorText(e)}` };
  }
  const rebuilt = shrinkError({ steps: original.steps }, { steps: plan.steps });
  const targets = new Set(original.calls.map((c) => c.to.toLowerCase()));
  const stranger = plan.calls.find((c) => !targets.has(c.to.toLowerCase()) || c.value > 0n);
  if (rebuilt || stranger || plan.sizeUsd > original.sizeUsd || plan.calls.length === 0) {
    const why = rebuilt ?? (stranger ? `a call to ${stranger.to} that the original batch does not make` : plan.calls.length === 0 ? "no calls" : `size $${plan.sizeUsd} above the original $${original.sizeUsd}`);
    return { ok: false, stage: "rebuild", reason: `the rebuilt batch is not a smaller plan: ${why}`, plan };
  }

  // 3. The chain's rules in TypeScript on the smaller batch. On the owner path the agent's own limits
  // may still refuse it (the owners decide); any other refusal holds.
  let check: Checked;
  try {
    check = await steps.check(p, plan);
  } catch (e) {
    check = { ok: false, error: "CheckFailed", reason: errorText(e) };
  }
  const ownLimits = !check.ok && (check.error === "AutonomyLimitExceeded" || check.error === "DailyBudgetExceeded");
  if (!check.ok && !(via === "proposal" && ownLimits)) return { ok: false, stage: "check", reason: `the check refused the smaller plan: ${check.error}: ${check.reason}`, plan, check };

  // 4. The exact smaller batch against current state, on the same path.
  let simulation: Simulated;
  try {
    simulation = await steps.simulate(p, plan, via);
  } catch (e) {
    simulation = { ok: false, error: errorText(e) };
  }
  if (!simulation.ok) return { ok: false, stage: "simulate", reason: `the simulation of the smaller plan failed: ${simulation.error}`, plan, check, simulation };

  // 5. Risk on top and the deterministic gate on the smaller plan and its own simulation.
  let risk: RiskOnTop | undefined;
  if (o.risk) {
    try {
      risk = await o.risk(plan, simulation);
    } catch (e) {
      return { ok: false, stage: "risk", reason: `risk step failed: ${errorText(e)}`, plan, check, simulation };
    }
    if (!risk.ok) return { ok: false, stage: "risk", reason: `risk on top of the rules: ${risk.reason}`, plan, check, simulation, risk };
  }
  const rules = ruleVerdict(ApprovalRequestSchema.parse(o.request(plan, simulation)));
  if (rules.decision !== "approve") return { ok: false, stage: "rules", reason: `the rules refused the smaller plan: ${rules.reasons.join("; ")}`, plan, check, simulation, rules, risk };
  return { ok: true, plan, check, simulation, rules, risk };
}
