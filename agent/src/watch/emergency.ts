// The emergency hook: what the watch does with emergency events (EMERGENCY_KINDS, issue 19 §3).
// The default sends each to every alert channel at once, as critical; an assessment (pause, de-risk,
// exit) plugs in through `withAssessment` and runs after the alerts are out.
import { EMERGENCY_KINDS, type WatchEvent } from "./events";
import type { Deliver, Delivery } from "./alert";

export type EmergencyHook = (events: WatchEvent[]) => Promise<Delivery[]>;

export const isEmergency = (e: WatchEvent) => EMERGENCY_KINDS.includes(e.kind);

/** Default: every emergency event to every channel at once, critical whatever its detector said. */
export function alertEmergencies(deliver: Deliver): EmergencyHook {
  return (events) => Promise.all(events.map((e) => deliver({ ...e, severity: "critical" })));
}

/** An emergency hook whose follow-up work may still be running (drain() waits for it). */
export type DrainingHook = EmergencyHook & { drain(): Promise<void> };

/**
 * The default alerts first (a minute counts), then the assessment, in the background and one at a
 * time: a model call of many seconds must not hold the next tick (and its alerts) back. A failing
 * assessment is the caller's log line, never a lost alert.
 */
export function withAssessment(base: EmergencyHook, assess: (events: WatchEvent[]) => Promise<unknown>, onError: (e: unknown) => void): DrainingHook {
  let queue: Promise<void> = Promise.resolve();
  const hook = async (events: WatchEvent[]) => {
    const out = await base(events);
    queue = queue.then(() => assess(events).then(() => undefined, onError));
    return out;
  };
  return Object.assign(hook, { drain: () => queue });
}
