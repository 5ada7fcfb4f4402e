// Pure helpers shared by the handlers: which counterparties are protocols (internal moves) and the
// USD value of a token amount.

/** Every address in a JSON subtree (protocol sections of the deployments file), lower-cased. */
export function collectAddresses(node: unknown, out = new Set<string>()): Set<string> {
  if (typeof node === "string") {
    if (/^0x[0-9a-fA-F]{40}$/.test(node)) out.add(node.toLowerCase());
  } else if (Array.isArray(node)) {
    for (const x of node) collectAddresses(x, out);
  } else if (node && typeof node === "object") {
    for (const x of Object.values(node)) collectAddresses(x, out);
  }
  return out;
}

/** An asset as TreasuryPolicy's AssetSet event registers it (assetClass = the event's `class`). */
export interface RegisteredAsset {
  token: string;
  decimals: number;
  assetClass: number;
  feed: string;
}

/** A position as TreasuryPolicy's PositionSet event registers it. */
export interface RegisteredPosition {
  token: string;
  kind: number;
  underlying: string;
  protocol: string;
  venue: string;
  market: string;
}

/**
 * A transfer with a protocol (pool, vault, router, market, a registered position token or venue)
 * or a mint/burn (zero address) is an internal move; anything else is an external cash flow.
 */
export function isInternal(counterparty: string, protocols: Set<string>, positions: RegisteredPosition[]): boolean {
  const c = counterparty.toLowerCase();
  if (c === "0x0000000000000000000000000000000000000000") return true;
  if (protocols.has(c)) return true;
  return positions.some((p) => p.token === c || p.venue === c || p.market === c);
}

/** amount (raw, `decimals`) × price (USD, 18 decimals) → USD, 18 decimals. */
export function usd18(amount: bigint, price18: bigint, decimals: number): bigint {
  return (amount * price18) / 10n ** BigInt(decimals);
}

export const toFloat18 = (v: bigint): number => Number(v) / 1e18;
