// The Claude approver: one Messages API call with a forced tool, no thinking, no streaming. Every
// way it can go wrong comes back as a typed failure (never an exception, never an approval).
import type Anthropic from "@anthropic-ai/sdk";
import type { ApprovalRequest, LlmFailureReason, LlmOutcome, Verdict } from "./types";
import { TOOL, TOOL_NAME, ToolInputSchema, type ToolInput } from "./tool";
import { SYSTEM_PROMPT, buildUserPrompt } from "./prompt";
import { applyModify } from "./modify";
import { LlmClient, LlmClientConfigSchema, parseToolAnswer, type ForcedTool, type LlmClientConfig } from "../ai/forcedTool";

export const ClaudeConfigSchema = LlmClientConfigSchema;
export type ClaudeConfig = LlmClientConfig;

export interface LlmApprover {
  readonly model: string;
  review(req: ApprovalRequest): Promise<LlmOutcome>;
}

const REVIEW_TOOL: ForcedTool<ToolInput> = { name: TOOL_NAME, description: TOOL.description, inputSchema: TOOL.input_schema, schema: ToolInputSchema };

export class ClaudeApprover implements LlmApprover {
  readonly model: string;
  private readonly client: LlmClient;

  constructor(config: ClaudeConfig) {
    this.client = new LlmClient(config);
    this.model = this.client.model;
  }

  async review(req: ApprovalRequest): Promise<LlmOutcome> {
    const out = await this.client.call({ system: SYSTEM_PROMPT, user: buildUserPrompt(req), tool: REVIEW_TOOL });
    const { model, requestId, promptSha256 } = out;
    // A refused answer was still billed: its usage is kept with the failure (counted like the others).
    const usage = out.usage ? { usage: out.usage } : {};
    if (out.status === "failed") return { status: "failed", reason: out.reason, detail: out.detail, model, requestId, promptSha256, ...usage };
    const verdict = toVerdict(req, out.value);
    if (!verdict.ok) return { status: "failed", reason: "invalid_modify", detail: verdict.error, model, requestId, promptSha256, ...usage };
    return { status: "ok", model, requestId, verdict: verdict.verdict, ...(out.usage ? { usage: out.usage } : {}), promptSha256 };
  }
}

function toVerdict(req: ApprovalRequest, v: ToolInput): { ok: true; verdict: Verdict } | { ok: false; error: string } {
  const verdict: Verdict = { decision: v.decision, reasons: v.reasons, riskFlags: v.risk_flags, confidence: v.confidence };
  if (v.decision === "modify") {
    const mod = applyModify(req.plan, v.modified_steps.map((s) => ({ stepId: s.step_id, amount: s.amount })));
    if (!mod.ok) return { ok: false, error: mod.error };
    verdict.plan = mod.plan;
  }
  return { ok: true, verdict };
}

/** Turn a Messages API answer into a validated verdict, or a failure saying what was wrong. */
export function parseVerdict(req: ApprovalRequest, msg: Anthropic.Message, model: string, requestId?: string): LlmOutcome {
  const failed = (reason: LlmFailureReason, detail: string): LlmOutcome => ({ status: "failed", reason, detail, model, requestId });
  const parsed = parseToolAnswer(REVIEW_TOOL, msg);
  if (!parsed.ok) return failed(parsed.reason, parsed.detail);
  const v = toVerdict(req, parsed.value);
  if (!v.ok) return failed("invalid_modify", v.error);
  return { status: "ok", model, requestId, verdict: v.verdict };
}
