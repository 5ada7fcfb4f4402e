// The approval settings from the environment: the LLM only when a key is set; a key without a
// model is an error (the model id is configuration, never a hidden default).
import { ClaudeApprover } from "./claude";

export function llmApproverFromEnv(env: NodeJS.ProcessEnv = process.env): ClaudeApprover | undefined {
  const apiKey = env.ANTHROPIC_API_KEY?.trim();
  if (!apiKey) return undefined;
  const model = env.ANTHROPIC_MODEL?.trim();
  if (!model) throw new Error("ANTHROPIC_API_KEY is set but ANTHROPIC_MODEL is not: set the model id (e.g. ANTHROPIC_MODEL=claude-sonnet-4-6), or unset the key for rule-based approval only");
  const timeoutMs = env.ANTHROPIC_TIMEOUT_MS ? Number(env.ANTHROPIC_TIMEOUT_MS) : undefined;
  if (timeoutMs !== undefined && !(Number.isInteger(timeoutMs) && timeoutMs > 0)) throw new Error(`ANTHROPIC_TIMEOUT_MS must be a positive integer (milliseconds), got "${env.ANTHROPIC_TIMEOUT_MS}"`);
  return new ClaudeApprover({ apiKey, model, baseURL: env.ANTHROPIC_BASE_URL?.trim() || undefined, timeoutMs });
}
