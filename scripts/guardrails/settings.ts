// Guardrail settings: the human-chosen numbers (caps, limits, delay, staleness, roles) that the
// policy is deployed with. Validated with zod; every error names the field path, the value it had
// and what to write instead. Unknown fields are refused at every level (a typo never silently falls
// back to a default). `classes` and `maxStalenessSeconds` are merged over the defaults, key by key.
// Every field is shown in settings.example.json and described in the README.
import fs from "node:fs";
import { getAddress, isAddress, ZeroAddress } from "ethers";
import { z } from "zod";
import { closest } from "../../lib/suggest";

/**
 * An EIP-55 address. Mixed case must carry a valid checksum: a wrong one usually means a mistyped
 * address, so it is refused rather than "fixed". All-lowercase is accepted (no checksum to check).
 */
const address = z
  .string()
  .superRefine((v, ctx) => {
    if (!/^0x[0-9a-fA-F]{40}$/.test(v)) {
      ctx.addIssue({ code: "custom", message: "is not an address: write 0x followed by 40 hex digits" });
    } else if (!isAddress(v)) {
      ctx.addIssue({ code: "custom", message: "has a wrong EIP-55 checksum, so it may be mistyped: copy it again from its source (or write it all lowercase once you have checked it)" });
    } else if (getAddress(v) === ZeroAddress) {
      ctx.addIssue({ code: "custom", message: "is the zero address, which nobody controls: give a real account" });
    }
  })
  .transform((v) => getAddress(v));
const addressList = z.array(address).superRefine((list, ctx) => {
  const seen = new Set<string>();
  list.forEach((a, i) => {
    if (seen.has(a)) ctx.addIssue({ code: "custom", path: [i], message: "is listed twice: remove the duplicate" });
    seen.add(a);
  });
});
const bps = z.number().int("must be a whole number of basis points").min(0, "must be ≥ 0").max(10_000, "must be ≤ 10000 (basis points: 10000 = 100%)");

export const DEFAULT_CAPS = { maxVolatileBps: 4_000, maxProtocolBps: 6_000, maxPositionBps: 5_000 };
export const DEFAULT_LIMITS = { maxLossBps: 100, autonomyLimitUsd: 50_000, dailyBudgetUsd: 150_000, minHealthFactor: 1.6 };
/** Chainlink heartbeats: USDC/USD 24 h, ETH/USD, BTC/USD, DAI/USD 1 h; a margin over each. */
export const DEFAULT_MAX_STALENESS: Record<string, number> = { USDC: 26 * 3_600, DAI: 3 * 3_600, WETH: 3 * 3_600, WBTC: 3 * 3_600 };
export const DEFAULT_CLASSES: Record<string, "stable" | "volatile"> = { USDC: "stable", DAI: "stable", WETH: "volatile", WBTC: "volatile" };

const SettingsInputSchema = z
  .object({
    caps: z
      .object({
        /** Share of NAV in volatile assets (spot and positions over volatile underlyings). */
        maxVolatileBps: bps.default(DEFAULT_CAPS.maxVolatileBps),
        /** Share of NAV in any one protocol. */
        maxProtocolBps: bps.default(DEFAULT_CAPS.maxProtocolBps),
        /** Share of NAV in any one position or volatile asset (stablecoin cash is exempt). */
        maxPositionBps: bps.default(DEFAULT_CAPS.maxPositionBps),
      })
      .strict()
      .default(DEFAULT_CAPS),
    limits: z
      .object({
        /** NAV after a transaction >= NAV before x (1 - maxLossBps), payments excluded. */
        maxLossBps: bps.default(DEFAULT_LIMITS.maxLossBps),
        /** Largest agent batch, USD. Larger moves go to the owners. */
        autonomyLimitUsd: z.number().nonnegative("must be ≥ 0 (USD)").default(DEFAULT_LIMITS.autonomyLimitUsd),
        /** Agent turnover in any rolling 24 h, USD. */
        dailyBudgetUsd: z.number().nonnegative("must be ≥ 0 (USD)").default(DEFAULT_LIMITS.dailyBudgetUsd),
        /** While the Safe has debt, its Aave health factor must stay at or above this after every transaction. */
        minHealthFactor: z.number().min(1, "must be ≥ 1 (below 1 Aave liquidates)").max(100, "must be ≤ 100").default(DEFAULT_LIMITS.minHealthFactor),
      })
      .strict()
      .default(DEFAULT_LIMITS)
      .refine((l) => l.autonomyLimitUsd <= l.dailyBudgetUsd, {
        message: "autonomyLimitUsd is larger than dailyBudgetUsd: one batch could never use it; lower autonomyLimitUsd or raise dailyBudgetUsd",
      }),
    /** Timelock for loosening changes and Safe owner/module/guard changes (1 h .. 30 days). */
    delaySeconds: z.number().int("must be whole seconds").min(3_600, "must be ≥ 3600 (1 hour)").max(30 * 86_400, "must be ≤ 2592000 (30 days)").default(2 * 86_400),
    /** Per-asset maximum feed age, seconds, by token symbol; merged over the defaults. */
    maxStalenessSeconds: z.record(z.string(), z.number().int("must be whole seconds").positive("must be > 0 seconds")).default({}),
    /** Asset classes by token symbol; merged over the defaults. */
    classes: z.record(z.string(), z.enum(["stable", "volatile"], { message: 'must be "stable" or "volatile"' })).default({}),
    /** Assets the treasury may owe, by token symbol: their Aave variable debt tokens are registered as
     * liability positions (counted negatively in NAV). Borrowing itself is enabled separately, by
     * registering the Aave borrow rule through the timelock. Empty = no debt positions (cheaper checks). */
    borrowable: z.array(z.string()).default([]),
    /** Pendle PT valuation: TWAP window of the market oracle, seconds. */
    pendleTwapSeconds: z.number().int("must be whole seconds").min(60, "must be ≥ 60").max(86_400, "must be ≤ 86400 (1 day)").default(900),
    agents: addressList.default([]),
    guardians: addressList.default([]),
    payees: addressList.default([]),
  })
  .strict();

export type GuardrailSettings = Omit<z.infer<typeof SettingsInputSchema>, "classes" | "maxStalenessSeconds"> & {
  classes: Record<string, "stable" | "volatile">;
  maxStalenessSeconds: Record<string, number>;
};

/** Known fields at each object path, for "did you mean" hints on unknown keys. */
const KNOWN_FIELDS: Record<string, string[]> = {
  "": Object.keys(SettingsInputSchema.shape),
  caps: Object.keys(DEFAULT_CAPS),
  limits: Object.keys(DEFAULT_LIMITS),
};

function valueAt(input: unknown, path: PropertyKey[]): unknown {
  let v = input;
  for (const k of path) v = v !== null && typeof v === "object" ? (v as Record<PropertyKey, unknown>)[k] : undefined;
  return v;
}

function describeIssue(issue: z.core.$ZodIssue, input: unknown): string[] {
  const at = issue.path.join(".");
  if (issue.code === "unrecognized_keys") {
    const known = KNOWN_FIELDS[at] ?? [];
    return issue.keys.map((key) => {
      const best = closest(key, known);
      const hint = best ? `did you mean "${best}"? ` : "";
      return `${at ? `${at}.` : ""}${key}: unknown field; ${hint}known fields here: ${known.join(", ")}`;
    });
  }
  const value = valueAt(input, issue.path);
  const shown = value === undefined ? "missing" : JSON.stringify(value);
  return [`${at || "(root)"} = ${shown}: ${issue.message}`];
}

/** Parse settings (partial input is completed with the defaults). Throws one readable error. */
export function parseGuardrailSettings(input: unknown, source = "guardrail settings"): GuardrailSettings {
  const result = SettingsInputSchema.safeParse(input ?? {});
  if (!result.success) {
    const lines = result.error.issues.flatMap((i) => describeIssue(i, input)).map((l) => `  - ${l}`);
    throw new Error(`Invalid ${source}:\n${lines.join("\n")}\nFix the file and run again (every field is described in the README, "Guardrail settings").`);
  }
  const s = result.data;
  return {
    ...s,
    classes: { ...DEFAULT_CLASSES, ...s.classes },
    maxStalenessSeconds: { ...DEFAULT_MAX_STALENESS, ...s.maxStalenessSeconds },
  };
}

export function loadGuardrailSettings(file: string): GuardrailSettings {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (err) {
    throw new Error(`Cannot read guardrail settings ${file}: ${(err as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (err as Error).message}`, { cause: err });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new Error(`Guardrail settings ${file} is not valid JSON: ${(err as Error).message} (JSON has no comments or trailing commas)`, { cause: err });
  }
  return parseGuardrailSettings(raw, `guardrail settings ${file}`);
}

/**
 * Checks that need the deployment: every symbol given in `classes` / `maxStalenessSeconds` must be
 * a token of that deployment (symbols are case-sensitive), so a typo is named instead of ignored.
 */
export function checkSettingsAgainstTokens(s: GuardrailSettings, tokens: Record<string, string>, source = "guardrail settings"): void {
  const known = Object.keys(tokens);
  const problems: string[] = [];
  const defaults = { classes: DEFAULT_CLASSES, maxStalenessSeconds: DEFAULT_MAX_STALENESS };
  for (const field of ["classes", "maxStalenessSeconds"] as const) {
    for (const sym of Object.keys(s[field])) {
      if (tokens[sym] || sym in defaults[field]) continue; // a default for a token this chain lacks is harmless
      const close = known.find((k) => k.toLowerCase() === sym.toLowerCase());
      problems.push(`  - ${field}.${sym}: no token "${sym}" in the deployment; ${close ? `did you mean "${close}"? ` : ""}tokens: ${known.join(", ")} (case-sensitive)`);
    }
  }
  for (const [sym, cls] of Object.entries(s.classes)) {
    if (tokens[sym] && s.maxStalenessSeconds[sym] === undefined) problems.push(`  - maxStalenessSeconds.${sym} = missing: ${sym} is classed "${cls}" but has no staleness limit; add one (seconds, a margin over its feed's heartbeat)`);
  }
  if (problems.length) throw new Error(`Invalid ${source}:\n${problems.join("\n")}`);
}
