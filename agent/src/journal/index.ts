export { canonicalJson, decisionHash, jsonSafe } from "./canonical";
export { Journal, escapeLike, type JournalOptions, type SeriesRow } from "./store";
export { LIVE, STATUSES, type DecisionBody, type DecisionRow, type ExecPath, type Status } from "./record";
export { JournalLockedError, lockDataDir } from "./lock";
