// One assessment: the forced tool call when a model is configured, the rule-based answer otherwise
// or when the call fails in any way (the API's errors, a hang, garbage, an answer out of schema).
// The result always says who answered and why, and carries the rules' answer next to the model's.
import type { CallFailureReason, ForcedTool, LlmClient, Usage } from "./forcedTool";

export type AnsweredBy = "llm" | "rules";

export interface LlmRecord {
  status: "ok" | "failed" | "skipped";
  reason?: CallFailureReason | "no_key";
  detail?: string;
  model?: string;
  requestId?: string;
  promptSha256?: string;
}

export interface Assessed<T> {
  answeredBy: AnsweredBy;
  /** Plain words: "the model answered", or why the rules did ("no API key configured", "overloaded: HTTP 529 …"). */
  why: string;
  value: T;
  /** The rules' answer, always computed (the fallback and a floor some callers keep). */
  rules: T;
  llm: LlmRecord;
  /** From the API's usage fields (also when its answer was then refused). */
  usage?: Usage;
  ms: number;
}

export async function assess<T>(o: { llm?: LlmClient; system: string; user: () => string; tool: ForcedTool<T>; rules: T; maxTokens?: number; now?: () => number }): Promise<Assessed<T>> {
  const now = o.now ?? (() => performance.now());
  const t0 = now();
  if (!o.llm) return { answeredBy: "rules", why: "no API key configured: rule-based answer", value: o.rules, rules: o.rules, llm: { status: "skipped", reason: "no_key" }, ms: now() - t0 };
  const out = await o.llm.call({ system: o.system, user: o.user(), tool: o.tool, maxTokens: o.maxTokens });
  const base = { model: out.model, requestId: out.requestId, promptSha256: out.promptSha256 };
  if (out.status === "failed") {
    return { answeredBy: "rules", why: `the model's answer was not used (${out.reason}: ${out.detail}): rule-based answer`, value: o.rules, rules: o.rules, llm: { status: "failed", reason: out.reason, detail: out.detail, ...base }, usage: out.usage, ms: now() - t0 };
  }
  return { answeredBy: "llm", why: "the model answered (validated)", value: out.value, rules: o.rules, llm: { status: "ok", ...base }, usage: out.usage, ms: now() - t0 };
}
