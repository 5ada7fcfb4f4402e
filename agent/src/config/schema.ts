// The agent's runtime configuration: one zod schema, filled from an optional JSON file and then the
// environment (env wins). Secrets are not part of it: keys are loaded by keys.ts and never logged.
import { z } from "zod";
import { getAddress, isAddress } from "viem";

const address = z
  .string()
  .refine((a) => isAddress(a, { strict: false }), "not a 20-byte hex address (0x + 40 hex digits)")
  .transform((a) => getAddress(a));
const url = z.url({ error: "not a URL (e.g. http://127.0.0.1:8545)" });

/** Where a key comes from: a raw hex key in an env variable, or an encrypted keystore JSON file. */
export const KeySourceSchema = z.union([
  z.strictObject({ env: z.string().min(1) }),
  z.strictObject({ keystore: z.string().min(1), passwordEnv: z.string().min(1) }),
]);
export type KeySource = z.infer<typeof KeySourceSchema>;

/** Alert channels (agent/src/alerts): each is off unless its section is present. Secrets (bot token,
 * SMTP password, webhook secret) come from the env variables named here. */
export const AlertsConfigSchema = z
  .strictObject({
    /** The same alert (kind + reason) is not sent again within this many seconds, across restarts. */
    dedupSeconds: z.number().int().min(0).default(21_600),
    /** Info alert for each batch executed through the module (every trade: off by default). */
    executed: z.boolean().default(false),
    /** A one-off "recovered" alert when a cycle succeeds after alerted failures or holds. */
    recovered: z.boolean().default(true),
    /** Per HTTP request / SMTP connection. */
    timeoutMs: z.number().int().positive().default(10_000),
    /** Attempts per channel for retryable errors (429, 5xx, timeouts). */
    maxAttempts: z.number().int().min(1).max(10).default(4),
    /** A Telegram 429 asking to wait longer than this gives up instead of blocking the agent. */
    maxRetryAfterSeconds: z.number().int().min(0).max(600).default(60),
    telegram: z
      .strictObject({
        /** Numeric chat id (groups: negative, -100…) or @channelusername. */
        chatId: z.union([z.number().int(), z.string().regex(/^(-?\d+|@\w{4,})$/, "a numeric chat id or @channelusername")], { error: "a numeric chat id or @channelusername" }),
        tokenEnv: z.string().min(1).default("TELEGRAM_BOT_TOKEN"),
        baseUrl: url.default("https://api.telegram.org"),
      })
      .optional(),
    email: z
      .strictObject({
        host: z.string().min(1),
        port: z.number().int().min(1).max(65_535).default(587),
        /** Implicit TLS (port 465); default: true on 465, else STARTTLS when the server offers it. */
        secure: z.boolean().optional(),
        user: z.string().min(1).optional(),
        passwordEnv: z.string().min(1).default("SMTP_PASSWORD"),
        from: z.string().min(3),
        to: z.preprocess((v) => (typeof v === "string" ? v.split(",").map((x) => x.trim()).filter(Boolean) : v), z.array(z.email({ error: "not an e-mail address" })).min(1)),
      })
      .optional(),
    webhook: z
      .strictObject({
        url,
        /** Standard Webhooks secret, whsec_<base64>. */
        secretEnv: z.string().min(1).default("ALERT_WEBHOOK_SECRET"),
      })
      .optional(),
  })
  .default({ dedupSeconds: 21_600, executed: false, recovered: true, timeoutMs: 10_000, maxAttempts: 4, maxRetryAfterSeconds: 60 });
export type AlertsConfig = z.infer<typeof AlertsConfigSchema>;

/** Watchers (agent/src/watch): between cycles `treasury run` follows the chain's logs and polls the
 * market and the protocols, and alerts a critical event within a minute. */
export const WatchConfigSchema = z
  .strictObject({
    enabled: z.boolean().default(true),
    /** Seconds between polls (chain logs, feeds, Aave, vaults, Pendle, proposals); one at a time. */
    intervalSeconds: z.number().int().min(1).max(3_600).default(30),
    /** A Safe proposal waiting longer than this for the owners is a warning. */
    proposalMaxAgeHours: z.number().gt(0).default(48),
    /** Value leaving the Safe (ExternalOutflow, an agent batch's size) above this is an alert. */
    largeOutflowUsd: z.number().min(0).default(50_000),
    /** A critical emergency event wakes the cycle loop for a cycle out of schedule (one a day still). */
    wakeCycle: z.boolean().default(true),
    /** Blocks per eth_getLogs request while catching up. */
    maxBlockRange: z.number().int().min(1).max(100_000).default(2_000),
  })
  .default({ enabled: true, intervalSeconds: 30, proposalMaxAgeHours: 48, largeOutflowUsd: 50_000, wakeCycle: true, maxBlockRange: 2_000 });
export type WatchConfig = z.infer<typeof WatchConfigSchema>;

/** Published list prices of the Messages API, USD per million tokens, by model id. This is
 * CONFIGURATION (the figures of the vendor's price page when written, MODEL_PRICES_AS_OF), used only
 * to turn the API's usage fields into a cost; change both when the prices or the model change. The
 * one place the prices live: config ai.prices defaults to it, bench/ai.json quotes it. */
export const MODEL_PRICES_AS_OF = "2026-12-07";
export const DEFAULT_MODEL_PRICES: Record<string, { inputPerMTok: number; outputPerMTok: number }> = {
  "claude-sonnet-4-6": { inputPerMTok: 3, outputPerMTok: 15 },
  "claude-sonnet-4-5": { inputPerMTok: 3, outputPerMTok: 15 },
  "claude-opus-4-5": { inputPerMTok: 5, outputPerMTok: 25 },
  "claude-haiku-4-5": { inputPerMTok: 1, outputPerMTok: 5 },
};

/** Issue 19: the assessments and reports (agent/src/ai). */
export const AiConfigSchema = z
  .strictObject({
    /** The daily assessment after each cycle (hold / prepare to rebalance / rebalance now). */
    daily: z.boolean().default(true),
    /** The strategy review every this many days (simulated or real). */
    weeklyEveryDays: z.number().int().min(1).max(366).default(7),
    /** The yearly return the weekly review measures the treasury against (a target, not a promise). */
    targetAnnualReturn: z.number().min(-1).max(10).default(0.08),
    prices: z.record(z.string(), z.strictObject({ inputPerMTok: z.number().nonnegative(), outputPerMTok: z.number().nonnegative() })).default(DEFAULT_MODEL_PRICES),
  })
  .default({ daily: true, weeklyEveryDays: 7, targetAnnualReturn: 0.08, prices: DEFAULT_MODEL_PRICES });

/** Issue 19 §3: what an emergency assessment may do by itself. A pause only takes power away
 * (on by default); a full exit sells everything and is automatic only when asked for. */
export const EmergencyConfigSchema = z
  .strictObject({ autoPause: z.boolean().default(true), autoExit: z.boolean().default(false) })
  .default({ autoPause: true, autoExit: false });

/** Issue 19 §5: the reports sent by e-mail and webhook (the alert channels' settings). */
export const ReportsConfigSchema = z
  .strictObject({ daily: z.boolean().default(true), weekly: z.boolean().default(true), monthly: z.boolean().default(true) })
  .default({ daily: true, weekly: true, monthly: true });

export const AgentConfigSchema = z.strictObject({
  rpcUrl: url,
  /** deployments/<network>.json: addresses of the Safe, protocols and guardrails. */
  deploymentsFile: z.string().min(1).default("deployments/local.json"),
  /** The treasury Safe; default: the deployments file's `treasury.safe`. */
  safe: address.optional(),
  keys: z
    .strictObject({
      agent: KeySourceSchema.default({ env: "AGENT_PRIVATE_KEY" }),
      guardian: KeySourceSchema.default({ env: "GUARDIAN_PRIVATE_KEY" }),
      signer: KeySourceSchema.default({ env: "SIGNER_PRIVATE_KEY" }),
    })
    .default({ agent: { env: "AGENT_PRIVATE_KEY" }, guardian: { env: "GUARDIAN_PRIVATE_KEY" }, signer: { env: "SIGNER_PRIVATE_KEY" } }),
  anthropic: z
    .strictObject({
      /** Name of the env variable holding the API key (the key itself never sits in config). */
      apiKeyEnv: z.string().default("ANTHROPIC_API_KEY"),
      model: z.string().min(1).optional(),
      baseUrl: url.optional(),
      timeoutMs: z.number().int().positive().default(30_000),
    })
    .default({ apiKeyEnv: "ANTHROPIC_API_KEY", timeoutMs: 30_000 }),
  txService: z
    .strictObject({
      /** A self-hosted or local service ending in /api; absent: the hosted one (needs the API key). */
      url: url.optional(),
      apiKeyEnv: z.string().default("SAFE_API_KEY"),
    })
    .default({ apiKeyEnv: "SAFE_API_KEY" }),
  schedule: z
    .strictObject({
      /** Seconds between cycle starts for `treasury run`. */
      intervalSeconds: z.number().int().min(1).default(86_400),
    })
    .default({ intervalSeconds: 86_400 }),
  strategy: z.string().min(1).default("trend-dd"),
  market: z
    .strictObject({ source: z.enum(["replay", "live"]).default("replay"), dataDir: z.string().optional() })
    .default({ source: "replay" }),
  slippageBps: z.number().int().min(0).max(1_000).default(50),
  /** Where the planner's swaps go. auto: CoW Protocol on Ethereum mainnet (chain 1), Uniswap v3 elsewhere. */
  swap: z
    .strictObject({
      venue: z.enum(["auto", "uniswap-v3", "cow"]).default("auto"),
      /** CoW Order Book API base URL; default https://api.cow.fi/mainnet on chain 1 (required elsewhere for cow). */
      cowApiUrl: url.optional(),
      /** How long a pre-signed CoW order stays fillable (CowSwapRule allows at most 3600 s). */
      cowValiditySeconds: z.number().int().min(120).max(3_600).default(1_800),
    })
    .default({ venue: "auto", cowValiditySeconds: 1_800 }),
  /** Risk on top of the chain's rules: above either limit only risk-reducing plans go ahead. */
  risk: z
    .strictObject({
      /** One-day historical VaR at 95% of the portfolio after the plan, a fraction of NAV. */
      maxVar1d: z.number().gt(0).lt(1).default(0.05),
      /** NAV (as journaled each cycle) this far under its running peak stops risk-taking. */
      maxDrawdown: z.number().gt(0).lt(1).default(0.25),
      /** Days of replayed closes the VaR looks back over. */
      varLookbackDays: z.number().int().min(30).max(2_000).default(365),
    })
    .default({ maxVar1d: 0.05, maxDrawdown: 0.25, varLookbackDays: 365 }),
  /** Leverage (Decision.leverage, once the owners enabled borrowing): the health factor the planner
   * keeps above the policy's floor when it sizes a borrow (floor 1.6 + 0.25: borrow only down to 1.85). */
  leverage: z.strictObject({ hfMargin: z.number().min(0).max(5).default(0.25) }).default({ hfMargin: 0.25 }),
  /** Confirmations before an execution is final; until then each cycle re-reads its receipt and
   * reopens the decision if a reorg removed it. Absent: 2 on the local chain (31337), else 12. */
  confirmations: z.number().int().min(1).max(1_000).optional(),
  /** Postgres URL; absent: embedded PGlite in `dataDir`. */
  databaseUrl: z.string().regex(/^postgres(ql)?:\/\//, "a postgres:// or postgresql:// URL").optional(),
  dataDir: z.string().min(1).default(".treasury-agent"),
  logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info"),
  alerts: AlertsConfigSchema,
  watch: WatchConfigSchema,
  ai: AiConfigSchema,
  emergency: EmergencyConfigSchema,
  reports: ReportsConfigSchema,
  /** `treasury run`'s HTTP server (agent/src/server): health, Prometheus metrics, JSON API. */
  server: z
    .strictObject({
      enabled: z.boolean().default(false),
      /** Loopback by default: the API shows the treasury's state. Any other interface needs `token`. */
      host: z.string().min(1).default("127.0.0.1"),
      /** Bearer token every route but /health/live requires when set (≥ 24 characters; from a secret store). */
      token: z
        .string()
        .min(24, "must be at least 24 characters (e.g. `openssl rand -hex 32`)")
        .regex(/^[A-Za-z0-9._~+/-]+=*$/, "may hold only letters, digits and . _ ~ + / - (a bearer token's characters), e.g. `openssl rand -hex 32`")
        .optional(),
      /** Requests per client address per window, every route but /health/live (429 with Retry-After over it). */
      rateLimit: z
        .strictObject({ windowSeconds: z.number().int().min(1).default(60), max: z.number().int().min(1).default(300) })
        .default({ windowSeconds: 60, max: 300 }),
      /** 0: a free port chosen by the OS (the URL is printed and logged once listening). */
      port: z.number().int().min(0).max(65_535).default(9464),
      /** /health allows the last cycle to be 2 × the interval + this old, and the first this long to come. */
      healthSlackSeconds: z.number().int().min(0).default(300),
      /** /health fails once this many cycles in a row ended aborted or failed. */
      maxFailedCycles: z.number().int().min(1).default(3),
      /** The indexer's HTTP API (Ponder): the dashboard shows its performance and decision outcomes; absent: the journal's. */
      indexerUrl: z.string().regex(/^https?:\/\//, "an http(s):// URL").optional(),
    })
    .default({ enabled: false, host: "127.0.0.1", port: 9464, healthSlackSeconds: 300, maxFailedCycles: 3, rateLimit: { windowSeconds: 60, max: 300 } })
    // Off loopback the treasury's state would be open to the network: only with a token.
    .refine((s) => isLoopbackHost(s.host) || s.token !== undefined, {
      path: ["token"],
      message: "is required when the server listens beyond loopback (server.host is not 127.0.0.1, ::1 or localhost)",
    }),
});
export type AgentConfig = z.infer<typeof AgentConfigSchema>;
export type AgentConfigInput = z.input<typeof AgentConfigSchema>;

/** 127.0.0.0/8, ::1 and localhost: addresses only this machine can reach. */
export function isLoopbackHost(host: string): boolean {
  const h = host.trim().toLowerCase().replace(/^\[|\]$/g, "");
  return h === "localhost" || h === "::1" || /^127(\.\d{1,3}){3}$/.test(h);
}
