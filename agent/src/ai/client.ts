// The assessments' Messages API client from the agent's configuration: none without a key (the
// rules answer), an error naming the fix for a key without a model id.
import { UserError } from "../errors";
import type { AgentConfig } from "../config";
import { LlmClient } from "./forcedTool";

export function assessmentLlm(cfg: AgentConfig, env: NodeJS.ProcessEnv = process.env): LlmClient | undefined {
  const apiKey = env[cfg.anthropic.apiKeyEnv]?.trim();
  if (!apiKey) return undefined;
  if (!cfg.anthropic.model) throw new UserError(`config anthropic.model (env ANTHROPIC_MODEL): required with ${cfg.anthropic.apiKeyEnv}; set ANTHROPIC_MODEL (e.g. claude-sonnet-4-6) or unset the key for rule-based assessments only`);
  return new LlmClient({ apiKey, model: cfg.anthropic.model, baseURL: cfg.anthropic.baseUrl, timeoutMs: cfg.anthropic.timeoutMs });
}
