// The decision record. `body` is what the agent decided, fixed before anything is sent: its
// canonical hash is the decision hash put on chain (AgentExecuted / DecisionRecorded). What happens
// afterwards (transaction, proposal, outcome) is stored next to it, not inside the hashed part.
import type { Hex } from "viem";

export interface DecisionBody {
  version: 1;
  /** The cycle this decision belongs to: one executed decision per key at most. */
  cycleKey: string;
  date: string;
  chainId: number;
  safe: string;
  /** Block the portfolio was read at. */
  block: string;
  /** Safe nonce when decided (owner path: the proposal's nonce). */
  safeNonce: number;
  inputs: { market: { provider: string; sources: Record<string, string>; issues: unknown[] }; portfolio: unknown };
  signals: unknown;
  target: unknown;
  plan: unknown;
  check: unknown;
  simulation: unknown;
  verdict: unknown;
  rationale: string;
  model: string | null;
  path: ExecPath;
  /** A reviewer's `modify`: the smaller plan it asked for, the original plan with its check and
   * simulation, and whether the smaller one passed the check, the simulation and the rules again
   * (then `plan`, `check`, `simulation` above are the smaller plan's). Absent otherwise. */
  modification?: unknown;
  /** Risk on top of the chain's rules: VaR after the plan and the drawdown stop, with the limits. */
  risk?: unknown;
}

export type ExecPath = "module" | "proposal" | "none";

/** Life of a decision in the journal. `sending` / `proposing` are written before the act (write-ahead).
 * `superseded`: a signed module transaction whose agent nonce another transaction used, or a proposal
 * whose Safe nonce the owners used for another transaction; it can never be executed (the day is
 * planned again). */
export const STATUSES = ["decided", "sending", "sent", "executed", "proposing", "proposed", "failed", "skipped", "superseded"] as const;
export type Status = (typeof STATUSES)[number];
/** Statuses of a decision that acts (or may act) for its day: at most one per cycle key (a unique index). */
export const LIVE = ["decided", "sending", "sent", "proposing", "proposed", "executed"] as const satisfies readonly Status[];

export interface DecisionRow {
  hash: Hex;
  cycleKey: string;
  date: string;
  status: Status;
  path: ExecPath;
  safeNonce: number;
  /** Module path: the agent account's nonce and the signed raw transaction, stored before broadcast. */
  agentNonce: number | null;
  txHash: Hex | null;
  rawTx: Hex | null;
  /** Owner path. */
  safeTxHash: Hex | null;
  proposalUrl: string | null;
  body: DecisionBody;
  outcome: unknown;
  reason: string | null;
  /** Executed with the confirmations it needs: reconciliation no longer re-checks its receipt. */
  final: boolean;
  createdAt: Date;
  updatedAt: Date;
}
