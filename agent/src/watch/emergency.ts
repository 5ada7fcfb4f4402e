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

/** The default alerts first (a minute counts), then the assessment; a failing assessment is the caller's log line, never a lost alert. */
export function withAssessment(base: EmergencyHook, assess: (events: WatchEvent[]) => Promise<unknown>, onError: (e: unknown) => void): EmergencyHook {
  return async (events) => {
    const out = await base(events);
    await assess(events).catch(onError);
    return out;
  };
}
