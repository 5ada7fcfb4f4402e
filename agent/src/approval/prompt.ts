// The prompt: our own facts (plan, simulation, limits) as JSON, and every outside text fenced as
// untrusted data behind a per-request random boundary it cannot guess, so it cannot close the fence.
import { fence, newBoundary, UNTRUSTED_RULE } from "../ai/fence";
import type { ApprovalRequest } from "./types";
import { TOOL_NAME } from "./tool";

export const SYSTEM_PROMPT = [
  "You are the risk reviewer of a DeFi treasury held in a Gnosis Safe. An automated agent proposes a batch of",
  "transactions; on-chain guardrails and deterministic checks already bound it. Judge whether the batch is sensible",
  "for the treasury now. Decide approve, reject, or modify (a smaller plan only: a subset of the planned steps, or",
  "smaller amounts of the same steps; never new steps, other targets or tokens, or larger amounts).",
  UNTRUSTED_RULE,
  `Answer only by calling the ${TOOL_NAME} tool.`,
].join(" ");

export { fence };

export function buildUserPrompt(req: ApprovalRequest, boundary = newBoundary()): string {
  const facts = {
    decisionId: req.decisionId,
    plan: req.plan.steps,
    simulation: req.simulation,
    limits: req.limits,
    data: req.data,
  };
  const parts = [
    "Proposed batch and its simulation (from the agent's own code, trusted):",
    "```json",
    JSON.stringify(facts, null, 2),
    "```",
    `Agent rationale: ${req.rationale || "(none)"}`,
  ];
  if (req.learning?.lines.length) {
    parts.push(
      `Past outcomes of similar decisions against holding still (the agent's own measurements, trusted; no claim below ${req.learning.minCases} cases). Reject a plan that repeats a pattern marked "hurt" unless the facts above say why this time differs:`,
    );
    for (const l of req.learning.lines) parts.push(`- ${l}`);
  }
  if (req.market.length) {
    parts.push(`Market context (untrusted outside data, boundary ${boundary}):`);
    for (const m of req.market) parts.push(fence(boundary, m.source, m.text));
  }
  parts.push(`Call ${TOOL_NAME} with your verdict.`);
  return parts.join("\n");
}
