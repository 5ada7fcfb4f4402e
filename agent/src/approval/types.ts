// What the approval step judges and what it returns. One zod schema per shape; the types are inferred.
import { z } from "zod";
import { getAddress, isAddress } from "viem";

const address = z.string().refine((a) => isAddress(a, { strict: false }), "not a 20-byte hex address").transform((a) => getAddress(a));
/** Token amounts in raw units as a decimal string (JSON-safe bigint). */
const rawAmount = z.string().regex(/^[0-9]+$/, "a non-negative integer in raw token units, as a decimal string");

export const RISK_FLAGS = ["slippage", "concentration", "counterparty", "oracle", "liquidity", "policy_limit", "stale_data", "simulation", "other"] as const;
export const RiskFlagSchema = z.enum(RISK_FLAGS);
export type RiskFlag = z.infer<typeof RiskFlagSchema>;

/** One step of the planned batch, as the planner describes it (the calldata is the planner's business). */
export const PlanStepSchema = z.strictObject({
  id: z.string().min(1),
  kind: z.enum(["withdraw", "swap", "deposit", "approve", "other"]),
  protocol: z.string().min(1),
  /** Contract the Safe calls. */
  target: address,
  /** Token the step moves (spent for swaps/deposits, received for withdrawals). */
  token: address,
  amount: rawAmount,
  amountUsd: z.number().finite().nonnegative(),
  /** True when the step only lowers risk (exit to stables, withdraw): allowed even on stale data. */
  riskReducing: z.boolean().default(false),
  description: z.string().default(""),
});
export type PlanStep = z.infer<typeof PlanStepSchema>;

export const ApprovalRequestSchema = z.strictObject({
  decisionId: z.string().min(1),
  plan: z.strictObject({ steps: z.array(PlanStepSchema) }),
  /** Our own summary of why (signals, target): trusted, it comes from the strategy code. */
  rationale: z.string().default(""),
  simulation: z.strictObject({
    ok: z.boolean(),
    revert: z.string().optional(),
    navBeforeUsd: z.number().finite().nonnegative(),
    navAfterUsd: z.number().finite().nonnegative(),
    gasUsed: z.number().int().nonnegative().optional(),
    weightsAfter: z.record(z.string(), z.number()).default({}),
    /** Headroom left under each on-chain limit after the batch, in USD (negative = over). */
    headroomUsd: z.record(z.string(), z.number()).default({}),
  }),
  limits: z.strictObject({
    /** Largest plan (sum of step USD) the approval step lets through. */
    maxPlanUsd: z.number().finite().positive(),
    /** Largest NAV drop the simulation may show, in basis points. */
    maxNavLossBps: z.number().finite().nonnegative(),
  }),
  data: z.strictObject({
    asOf: z.string().min(1),
    staleSources: z.array(z.string()).default([]),
    pricesBroken: z.boolean().default(false),
  }),
  /** Past outcomes of similar decisions and what they teach (agent/src/learn/context.ts): our own
   * measurements, trusted; within a token budget. Absent: nothing learnt yet. */
  learning: z
    .strictObject({ minCases: z.number().int().positive(), tokenBudget: z.number().int().positive(), lines: z.array(z.string()) })
    .optional(),
  /** Text from outside (market APIs, news): untrusted, fenced in the prompt. */
  market: z.array(z.strictObject({ source: z.string().min(1), text: z.string() })).default([]),
});
export type ApprovalRequest = z.infer<typeof ApprovalRequestSchema>;
export type ApprovalRequestInput = z.input<typeof ApprovalRequestSchema>;
export type Plan = ApprovalRequest["plan"];

/** The verdict of one approver (rules or LLM), already validated. */
export interface Verdict {
  decision: "approve" | "reject" | "modify";
  reasons: string[];
  riskFlags: RiskFlag[];
  confidence: number;
  /** The smaller plan, only for "modify" (validated against the original). */
  plan?: Plan;
}

export const LLM_FAILURES = ["no_key", "timeout", "connection", "rate_limited", "overloaded", "server_error", "client_error", "malformed", "out_of_schema", "invalid_modify", "low_confidence"] as const;
export type LlmFailureReason = (typeof LLM_FAILURES)[number];

export type LlmOutcome =
  | { status: "ok"; model: string; requestId?: string; verdict: Verdict; usage?: { inputTokens: number; outputTokens: number }; promptSha256?: string }
  | { status: "failed"; reason: LlmFailureReason; detail: string; model?: string; requestId?: string; promptSha256?: string; /** Billed even when the answer is refused: from the API's usage fields. */ usage?: { inputTokens: number; outputTokens: number } }
  | { status: "skipped"; detail: string };

export interface ApprovalResult {
  decisionId: string;
  decision: "approve" | "reject" | "modify";
  /** The plan to go ahead with: the original, the smaller one (modify), or no steps (reject). */
  plan: Plan;
  reasons: string[];
  riskFlags: RiskFlag[];
  confidence: number;
  /** Who decided: both gates, or the rules alone (no LLM, LLM failed, or rules rejected first). */
  decidedBy: "llm+rules" | "rules";
  rules: Verdict;
  llm: LlmOutcome;
  /** A modified plan must go back through check and simulation before anything is sent. */
  needsRecheck: boolean;
}
