export { canonicalJson, decisionHash, jsonSafe } from "./canonical";
export { Journal, type JournalOptions, type SeriesRow } from "./store";
export { STATUSES, type DecisionBody, type DecisionRow, type ExecPath, type Status } from "./record";
