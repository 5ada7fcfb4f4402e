// Strategy and backtest settings: caps mirror the on-chain policy (same shape as the guardrail
// settings' "caps"), so targets never ask the chain for something it refuses.
import fs from "node:fs";
import { z } from "zod";
import { UserError } from "../errors";

const bps = z.number().int().min(0).max(10_000);
const rate = z.number().min(-1).max(5);
const frac = z.number().min(0).max(1);

export const configSchema = z
  .object({
    caps: z
      .object({ maxVolatileBps: bps, maxProtocolBps: bps, maxPositionBps: bps })
      .strict()
      .default({ maxVolatileBps: 4000, maxProtocolBps: 6000, maxPositionBps: 5000 }),
    /** Targets stay this far under each cap so that a fill's slippage cannot cross it. */
    capMarginBps: bps.default(25),
    capitalUsd: z.number().positive().default(400_000),
    costs: z
      .object({ swapFeeBps: bps, slippageBps: bps, gasUsdPerRebalance: z.number().min(0) })
      .strict()
      .default({ swapFeeBps: 5, slippageBps: 10, gasUsdPerRebalance: 25 }),
    rates: z
      .object({
        /** Aave USDC APR where stable_yield_daily.csv has no value. */
        aaveFallbackApr: rate,
        pendlePtApr: rate,
        vaultApr: rate,
        /** Annual risk-free rate for Sharpe/Sortino. */
        riskFree: rate,
      })
      .strict()
      .default({ aaveFallbackApr: 0.03, pendlePtApr: 0.06, vaultApr: 0.045, riskFree: 0 }),
    /** The base sleeve (the original plan: 60% in yield). */
    base: z.object({ aaveUsdc: frac, pendlePt: frac, vault: frac }).strict().default({ aaveUsdc: 0.25, pendlePt: 0.2, vault: 0.15 }),
    /** How the volatile part splits between BTC and ETH. */
    volatileSplit: z.object({ btc: frac, eth: frac }).strict().default({ btc: 0.6, eth: 0.4 }),
    rebalance: z
      .object({ driftPct: frac, minTradePct: frac, reviewWeekday: z.number().int().min(0).max(6) })
      .strict()
      .default({ driftPct: 0.05, minTradePct: 0.01, reviewWeekday: 1 }),
    /** The quarterly-expiry play on the default strategy (docs/strategy.md: off by the walk-forward evidence). */
    expiryPlay: z.object({ enabled: z.boolean() }).strict().default({ enabled: false }),
    /**
     * Backtest borrow cost where the data has no USDC borrow rate (data/market has the supply rate
     * only): borrow APR = supply APR / (utilisation × (1 − reserve factor)), Aave's own identity.
     */
    borrowModel: z.object({ utilisation: frac, reserveFactor: frac }).strict().default({ utilisation: 0.8, reserveFactor: 0.1 }),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;

export function defaultConfig(): Config {
  return configSchema.parse({});
}

/** The policy's caps as the chain enforces them now (TreasuryPolicy.caps, read with the portfolio). */
export interface ChainCaps {
  maxVolatileBps: number;
  maxProtocolBps: number;
  maxPositionBps: number;
}

/**
 * `c` with the caps read on chain instead of its own: the owners change caps on chain (a tightening
 * is immediate), so a live strategy targets what the check will accept, not what the file said.
 */
export function withChainCaps(c: Config, caps: ChainCaps): Config {
  return { ...c, caps: { maxVolatileBps: Number(caps.maxVolatileBps), maxProtocolBps: Number(caps.maxProtocolBps), maxPositionBps: Number(caps.maxPositionBps) } };
}

export function parseConfig(raw: unknown, where = "config"): Config {
  const r = configSchema.safeParse(raw);
  if (!r.success) {
    const i = r.error.issues[0];
    throw new UserError(`${where}: ${i.path.join(".") || "(root)"}: ${i.message}; see agent/README.md for the settings`);
  }
  const c = r.data;
  const base = c.base.aaveUsdc + c.base.pendlePt + c.base.vault;
  if (base > 1) throw new UserError(`${where}: base weights sum to ${base}, more than 1; lower them`);
  if (Math.abs(c.volatileSplit.btc + c.volatileSplit.eth - 1) > 1e-9)
    throw new UserError(`${where}: volatileSplit.btc + volatileSplit.eth must be 1`);
  return c;
}

// Keys of the guardrail settings file (scripts/guardrails/settings.ts) that this config does not use:
// accepted and ignored, so one settings file can serve both.
const GUARDRAIL_ONLY = ["limits", "delaySeconds", "maxStalenessSeconds", "classes", "pendleTwapSeconds", "agents", "guardians", "payees"];

/** Reads a JSON settings file. Unknown keys are refused; a guardrail settings file's own keys are ignored. */
export function loadConfig(file: string): Config {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (e) {
    throw new UserError(`${file}: cannot read JSON (${(e as Error).message}); pass --config with a JSON settings file`);
  }
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw new UserError(`${file}: settings must be a JSON object`);
  const obj = raw as Record<string, unknown>;
  const known = Object.keys(configSchema.shape);
  const unknown = Object.keys(obj).filter((k) => !known.includes(k) && !GUARDRAIL_ONLY.includes(k));
  if (unknown.length) throw new UserError(`${file}: unknown setting "${unknown[0]}"; known: ${known.join(", ")}`);
  return parseConfig(Object.fromEntries(known.filter((k) => k in obj).map((k) => [k, obj[k]])), file);
}
