// Watchers (issue 20 §1): between cycles the agent follows the chain and polls the market and the
// protocols, and alerts a critical event within a minute. `startWatch` builds the loop from the
// runtime `treasury run` opened; the pieces are exported for tests, the bench and the emergency
// assessment.
import type { Address } from "viem";
import type { Runtime } from "../cycle/runtime";
import { AlertDispatcher, AlertLog, alertChannels } from "../alerts";
import { pendingTransactions } from "../safe";
import { dispatcherDelivery, type Deliver } from "./alert";
import { ChainFollower } from "./chain/follower";
import { Cursor } from "./chain/cursor";
import { alertEmergencies, type EmergencyHook } from "./emergency";
import { Watcher, type WatcherOptions } from "./loop";
import { SnapshotReader } from "./reads";
import type { PendingProposal } from "./protocols/proposals";

export { Watcher, type WatchState, type WatcherOptions, type DeliveredEvent } from "./loop";
export { cycleOutage, isRpcFailure, isRpcFailureText, type Outage } from "./outages";
export { alertEmergencies, withAssessment, isEmergency, type EmergencyHook } from "./emergency";
export { watchAlert, dispatcherDelivery, type Deliver, type Delivery } from "./alert";
export { ChainFollower } from "./chain/follower";
export { Cursor } from "./chain/cursor";
export { SnapshotReader } from "./reads";
export { decodeScheduled } from "./chain/decode";
export { LatencyBook, summarise } from "./latency";
export { latestMvrv } from "./market/mvrvSource";
export * from "./events";

/**
 * The hook point for emergencies: what `treasury run` calls with every batch of emergency events.
 * Default: alertEmergencies (every channel at once, critical). Pass another to add an assessment.
 */
export function onEmergency(deliver: Deliver, assess?: (base: EmergencyHook) => EmergencyHook): EmergencyHook {
  const base = alertEmergencies(deliver);
  return assess ? assess(base) : base;
}

/** Pending Safe proposals from the transaction service, in the detector's shape. */
export function pendingFrom(rt: Runtime): (() => Promise<PendingProposal[]>) | undefined {
  const cfg = rt.ctx.safeCfg;
  if (!cfg) return undefined;
  return async () =>
    (await pendingTransactions(cfg)).results.map((t) => ({
      safeTxHash: t.safeTxHash,
      nonce: Number(t.nonce),
      submissionDate: t.submissionDate,
      confirmations: t.confirmations?.length ?? 0,
      confirmationsRequired: t.confirmationsRequired,
    }));
}

export interface StartWatchOptions {
  /** This agent's key (its own batches are not alerts). */
  agent?: Address;
  wake?: WatcherOptions["wake"];
  assess?: (base: EmergencyHook) => EmergencyHook;
  /** BTC MVRV now (watch/market/mvrvSource.ts); absent: MVRV is not watched. */
  mvrv?: WatcherOptions["mvrv"];
  now?: () => number;
}

/** The watch loop of `treasury run`, started; undefined when watch.enabled is false. */
export function startWatch(rt: Runtime, o: StartWatchOptions = {}): Watcher | undefined {
  const w = rt.cfg.watch;
  if (!w.enabled) return undefined;
  const now = o.now ?? Date.now;
  const a = rt.addresses;
  const channels = alertChannels(rt.cfg.alerts, { env: rt.ctx.env ?? process.env });
  const dispatcher = new AlertDispatcher({ channels, log: rt.log, store: AlertLog.of(rt.journal), dedupMs: rt.cfg.alerts.dedupSeconds * 1000 });
  const deliver = dispatcherDelivery(dispatcher, now);
  const watcher = new Watcher({
    intervalSeconds: w.intervalSeconds,
    log: rt.log,
    deliver,
    follower: new ChainFollower({ client: rt.ctx.client, cursor: Cursor.for(rt.cfg.dataDir, a.chainId, a.safe), safe: a.safe, policy: a.policy, module: a.module, guard: a.guard, agent: o.agent, largeOutflowUsd: w.largeOutflowUsd, maxBlockRange: w.maxBlockRange, now }),
    reader: new SnapshotReader({ client: rt.ctx.client, policy: a.policy, pools: rt.deployment.uniswap.pools, now }),
    pending: pendingFrom(rt),
    proposalMaxAgeHours: w.proposalMaxAgeHours,
    mvrv: o.mvrv,
    onEmergency: onEmergency(deliver, o.assess),
    wake: w.wakeCycle ? o.wake : undefined,
    now,
  });
  if (!channels.length) rt.log.warn("watch on, but no alert channel is configured: events are logged and shown on /api/watch only");
  rt.log.info({ intervalSeconds: w.intervalSeconds }, "watch on");
  watcher.start();
  return watcher;
}
