export { startAgentServer, type AgentServer, type AgentServerOptions } from "./server";
export { startRunServer } from "./run";
export { buildApp, MAX_DECISIONS, MAX_NAV_POINTS, type AppDeps } from "./app";
export { DASHBOARD_CSP } from "./dashboard/routes";
export type { NavPoint } from "./dashboard/view";
export { judgeHealth, type HealthRules, type HealthBody, type JournalProbe } from "./health";
export { AgentMetrics, CYCLE_STATUSES } from "./metrics";
export { isFailedCycle } from "../cycle/types";
export { LoopState, type CycleSeen, type PortfolioSeen } from "./state";
