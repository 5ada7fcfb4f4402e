// The planner, the TypeScript check and the simulator bound to a runtime (agent/src/plan,
// agent/src/risk, agent/src/chain/simulate).
import { getAddress, type Address } from "viem";
import { checkBatch } from "../risk/check";
import { UserError } from "../errors";
import type { Runtime } from "./runtime";
import type { PlanPorts } from "./steps";

async function agentAddress(rt: Runtime): Promise<Address> {
  try {
    return (await rt.key("agent")).address;
  } catch (e) {
    const a = rt.deployment.accounts?.agent;
    if (a) return getAddress(a);
    throw e;
  }
}

export function planPorts(rt: Runtime): PlanPorts {
  return {
    plan: () => {
      throw new UserError("the planner (agent/src/plan) is not part of this build yet");
    },
    check: async (p, plan) => checkBatch(p, plan.calls, await agentAddress(rt)),
    simulate: async () => {
      throw new UserError("the simulator (agent/src/chain/simulate) is not part of this build yet");
    },
  };
}
