// What the HTTP server knows about the agent loop: the cycles it finished, the last portfolio read
// and the last count of pending proposals. The loop feeds it; /health and /metrics only read it.
import { isFailedCycle, type CycleReport, type CycleStatus, type PortfolioLike } from "../cycle/types";
import { usdNumber } from "../usd";
import type { WatchState } from "../watch/loop";

export interface CycleSeen {
  date: string;
  status: CycleStatus;
  reason: string | null;
  /** When it finished (ms since the epoch). */
  at: number;
  totalMs: number;
}

export interface PortfolioSeen {
  /** null when the valuation has no price for a held asset (the read is not healthy). */
  navUsd: number | null;
  budgetLeftUsd: number;
  paused: boolean;
  block: string;
  at: number;
}


export class LoopState {
  last?: CycleSeen;
  lastOkAt?: number;
  cycles = 0;
  consecutiveFailures = 0;
  portfolio?: PortfolioSeen;
  pendingProposals?: { count: number; at: number };
  /** The watch loop's state, when one runs beside the cycles (agent/src/watch). */
  watch?: () => WatchState;
  private stoppingSince?: number;

  constructor(readonly startedAt: number) {}

  cycleFinished(r: CycleReport, at: number): void {
    this.cycles++;
    this.last = { date: r.date, status: r.status, reason: r.reason ?? null, at, totalMs: r.totalMs };
    if (isFailedCycle(r.status)) this.consecutiveFailures++;
    else {
      this.consecutiveFailures = 0;
      this.lastOkAt = at;
    }
  }

  portfolioRead(p: PortfolioLike, at: number): void {
    this.portfolio = { navUsd: p.healthy ? usdNumber(p.navUsd) : null, budgetLeftUsd: usdNumber(p.budget.remainingUsd), paused: p.policy.paused, block: p.blockNumber.toString(), at };
  }

  pending(count: number, at: number): void {
    this.pendingProposals = { count, at };
  }

  /** The loop was asked to stop (SIGINT/SIGTERM): it finishes its current cycle, then the server stops. */
  stop(at: number): void {
    this.stoppingSince ??= at;
  }

  get stopping(): boolean {
    return this.stoppingSince !== undefined;
  }
}
