// Human-readable view of a policy configuration (dry runs, logs): enums by name, protocol ids as
// text, USD limits in dollars. The numeric InitConfig is what the contract takes; this is for people.
import { decodeBytes32String, formatUnits } from "ethers";
import { ANY_TARGET, AssetClass, PositionKind, RULE_UNITS, SELECTORS, type InitConfig, type RuleAddresses, type RuleUnit } from "./config";

const nameOf = (e: Record<string, number>, v: number): string => Object.entries(e).find(([, n]) => n === v)?.[0] ?? `unknown(${v})`;

function protocolName(id: string): string {
  try {
    return decodeBytes32String(id);
  } catch {
    return id; // not a short string: show the raw id rather than guess
  }
}

/** `ruleUnits`: which address is which call-rule unit, so rules print by name. */
export function describeInitConfig(init: InitConfig, symbols: Record<string, string> = {}, ruleUnits?: Partial<RuleAddresses>) {
  const ruleName = (a: string) => {
    const unit = Object.entries(ruleUnits ?? {}).find(([, addr]) => addr?.toLowerCase() === a.toLowerCase())?.[0] as RuleUnit | undefined;
    return unit ? RULE_UNITS[unit] : a;
  };
  const sym = (a: string) => {
    const s = Object.entries(symbols).find(([, addr]) => addr.toLowerCase() === a.toLowerCase())?.[0];
    return s ? `${s} ${a}` : a;
  };
  return {
    assets: init.assets.map((a) => ({ token: sym(a.token), class: nameOf(AssetClass, a.assetClass), feed: a.feed, maxStalenessSeconds: a.maxStaleness })),
    positions: init.positions.map((p) => ({
      token: sym(p.token),
      kind: nameOf(PositionKind, p.config.kind),
      underlying: sym(p.config.underlying),
      protocol: protocolName(p.config.protocol),
      venue: p.config.venue,
      ...(p.config.twapDuration ? { market: p.config.market, twapSeconds: p.config.twapDuration } : {}),
    })),
    rules: init.rules.map((r) => ({
      target: r.target === ANY_TARGET ? "any token" : sym(r.target),
      function: Object.entries(SELECTORS).find(([, s]) => s === r.selector)?.[0] ?? r.selector,
      rule: ruleName(r.rule),
    })),
    spenders: init.spenders.map(sym),
    agents: init.agents,
    guardians: init.guardians,
    payees: init.payees,
    caps: init.caps,
    limits: {
      maxLossBps: init.limits.maxLossBps,
      autonomyLimitUsd: Number(formatUnits(init.limits.autonomyLimitUsd, 18)),
      dailyBudgetUsd: Number(formatUnits(init.limits.dailyBudgetUsd, 18)),
      minHealthFactor: Number(formatUnits(init.limits.minHealthFactor, 18)),
    },
    delaySeconds: init.delay,
  };
}
