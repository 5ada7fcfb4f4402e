// GET /health's verdict, pure: is the loop doing its job? 503 with the reason when it is stopping,
// the journal does not answer, the last cycles all failed, or no cycle finished recently enough.
import type { LoopState } from "./state";

export interface HealthRules {
  /** The loop's schedule (seconds between cycle starts). */
  intervalSeconds: number;
  /** Allowed on top of 2 × the interval; also how long the first cycle may take to finish. */
  slackSeconds: number;
  /** Failed or aborted cycles in a row that make the agent unhealthy. */
  maxFailedCycles: number;
}

export type JournalProbe = { ok: true } | { ok: false; error: string };

export interface HealthBody {
  status: "ok" | "starting" | "unhealthy";
  reason?: string;
  lastCycle: { date: string; status: string; at: string; ageSeconds: number; totalMs: number; reason: string | null } | null;
  lastOkCycleAt: string | null;
  consecutiveFailures: number;
  cycles: number;
  uptimeSeconds: number;
  journal: string;
  limits: { maxAgeSeconds: number; graceSeconds: number; maxFailedCycles: number };
}

const secs = (ms: number) => Math.round(ms / 1000);

export function judgeHealth(s: LoopState, now: number, rules: HealthRules, journal: JournalProbe): { httpStatus: 200 | 503; body: HealthBody } {
  const maxAgeSeconds = 2 * rules.intervalSeconds + rules.slackSeconds;
  const graceSeconds = rules.slackSeconds;
  const last = s.last;
  const base: Omit<HealthBody, "status"> = {
    lastCycle: last ? { date: last.date, status: last.status, at: new Date(last.at).toISOString(), ageSeconds: secs(now - last.at), totalMs: Math.round(last.totalMs), reason: last.reason } : null,
    lastOkCycleAt: s.lastOkAt === undefined ? null : new Date(s.lastOkAt).toISOString(),
    consecutiveFailures: s.consecutiveFailures,
    cycles: s.cycles,
    uptimeSeconds: secs(now - s.startedAt),
    journal: journal.ok ? "ok" : `unreachable: ${journal.error}`,
    limits: { maxAgeSeconds, graceSeconds, maxFailedCycles: rules.maxFailedCycles },
  };
  const unhealthy = (reason: string) => ({ httpStatus: 503 as const, body: { status: "unhealthy" as const, reason, ...base } });

  if (s.stopping) return unhealthy("the agent loop is stopping (SIGINT/SIGTERM): it finishes its current cycle and exits");
  if (!journal.ok) return unhealthy(`the journal is unreachable: ${journal.error}`);
  if (s.consecutiveFailures >= rules.maxFailedCycles) return unhealthy(`the last ${s.consecutiveFailures} cycles failed (limit ${rules.maxFailedCycles}); last: ${last?.status}${last?.reason ? ` — ${last.reason}` : ""}`);
  if (!last) {
    if (now - s.startedAt > graceSeconds * 1000) return unhealthy(`no cycle has finished ${secs(now - s.startedAt)} s after start (grace ${graceSeconds} s)`);
    return { httpStatus: 200, body: { status: "starting", ...base } };
  }
  if (now - last.at > maxAgeSeconds * 1000) return unhealthy(`the last cycle finished ${secs(now - last.at)} s ago, more than 2 × the ${rules.intervalSeconds} s interval + ${rules.slackSeconds} s (${maxAgeSeconds} s): the loop is stuck or too slow`);
  return { httpStatus: 200, body: { status: "ok", ...base } };
}
