// Pure part of a NAV snapshot: which calls one valuation read makes (one multicall) and how its
// results become a nav_snapshot row. The I/O (when and at which block) is in reader.ts.
import { erc20Abi, type ContractFunctionParameters } from "viem";
import { TreasuryValuationAbi } from "../../abis/generated/abis";
import { toFloat18 } from "./classify";

export interface Holding {
  token: string;
  balance: string;
  valueUsd18: string;
  bps: number;
}

/** What the valuation read needs: the registered assets and every held token (assets, then positions). */
export interface Registry {
  assets: string[];
  tokens: string[];
}

export type CallResult = { status: "success" | "failure"; result?: unknown };

export interface SnapshotValues {
  healthy: boolean;
  navUsd18: bigint;
  nav: number;
  volatileBps: number;
  holdings: Holding[];
  protocols: { id: `0x${string}`; bps: number }[];
  prices: Record<string, string>;
  ethUsd: number | null;
}

/** Key of a registry: a read made for another registry cannot be reused. */
export const registryKey = (r: Registry): string => `${r.assets.join(",")}|${r.tokens.join(",")}`;

/**
 * The valuation's snapshot() and config() (the registry's order of holdings and protocols),
 * priceOf every registered asset and the Safe's balance of every holding.
 */
export function snapshotCalls(valuation: `0x${string}`, safe: `0x${string}`, r: Registry): ContractFunctionParameters[] {
  return [
    { address: valuation, abi: TreasuryValuationAbi, functionName: "snapshot" },
    { address: valuation, abi: TreasuryValuationAbi, functionName: "config" },
    ...r.assets.map((a) => ({ address: valuation, abi: TreasuryValuationAbi, functionName: "priceOf", args: [a] }) as const),
    ...r.tokens.map((t) => ({ address: t as `0x${string}`, abi: erc20Abi, functionName: "balanceOf", args: [safe] }) as const),
  ];
}

/**
 * The row values from the results of snapshotCalls, or undefined if the valuation is not usable at
 * that block. Weights are derived exactly as allocation() derives them (value * 10000 / nav,
 * integer division), without valuing twice.
 */
export function decodeSnapshot(results: CallResult[], r: Registry, weth: string | undefined): SnapshotValues | undefined {
  const [snap, cfg] = results;
  if (snap?.status !== "success" || cfg?.status !== "success") return undefined;
  const s = snap.result as { healthy: boolean; nav: bigint; volatileValue: bigint; values: readonly bigint[]; protocolValues: readonly bigint[] };
  const c = cfg.result as { assets: readonly { token: string }[]; positions: readonly { token: string }[]; protocols: readonly `0x${string}`[] };
  const prices: Record<string, string> = {};
  r.assets.forEach((a, i) => {
    const x = results[2 + i];
    if (x?.status === "success") {
      const [price, ok] = x.result as readonly [bigint, boolean];
      if (ok) prices[a] = price.toString();
    }
  });
  const balances = new Map<string, bigint>();
  r.tokens.forEach((t, i) => {
    const x = results[2 + r.assets.length + i];
    if (x?.status === "success") balances.set(t.toLowerCase(), x.result as bigint);
  });
  const bps = (v: bigint) => (s.nav === 0n ? 0 : Number((v * 10_000n) / s.nav));
  const holdings: Holding[] = [...c.assets, ...c.positions].map((h, i) => ({
    token: h.token.toLowerCase(),
    balance: (balances.get(h.token.toLowerCase()) ?? 0n).toString(),
    valueUsd18: (s.values[i] ?? 0n).toString(),
    bps: bps(s.values[i] ?? 0n),
  }));
  return {
    healthy: s.healthy,
    navUsd18: s.nav,
    nav: toFloat18(s.nav),
    volatileBps: bps(s.volatileValue),
    holdings,
    protocols: c.protocols.map((id, i) => ({ id, bps: bps(s.protocolValues[i] ?? 0n) })),
    prices,
    ethUsd: weth && prices[weth] ? toFloat18(BigInt(prices[weth])) : null,
  };
}
