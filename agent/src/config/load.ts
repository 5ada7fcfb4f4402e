// Load the configuration: defaults < JSON file (AGENT_CONFIG or --config) < environment variables.
// Every problem comes back as one UserError naming the field, where it came from, and the fix.
import fs from "node:fs";
import { z } from "zod";
import { UserError } from "../errors";
import { AgentConfigSchema, type AgentConfig } from "./schema";

/** Environment variable → config path. Only these are read; secrets are read by keys.ts. */
export const ENV_MAP: Record<string, string> = {
  RPC_URL: "rpcUrl",
  DEPLOYMENTS_FILE: "deploymentsFile",
  SAFE_ADDRESS: "safe",
  ANTHROPIC_MODEL: "anthropic.model",
  ANTHROPIC_BASE_URL: "anthropic.baseUrl",
  ANTHROPIC_TIMEOUT_MS: "anthropic.timeoutMs",
  SAFE_TX_SERVICE_URL: "txService.url",
  AGENT_INTERVAL_SECONDS: "schedule.intervalSeconds",
  AGENT_STRATEGY: "strategy",
  MARKET_SOURCE: "market.source",
  MARKET_DATA_DIR: "market.dataDir",
  AGENT_SLIPPAGE_BPS: "slippageBps",
  SWAP_VENUE: "swap.venue",
  COW_API_URL: "swap.cowApiUrl",
  COW_ORDER_VALIDITY_SECONDS: "swap.cowValiditySeconds",
  AGENT_MAX_VAR: "risk.maxVar1d",
  AGENT_MAX_DRAWDOWN: "risk.maxDrawdown",
  AGENT_CONFIRMATIONS: "confirmations",
  DATABASE_URL: "databaseUrl",
  AGENT_DATA_DIR: "dataDir",
  LOG_LEVEL: "logLevel",
  ALERT_DEDUP_SECONDS: "alerts.dedupSeconds",
  TELEGRAM_CHAT_ID: "alerts.telegram.chatId",
  TELEGRAM_API_URL: "alerts.telegram.baseUrl",
  SMTP_HOST: "alerts.email.host",
  SMTP_PORT: "alerts.email.port",
  SMTP_USER: "alerts.email.user",
  ALERT_EMAIL_FROM: "alerts.email.from",
  ALERT_EMAIL_TO: "alerts.email.to",
  ALERT_WEBHOOK_URL: "alerts.webhook.url",
  AGENT_SERVER_ENABLED: "server.enabled",
  AGENT_SERVER_HOST: "server.host",
  AGENT_SERVER_PORT: "server.port",
  AGENT_SERVER_TOKEN: "server.token",
  INDEXER_URL: "server.indexerUrl",
  WATCH_ENABLED: "watch.enabled",
  WATCH_INTERVAL_SECONDS: "watch.intervalSeconds",
  WATCH_PROPOSAL_MAX_AGE_HOURS: "watch.proposalMaxAgeHours",
  WATCH_LARGE_OUTFLOW_USD: "watch.largeOutflowUsd",
};
const NUMERIC = new Set(["confirmations", "anthropic.timeoutMs", "schedule.intervalSeconds", "slippageBps", "swap.cowValiditySeconds", "risk.maxVar1d", "risk.maxDrawdown", "alerts.dedupSeconds", "alerts.email.port", "server.port", "watch.intervalSeconds", "watch.proposalMaxAgeHours", "watch.largeOutflowUsd"]);
/** Env spellings of a boolean; anything else reaches zod as text and is refused there. */
const YES_NO = { true: true, "1": true, yes: true, false: false, "0": false, no: false };
const BOOLEAN: Record<string, Record<string, boolean>> = { "server.enabled": YES_NO, "watch.enabled": YES_NO };
const FIX: Record<string, string> = {
  rpcUrl: "set RPC_URL to your node's JSON-RPC URL (npm start prints the local one)",
  safe: "set SAFE_ADDRESS to the treasury Safe's address",
  confirmations: "set AGENT_CONFIRMATIONS to an integer from 1 to 1000 (blocks on top of an execution before it is final)",
  databaseUrl: "set DATABASE_URL=postgres://user:pass@host:5432/db, or unset it for the embedded database",
  slippageBps: "set AGENT_SLIPPAGE_BPS to an integer from 0 to 1000",
  "swap.venue": "set SWAP_VENUE to auto, uniswap-v3 or cow",
  "swap.cowValiditySeconds": "set COW_ORDER_VALIDITY_SECONDS to 120 … 3600 (CowSwapRule allows at most an hour)",
  logLevel: "set LOG_LEVEL to one of fatal, error, warn, info, debug, trace, silent",
  "alerts.telegram.chatId": "set TELEGRAM_CHAT_ID to the chat's numeric id (groups: -100…) or @channelusername",
  "alerts.email.to": "set ALERT_EMAIL_TO to one or more comma-separated addresses",
  "alerts.email.host": "set SMTP_HOST (and ALERT_EMAIL_FROM, ALERT_EMAIL_TO) or remove alerts.email",
  "alerts.email.from": "set ALERT_EMAIL_FROM, e.g. \"Treasury <bot@example.org>\"",
  "server.enabled": "set AGENT_SERVER_ENABLED to true or false",
  "server.port": "set AGENT_SERVER_PORT to an integer from 0 to 65535 (0: a free port chosen by the OS)",
  "server.host": "set AGENT_SERVER_HOST to the interface to listen on, e.g. 127.0.0.1",
  "server.token": "set AGENT_SERVER_TOKEN to a secret of at least 24 characters (e.g. `openssl rand -hex 32`), or keep AGENT_SERVER_HOST on 127.0.0.1",
  "server.indexerUrl": "set INDEXER_URL to the indexer's HTTP URL, e.g. http://127.0.0.1:42069, or unset it",
};

function envName(pathStr: string): string | undefined {
  return Object.entries(ENV_MAP).find(([, p]) => p === pathStr)?.[0];
}

function setPath(obj: Record<string, unknown>, dotted: string, value: unknown) {
  const parts = dotted.split(".");
  let o = obj;
  for (const p of parts.slice(0, -1)) o = (o[p] ??= {}) as Record<string, unknown>;
  o[parts[parts.length - 1]] = value;
}

export function formatIssues(err: z.ZodError, file?: string): string {
  return err.issues
    .map((i) => {
      const p = i.path.join(".") || "(root)";
      // A list's item (alerts.email.to.1) comes from the list's variable.
      const env = envName(p.replace(/\.\d+$/, ""));
      const from = [env && `env ${env}`, file && `file ${file}`].filter(Boolean).join(" or ");
      const fix = FIX[p] ?? FIX[p.replace(/\.\d+$/, "")] ?? (i.code === "unrecognized_keys" ? `remove ${(i as { keys?: string[] }).keys?.join(", ")}` : env ? `set ${env}` : `fix ${p} in the config file`);
      return `config ${p}${from ? ` (${from})` : ""}: ${i.message}; ${fix}`;
    })
    .join("\n");
}

export interface LoadOptions {
  env?: NodeJS.ProcessEnv;
  /** JSON config file; default $AGENT_CONFIG. */
  file?: string;
  /** Values from command-line flags, applied last. */
  overrides?: Record<string, unknown>;
}

export function loadAgentConfig(o: LoadOptions = {}): AgentConfig {
  const env = o.env ?? process.env;
  const file = o.file ?? env.AGENT_CONFIG;
  let raw: Record<string, unknown> = {};
  if (file) {
    let text: string;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch (e) {
      throw new UserError(`config file ${file}: ${(e as Error).message}; pass an existing JSON file or unset AGENT_CONFIG`);
    }
    try {
      raw = JSON.parse(text);
    } catch (e) {
      throw new UserError(`config file ${file}: not valid JSON (${(e as Error).message}); fix the file`);
    }
    if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new UserError(`config file ${file}: must hold one JSON object`);
  }
  for (const [name, p] of Object.entries(ENV_MAP)) {
    const v = env[name]?.trim();
    if (!v) continue;
    const bool = BOOLEAN[p]?.[v.toLowerCase()];
    setPath(raw, p, bool ?? (NUMERIC.has(p) && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v));
  }
  for (const [p, v] of Object.entries(o.overrides ?? {})) if (v !== undefined) setPath(raw, p, v);
  const parsed = AgentConfigSchema.safeParse(raw);
  if (!parsed.success) throw new UserError(formatIssues(parsed.error, file));
  return parsed.data;
}
