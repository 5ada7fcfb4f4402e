// Deploys the guardrails for one Safe: the call-rule units (contracts/rules, one per protocol,
// stateless: reused when the deployment already lists them), the position adapters (contracts/adapters,
// one per position kind: value, unwind, validate), TreasuryPolicy (configuration, timelock, rule
// registry), TreasuryValuation
// (NAV, caps), TreasuryGuard (owner transactions), AgentModule (agent transactions, emergency
// exit) and TreasuryFallbackHandler (ERC-1271 only for messages signed on-chain through the guard);
// then binds guard and module to the policy. Attaching them to the Safe is a Safe
// transaction the owners sign (safeAttachTxs), never something the deployer can do.
import { Contract, Interface, Provider, Signer, getAddress } from "ethers";
import type { Deployment as DeploymentJson } from "../../lib/chain/deployments";
import { deploy, confirm } from "../world/tx";
import { npmArtifact } from "../world/artifacts";
import type { MetaTx } from "../world/safeTx";
import { AdapterAddresses, buildInitConfig, InitConfig, PositionKind, RULE_UNITS, type RuleAddresses, type RuleUnit } from "./config";
import type { GuardrailSettings } from "./settings";
import {
  AaveV3Rule__factory,
  CowSwapRule__factory,
  ERC20Rule__factory,
  ERC4626Rule__factory,
  PendleRule__factory,
  UniswapV3Rule__factory,
  AaveATokenAdapter__factory,
  AaveDebtAdapter__factory,
  ERC4626Adapter__factory,
  PendlePTAdapter__factory,
  AgentModule__factory,
  TreasuryFallbackHandler__factory,
  TreasuryGuard__factory,
  TreasuryPolicy__factory,
  TreasuryPolicyLens__factory,
  TreasuryValuation__factory,
} from "../../typechain-types";

export interface GuardrailAddresses {
  policy: string;
  valuation: string;
  guard: string;
  module: string;
  fallbackHandler: string;
  pendleOracle: string;
  aaveATokenAdapter: string;
  aaveDebtAdapter: string;
  erc4626Adapter: string;
  pendlePTAdapter: string;
  /** TreasuryPolicyLens (stateless: getConfig(policy)). */
  lens: string;
  /** Call-rule units, keyed rule<Unit> (e.g. ruleAaveV3) in deployments/<network>.json. */
  ruleAaveV3: string;
  ruleErc4626: string;
  ruleUniswapV3: string;
  rulePendle: string;
  ruleErc20: string;
  ruleCow: string;
}

/** deployments key of each rule unit. */
export const RULE_KEYS: Record<RuleUnit, keyof GuardrailAddresses> = {
  aaveV3: "ruleAaveV3",
  erc4626: "ruleErc4626",
  uniswapV3: "ruleUniswapV3",
  pendle: "rulePendle",
  erc20: "ruleErc20",
  cow: "ruleCow",
};

const RULE_FACTORIES = {
  aaveV3: AaveV3Rule__factory,
  erc4626: ERC4626Rule__factory,
  uniswapV3: UniswapV3Rule__factory,
  pendle: PendleRule__factory,
  erc20: ERC20Rule__factory,
  cow: CowSwapRule__factory,
} as const;

/**
 * The call-rule units: those the deployment already lists (they are stateless and can serve any
 * number of policies), the rest deployed now.
 */
export async function deployRuleUnits(deployer: Signer, d: DeploymentJson): Promise<RuleAddresses> {
  const out = {} as RuleAddresses;
  const known = (d.guardrails ?? {}) as Record<string, string | undefined>;
  for (const unit of Object.keys(RULE_UNITS) as RuleUnit[]) {
    const existing = known[RULE_KEYS[unit]];
    if (existing && (await deployer.provider!.getCode(existing)) !== "0x") {
      out[unit] = getAddress(existing);
      continue;
    }
    const c = await new RULE_FACTORIES[unit](deployer).deploy();
    await confirm(`deploy ${RULE_UNITS[unit]}`, c.deploymentTransaction()!);
    out[unit] = await c.getAddress();
  }
  return out;
}

/** Deploys one adapter per position kind (stateless: any number of Safes may share them). */
export async function deployAdapters(deployer: Signer, pendleOracle: string): Promise<AdapterAddresses> {
  const out = {} as Record<keyof AdapterAddresses, string>;
  const steps: [keyof AdapterAddresses, string, () => Promise<{ getAddress(): Promise<string>; deploymentTransaction(): unknown }>][] = [
    ["aaveAToken", "AaveATokenAdapter", () => new AaveATokenAdapter__factory(deployer).deploy()],
    ["aaveDebt", "AaveDebtAdapter", () => new AaveDebtAdapter__factory(deployer).deploy()],
    ["erc4626", "ERC4626Adapter", () => new ERC4626Adapter__factory(deployer).deploy()],
    ["pendlePT", "PendlePTAdapter", () => new PendlePTAdapter__factory(deployer).deploy(pendleOracle)],
  ];
  for (const [key, name, make] of steps) {
    const c = await make();
    await confirm(`deploy ${name}`, c.deploymentTransaction() as Parameters<typeof confirm>[1]);
    out[key] = await c.getAddress();
  }
  return out;
}

/** `init` with every position pointing at the deployed adapter of its kind. */
export function withAdapters(init: InitConfig, a: AdapterAddresses): InitConfig {
  const byKind: Record<number, string> = {
    [PositionKind.AaveAToken]: a.aaveAToken,
    [PositionKind.AaveVariableDebt]: a.aaveDebt,
    [PositionKind.ERC4626]: a.erc4626,
    [PositionKind.PendlePT]: a.pendlePT,
  };
  return { ...init, positions: init.positions.map((p) => ({ token: p.token, config: { ...p.config, adapter: byKind[p.config.kind] } })) };
}

/** Adapter placeholders for building a configuration before the adapters exist (dry runs). */
export const ADAPTERS_NOT_DEPLOYED: AdapterAddresses = {
  aaveAToken: "0x0000000000000000000000000000000000000001",
  aaveDebt: "0x0000000000000000000000000000000000000002",
  erc4626: "0x0000000000000000000000000000000000000003",
  pendlePT: "0x0000000000000000000000000000000000000004",
};

const PENDLE_ORACLE = () => npmArtifact("@pendle/core-v2", "build/artifacts/contracts/oracles/PendlePYLpOracle.sol/PendlePYLpOracle.json");

/**
 * On a local chain with no Pendle oracle in the deployment, deploy Pendle's own PendlePYLpOracle
 * (its PT rate needs no initialisation) and give the markets enough observation slots for the TWAP.
 */
export async function preparePendleOracle(deployer: Signer, d: DeploymentJson, cardinality = 64): Promise<string> {
  const existing = (d.pendle as { oracle?: string }).oracle;
  if (existing) return getAddress(existing);
  const oracle = await deploy(deployer, PENDLE_ORACLE(), [], {}, "PendlePYLpOracle");
  for (const m of Object.values(d.pendle.markets ?? {})) {
    const market = new Contract(m.market, ["function increaseObservationsCardinalityNext(uint16)"], deployer);
    await confirm("Pendle increaseObservationsCardinalityNext", market.increaseObservationsCardinalityNext(cardinality));
  }
  return oracle;
}

export async function deployGuardrails(
  deployer: Signer,
  d: DeploymentJson,
  settings: GuardrailSettings,
  opts: { safe?: string; pendleOracle?: string; init?: InitConfig; rules?: RuleAddresses } = {},
): Promise<{ addresses: GuardrailAddresses; init: InitConfig }> {
  const provider = deployer.provider as Provider;
  const safe = getAddress(opts.safe ?? d.treasury?.safe ?? "");
  const rules = opts.rules ?? (await deployRuleUnits(deployer, d));
  const pendleOracle = opts.pendleOracle ?? (await preparePendleOracle(deployer, d));
  const adapters = await deployAdapters(deployer, pendleOracle);
  const init = withAdapters(opts.init ?? (await buildInitConfig(d, settings, provider, rules, adapters)), adapters);

  const policy = await new TreasuryPolicy__factory(deployer).deploy(safe, d.safe.multiSendCallOnly, pendleOracle, init);
  await confirm("deploy TreasuryPolicy", policy.deploymentTransaction()!);
  const policyAddr = await policy.getAddress();
  const valuation = await new TreasuryValuation__factory(deployer).deploy(policyAddr);
  await confirm("deploy TreasuryValuation", valuation.deploymentTransaction()!);
  const valuationAddr = await valuation.getAddress();
  const guard = await new TreasuryGuard__factory(deployer).deploy(policyAddr, valuationAddr, getAddress(d.safe.signMessageLib));
  await confirm("deploy TreasuryGuard", guard.deploymentTransaction()!);
  const module = await new AgentModule__factory(deployer).deploy(policyAddr, valuationAddr);
  await confirm("deploy AgentModule", module.deploymentTransaction()!);
  const handler = await new TreasuryFallbackHandler__factory(deployer).deploy(getAddress(d.safe.fallbackHandler));
  await confirm("deploy TreasuryFallbackHandler", handler.deploymentTransaction()!);
  const lens = await new TreasuryPolicyLens__factory(deployer).deploy();
  await confirm("deploy TreasuryPolicyLens", lens.deploymentTransaction()!);
  const addresses: GuardrailAddresses = {
    policy: policyAddr,
    valuation: valuationAddr,
    guard: await guard.getAddress(),
    module: await module.getAddress(),
    fallbackHandler: await handler.getAddress(),
    pendleOracle,
    aaveATokenAdapter: adapters.aaveAToken,
    aaveDebtAdapter: adapters.aaveDebt,
    erc4626Adapter: adapters.erc4626,
    pendlePTAdapter: adapters.pendlePT,
    lens: await lens.getAddress(),
    ruleAaveV3: rules.aaveV3,
    ruleErc4626: rules.erc4626,
    ruleUniswapV3: rules.uniswapV3,
    rulePendle: rules.pendle,
    ruleErc20: rules.erc20,
    ruleCow: rules.cow,
  };
  await confirm("TreasuryPolicy.bindEntryPoints", policy.bindEntryPoints(addresses.guard, addresses.module));
  return { addresses, init };
}

const SAFE_CONFIG = new Interface([
  "function enableModule(address module)",
  "function setFallbackHandler(address handler)",
  "function setGuard(address guard)",
]);

/**
 * The Safe transactions that attach the guardrails: enable the module, replace the fallback handler
 * (owner signatures alone stop being a valid ERC-1271 signature), then set the guard (last, so the
 * batch itself is not yet guarded). Batch them through MultiSendCallOnly.
 */
export function safeAttachTxs(safe: string, a: Pick<GuardrailAddresses, "guard" | "module" | "fallbackHandler">): MetaTx[] {
  return [
    { to: getAddress(safe), value: 0n, data: SAFE_CONFIG.encodeFunctionData("enableModule", [a.module]) },
    { to: getAddress(safe), value: 0n, data: SAFE_CONFIG.encodeFunctionData("setFallbackHandler", [a.fallbackHandler]) },
    { to: getAddress(safe), value: 0n, data: SAFE_CONFIG.encodeFunctionData("setGuard", [a.guard]) },
  ];
}
