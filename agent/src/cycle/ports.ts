// The planner, the TypeScript check and the simulator bound to a runtime (agent/src/plan,
// agent/src/risk, agent/src/chain/simulate), in the shapes the cycle records.
import { getAddress, type Address } from "viem";
import { checkBatch } from "../risk/check";
import { simulateBatch, simulateOwnerBatch } from "../chain/simulate";
import type { Portfolio } from "../chain/types";
import { planRebalance } from "../plan/plan";
import { currentWeights } from "../plan/sleeves";
import type { Simulation } from "../chain/simulate";
import { riskOnTop } from "./riskGate";
import type { Runtime } from "./runtime";
import type { PlanPorts } from "./steps";
import type { Planned, Simulated } from "./types";

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

/** The exact batch in one eth_call: through AgentModule.execute on the module path; on the owner
 * path as the owners' Safe transaction through the guard (MultiSendCallOnly, threshold overridden to
 * one for the call), so signers are never asked to sign what the guard will refuse. */
export async function simulateFor(rt: Runtime, p: Portfolio, plan: Planned, via: "module" | "proposal"): Promise<Simulated> {
  const sim =
    via === "proposal"
      ? await simulateOwnerBatch(rt.ctx.client, p, plan.calls, { owner: p.safe.owners[0] })
      : await simulateBatch(rt.ctx.client, p, plan.calls, { agent: await agentAddress(rt) });
  if (sim.ok) {
    const h = sim.headroom;
    const weightsAfter = Object.fromEntries(Object.entries(sim.weightsAfterBps).map(([k, v]) => [k, v / 10_000]));
    const headroomUsd: Record<string, number> = via === "module" ? { autonomy: usdNum(h.autonomyUsd), dailyBudget: usdNum(h.dailyBudgetUsd), lossBudget: usdNum(h.lossBudgetUsd), maxLoss: usdNum(h.maxLossUsd) } : { maxLoss: usdNum(h.maxLossUsd) };
    return { ok: true, navBeforeUsd: sim.navBeforeUsd, navAfterUsd: sim.navAfterUsd, gas: sim.gas, weightsAfter, headroomUsd, detail: sim };
  }
  return { ok: false, error: sim.error.text, detail: sim };
}

/** The portfolio as the simulation left it (values in registry order: assets, then positions). */
function portfolioAfter(p: Portfolio, valuesAfter: bigint[], navAfterUsd: bigint): Portfolio {
  const n = p.assets.length;
  return { ...p, navUsd: navAfterUsd, assets: p.assets.map((a, i) => ({ ...a, valueUsd: valuesAfter[i] ?? a.valueUsd })), positions: p.positions.map((x, j) => ({ ...x, valueUsd: valuesAfter[n + j] ?? x.valueUsd })) };
}

/** The treasury's NAV as journaled, one point per day (the latest record of each), oldest first. */
async function navHistory(rt: Runtime, p: Portfolio): Promise<number[]> {
  const rows = await rt.journal.navByDate(`${rt.addresses.chainId}:${rt.addresses.safe}:`);
  return [...rows.map((r) => usdNum(BigInt(r.navUsd))), usdNum(p.navUsd)];
}

export function planPorts(rt: Runtime): PlanPorts {
  return {
    plan: (p, d) => {
      const b = planRebalance({ portfolio: p, deployment: rt.deployment, target: d.decision.targets, slippageBps: rt.cfg.slippageBps, deadline: p.timestamp + 1_800n });
      const planned = (calls: Planned["calls"], steps: Planned["steps"]): Planned => {
        const usd = steps.reduce((s, x) => s + x.amountUsd, 0);
        return {
          calls,
          steps,
          sizeUsd: BigInt(Math.round(usd * 1e6)) * 10n ** 12n,
          riskReducing: steps.every((s) => s.riskReducing),
          reason: b.reason,
          detail: { current: b.current, deltasUsd: b.deltasUsd, inBand: b.inBand },
        };
      };
      // A reviewer's `modify`: the same legs rebuilt smaller by the planner's adapters.
      return { ...planned(b.calls, b.steps), resize: (kept) => { const r = b.resize(kept); return planned(r.calls, r.steps); } };
    },
    check: async (p, plan) => checkBatch(p, plan.calls, await agentAddress(rt)),
    simulate: (p, plan, via) => simulateFor(rt, p, plan, via),
    risk: async (p, d, plan, sim) => {
      const detail = sim.detail as (Simulation & { ok: true }) | undefined;
      // Weights after the plan from the simulation; without its values, the day's target.
      const weightsAfter = detail?.valuesAfter ? currentWeights(portfolioAfter(p, detail.valuesAfter, sim.navAfterUsd)).weights : d.decision.targets;
      const r = rt.cfg.risk;
      return riskOnTop({ weightsAfter, closes: d.closes ?? {}, navHistory: await navHistory(rt, p), riskReducing: plan.riskReducing, maxVar1d: r.maxVar1d, maxDrawdown: r.maxDrawdown, lookbackDays: r.varLookbackDays });
    },
  };
}
