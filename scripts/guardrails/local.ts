// Guardrails on the local world: the same deployment a real Safe gets (deployGuardrails), plus the
// owners' attach transaction signed with the local owner keys, and an hour of chain time so Pendle's
// TWAP oracle has history. Used by the test fixture and by `npm start` / `npm run chain`.
import type { Signer } from "ethers";
import { advanceTime, executeSafeTx, worldToDeploymentJson, World } from "../world";
import { deployGuardrails, safeAttachTxs, GuardrailAddresses } from "./deploy";
import { parseGuardrailSettings, GuardrailSettings } from "./settings";
import type { InitConfig } from "./config";

/** The local treasury for the guarded world: $400k, 30% volatile, room on both sides of the 40% cap. */
export const GUARDED_TREASURY_USD = { USDC: 180_000, DAI: 100_000, WETH: 70_000, WBTC: 50_000 };

export interface LocalGuardrails {
  addresses: GuardrailAddresses;
  settings: GuardrailSettings;
  init: InitConfig;
}

/**
 * Deploy and attach the guardrails to the world's treasury: agent = the world's agent account,
 * `guardian` an extra guardian (besides the owners), `payee` a registered payee; `overrides` are
 * guardrail settings over those (e.g. `{ borrowable: ["USDC"] }`).
 */
export async function attachLocalGuardrails(
  world: World,
  roles: { guardian: Signer; payee: Signer },
  overrides: Record<string, unknown> = {},
): Promise<LocalGuardrails> {
  const settings = parseGuardrailSettings({
    agents: [world.accounts.agent],
    guardians: [await roles.guardian.getAddress()],
    payees: [await roles.payee.getAddress()],
    ...overrides,
  });
  const { addresses, init } = await deployGuardrails(world.signers.deployer, worldToDeploymentJson(world, "local"), settings);
  const quorum = world.signers.owners.slice(0, world.treasury.threshold);
  await executeSafeTx({ safe: world.treasury.safe, owners: quorum, tx: safeAttachTxs(world.treasury.safe, addresses), infra: world.safe, label: "attach guardrails" });
  await advanceTime(world, 3600); // feeds are re-posted, as live heartbeats would
  return { addresses, settings, init };
}
