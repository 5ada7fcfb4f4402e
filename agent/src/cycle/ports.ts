// The planner, the TypeScript check and the simulator bound to a runtime (agent/src/plan,
// agent/src/risk, agent/src/chain/simulate), in the shapes the cycle records.
import { getAddress, type Address } from "viem";
import { checkBatch } from "../risk/check";
import { simulateBatch } from "../chain/simulate";
import type { Portfolio } from "../chain/types";
import { planRebalance } from "../plan/plan";
import type { Runtime } from "./runtime";
import type { PlanPorts } from "./steps";
import type { Planned, Simulated } from "./types";

const AGENT_LIMITS = new Set(["AutonomyLimitExceeded", "DailyBudgetExceeded", "DailyLossBudgetExceeded"]);
const usdNum = (x: bigint) => Number(x / 10n ** 12n) / 1e6;

async function agentAddress(rt: Runtime): Promise<Address> {
  try {
    return (await rt.key("agent")).address;
  } catch (e) {
    const a = rt.deployment.accounts?.agent;
    if (a) return getAddress(a);
    throw e;
  }
}

/** The exact batch through AgentModule.execute in one eth_call. On the owner path the agent's own
 * limits do not apply (the guard checks the owners' transaction when it executes). */
export async function simulateFor(rt: Runtime, p: Portfolio, plan: Planned, via: "module" | "proposal"): Promise<Simulated> {
  const sim = await simulateBatch(rt.ctx.client, p, plan.calls, { agent: await agentAddress(rt) });
  if (sim.ok) {
    const h = sim.headroom;
    const weightsAfter = Object.fromEntries(Object.entries(sim.weightsAfterBps).map(([k, v]) => [k, v / 10_000]));
    const headroomUsd: Record<string, number> = via === "module" ? { autonomy: usdNum(h.autonomyUsd), dailyBudget: usdNum(h.dailyBudgetUsd), lossBudget: usdNum(h.lossBudgetUsd), maxLoss: usdNum(h.maxLossUsd) } : { maxLoss: usdNum(h.maxLossUsd) };
    return { ok: true, navBeforeUsd: sim.navBeforeUsd, navAfterUsd: sim.navAfterUsd, gas: sim.gas, weightsAfter, headroomUsd, detail: sim };
  }
  if (via === "proposal" && AGENT_LIMITS.has(sim.error.name)) {
    return { ok: true, navBeforeUsd: p.navUsd, navAfterUsd: p.navUsd, gas: 0n, weightsAfter: {}, headroomUsd: {}, detail: { note: `the module refuses it (${sim.error.text}); the owners' transaction is checked by the guard when executed`, sim } };
  }
  return { ok: false, error: sim.error.text, detail: sim };
}

export function planPorts(rt: Runtime): PlanPorts {
  return {
    plan: (p, d) => {
      const b = planRebalance({ portfolio: p, deployment: rt.deployment, target: d.decision.targets, slippageBps: rt.cfg.slippageBps, deadline: p.timestamp + 1_800n });
      const usd = b.steps.reduce((s, x) => s + x.amountUsd, 0);
      return {
        calls: b.calls,
        steps: b.steps,
        sizeUsd: BigInt(Math.round(usd * 1e6)) * 10n ** 12n,
        riskReducing: b.steps.every((s) => s.riskReducing),
        reason: b.reason,
        detail: { current: b.current, deltasUsd: b.deltasUsd, inBand: b.inBand },
      };
    },
    check: async (p, plan) => checkBatch(p, plan.calls, await agentAddress(rt)),
    simulate: (p, plan, via) => simulateFor(rt, p, plan, via),
  };
}
