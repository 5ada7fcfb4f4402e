// A portfolio for tests without a chain: the shape readPortfolio returns (agent/src/chain/types.ts),
// built from a few numbers (USD as whole dollars) so the pure steps (route, check's early refusals,
// the cycle's orchestration over stub steps) can be driven on their own.
import type { Address, Hex } from "viem";
import type { Portfolio } from "../../../agent/src/chain/types";
import type { ApprovalResult } from "../../../agent/src/approval";
import type { Checked, Decided, Planned, Simulated } from "../../../agent/src/cycle/types";

const E18 = 10n ** 18n;
const addr = (n: number) => `0x${n.toString(16).padStart(40, "0")}` as Address;
export const TEST_SAFE = addr(0x5afe);
export const TEST_AGENT = addr(0xa9e7);

export interface PortfolioSpec {
  navUsd?: number;
  paused?: boolean;
  autonomyLimitUsd?: number;
  dailyBudgetUsd?: number;
  usedUsd?: number;
  healthy?: boolean;
  nonce?: number;
  block?: bigint;
  agents?: Address[];
}

export function portfolio(s: PortfolioSpec = {}): Portfolio {
  const nav = BigInt(s.navUsd ?? 400_000) * E18;
  const usdc = addr(0x0dc);
  const used = BigInt(s.usedUsd ?? 0) * E18;
  const budget = BigInt(s.dailyBudgetUsd ?? 100_000) * E18;
  return {
    chainId: 31337,
    blockNumber: s.block ?? 100n,
    timestamp: 1_700_000_000n,
    safe: { address: TEST_SAFE, owners: [addr(1), addr(2), addr(3)], threshold: 2, nonce: BigInt(s.nonce ?? 0) },
    policy: {
      address: addr(0x901),
      valuation: addr(0x902),
      module: addr(0x903),
      guard: addr(0x904),
      safe: TEST_SAFE,
      multiSendCallOnly: addr(0x905),
      paused: s.paused ?? false,
      configVersion: 1n,
      caps: { maxVolatileBps: 6_000, maxProtocolBps: 5_000, maxPositionBps: 4_000 },
      limits: { maxLossBps: 100, autonomyLimitUsd: BigInt(s.autonomyLimitUsd ?? 50_000) * E18, dailyBudgetUsd: budget, minHealthFactor: 16n * 10n ** 17n },
      agents: s.agents ?? [TEST_AGENT],
      spenders: [],
      payees: [],
      rules: [],
      assets: [{ token: usdc, feed: addr(0xfeed), maxStaleness: 86_400, decimals: 6, feedDecimals: 8, volatile: false }],
      positions: [],
      protocols: [],
      pendleYts: {},
    },
    assets: [{ token: usdc, symbol: "USDC", decimals: 6, volatile: false, balance: (nav / E18) * 10n ** 6n, priceUsd: E18, priceOk: true, valueUsd: nav }],
    positions: [],
    healthy: s.healthy ?? true,
    navUsd: nav,
    volatileUsd: 0n,
    debtUsd: 0n,
    healthFactor: 2n ** 256n - 1n,
    values: [nav],
    protocolValues: [],
    snapshotPrices: [E18],
    allocation: { volatileBps: 0, protocols: [], holdings: [{ token: usdc, bps: 10_000 }] },
    budget: { usedUsd: used, lossUsd: 0n, remainingUsd: budget > used ? budget - used : 0n },
    allowances: {},
    pools: [],
  };
}

const WEIGHTS = { usdc: 1, aaveUsdc: 0, pendlePt: 0, vault: 0, btc: 0, eth: 0 };

/** The strategy's output for a day: rebalance (default), hold on stale data, or no trigger. */
export function decided(o: { rebalance?: boolean; hold?: boolean; date?: string } = {}): Decided {
  return {
    decision: { date: o.date ?? "2024-03-01", strategy: "test", targets: WEIGHTS, rebalance: o.rebalance ?? true, hold: o.hold ?? false, triggers: o.rebalance === false ? [] : ["drift"], reasons: [], issues: o.hold ? [{ field: "btc", reason: "stale btc close" } as never] : [] },
    indicators: {},
    market: { provider: "test", sources: {}, issues: [], texts: [] },
    staleInputs: [],
  };
}

export function planned(usd = 10_000, calls = 1): Planned {
  return {
    calls: Array.from({ length: calls }, (_, i) => ({ to: addr(0xc0 + i), value: 0n, data: "0x12345678" as Hex })),
    steps: [],
    sizeUsd: BigInt(usd) * E18,
    riskReducing: false,
    reason: calls ? "rebalance" : "inside the drift band",
  };
}

export const checkOk = (usd = 10_000): Checked => ({ ok: true, sizeUsd: BigInt(usd) * E18 });
export const refused = (error: string, args: Record<string, string> = {}): Checked => ({ ok: false, error, reason: `${error} (test)`, ...({ args } as object) }) as Checked;
export const simOk: Simulated & { ok: true } = { ok: true, navBeforeUsd: 400_000n * E18, navAfterUsd: 399_990n * E18, gas: 300_000n, weightsAfter: {}, headroomUsd: {} };

export function verdict(decision: ApprovalResult["decision"], o: Partial<ApprovalResult> = {}): ApprovalResult {
  return { decisionId: "d", decision, plan: { steps: [] }, reasons: [`${decision} (test)`], riskFlags: [], confidence: 0.9, decidedBy: "rules", rules: { decision, reasons: [] } as never, llm: { status: "skipped" } as never, needsRecheck: false, ...o };
}
