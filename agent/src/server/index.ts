export { startAgentServer, type AgentServer, type AgentServerOptions } from "./server";
export { startRunServer } from "./run";
export { buildApp, MAX_DECISIONS, type AppDeps } from "./app";
export { judgeHealth, type HealthRules, type HealthBody, type JournalProbe } from "./health";
export { AgentMetrics, CYCLE_STATUSES } from "./metrics";
export { LoopState, isFailedCycle, type CycleSeen, type PortfolioSeen } from "./state";
