// One forced tool call to the Messages API: no thinking, no streaming, one tool the model must call.
// Every way it can go wrong comes back as a typed failure (never an exception), so each caller can
// fall back to its rule-based answer. Used by the approval reviewer and the assessments (ai/).
import Anthropic, { APIConnectionError, APIConnectionTimeoutError, APIError } from "@anthropic-ai/sdk";
import { createHash } from "node:crypto";
import { z } from "zod";

export const LlmClientConfigSchema = z.strictObject({
  /** Never logged or printed. */
  apiKey: z.string().min(1, "ANTHROPIC_API_KEY is empty"),
  model: z.string().min(1, "set the model id (e.g. ANTHROPIC_MODEL=claude-sonnet-4-6)"),
  /** Default https://api.anthropic.com; a local server in tests. */
  baseURL: z.url().optional(),
  timeoutMs: z.number().int().positive().default(30_000),
  maxTokens: z.number().int().positive().max(8_192).default(1_024),
  /** The SDK retries 408/409/429/5xx/529 this many times before the caller falls back to its rules. */
  maxRetries: z.number().int().min(0).max(5).default(0),
});
export type LlmClientConfig = z.input<typeof LlmClientConfigSchema>;

export const CALL_FAILURES = ["timeout", "connection", "rate_limited", "overloaded", "server_error", "client_error", "malformed", "out_of_schema"] as const;
export type CallFailureReason = (typeof CALL_FAILURES)[number];

export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

/** The tool the model must call: its JSON schema (strict-mode subset) for the API, zod for us. */
export interface ForcedTool<T> {
  name: string;
  description: string;
  inputSchema: Record<string, unknown>;
  /** What we trust: the answer is validated with this, whatever the API claims. */
  schema: z.ZodType<T>;
}

export type CallOutcome<T> =
  | { status: "ok"; model: string; value: T; usage?: Usage; requestId?: string; promptSha256: string }
  | { status: "failed"; reason: CallFailureReason; detail: string; model: string; usage?: Usage; requestId?: string; promptSha256: string };

export function classifyError(err: unknown): { reason: CallFailureReason; detail: string; requestId?: string } {
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

/** Find the forced tool's input in an answer and validate it; a failure says what was wrong. */
export function parseToolAnswer<T>(tool: ForcedTool<T>, msg: Anthropic.Message): { ok: true; value: T } | { ok: false; reason: "malformed" | "out_of_schema"; detail: string } {
  const content: unknown[] = Array.isArray(msg?.content) ? msg.content : [];
  const block = content.find((b): b is Anthropic.ToolUseBlock => (b as { type?: string })?.type === "tool_use" && (b as { name?: string }).name === tool.name);
  if (msg?.stop_reason !== "tool_use") return { ok: false, reason: "malformed", detail: `stop_reason is ${JSON.stringify(msg?.stop_reason)}, expected "tool_use"` };
  if (!block) return { ok: false, reason: "malformed", detail: `no ${tool.name} tool_use block in the answer` };
  if (typeof block.input !== "object" || block.input === null || Array.isArray(block.input)) {
    return { ok: false, reason: "malformed", detail: `the tool input is a ${Array.isArray(block.input) ? "array" : typeof block.input}, not an object` };
  }
  const parsed = tool.schema.safeParse(block.input);
  if (!parsed.success) return { ok: false, reason: "out_of_schema", detail: parsed.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`).join("; ") };
  return { ok: true, value: parsed.data };
}

export class LlmClient {
  readonly model: string;
  private readonly client: Anthropic;
  private readonly maxTokens: number;

  constructor(config: LlmClientConfig) {
    const c = LlmClientConfigSchema.parse(config);
    this.model = c.model;
    this.maxTokens = c.maxTokens;
    // apiKey passed explicitly: with none the SDK would fall back to profiles and config files.
    this.client = new Anthropic({ apiKey: c.apiKey, baseURL: c.baseURL ?? "https://api.anthropic.com", timeout: c.timeoutMs, maxRetries: c.maxRetries });
  }

  /** One call that must answer through `tool`. `user` is built by the caller with outside text fenced (fence.ts). */
  async call<T>(o: { system: string; user: string; tool: ForcedTool<T>; maxTokens?: number }): Promise<CallOutcome<T>> {
    const model = this.model;
    const body: Anthropic.MessageCreateParamsNonStreaming = {
      model,
      max_tokens: o.maxTokens ?? this.maxTokens,
      system: o.system,
      tools: [{ name: o.tool.name, description: o.tool.description, strict: true, input_schema: o.tool.inputSchema } as unknown as Anthropic.Tool],
      tool_choice: { type: "tool", name: o.tool.name, disable_parallel_tool_use: true },
      messages: [{ role: "user", content: o.user }],
    };
    // The digest of exactly what was sent goes into the record of the decision or report.
    const promptSha256 = createHash("sha256").update(JSON.stringify(body)).digest("hex");
    let msg: Anthropic.Message;
    let requestId: string | undefined;
    try {
      const res = await this.client.messages.create(body).withResponse();
      msg = res.data;
      requestId = res.request_id ?? undefined;
    } catch (err) {
      return { status: "failed", model, promptSha256, ...classifyError(err) };
    }
    // Tokens are counted from the API's usage fields, also when the answer is then refused.
    const usage = msg?.usage ? { inputTokens: msg.usage.input_tokens, outputTokens: msg.usage.output_tokens } : undefined;
    const parsed = parseToolAnswer(o.tool, msg);
    if (!parsed.ok) return { status: "failed", model, reason: parsed.reason, detail: parsed.detail, usage, requestId, promptSha256 };
    return { status: "ok", model, value: parsed.value, usage, requestId, promptSha256 };
  }
}
