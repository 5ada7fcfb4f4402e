// The dispatcher the assessments and reports send through: the configured channels (all, or only
// those named), deduplicated in the journal like every alert.
import type { Logger } from "pino";
import type { AgentConfig } from "../config";
import type { Journal } from "../journal";
import { AlertDispatcher, AlertLog, alertChannels } from "../alerts";

export function dispatcherFor(cfg: AgentConfig, o: { env: NodeJS.ProcessEnv; log: Logger; journal?: Journal; only?: readonly string[]; now?: () => Date; sleep?: (ms: number) => Promise<void> }): AlertDispatcher {
  const all = alertChannels(cfg.alerts, { env: o.env, now: o.now, sleep: o.sleep });
  const channels = o.only ? all.filter((c) => o.only!.includes(c.name)) : all;
  return new AlertDispatcher({ channels, log: o.log, store: o.journal && AlertLog.of(o.journal), dedupMs: cfg.alerts.dedupSeconds * 1000, now: o.now });
}
