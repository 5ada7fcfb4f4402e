// The agent's public surface for the other parts (the on-chain cycle, the indexer's comparisons).
export { UserError } from "./errors";
export type { DataIssue, Field, MarketHistory, MarketProvider, MarketView, OptionsInfo } from "./market/types";
export { ReplayProvider, loadHistory, DEFAULT_DATA_DIR } from "./market/replay";
export { viewAt, DEFAULT_MAX_AGE_DAYS } from "./market/view";
export { LiveProvider, liveConfigFromEnv, LIVE_DEFAULTS } from "./market/live/provider";
export type { Decision, Mode, Phase, Position, Reason, Strategy, StrategyInput, Weights } from "./strategy/types";
export { POSITIONS, VOLATILE, PROTOCOL } from "./strategy/types";
export { defaultConfig, loadConfig, parseConfig, type Config } from "./strategy/config";
export { capLimits, capViolations, fitCaps } from "./strategy/caps";
export { strategyByName, DEFAULT_STRATEGY, STRATEGY_NAMES, BENCHMARK_NAMES } from "./strategy/registry";
export { signalsFor, indicators } from "./strategy/signals";
export { runStrategy } from "./backtest/engine";
export { runBacktest } from "./backtest/run";
export { computeMetrics } from "./backtest/metrics";
