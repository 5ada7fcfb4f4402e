// Local world with the guardrails deployed and attached: policy configured for every asset,
// position and protocol of the world, guard set on the Safe, module enabled with a registered
// agent key and a guardian. Deploy once per run; loadFixture snapshots/reverts around each test.
import hre from "hardhat";
import { Signer } from "ethers";
import { deployWorld, worldToDeploymentJson, World, DeploymentJson, TOKEN_SYMBOLS } from "../../scripts/world";
import { parseDeployment } from "../../lib/chain/deployments";
import type { GuardrailAddresses } from "../../scripts/guardrails/deploy";
import type { GuardrailSettings } from "../../scripts/guardrails/settings";
import { attachLocalGuardrails, GUARDED_TREASURY_USD } from "../../scripts/guardrails/local";
import type { InitConfig } from "../../scripts/guardrails/config";
import {
  AgentModule,
  AgentModule__factory,
  TreasuryGuard,
  TreasuryGuard__factory,
  TreasuryPolicy,
  TreasuryPolicy__factory,
  TreasuryPolicyLens,
  TreasuryPolicyLens__factory,
  TreasuryValuation,
  TreasuryValuation__factory,
} from "../../typechain-types";

export { GUARDED_TREASURY_USD };

export interface GuardedWorld {
  world: World;
  deployment: DeploymentJson;
  settings: GuardrailSettings;
  init: InitConfig;
  addresses: GuardrailAddresses;
  policy: TreasuryPolicy;
  /** TreasuryPolicyLens: lens.getConfig(policy) is the whole configuration. */
  lens: TreasuryPolicyLens;
  valuation: TreasuryValuation;
  guard: TreasuryGuard;
  module: AgentModule;
  /** Two owners: enough to meet the 2-of-3 threshold. */
  quorum: Signer[];
  agent: Signer;
  guardian: Signer;
  /** A payee registered at deployment. */
  payee: Signer;
}

export function guardedWorldFixture(): Promise<GuardedWorld> {
  return buildGuardedWorld();
}

/** The guarded world with Aave variable debt of USDC and WETH registered as liability positions. */
export async function leveragedWorldFixture(): Promise<GuardedWorld> {
  const g = await buildGuardedWorld({ borrowable: ["USDC", "WETH"] });
  // This fixture is often first built late in a full run, after earlier tests spent the deployer's
  // ETH; the world's controls (pool arbitrage wraps ETH) need it: start it with the default 10,000 ETH.
  await hre.network.provider.send("hardhat_setBalance", [await g.world.signers.deployer.getAddress(), "0x21e19e0c9bab2400000"]);
  return g;
}

async function buildGuardedWorld(overrides: Record<string, unknown> = {}): Promise<GuardedWorld> {
  const signers = await hre.ethers.getSigners();
  const world = await deployWorld(signers, { treasuryUsd: GUARDED_TREASURY_USD });
  const [guardian, payee] = [signers[7], signers[8]];
  const { addresses, settings, init } = await attachLocalGuardrails(world, { guardian, payee }, overrides);
  const deployment = worldToDeploymentJson(world, "hardhat");
  const quorum = world.signers.owners.slice(0, 2);
  const d = world.signers.deployer;
  return {
    world,
    deployment: parseDeployment({ ...deployment, guardrails: { ...addresses } }, "guarded world"),
    settings,
    init,
    addresses,
    policy: TreasuryPolicy__factory.connect(addresses.policy, d),
    lens: TreasuryPolicyLens__factory.connect(addresses.lens, d),
    valuation: TreasuryValuation__factory.connect(addresses.valuation, d),
    guard: TreasuryGuard__factory.connect(addresses.guard, d),
    module: AgentModule__factory.connect(addresses.module, d),
    quorum,
    agent: world.signers.agent,
    guardian,
    payee,
  };
}

/** Every token the treasury can hold (assets, aTokens, vault shares, PT) plus YT and SY. */
export function trackedTokens(g: GuardedWorld): Record<string, string> {
  const w = g.world;
  const out: Record<string, string> = {};
  for (const s of TOKEN_SYMBOLS) {
    out[s] = w.tokens[s];
    out[`a${s}`] = w.aave.aTokens[s];
  }
  out.scrvUSD = w.erc4626.scrvUSD;
  out.sDAI = w.erc4626.sDAI;
  out.PT = w.pendle.pt;
  out.YT = w.pendle.yt;
  out.SY = w.pendle.sy;
  return out;
}

// AgentModule executes each decision hash once (DecisionAlreadyExecuted): tests that send many
// batches through the module give each its own. A counter, not a random value, so a failing run
// names the same batch again; it only grows, so hashes stay unused across loadFixture reverts too.
let decisionCounter = 0;
export const nextDecisionHash = (): `0x${string}` => `0x${(++decisionCounter).toString(16).padStart(64, "0")}`;
