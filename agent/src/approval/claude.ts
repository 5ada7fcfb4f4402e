// The Claude approver: one Messages API call with a forced tool, no thinking, no streaming. Every
// way it can go wrong comes back as a typed failure (never an exception, never an approval).
import Anthropic, { APIConnectionError, APIConnectionTimeoutError, APIError } from "@anthropic-ai/sdk";
import { createHash } from "node:crypto";
import { z } from "zod";
import type { ApprovalRequest, LlmFailureReason, LlmOutcome, Verdict } from "./types";
import { TOOL, TOOL_NAME, ToolInputSchema } from "./tool";
import { SYSTEM_PROMPT, buildUserPrompt } from "./prompt";
import { applyModify } from "./modify";

export const ClaudeConfigSchema = z.strictObject({
  /** Never logged or printed. */
  apiKey: z.string().min(1, "ANTHROPIC_API_KEY is empty"),
  model: z.string().min(1, "set the model id (e.g. ANTHROPIC_MODEL=claude-sonnet-4-6)"),
  /** Default https://api.anthropic.com; a local stub in tests. */
  baseURL: z.url().optional(),
  timeoutMs: z.number().int().positive().default(30_000),
  maxTokens: z.number().int().positive().max(8_192).default(1_024),
  /** The SDK retries 408/409/429/5xx/529 this many times before we fall back to the rules. */
  maxRetries: z.number().int().min(0).max(5).default(0),
});
export type ClaudeConfig = z.input<typeof ClaudeConfigSchema>;

export interface LlmApprover {
  readonly model: string;
  review(req: ApprovalRequest): Promise<LlmOutcome>;
}

function classify(err: unknown): { reason: LlmFailureReason; detail: string; requestId?: string } {
  if (err instanceof APIConnectionTimeoutError) return { reason: "timeout", detail: err.message };
  if (err instanceof APIConnectionError) return { reason: "connection", detail: err.message };
  if (err instanceof APIError) {
    const requestId = err.requestID ?? undefined;
    const detail = `HTTP ${err.status}: ${err.message}`;
    if (err.status === 429) return { reason: "rate_limited", detail, requestId };
    if (err.status === 529) return { reason: "overloaded", detail, requestId };
    if (err.status !== undefined && err.status >= 500) return { reason: "server_error", detail, requestId };
    return { reason: "client_error", detail, requestId };
  }
  return { reason: "connection", detail: err instanceof Error ? err.message : String(err) };
}

export class ClaudeApprover implements LlmApprover {
  readonly model: string;
  private readonly client: Anthropic;
  private readonly maxTokens: number;

  constructor(config: ClaudeConfig) {
    const c = ClaudeConfigSchema.parse(config);
    this.model = c.model;
    this.maxTokens = c.maxTokens;
    // apiKey passed explicitly: with none the SDK would fall back to profiles and config files.
    this.client = new Anthropic({ apiKey: c.apiKey, baseURL: c.baseURL ?? "https://api.anthropic.com", timeout: c.timeoutMs, maxRetries: c.maxRetries });
  }

  async review(req: ApprovalRequest): Promise<LlmOutcome> {
    const model = this.model;
    let msg: Anthropic.Message;
    let requestId: string | undefined;
    const body: Anthropic.MessageCreateParamsNonStreaming = {
      model,
      max_tokens: this.maxTokens,
      system: SYSTEM_PROMPT,
      tools: [TOOL as unknown as Anthropic.Tool],
      tool_choice: { type: "tool", name: TOOL_NAME, disable_parallel_tool_use: true },
      messages: [{ role: "user", content: buildUserPrompt(req) }],
    };
    // The digest of exactly what was sent goes into the decision record.
    const promptSha256 = createHash("sha256").update(JSON.stringify(body)).digest("hex");
    try {
      const res = await this.client.messages.create(body).withResponse();
      msg = res.data;
      requestId = res.request_id ?? undefined;
    } catch (err) {
      return { status: "failed", model, promptSha256, ...classify(err) };
    }
    const out = parseVerdict(req, msg, model, requestId);
    if (out.status === "ok" && msg.usage) out.usage = { inputTokens: msg.usage.input_tokens, outputTokens: msg.usage.output_tokens };
    return out.status === "skipped" ? out : { ...out, promptSha256 };
  }
}

/** Turn a Messages API answer into a validated verdict, or a failure saying what was wrong. */
export function parseVerdict(req: ApprovalRequest, msg: Anthropic.Message, model: string, requestId?: string): LlmOutcome {
  const failed = (reason: LlmFailureReason, detail: string): LlmOutcome => ({ status: "failed", reason, detail, model, requestId });
  const content: unknown[] = Array.isArray(msg?.content) ? msg.content : [];
  const block = content.find((b): b is Anthropic.ToolUseBlock => (b as { type?: string })?.type === "tool_use" && (b as { name?: string }).name === TOOL_NAME);
  if (msg?.stop_reason !== "tool_use") return failed("malformed", `stop_reason is ${JSON.stringify(msg?.stop_reason)}, expected "tool_use"`);
  if (!block) return failed("malformed", `no ${TOOL_NAME} tool_use block in the answer`);
  if (typeof block.input !== "object" || block.input === null || Array.isArray(block.input)) {
    return failed("malformed", `the tool input is a ${Array.isArray(block.input) ? "array" : typeof block.input}, not an object`);
  }
  const parsed = ToolInputSchema.safeParse(block.input);
  if (!parsed.success) return failed("out_of_schema", parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; "));
  const v = parsed.data;
  const verdict: Verdict = { decision: v.decision, reasons: v.reasons, riskFlags: v.risk_flags, confidence: v.confidence };
  if (v.decision === "modify") {
    const mod = applyModify(req.plan, v.modified_steps.map((s) => ({ stepId: s.step_id, amount: s.amount })));
    if (!mod.ok) return failed("invalid_modify", mod.error);
    verdict.plan = mod.plan;
  }
  return { status: "ok", model, requestId, verdict };
}
