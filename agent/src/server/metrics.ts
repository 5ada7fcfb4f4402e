// Prometheus metrics on a registry this server owns (never prom-client's global one, so tests and
// several servers in one process do not share counters): cycles by status, durations, the last
// cycle's time, the treasury's NAV, budget left, paused and pending proposals, and process metrics.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { CycleReport, CycleStatus } from "../cycle/types";
import type { LoopState } from "./state";

// A Record over the union so a new cycle status fails to compile until it is listed here.
const STATUS_KEYS: Record<CycleStatus, true> = { executed: true, proposed: true, skipped: true, failed: true, already: true, "dry-run": true, aborted: true };
export const CYCLE_STATUSES = Object.keys(STATUS_KEYS) as CycleStatus[];

/** Seconds: a cycle is ~0.1–1 s locally; live market APIs with retries or a slow node can take minutes. */
const BUCKETS = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

export class AgentMetrics {
  readonly registry = new Registry();
  private readonly cycles: Counter<"status">;
  private readonly duration: Histogram;
  private readonly stepDuration: Histogram<"step">;
  private readonly watchLatency: Histogram<"kind">;

  constructor(state: LoopState) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.cycles = new Counter({ name: "treasury_cycles_total", help: "Agent cycles finished, by status (aborted and failed are failures)", labelNames: ["status"], registers });
    // Every status from 0, so rate() and absent-series alerts work before the first of each kind.
    for (const status of CYCLE_STATUSES) this.cycles.inc({ status }, 0);
    this.duration = new Histogram({ name: "treasury_cycle_duration_seconds", help: "Wall time of a whole cycle", buckets: BUCKETS, registers });
    this.stepDuration = new Histogram({ name: "treasury_cycle_step_duration_seconds", help: "Wall time of each cycle step (reconcile, read, decide, plan, check, simulate, risk, approve, register, execute)", labelNames: ["step"], buckets: BUCKETS, registers });

    // Gauges read the loop's state at scrape time. Unknown values are NaN (no sample to alert on
    // as zero); timestamps are 0 until the first cycle.
    const gauge = (name: string, help: string, value: () => number | undefined) =>
      new Gauge({
        name,
        help,
        registers,
        collect() {
          this.set(value() ?? NaN);
        },
      });
    gauge("treasury_last_cycle_timestamp_seconds", "When the last cycle finished (Unix seconds; 0: none yet)", () => (state.last ? state.last.at / 1000 : 0));
    gauge("treasury_last_ok_cycle_timestamp_seconds", "When the last cycle that did not fail finished (Unix seconds; 0: none yet)", () => (state.lastOkAt ? state.lastOkAt / 1000 : 0));
    gauge("treasury_consecutive_failed_cycles", "Cycles in a row that ended aborted or failed", () => state.consecutiveFailures);
    gauge("treasury_nav_usd", "Treasury NAV in USD at the last portfolio read (NaN: unknown or a price is missing)", () => state.portfolio?.navUsd ?? undefined);
    gauge("treasury_agent_budget_remaining_usd", "USD the agent may still move in the rolling 24 h (AgentModule) at the last read", () => state.portfolio?.budgetLeftUsd);
    gauge("treasury_paused", "1 when a guardian paused the agent, at the last read", () => (state.portfolio ? Number(state.portfolio.paused) : undefined));
    gauge("treasury_pending_proposals", "Safe transactions proposed and not executed yet (transaction service)", () => state.pendingProposals?.count);
    // Watchers: delivered − event time per kind (block time for chain events, the poll's time otherwise).
    this.watchLatency = new Histogram({ name: "treasury_watch_alert_latency_seconds", help: "Watch alert latency: delivered minus the event's block (or poll) time, by event kind", labelNames: ["kind"], buckets: [1, 2, 5, 10, 15, 30, 45, 60, 90, 120, 300], registers });
    gauge("treasury_watch_rpc_down", "1 while the watch loop's RPC does not answer (NaN: no watch loop)", () => (state.watch ? Number(state.watch().rpcDown) : undefined));
    gauge("treasury_watch_last_tick_timestamp_seconds", "When the watch loop last ticked (Unix seconds; 0: not yet; NaN: no watch loop)", () => (state.watch ? Date.parse(state.watch().lastTickAt ?? "1970-01-01T00:00:00Z") / 1000 : undefined));
    gauge("treasury_watch_failing_detectors", "Watch detectors failing at their last run", () => (state.watch ? Object.keys(state.watch().failing).length : undefined));
    gauge("treasury_loop_stopping", "1 once the agent loop was asked to stop", () => Number(state.stopping));
  }

  observeCycle(r: CycleReport): void {
    this.cycles.inc({ status: r.status });
    this.duration.observe(r.totalMs / 1000);
    for (const [step, ms] of Object.entries(r.stepsMs)) this.stepDuration.observe({ step }, ms / 1000);
  }

  observeWatchLatency(kind: string, ms: number): void {
    this.watchLatency.observe({ kind }, ms / 1000);
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }
}
