// The cycle's routing, pure: from what the cycle has learnt so far (portfolio, decision, plan, check,
// simulation, risk, verdict, a reviewer's smaller plan) to the next step to run, or to the outcome:
// held (with its status and why) or sent (on which path, and why). runCycle runs the steps it names
// and writes the journal once with the outcome; nothing here reads the chain or the journal.
//
// The path comes from the check alone: it mirrors the chain's rules, so "above the autonomy limit"
// and "over the 24 h budget" are its AutonomyLimitExceeded / DailyBudgetExceeded, never re-derived
// here (an exit, which the chain lets through whatever its size, stays on the module path).
import type { ApprovalResult } from "../approval";
import type { Replanned } from "./modify";
import type { RiskOnTop } from "./riskGate";
import type { Checked, Decided, HeldBecause, Planned, PortfolioLike, Simulated } from "./types";
import { usdNumber } from "../usd";

export type Via = "module" | "proposal";

/** What the cycle knows; a field left out is a step not run yet. */
export interface Evidence<P extends PortfolioLike = PortfolioLike> {
  portfolio: P;
  date: string;
  forceProposal?: boolean;
  /** Whether a risk step exists (CycleSteps.risk); false: risk on top is not applied. */
  riskStep: boolean;
  decided?: Decided;
  plan?: Planned;
  check?: Checked;
  simulation?: Simulated;
  risk?: RiskOnTop | { ok: false; reason: string };
  verdict?: ApprovalResult;
  modified?: Replanned;
}

export type Step = "decide" | "plan" | "check" | "simulate" | "risk" | "approve" | "modify";

export type Route =
  | { kind: "next"; step: Step; path?: Via }
  | { kind: "hold"; status: "skipped" | "failed"; reason: string; held?: HeldBecause }
  | { kind: "send"; path: Via; why: string };

/** The agent's own limits: the chain sends such a batch to the owners instead of refusing the move. */
export const OWN_LIMITS = new Set(["AutonomyLimitExceeded", "DailyBudgetExceeded"]);

const usd = (s: string | undefined) => (s && /^\d+$/.test(s) ? `$${usdNumber(BigInt(s)).toLocaleString("en-US")}` : undefined);

/** Module or owners, and why, from the check's answer (and `treasury propose`'s request). */
export function pathOf(check: Checked, forceProposal = false): { path: Via; why: string } | { refused: string } {
  if (check.ok) return forceProposal ? { path: "proposal", why: "owner path requested" } : { path: "module", why: "within the autonomy limit and budget" };
  if (!OWN_LIMITS.has(check.error)) return { refused: `the check refused the plan: ${check.error}: ${check.reason}` };
  if (forceProposal) return { path: "proposal", why: "owner path requested" };
  const a = ((check as { args?: Record<string, string> }).args ?? {}) as Record<string, string>;
  if (check.error === "AutonomyLimitExceeded" && usd(a.sizeUsd) && usd(a.limitUsd)) return { path: "proposal", why: `${usd(a.sizeUsd)} is above the autonomy limit of ${usd(a.limitUsd)}: proposed to the owners` };
  if (check.error === "DailyBudgetExceeded" && usd(a.sizeUsd) && usd(a.budgetUsd)) return { path: "proposal", why: `${usd(a.sizeUsd)} is above the agent's budget left (${usd(a.usedUsd) ?? "$?"} used of ${usd(a.budgetUsd)} in 24 h): proposed to the owners` };
  return { path: "proposal", why: `${check.error} (${check.reason}): proposed to the owners` };
}

export function route<P extends PortfolioLike>(e: Evidence<P>): Route {
  const hold = (status: "skipped" | "failed", reason: string, held?: HeldBecause): Route => ({ kind: "hold", status, reason, held });
  if (e.portfolio.policy.paused) return hold("skipped", "the agent is paused by a guardian: nothing is sent until the Safe unpauses it", "paused");

  const d = e.decided;
  if (!d) return { kind: "next", step: "decide" };
  if (d.decision.hold) return hold("skipped", `hold: market data missing or rejected (${d.decision.issues.map((i) => (i as { reason: string }).reason).join("; ") || "see reasons"})`, "stale-data");
  // A leverage overlay goes to the planner whatever the targets' triggers say: the debt may have to
  // change (a play's day -7 or its exit) while the unlevered weights sit inside their band.
  if (!d.decision.rebalance && !d.decision.leverage) return hold("skipped", `no rebalance: ${d.decision.triggers.join("; ") || "the strategy's triggers did not fire"}`);

  if (!e.plan) return { kind: "next", step: "plan" };
  if (e.plan.calls.length === 0) return hold("skipped", `nothing to do: ${e.plan.reason}`);

  if (!e.check) return { kind: "next", step: "check" };
  const via = pathOf(e.check, e.forceProposal);
  if ("refused" in via) return hold("failed", via.refused);

  if (!e.simulation) return { kind: "next", step: "simulate", path: via.path };
  if (!e.simulation.ok) return hold("failed", `the simulation failed: ${e.simulation.error}`);

  if (e.riskStep && !e.risk) return { kind: "next", step: "risk", path: via.path };
  if (e.risk && !e.risk.ok) return hold("skipped", `risk on top of the rules: ${e.risk.reason}`, "risk");

  const v = e.verdict;
  if (!v) return { kind: "next", step: "approve", path: via.path };
  if (v.decision === "reject") return hold("skipped", `rejected by ${v.decidedBy}: ${v.reasons.join("; ")}`, v.riskFlags.includes("stale_data") ? "stale-data" : "rejected");
  if (v.decision === "modify") {
    const m = e.modified;
    if (!m) return { kind: "next", step: "modify", path: via.path };
    if (!m.ok) return hold(m.stage === "validate" || m.stage === "rebuild" ? "skipped" : "failed", `the reviewer's smaller plan was not sent: ${m.reason}`, "reviewer");
    return { kind: "send", path: via.path, why: `${via.why}; cut down at the reviewer's request` };
  }
  return { kind: "send", path: via.path, why: via.why };
}
