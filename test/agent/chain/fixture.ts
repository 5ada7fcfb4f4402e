/// <reference types="@nomicfoundation/hardhat-ethers" />
// The guarded local world on Hardhat's in-process network, seen through viem (as the agent sees a
// real chain). loadFixture snapshots/reverts around each test.
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { createPublicClient, custom, type Address, type PublicClient } from "viem";
import { guardedWorldFixture, type GuardedWorld } from "../../helpers/guarded";
import type { Deployment } from "../../../lib/chain/deployments";

export interface AgentWorld {
  g: GuardedWorld;
  d: Deployment;
  client: PublicClient;
  agent: Address;
}

/**
 * Our own fixture identity (not guardedWorldFixture's): a loadFixture snapshot leaks the wall-clock
 * time elapsed since it was taken into the next block's timestamp, and the guardrail tests that share
 * guardedWorldFixture time hour boundaries to the minute (test/guardrails/hardening.test.ts).
 */
async function agentGuardedWorld(): Promise<GuardedWorld> {
  return guardedWorldFixture();
}

export async function agentWorld(): Promise<AgentWorld> {
  const g = await loadFixture(agentGuardedWorld);
  // Fresh client per test: viem caches nothing across loadFixture's snapshot reverts then.
  const client = createPublicClient({ transport: custom(hre.network.provider), cacheTime: 0 }) as PublicClient;
  return { g, d: g.deployment, client, agent: (await g.agent.getAddress()) as Address };
}
