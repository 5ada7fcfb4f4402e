// Guardrail settings: the human-chosen numbers (caps, limits, delay, staleness, roles) that the
// policy is deployed with. Validated with zod so a typo in a config file fails with a clear message.
import fs from "node:fs";
import { z } from "zod";

const address = z.string().regex(/^0x[0-9a-fA-F]{40}$/, "must be a 0x-prefixed 20-byte hex address");
const bps = z.number().int().min(0).max(10_000);

export const GuardrailSettingsSchema = z
  .object({
    caps: z
      .object({
        /** Share of NAV in volatile assets (spot and positions over volatile underlyings). */
        maxVolatileBps: bps.default(4_000),
        /** Share of NAV in any one protocol. */
        maxProtocolBps: bps.default(6_000),
        /** Share of NAV in any one position or volatile asset (stablecoin cash is exempt). */
        maxPositionBps: bps.default(5_000),
      })
      .default({ maxVolatileBps: 4_000, maxProtocolBps: 6_000, maxPositionBps: 5_000 }),
    limits: z
      .object({
        /** NAV after a transaction >= NAV before x (1 - maxLossBps), payments excluded. */
        maxLossBps: bps.default(100),
        /** Largest agent batch, USD. Larger moves go to the owners. */
        autonomyLimitUsd: z.number().nonnegative().default(50_000),
        /** Agent turnover in any rolling 24 h, USD. */
        dailyBudgetUsd: z.number().nonnegative().default(150_000),
      })
      .default({ maxLossBps: 100, autonomyLimitUsd: 50_000, dailyBudgetUsd: 150_000 })
      .refine((l) => l.autonomyLimitUsd <= l.dailyBudgetUsd, "limits.autonomyLimitUsd must not exceed limits.dailyBudgetUsd"),
    /** Timelock for loosening changes and Safe owner/module/guard changes (1 h .. 30 days). */
    delaySeconds: z.number().int().min(3_600).max(30 * 86_400).default(2 * 86_400),
    /** Per-asset maximum feed age, seconds. Chainlink heartbeats: USDC/USD 24 h, ETH/USD, BTC/USD, DAI/USD 1 h. */
    maxStalenessSeconds: z.record(z.string(), z.number().int().positive()).default({
      USDC: 26 * 3_600,
      DAI: 3 * 3_600,
      WETH: 3 * 3_600,
      WBTC: 3 * 3_600,
    }),
    /** Asset classes by symbol. */
    classes: z.record(z.string(), z.enum(["stable", "volatile"])).default({
      USDC: "stable",
      DAI: "stable",
      WETH: "volatile",
      WBTC: "volatile",
    }),
    /** Pendle PT valuation: TWAP window of the market oracle, seconds. */
    pendleTwapSeconds: z.number().int().min(60).max(86_400).default(900),
    agents: z.array(address).default([]),
    guardians: z.array(address).default([]),
    payees: z.array(address).default([]),
  })
  .strict();

export type GuardrailSettings = z.infer<typeof GuardrailSettingsSchema>;

/** Parse settings (partial input is completed with the defaults). Throws a readable error. */
export function parseGuardrailSettings(input: unknown, source = "guardrail settings"): GuardrailSettings {
  const result = GuardrailSettingsSchema.safeParse(input ?? {});
  if (!result.success) {
    const lines = result.error.issues.map((i) => `  - ${i.path.join(".") || "(root)"}: ${i.message}`);
    throw new Error(`Invalid ${source}:\n${lines.join("\n")}\nFix the file and run again.`);
  }
  return result.data;
}

export function loadGuardrailSettings(file: string): GuardrailSettings {
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, "utf8"));
  } catch (err) {
    throw new Error(`Cannot read guardrail settings ${file}: ${(err as Error).message}`);
  }
  return parseGuardrailSettings(raw, file);
}
