export * from "./types";
export { approve, type ApproveOptions } from "./approve";
export { ruleVerdict, planUsd } from "./rules";
export { applyModify, shrinkError, type StepChange } from "./modify";
export { ClaudeApprover, ClaudeConfigSchema, parseVerdict, type ClaudeConfig, type LlmApprover } from "./claude";
export { llmApproverFromEnv } from "./config";
export { TOOL, TOOL_NAME } from "./tool";
export { SYSTEM_PROMPT, buildUserPrompt, fence } from "./prompt";
