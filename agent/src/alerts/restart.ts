// A `treasury run` that ended without a clean stop (SIGKILL, a crash, its machine or container going
// down) is told when the agent comes back: its supervisor restarts it quietly otherwise, and a crash
// loop or a kill in the middle of a cycle is something the owners must hear of. Each run records its
// start and its clean stop in the journal's events (cycle key `run:<chain>:<safe>`): a start whose
// previous run has no stop is such a restart. The key is the treasury's, so a crash loop is one alert
// per dedup window (the repeats are counted), not one per restart.
import type { Journal } from "../journal";
import type { Alert } from "./types";

export const RESTART_KIND = "agent.restarted";

const runKey = (scope: string) => `run:${scope}`;

/**
 * Records this run's start; returns the alert when the run before it did not stop cleanly.
 * `scope`: `<chainId>:<safe>`, the prefix of the treasury's cycle keys.
 */
export async function noteRunStart(journal: Journal, scope: string, now: Date = new Date()): Promise<Alert | undefined> {
  const prev = await journal.lastEvent(runKey(scope));
  // The last thing the journal saw the treasury's agent do (a cycle step), for when it stopped.
  const last = prev?.kind === "run.started" ? await journal.lastEvent(`${scope}:`, { prefix: true }) : undefined;
  await journal.event(runKey(scope), "run.started", { pid: process.pid, at: now.toISOString() });
  if (prev?.kind !== "run.started") return undefined;
  const seen = last && last.at > prev.at ? last : undefined;
  const [chainId, safe] = scope.split(":");
  return {
    kind: RESTART_KIND,
    severity: "warning",
    title: "The agent restarted after an unclean stop (killed, crashed, or its machine went down)",
    lines: [
      `The run started at ${prev.at.toISOString()} ended without stopping cleanly; ${seen ? `the last step it recorded was "${seen.kind}" of ${seen.cycleKey.split(":").pop()} at ${seen.at.toISOString()}` : "it recorded no cycle step"}. It is running again since ${now.toISOString()}.`,
      "A decision it was sending is reconciled with the chain and the transaction service before anything new is decided (never sent twice). If this repeats, look at its log and its supervisor's (journalctl, docker logs): memory, the host, a crash.",
    ],
    fields: [["Safe", `${safe} (chain ${chainId})`]],
    key: `${RESTART_KIND}:${scope}`,
    data: { scope, previousStart: prev.at.toISOString(), lastStep: seen ? { kind: seen.kind, cycleKey: seen.cycleKey, at: seen.at.toISOString() } : null, restartedAt: now.toISOString() },
  };
}

/** Records a clean stop (a run ended by SIGINT/SIGTERM or its cycle limit). */
export async function noteRunStop(journal: Journal, scope: string): Promise<void> {
  await journal.event(runKey(scope), "run.stopped", { pid: process.pid, at: new Date().toISOString() });
}
