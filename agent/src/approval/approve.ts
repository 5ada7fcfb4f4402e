// The approval step: rules first (they can veto), then the LLM; the final verdict is LLM AND rules.
// Without an LLM, or when it fails in any way, the rules decide and the failure is recorded.
import { ApprovalRequestSchema, type ApprovalRequestInput, type ApprovalResult, type Plan } from "./types";
import { ruleVerdict } from "./rules";
import type { LlmApprover } from "./claude";

export interface ApproveOptions {
  /** Absent: no key configured; the rules decide. */
  llm?: LlmApprover;
  /** An LLM approve or modify below this confidence is treated as a failed review (default 0.5). */
  minConfidence?: number;
}

const EMPTY: Plan = { steps: [] };

export async function approve(input: ApprovalRequestInput, opts: ApproveOptions = {}): Promise<ApprovalResult> {
  const req = ApprovalRequestSchema.parse(input);
  const rules = ruleVerdict(req);
  const base = { decisionId: req.decisionId, rules };

  if (rules.decision === "reject") {
    // The LLM cannot overrule a rule rejection, so it is not asked.
    return { ...base, decision: "reject", plan: EMPTY, reasons: rules.reasons, riskFlags: rules.riskFlags, confidence: 1, decidedBy: "rules", llm: { status: "skipped", detail: "the rule-based checks rejected the plan" }, needsRecheck: false };
  }
  const rulesAlone = (llm: ApprovalResult["llm"]): ApprovalResult => ({
    ...base, decision: rules.decision, plan: req.plan,
    reasons: [...(llm.status === "failed" ? [`LLM review unavailable (${llm.reason}): the rule-based approver decided`] : []), ...rules.reasons], riskFlags: rules.riskFlags, confidence: rules.confidence, decidedBy: "rules", llm, needsRecheck: false,
  });
  if (!opts.llm) return rulesAlone({ status: "failed", reason: "no_key", detail: "no Anthropic API key configured: rule-based approval only" });

  let llm = await opts.llm.review(req);
  const min = opts.minConfidence ?? 0.5;
  if (llm.status === "ok" && llm.verdict.decision !== "reject" && llm.verdict.confidence < min) {
    llm = { status: "failed", reason: "low_confidence", detail: `the LLM's ${llm.verdict.decision} has confidence ${llm.verdict.confidence} < ${min}`, model: llm.model, requestId: llm.requestId, ...(llm.usage ? { usage: llm.usage } : {}) };
  }
  if (llm.status === "failed" && llm.reason === "invalid_modify") {
    // The reviewer did not approve the plan as it is and asked for something other than a smaller
    // plan (larger, new or changed steps): nothing goes ahead. When in doubt the agent does nothing.
    return { ...base, decision: "reject", plan: EMPTY, reasons: [`the reviewer's modify is not a smaller plan (${llm.detail}): nothing is sent`], riskFlags: ["other"], confidence: 1, decidedBy: "rules", llm, needsRecheck: false };
  }
  if (llm.status !== "ok") return rulesAlone(llm);

  const v = llm.verdict;
  if (v.decision === "reject") {
    return { ...base, decision: "reject", plan: EMPTY, reasons: v.reasons, riskFlags: v.riskFlags, confidence: v.confidence, decidedBy: "llm+rules", llm, needsRecheck: false };
  }
  if (v.decision === "modify") {
    // The smaller plan must pass the rules too; it goes back through check and simulation before sending.
    const again = ruleVerdict(req, v.plan);
    if (again.decision === "reject") {
      return { ...base, rules: again, decision: "reject", plan: EMPTY, reasons: again.reasons, riskFlags: [...new Set([...v.riskFlags, ...again.riskFlags])], confidence: 1, decidedBy: "rules", llm, needsRecheck: false };
    }
    return { ...base, decision: "modify", plan: v.plan!, reasons: v.reasons, riskFlags: v.riskFlags, confidence: v.confidence, decidedBy: "llm+rules", llm, needsRecheck: true };
  }
  return { ...base, decision: "approve", plan: req.plan, reasons: [...v.reasons, ...rules.reasons], riskFlags: v.riskFlags, confidence: v.confidence, decidedBy: "llm+rules", llm, needsRecheck: false };
}
