// Local world with the guardrails deployed and attached: policy configured for every asset,
// position and protocol of the world, guard set on the Safe, module enabled with a registered
// agent key and a guardian. Deploy once per run; loadFixture snapshots/reverts around each test.
import hre from "hardhat";
import { Signer } from "ethers";
import {
  deployWorld,
  worldToDeploymentJson,
  executeSafeTx,
  advanceTime,
  World,
  DeploymentJson,
} from "../../scripts/world";
import { deployGuardrails, safeAttachTxs, GuardrailAddresses } from "../../scripts/guardrails/deploy";
import { parseGuardrailSettings, GuardrailSettings } from "../../scripts/guardrails/settings";
import type { InitConfig } from "../../scripts/guardrails/config";
import {
  AgentModule,
  AgentModule__factory,
  TreasuryGuard,
  TreasuryGuard__factory,
  TreasuryPolicy,
  TreasuryPolicy__factory,
  TreasuryValuation,
  TreasuryValuation__factory,
} from "../../typechain-types";

/** Treasury of the guarded world: $400k, 30% volatile, so there is room on both sides of the 40% cap. */
export const GUARDED_TREASURY_USD = { USDC: 180_000, DAI: 100_000, WETH: 70_000, WBTC: 50_000 };

export interface GuardedWorld {
  world: World;
  deployment: DeploymentJson;
  settings: GuardrailSettings;
  init: InitConfig;
  addresses: GuardrailAddresses;
  policy: TreasuryPolicy;
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

export async function guardedWorldFixture(): Promise<GuardedWorld> {
  const signers = await hre.ethers.getSigners();
  const world = await deployWorld(signers, { treasuryUsd: GUARDED_TREASURY_USD });
  const [guardian, payee] = [signers[7], signers[8]];
  const deployment = worldToDeploymentJson(world, "hardhat");
  const settings = parseGuardrailSettings({
    agents: [world.accounts.agent],
    guardians: [await guardian.getAddress()],
    payees: [await payee.getAddress()],
  });
  const { addresses, init } = await deployGuardrails(world.signers.deployer, deployment, settings);
  const quorum = world.signers.owners.slice(0, 2);
  await executeSafeTx({ safe: world.treasury.safe, owners: quorum, tx: safeAttachTxs(world.treasury.safe, addresses), infra: world.safe, label: "attach guardrails" });
  // Give Pendle's TWAP oracle an hour of history (feeds are re-posted, as live heartbeats would).
  await advanceTime(world, 3600);
  const d = world.signers.deployer;
  return {
    world,
    deployment: { ...deployment, guardrails: { ...addresses } },
    settings,
    init,
    addresses,
    policy: TreasuryPolicy__factory.connect(addresses.policy, d),
    valuation: TreasuryValuation__factory.connect(addresses.valuation, d),
    guard: TreasuryGuard__factory.connect(addresses.guard, d),
    module: AgentModule__factory.connect(addresses.module, d),
    quorum,
    agent: world.signers.agent,
    guardian,
    payee,
  };
}
