// Fault injection for the idempotency tests: TREASURY_CRASH_AT=<point> kills the process with
// SIGKILL at that point (no cleanup, no flush: as a power cut or an OOM kill would).
export const CRASH_POINTS = ["after-sign-before-send", "after-send-before-record", "after-send-recorded", "after-hash-before-propose", "after-propose-before-record"] as const;
export type CrashPoint = (typeof CRASH_POINTS)[number];

export function crashPoint(p: CrashPoint, env: NodeJS.ProcessEnv = process.env): void {
  if (env.TREASURY_CRASH_AT === p) process.kill(process.pid, "SIGKILL");
}
