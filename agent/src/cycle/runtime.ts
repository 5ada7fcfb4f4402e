// What the chain verbs share: the validated configuration, the logger, the journal, the execution
// context. Keys are loaded only by the verbs that need them.
import type { Logger } from "pino";
import { loadAgentConfig, loadKey, type AgentConfig, type LoadedKey } from "../config";
import { createLogger, registerSecret } from "../log";
import { Journal, JournalLockedError } from "../journal";
import type { ExecContext } from "../execute";
import { addressesFrom, execContext, loadDeployment, type Addresses } from "./context";
import type { Deployment } from "../../../lib/chain";

export interface Runtime {
  cfg: AgentConfig;
  log: Logger;
  deployment: Deployment;
  addresses: Addresses;
  journal: Journal;
  /** Set when the journal was left to the process that holds it (journal: "if-free"): why. */
  journalHeld?: string;
  ctx: ExecContext;
  key(role: "agent" | "guardian" | "signer"): Promise<LoadedKey>;
  close(): Promise<void>;
}

/**
 * `journal`: "agent" (once, run, propose) takes the journal for this Safe alone: the data folder's
 * lock (embedded) and the Safe's advisory lock (Postgres); a second agent is refused (exit 2).
 * "if-free" (sign, execute, status) uses the journal when no other process holds it, else leaves it
 * to the running agent, which learns what happened from the chain at its next cycle.
 */
export async function openRuntime(o: { env?: NodeJS.ProcessEnv; file?: string; overrides?: Record<string, unknown>; logLevel?: string; journal?: "agent" | "if-free" | "shared" } = {}): Promise<Runtime> {
  const env = o.env ?? process.env;
  const cfg = loadAgentConfig({ env, file: o.file, overrides: o.overrides });
  const apiKey = env[cfg.txService.apiKeyEnv]?.trim() || undefined;
  registerSecret(apiKey);
  registerSecret(env[cfg.anthropic.apiKeyEnv]?.trim());
  const log = createLogger(o.logLevel ?? cfg.logLevel);
  const deployment = loadDeployment(cfg.deploymentsFile);
  const addresses = addressesFrom(deployment, cfg.safe);
  let journal: Journal;
  let journalHeld: string | undefined;
  try {
    journal = await Journal.open({ databaseUrl: cfg.databaseUrl, dataDir: cfg.dataDir });
  } catch (e) {
    if (!(e instanceof JournalLockedError) || o.journal !== "if-free") throw e;
    journalHeld = e.message;
    journal = heldJournal(e.message);
  }
  if (o.journal === "agent") {
    try {
      await journal.lockSafe(`${addresses.chainId}:${addresses.safe}`);
    } catch (e) {
      await journal.close();
      throw e;
    }
  }
  const ctx = execContext({ rpcUrl: cfg.rpcUrl, addresses, journal, log, txServiceUrl: cfg.txService.url, apiKey, env, confirmations: cfg.confirmations });
  const keys = new Map<string, LoadedKey>();
  return {
    cfg,
    log,
    deployment,
    addresses,
    journal,
    journalHeld,
    ctx,
    async key(role) {
      if (!keys.has(role)) keys.set(role, await loadKey(role, cfg.keys[role], env));
      return keys.get(role)!;
    },
    close: () => journal.close(),
  };
}

/** Stands in for a journal another process holds: any use says so (a verb that needs the journal
 * checks `journalHeld` first; this only keeps a slip from touching the other process's files). */
function heldJournal(why: string): Journal {
  return new Proxy({} as Journal, {
    get: (_t, k) => (k === "close" ? async () => undefined : k === "then" ? undefined : () => Promise.reject(new Error(why))),
  });
}
