// What the chain verbs share: the validated configuration, the logger, the journal, the execution
// context. Keys are loaded only by the verbs that need them.
import type { Logger } from "pino";
import { loadAgentConfig, loadKey, type AgentConfig, type LoadedKey } from "../config";
import { createLogger, registerSecret } from "../log";
import { Journal } from "../journal";
import type { ExecContext } from "../execute";
import { addressesFrom, execContext, loadDeployment, type Addresses } from "./context";
import type { Deployment } from "../../../lib/chain";

export interface Runtime {
  cfg: AgentConfig;
  log: Logger;
  deployment: Deployment;
  addresses: Addresses;
  journal: Journal;
  ctx: ExecContext;
  key(role: "agent" | "guardian" | "signer"): Promise<LoadedKey>;
  close(): Promise<void>;
}

export async function openRuntime(o: { env?: NodeJS.ProcessEnv; file?: string; overrides?: Record<string, unknown>; logLevel?: string } = {}): Promise<Runtime> {
  const env = o.env ?? process.env;
  const cfg = loadAgentConfig({ env, file: o.file, overrides: o.overrides });
  const apiKey = env[cfg.txService.apiKeyEnv]?.trim() || undefined;
  registerSecret(apiKey);
  registerSecret(env[cfg.anthropic.apiKeyEnv]?.trim());
  const log = createLogger(o.logLevel ?? cfg.logLevel);
  const deployment = loadDeployment(cfg.deploymentsFile);
  const addresses = addressesFrom(deployment, cfg.safe);
  const journal = await Journal.open({ databaseUrl: cfg.databaseUrl, dataDir: cfg.dataDir });
  const ctx = execContext({ rpcUrl: cfg.rpcUrl, addresses, journal, log, txServiceUrl: cfg.txService.url, apiKey, env });
  const keys = new Map<string, LoadedKey>();
  return {
    cfg,
    log,
    deployment,
    addresses,
    journal,
    ctx,
    async key(role) {
      if (!keys.has(role)) keys.set(role, await loadKey(role, cfg.keys[role], env));
      return keys.get(role)!;
    },
    close: () => journal.close(),
  };
}
