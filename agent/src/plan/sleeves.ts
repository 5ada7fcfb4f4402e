// Which strategy position (agent/src/strategy/types.ts) each on-chain holding belongs to, and the
// current weights: stable cash is `usdc`, Aave stable supply `aaveUsdc`, ERC-4626 vaults `vault`,
// Pendle PT `pendlePt`, WBTC (spot or supplied) `btc`, WETH `eth`; a debt counts negatively in the
// sleeve of what is owed (USDC owed: cash).
import type { Address } from "viem";
import type { Portfolio } from "../chain/types";
import { zeroWeights, type Position, type Weights } from "../strategy/types";

export interface Holding {
  token: Address;
  symbol: string;
  sleeve: Position | null;
  valueUsd: bigint;
  balance: bigint;
}

function spotSleeve(symbol: string, volatile: boolean): Position | null {
  if (!volatile) return "usdc";
  if (/BTC/i.test(symbol)) return "btc";
  if (/ETH/i.test(symbol)) return "eth";
  return null;
}

export function holdings(p: Portfolio): Holding[] {
  const bySym = new Map(p.assets.map((a) => [a.token.toLowerCase(), a]));
  return [
    ...p.assets.map((a) => ({ token: a.token, symbol: a.symbol, sleeve: spotSleeve(a.symbol, a.volatile), valueUsd: a.valueUsd, balance: a.balance })),
    ...p.positions.map((x) => {
      const u = bySym.get(x.underlying.toLowerCase());
      // A debt (Aave variable debt) is a liability: negative, in the sleeve of what is owed (USDC
      // owed is negative cash), so the weights still sum to 1 over NAV = holdings - debt and what the
      // borrowed cash bought shows as the levered exposure it is.
      if (x.kind === "aaveDebt") return { token: x.token, symbol: x.symbol, sleeve: u ? spotSleeve(u.symbol, u.volatile) : null, valueUsd: -x.valueUsd, balance: x.balance };
      const sleeve: Position | null = x.kind === "erc4626" ? "vault" : x.kind === "pendlePt" ? "pendlePt" : u && u.volatile ? spotSleeve(u.symbol, true) : "aaveUsdc";
      return { token: x.token, symbol: x.symbol, sleeve, valueUsd: x.valueUsd, balance: x.balance };
    }),
  ];
}

/** USD (18 d.) per position and the weights (fractions of NAV). */
export function currentWeights(p: Portfolio): { usd: Record<Position, bigint>; weights: Weights } {
  const usd: Record<Position, bigint> = { usdc: 0n, aaveUsdc: 0n, pendlePt: 0n, vault: 0n, btc: 0n, eth: 0n };
  for (const h of holdings(p)) if (h.sleeve) usd[h.sleeve] += h.valueUsd;
  const weights = zeroWeights();
  const nav = Number(p.navUsd);
  if (nav > 0) for (const k of Object.keys(usd) as Position[]) weights[k] = Number(usd[k]) / nav;
  return { usd, weights };
}
