// Which faults the soak injects, and after which cycle: drawn from a seeded RNG, so a seed is a
// reproducible soak. Each fault is put in between two cycles and taken out after the next cycle has
// met it (an instant restart the agent never sees would prove nothing); a clean cycle follows each
// fault so the agent can recover and the next alert is a new one.

export const FAULT_KINDS = [
  "rpc-refuse",
  "rpc-hang",
  "chain-restart",
  "market-5xx",
  "market-429",
  "market-malformed",
  "messages-529",
  "txservice-5xx",
  "alerts-down",
  "agent-kill",
  "db-restart",
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

/**
 * Kinds the agent cannot tell through the alerts: the alert channels themselves down (what they
 * missed is sent again once they take alerts; the channels' outage has no channel to go to). The
 * others are each told once: a SIGKILLed agent by its next start (agent.restarted), the Messages API
 * overloaded by the cycle whose review it failed (ai.reviewer, the rules deciding alone).
 */
export const SILENT_KINDS: FaultKind[] = ["alerts-down"];

export interface PlannedFault {
  /** After the end of this cycle (1-based count of cycle reports). */
  afterCycle: number;
  kind: FaultKind;
  /** agent-kill: how far into the next interval it comes, as a fraction of it. */
  at: number;
}

/** One fault every `every` cycles or so (at least 2 apart), from the second cycle to the second-last. */
export function planFaults(rng: { next(): number; int(lo: number, hi: number): number }, o: { cycles: number; faults: number; kinds?: readonly FaultKind[] }): PlannedFault[] {
  const kinds = o.kinds ?? FAULT_KINDS;
  const out: PlannedFault[] = [];
  const usable = o.cycles - 2;
  const n = Math.min(o.faults, Math.floor(usable / 2));
  if (n <= 0) return out;
  const gap = usable / n;
  let order: readonly FaultKind[] = kinds;
  for (let i = 0; i < n; i++) {
    // Every kind comes once before any comes twice; their order is the RNG's.
    if (i % kinds.length === 0) order = shuffle(rng, kinds);
    out.push({ afterCycle: 1 + Math.floor(i * gap) + (gap >= 3 ? rng.int(0, Math.floor(gap) - 2) : 0), kind: order[i % kinds.length], at: rng.next() });
  }
  return out;
}

function shuffle<T>(rng: { int(lo: number, hi: number): number }, xs: readonly T[]): T[] {
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [a[i], a[j]] = [a[j], a[i]];
  }
  return a;
}
