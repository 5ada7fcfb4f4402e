// The port the command verbs call after a cycle or an emergency exit. Every method resolves and
// never throws, whatever the channels do: alerting never changes a cycle's result or exit code.
import type { CycleReport } from "../cycle/types";
import type { ExitReport } from "../cycle/emergency";
import { OPEN_KINDS, cycleAlert, cycleSucceeded, emergencyExitAlert, emergencyExitFailedAlert, recoveredAlert } from "./cycle";
import type { AlertDispatcher, DispatchResult } from "./dispatcher";
import type { Alert } from "./types";
import { MARKET_SOURCE_KIND, marketSourceAlerts, sourceFailureLines } from "./market";
import { REVIEWER_KIND, reviewerAlerts, reviewerAnswered } from "./reviewer";

export interface Notifier {
  /** `quiet`: the cycle's own failure alert is not sent (another alert already told the same problem). */
  cycle(r: CycleReport, o?: { quiet?: boolean }): Promise<DispatchResult[]>;
  /** An alert of the run itself (alerts/restart.ts). */
  notice(a: Alert): Promise<DispatchResult[]>;
  emergencyExit(r: ExitReport): Promise<DispatchResult[]>;
  emergencyExitFailed(error: string): Promise<DispatchResult[]>;
}

export function notifier(d: AlertDispatcher, o: { executed: boolean; recovered: boolean }): Notifier {
  const guard = async (fn: () => Promise<DispatchResult[]>) => {
    try {
      return await fn();
    } catch {
      return []; // the dispatcher already logs; this only keeps a bug here away from the caller
    }
  };
  return {
    cycle: (r, c) =>
      guard(async () => {
        if (!d.enabled) return [];
        // What no channel took before goes first (a proposal made while every channel was down).
        const out = await d.retryUndelivered();
        const a = cycleAlert(r, o);
        // Failing market sources are one alert per outage (alerts/market.ts); when they are why the day is held, the
        // hold's alert says it (one alert for one problem).
        const market = marketSourceAlerts(r);
        if (a && r.held === "stale-data" && market.length) a.lines = [...a.lines, "Market sources that failed:", ...sourceFailureLines(r.sourceFailures!)];
        else for (const m of market) out.push(await d.send(m));
        if (a && !c?.quiet) out.push(await d.send(a));
        for (const x of reviewerAlerts(r)) out.push(await d.send(x));
        // A cycle that worked closes the failure and hold alerts; a market read with no failing
        // source closes the source alerts, a reviewer that answered its outage alert (a failure
        // again later is a new alert).
        const closes = [...(cycleSucceeded(r) ? OPEN_KINDS : []), ...(r.sourceFailures?.length === 0 ? [MARKET_SOURCE_KIND] : []), ...(reviewerAnswered(r) ? [REVIEWER_KIND] : [])];
        if (closes.length) {
          const was = await d.resolve(closes);
          if (was.length && o.recovered) out.push(await d.send(recoveredAlert(r, was)));
        }
        return out;
      }),
    notice: (a) => guard(async () => (d.enabled ? [...(await d.retryUndelivered()), await d.send(a)] : [])),
    emergencyExit: (r) => guard(async () => [await d.send(emergencyExitAlert(r))]),
    emergencyExitFailed: (e) => guard(async () => [await d.send(emergencyExitFailedAlert(e))]),
  };
}
