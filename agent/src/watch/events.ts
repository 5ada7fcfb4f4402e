// What a watcher reports between cycles. One shape for every detector (chain logs, market and
// protocol polls), consumed by the alerts, the emergency assessment and the soak's latency figures.
import type { Hex } from "viem";
import type { Severity } from "../alerts/types";

export const WATCH_EVENT_KINDS = [
  // Chain (logs and state, measured from the block's time).
  "agent.paused", // a guardian paused the agent (Paused)
  "agent.executedByOther", // AgentExecuted by a key that is not this agent's
  "decision.recorded", // DecisionRecorded (ours or an owner's execution of a proposal)
  "safe.changeScheduled", // owners, threshold, guard, module, fallback handler or a policy loosening scheduled
  "emergency.exit", // AgentModule.emergencyExit ran
  "outflow.large", // value left the Safe above watch.largeOutflowUsd
  // Market and protocols (polls, measured from the poll that saw it).
  "price.crash", // BTC or ETH down 15% in 24 h, or 8% since the last cycle
  "mvrv.cross", // MVRV crossed 3.5 (either way)
  "feed.stale", // a price feed older than its heartbeat allows
  "feed.deviation", // a feed more than 5% away from the market source
  "aave.reserveFrozen", // an Aave reserve the treasury uses is frozen or paused
  "aave.utilisation", // utilisation at or above 99%: withdrawals may fail
  "vault.sharePriceDown", // an ERC-4626 vault's share price fell
  "pendle.maturity", // a held PT is at or near maturity
  "proposal.stale", // a Safe proposal waits longer than watch.proposalMaxAgeHours
  // The watcher itself.
  "watch.rpcDown", // the chain does not answer: the watch is blind until it does (alerted once)
  "watch.detectorFailed", // one detector threw; the others went on (alerted once per detector and error)
] as const;
export type WatchEventKind = (typeof WATCH_EVENT_KINDS)[number];

/** Kinds that are emergencies (issue 19 §3): they go to the emergency assessment and every channel. */
export const EMERGENCY_KINDS: readonly WatchEventKind[] = ["price.crash", "feed.stale", "feed.deviation", "aave.reserveFrozen", "aave.utilisation", "vault.sharePriceDown", "safe.changeScheduled", "agent.paused"];

export interface WatchEvent {
  kind: WatchEventKind;
  severity: Severity;
  /** When it happened: the block's time for chain events, the poll's time otherwise (ms since epoch). */
  at: number;
  /** When the watcher saw it (ms since epoch); alert latency is delivered − at. */
  seenAt: number;
  /** One line, no markup. */
  title: string;
  /** Plain-text paragraphs: what happened, decoded, and what to do. */
  lines: string[];
  /** Stable identity: the same event seen twice (a re-poll, a restart) has the same key and alerts once. */
  key: string;
  /** Machine-readable facts (addresses, amounts, decoded calldata, executable-at). */
  data: Record<string, unknown>;
  block?: bigint;
  txHash?: Hex;
}
