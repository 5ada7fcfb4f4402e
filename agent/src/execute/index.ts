export { moduleAbi, policyAbi, safeAbi } from "./abi";
export { CRASH_POINTS, crashPoint, type CrashPoint } from "./crash";
export { executeViaModule, settleModuleTx } from "./module";
export { proposeDecision, ownerCalls, queueUrl, safeTxHashFor } from "./propose";
export { defaultConfirmations, reconcile, type Reconciled } from "./reconcile";
export type { BatchCall, ExecContext, ModuleOutcome, ProposalOutcome } from "./types";
