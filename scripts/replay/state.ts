// What the agent's server shows of a replay at GET /api/replay (the dashboard follows it): the
// window, each day done (NAV from the chain, the cycle's status, decision and transaction, the
// owners who signed), the indexer's URL for NAV history, and the summary once it is written.
import type { DayResult } from "./driver";
import type { Summary } from "./report";

export interface ReplayDay {
  date: string;
  navUsd: number;
  status: string;
  path: string | null;
  decision: string | null;
  txHash: string | null;
  safeTxHash: string | null;
  /** Owners' executions this day: the proposal, its transaction, who confirmed it. */
  signed: { safeTxHash: string; txHash: string; decision: string | null; confirmedBy: string[] }[];
  reason: string | null;
}

export class ReplayState {
  readonly days: ReplayDay[] = [];
  status: "starting" | "running" | "done" | "stopped" | "failed" = "starting";
  summary: Summary | null = null;
  reportsDir: string | null = null;
  startNavUsd: number | null = null;
  /** The indexer's API (GraphQL at /graphql; /portfolio, /performance, /decisions): NAV history. */
  indexerUrl: string | null = null;
  constructor(readonly o: { from: string; to: string; totalDays: number; signerDelayDays: number }) {}

  add(d: DayResult): void {
    const r = d.report;
    this.days.push({
      date: d.date,
      navUsd: d.navUsd,
      status: r.status,
      path: r.path ?? null,
      decision: r.hash ?? null,
      txHash: r.txHash ?? null,
      safeTxHash: r.safeTxHash ?? null,
      signed: d.signed.map((s) => ({ safeTxHash: s.safeTxHash, txHash: s.txHash, decision: s.decision ?? null, confirmedBy: s.confirmedBy })),
      reason: r.reason ?? null,
    });
  }

  json() {
    const last = this.days[this.days.length - 1];
    return {
      status: this.status,
      from: this.o.from,
      to: this.o.to,
      totalDays: this.o.totalDays,
      daysDone: this.days.length,
      simulatedDate: last?.date ?? null,
      startNavUsd: this.startNavUsd,
      navUsd: last?.navUsd ?? this.startNavUsd,
      signerDelayDays: this.o.signerDelayDays,
      indexerUrl: this.indexerUrl,
      reportsDir: this.reportsDir,
      summary: this.summary,
      days: this.days,
    };
  }
}
