export { AgentConfigSchema, KeySourceSchema, type AgentConfig, type AgentConfigInput, type KeySource } from "./schema";
export { loadAgentConfig, formatIssues, ENV_MAP, type LoadOptions } from "./load";
export { loadKey, encryptKeystore, type LoadedKey } from "./keys";
