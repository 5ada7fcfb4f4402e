// The cycle's ports: each step is a function the orchestrator calls in order. The defaults
// (steps.ts) bind them to the chain reader, the strategy, the planner, the TypeScript check, the
// simulator and the approver; tests swap single steps to inject faults.
import type { Address, Hex } from "viem";
import type { ApprovalRequestInput, ApprovalResult, PlanStep } from "../approval";
import type { Decision, Position } from "../strategy/types";
import type { RiskOnTop } from "./riskGate";
import type { BatchCall } from "../execute";
import type { SourceFailure } from "../market/types";

/** What the cycle itself needs from the portfolio read (the reader returns more; it is recorded whole). */
export interface PortfolioLike {
  chainId: number;
  blockNumber: bigint;
  safe: { address: Address; nonce: bigint | number };
  policy: { paused: boolean; limits: { autonomyLimitUsd: bigint; maxLossBps: number } };
  budget: { remainingUsd: bigint };
  navUsd: bigint;
  healthy: boolean;
}

export interface Decided {
  decision: Decision;
  indicators: unknown;
  market: { provider: string; sources: Record<string, string>; issues: unknown[]; texts: { source: string; text: string }[]; sourceFailures?: SourceFailure[] };
  /** Daily closes known before the day (oldest first, null = gap) of the volatile positions, for the VaR. */
  closes?: Partial<Record<Position, (number | null)[]>>;
  /** Fields the decision depends on that are stale or missing: the approver's stale-data gate. */
  staleInputs: string[];
}

export interface Planned {
  calls: BatchCall[];
  steps: PlanStep[];
  /** Gross USD moved (18 decimals). */
  sizeUsd: bigint;
  riskReducing: boolean;
  reason: string;
  detail?: unknown;
  /** The batch rebuilt with only the named steps at amounts no larger than planned (a reviewer's
   * `modify`); throws when a step is unknown, larger or zero. Absent: the plan cannot be resized. */
  resize?: (kept: { id: string; amount: bigint }[]) => Planned;
}

export type Checked = { ok: true; sizeUsd?: bigint; detail?: unknown } | { ok: false; error: string; reason: string; detail?: unknown };

export type Simulated =
  | { ok: true; navBeforeUsd: bigint; navAfterUsd: bigint; gas: bigint; weightsAfter: Record<string, number>; headroomUsd: Record<string, number>; detail?: unknown }
  | { ok: false; error: string; detail?: unknown };

export interface CycleSteps<P extends PortfolioLike = PortfolioLike> {
  read(): Promise<P>;
  decide(p: P, date: string): Promise<Decided>;
  plan(p: P, d: Decided): Planned | Promise<Planned>;
  check(p: P, plan: Planned): Checked | Promise<Checked>;
  simulate(p: P, plan: Planned, via: "module" | "proposal"): Promise<Simulated>;
  approve(req: ApprovalRequestInput): Promise<ApprovalResult>;
  /** Risk on top of the chain's rules (VaR after the plan, drawdown stop); absent: not applied. */
  risk?(p: P, d: Decided, plan: Planned, sim: Simulated & { ok: true }): RiskOnTop | Promise<RiskOnTop>;
  /** Registers what the plan needs off chain before it is sent (CoW orders with the order book);
   * a failure stops the cycle with nothing sent. Not called on a dry run. */
  register?(plan: Planned): Promise<void>;
}

export type CycleStatus = "executed" | "proposed" | "skipped" | "failed" | "already" | "dry-run" | "aborted";

/** A cycle that stopped on an error (aborted) or recorded a failure: exit code 1, an alert, a strike against /health. */
export const isFailedCycle = (s: CycleStatus): boolean => s === "aborted" || s === "failed";

/** paused by a guardian; market data stale or prices broken; the risk gate (VaR, drawdown); the
 * approver rejected the plan; a reviewer's smaller plan did not pass. */
export type HeldBecause = "paused" | "stale-data" | "risk" | "rejected" | "reviewer";

export interface CycleReport {
  date: string;
  cycleKey: string;
  status: CycleStatus;
  /** Why nothing (more) happened, in plain words; also in the journal. */
  reason?: string;
  /** Nothing was sent out of doubt (the "does nothing and alerts" cases); absent on ordinary
   * outcomes such as no rebalance or nothing to do. */
  held?: HeldBecause;
  hash?: Hex;
  path?: "module" | "proposal" | "none";
  txHash?: Hex;
  safeTxHash?: Hex;
  proposalUrl?: string;
  verdict?: { decision: string; decidedBy: string; llm: string; reasons: string[] };
  /** Live market sources that failed while deciding (alerted per source); absent when the market was not read. */
  sourceFailures?: SourceFailure[];
  reconciled: unknown[];
  stepsMs: Record<string, number>;
  totalMs: number;
}
