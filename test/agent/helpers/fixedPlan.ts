// A cycle whose batch is fixed by the test: the agent's default steps (reader, strategy, check,
// simulator, approver) with `plan` replaced, and the strategy's day made to rebalance. The e2e tests
// of the cycle's bookkeeping (journal, idempotency, backups, one writer) need a batch they control;
// what the strategy would plan is tested elsewhere.
import { parseUnits, type Address } from "viem";
import { aaveSupply, approve } from "../../../lib/chain";
import type { Runtime } from "../../../agent/src/cycle/runtime";
import { defaultSteps } from "../../../agent/src/cycle/steps";
import { planPorts } from "../../../agent/src/cycle/ports";
import type { CycleSteps, Planned } from "../../../agent/src/cycle/types";
import type { Portfolio } from "../../../agent/src/chain/types";
import type { LiveProvider } from "../../../agent/src/market/live/provider";

/** Supply `usd` of a stablecoin to Aave from the Safe, in the planner's output shape. */
export function aaveSupplyPlan(o: { usd: number; token: Address; symbol: string; decimals: number; pool: Address; safe: Address }): Planned {
  const amount = parseUnits(String(o.usd), o.decimals);
  return {
    calls: [approve(o.token, o.pool, amount), aaveSupply(o.pool, o.token, amount, o.safe)],
    steps: [
      { id: "s1", kind: "approve", protocol: "erc20", target: o.token, token: o.token, amount: amount.toString(), amountUsd: 0, riskReducing: false, description: "" },
      { id: "s2", kind: "deposit", protocol: "aave-v3", target: o.pool, token: o.token, amount: amount.toString(), amountUsd: o.usd, riskReducing: false, description: `supply ${o.usd} ${o.symbol}` },
    ],
    sizeUsd: BigInt(o.usd) * 10n ** 18n,
    riskReducing: false,
    reason: "rebalance",
  };
}

/** The default steps with the batch fixed (the strategy's day only feeds the record); `over` replaces any step. */
export function fixedPlanSteps(rt: Runtime, env: NodeJS.ProcessEnv, plan: () => Planned, over: Partial<CycleSteps<Portfolio>> = {}, provider?: LiveProvider): CycleSteps<Portfolio> {
  const base = defaultSteps(rt, planPorts(rt), { env, provider });
  return {
    ...base,
    decide: async (p, date) => {
      const d = await base.decide(p, date);
      return { ...d, decision: { ...d.decision, rebalance: !d.decision.hold } };
    },
    plan: () => plan(),
    ...over,
  };
}
