// What the dashboard shows, gathered from the same sources as the JSON routes. Each source may fail
// or hang on its own (the chain, the journal): its section then says so and the others still render.
import type { Status } from "../../cycle/status";
import type { HealthBody } from "../health";
import type { PortfolioSeen } from "../state";
import { withTimeout } from "../timeout";
import type { CapLimits } from "../../strategy/caps";
import { allocationOf, type AllocationView } from "./allocation";

/** One journaled decision's NAV (USD); null when its portfolio read had no usable price. */
export interface NavPoint {
  at: string;
  date: string;
  hash: string;
  status: string;
  navUsd: number | null;
}

export interface DashboardSources {
  status(): Promise<unknown>;
  decisions(limit: number): Promise<unknown[]>;
  nav(limit: number): Promise<NavPoint[]>;
  health(): Promise<HealthBody>;
  /** The loop's last portfolio read: NAV, budget and paused when the status cannot be read. */
  lastRead(): PortfolioSeen | undefined;
  now(): number;
  /** The on-chain caps (fractions): the allocation table's cap column. */
  caps: CapLimits;
  /** The assessments (agent/src/ai), newest first; absent: no panel. */
  assessments?(limit: number): Promise<unknown[]>;
}

export type Got<T> = { ok: true; value: T } | { ok: false; error: string };

export interface DashboardView {
  renderedAt: string;
  status: Got<Partial<Status>>;
  decisions: Got<unknown[]>;
  allocation: AllocationView | undefined;
  nav: Got<NavPoint[]>;
  health: Got<HealthBody>;
  lastRead: PortfolioSeen | undefined;
  caps: CapLimits;
  assessments?: Got<unknown[]>;
}

export const DASHBOARD_DECISIONS = 20;
export const DASHBOARD_NAV_POINTS = 200;
export const DASHBOARD_ASSESSMENTS = 200;
const STATUS_MS = 10_000;
const JOURNAL_MS = 3_000;

async function got<T>(p: () => Promise<T>, ms: number, what: string): Promise<Got<T>> {
  try {
    return { ok: true, value: await withTimeout(p(), ms, what) };
  } catch (e) {
    return { ok: false, error: (e instanceof Error ? e.message : String(e)).split("\n")[0] };
  }
}

export async function gatherView(s: DashboardSources): Promise<DashboardView> {
  const [status, decisions, nav, health] = await Promise.all([
    got(async () => ((await s.status()) ?? {}) as Partial<Status>, STATUS_MS, "the status (chain and transaction service)"),
    got(() => s.decisions(DASHBOARD_DECISIONS), JOURNAL_MS, "the journal"),
    got(() => s.nav(DASHBOARD_NAV_POINTS), JOURNAL_MS, "the journal"),
    got(() => s.health(), JOURNAL_MS + 1_000, "the health check"),
  ]);
  const assessments = s.assessments ? await got(() => s.assessments!(DASHBOARD_ASSESSMENTS), JOURNAL_MS, "the journal") : undefined;
  return {
    renderedAt: new Date(s.now()).toISOString(),
    status,
    decisions,
    allocation: decisions.ok ? allocationOf(decisions.value) : undefined,
    nav,
    health,
    lastRead: s.lastRead(),
    caps: s.caps,
    assessments,
  };
}
