export { canonicalJson, decisionHash, jsonSafe } from "./canonical";
export { Journal, type JournalOptions } from "./store";
export { STATUSES, type DecisionBody, type DecisionRow, type ExecPath, type Status } from "./record";
