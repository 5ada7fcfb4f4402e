// The backtest's metrics live in lib/analytics (one home with the indexer's); re-exported for the
// backtest's callers.
export { computeMetrics, type Metrics } from "../../../lib/analytics/equity";
