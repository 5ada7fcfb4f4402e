// Everything a cycle talks to, built once from the configuration: the chain client, the journal,
// the guardrail addresses and the Safe clients' settings.
import { createPublicClient, getAddress, http, type Address, type PublicClient } from "viem";
import type { Logger } from "pino";
import { UserError } from "../errors";
import { guardrailsOf, readDeployment, type Deployment } from "../../../lib/chain";
import type { Journal } from "../journal";
import type { ExecContext } from "../execute";
import type { SafeClientConfig } from "../safe";

export interface Addresses {
  chainId: number;
  safe: Address;
  module: Address;
  policy: Address;
  valuation: Address;
  guard: Address;
  multiSendCallOnly: Address;
  /** protocol-kit's contractNetworks for chains its registry lacks (local). */
  safeContracts: Record<string, string>;
}

/** The addresses the execution step needs from a deployments file (the planner reads the rest). */
export function loadDeployment(file: string): Deployment {
  try {
    return readDeployment(file);
  } catch (e) {
    throw new UserError(`deployments file ${file}: ${(e as Error).message}; set DEPLOYMENTS_FILE to the file npm start or deploy:guardrails wrote`);
  }
}

export function addressesFrom(fileOrDeployment: string | Deployment, safeOverride?: Address): Addresses {
  const d = typeof fileOrDeployment === "string" ? loadDeployment(fileOrDeployment) : fileOrDeployment;
  const file = typeof fileOrDeployment === "string" ? fileOrDeployment : d.network;
  let g;
  try {
    g = guardrailsOf(d);
  } catch (e) {
    throw new UserError((e as Error).message);
  }
  const safe = safeOverride ?? (d.treasury?.safe ? getAddress(d.treasury.safe) : undefined);
  if (!safe) throw new UserError(`no treasury Safe: set SAFE_ADDRESS or add treasury.safe to ${file}`);
  return {
    chainId: d.chainId,
    safe,
    module: getAddress(g.module),
    policy: getAddress(g.policy),
    valuation: getAddress(g.valuation),
    guard: getAddress(g.guard),
    multiSendCallOnly: getAddress(d.safe.multiSendCallOnly),
    safeContracts: d.safe as unknown as Record<string, string>,
  };
}

export function contractNetworks(a: Addresses) {
  const s = a.safeContracts;
  return {
    [String(a.chainId)]: {
      safeSingletonAddress: s.safeL2,
      safeProxyFactoryAddress: s.safeProxyFactory,
      multiSendAddress: s.multiSend,
      multiSendCallOnlyAddress: s.multiSendCallOnly,
      fallbackHandlerAddress: s.fallbackHandler,
      signMessageLibAddress: s.signMessageLib,
      createCallAddress: s.createCall,
      simulateTxAccessorAddress: s.simulateTxAccessor,
    },
  };
}

export function execContext(o: { rpcUrl: string; addresses: Addresses; journal: Journal; log: Logger; txServiceUrl?: string; apiKey?: string; client?: PublicClient; env?: NodeJS.ProcessEnv; confirmations?: number }): ExecContext {
  const a = o.addresses;
  const client = o.client ?? (createPublicClient({ transport: http(o.rpcUrl, { retryCount: 0 }), pollingInterval: 50 }) as PublicClient);
  const safeCfg: SafeClientConfig | undefined =
    o.txServiceUrl || o.apiKey
      ? { rpcUrl: o.rpcUrl, safeAddress: a.safe, chainId: BigInt(a.chainId), txServiceUrl: o.txServiceUrl, apiKey: o.apiKey, contractNetworks: a.chainId === 1 ? undefined : contractNetworks(a) }
      : undefined;
  return { client, journal: o.journal, log: o.log, chainId: a.chainId, safe: a.safe, module: a.module, policy: a.policy, safeCfg, env: o.env, confirmations: o.confirmations };
}
