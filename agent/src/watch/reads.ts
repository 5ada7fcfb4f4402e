// The polled reads, all at one block: the policy's assets and their feeds, the positions it
// registers (Aave reserves, ERC-4626 vaults, Pendle PTs) and, as the feeds' market source, the
// Uniswap pools of the deployment against USDC. The edge of the market and protocol detectors.
import { getAddress, type Address, type PublicClient } from "viem";
import { aavePoolAbi, aggregatorV3Abi, erc20Abi, erc4626Abi, pendleMarketAbi, treasuryPolicyAbi, uniswapV3PoolAbi } from "../../../lib/chain/abi";
import { AssetClass, PositionKind } from "../../../lib/chain/policyTypes";
import type { AssetReading, PendleReading, ReserveReading, Snapshot, VaultReading } from "./snapshot";

export interface ReadTargets {
  client: PublicClient;
  policy: Address;
  /** Uniswap v3 pools keyed BASE_QUOTE (deployments file); the X_USDC ones price X for the deviation rule. */
  pools?: Record<string, { address: Address; token0: Address; token1: Address }>;
  now: () => number;
}

// Aave v3 ReserveConfiguration bits.
const ACTIVE = 56n;
const FROZEN = 57n;
const PAUSED = 60n;
const bit = (data: bigint, n: bigint) => ((data >> n) & 1n) === 1n;

export class SnapshotReader {
  /** Symbols and decimals do not change: read once per token. */
  private readonly meta = new Map<string, { symbol: string; decimals: number }>();
  constructor(private readonly t: ReadTargets) {}

  private async tokenMeta(token: Address, blockNumber: bigint) {
    const k = token.toLowerCase();
    if (!this.meta.has(k)) {
      const c = this.t.client;
      const [symbol, decimals] = await Promise.all([
        c.readContract({ address: token, abi: erc20Abi, functionName: "symbol", blockNumber }).catch(() => token.slice(0, 8)),
        c.readContract({ address: token, abi: erc20Abi, functionName: "decimals", blockNumber }),
      ]);
      this.meta.set(k, { symbol, decimals });
    }
    return this.meta.get(k)!;
  }

  async read(): Promise<Snapshot> {
    const c = this.t.client;
    const at = this.t.now();
    const head = await c.getBlock({ blockTag: "latest" });
    const blockNumber = head.number!;
    const policy = { address: this.t.policy, abi: treasuryPolicyAbi, blockNumber } as const;
    const [tokens, positions] = await Promise.all([c.readContract({ ...policy, functionName: "assets" }), c.readContract({ ...policy, functionName: "positions" })]);
    const market = await this.marketPrices(blockNumber);

    const assets: AssetReading[] = await Promise.all(
      tokens.map(async (token) => {
        const [cfg, m] = await Promise.all([c.readContract({ ...policy, functionName: "asset", args: [token] }), this.tokenMeta(token, blockNumber)]);
        const round = await c.readContract({ address: cfg.feed, abi: aggregatorV3Abi, functionName: "latestRoundData", blockNumber }).catch(() => undefined);
        return {
          token, symbol: m.symbol, volatile: cfg.assetClass === AssetClass.Volatile, feed: cfg.feed, maxStaleness: cfg.maxStaleness,
          priceUsd: round && round[1] > 0n ? Number(round[1]) / 10 ** cfg.feedDecimals : NaN,
          updatedAt: round ? Number(round[3]) : 0,
          marketUsd: market.get(token.toLowerCase()),
        };
      }),
    );

    const reserves: ReserveReading[] = [];
    const vaults: VaultReading[] = [];
    const pendle: PendleReading[] = [];
    await Promise.all(
      positions.map(async (token) => {
        const p = await c.readContract({ ...policy, functionName: "position", args: [token] });
        if (p.kind === PositionKind.AaveAToken) {
          const [conf, supplied, available, m] = await Promise.all([
            c.readContract({ address: p.venue, abi: aavePoolAbi, functionName: "getConfiguration", args: [p.underlying], blockNumber }),
            c.readContract({ address: token, abi: erc20Abi, functionName: "totalSupply", blockNumber }),
            c.readContract({ address: p.underlying, abi: erc20Abi, functionName: "balanceOf", args: [token], blockNumber }),
            this.tokenMeta(p.underlying, blockNumber),
          ]);
          const data = conf.data;
          reserves.push({ asset: getAddress(p.underlying), symbol: m.symbol, active: bit(data, ACTIVE), frozen: bit(data, FROZEN), paused: bit(data, PAUSED), utilisation: supplied > 0n ? Math.max(0, 1 - Number(available) / Number(supplied)) : 0 });
        } else if (p.kind === PositionKind.ERC4626) {
          const [share, asset] = await Promise.all([this.tokenMeta(token, blockNumber), this.tokenMeta(p.underlying, blockNumber)]);
          const assetsOut = await c.readContract({ address: token, abi: erc4626Abi, functionName: "convertToAssets", args: [10n ** BigInt(share.decimals)], blockNumber });
          vaults.push({ vault: token, symbol: share.symbol, assetsPerShare: Number(assetsOut) / 10 ** asset.decimals });
        } else if (p.kind === PositionKind.PendlePT) {
          const expiry = await c.readContract({ address: p.market, abi: pendleMarketAbi, functionName: "expiry", blockNumber });
          pendle.push({ pt: token, market: p.market, expiry: Number(expiry) });
        }
      }),
    );
    return { block: blockNumber, blockTime: Number(head.timestamp) * 1000, at, assets, reserves, vaults, pendle };
  }

  /** Token → USD from the X_USDC pools (USDC taken at $1: the deviation line is 5%). */
  private async marketPrices(blockNumber: bigint): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    for (const [key, pool] of Object.entries(this.t.pools ?? {})) {
      if (!key.endsWith("_USDC")) continue;
      try {
        const [slot0, m0, m1] = await Promise.all([
          this.t.client.readContract({ address: pool.address, abi: uniswapV3PoolAbi, functionName: "slot0", blockNumber }),
          this.tokenMeta(pool.token0, blockNumber),
          this.tokenMeta(pool.token1, blockNumber),
        ]);
        const sqrt = Number(slot0[0]) / 2 ** 96;
        const oneIn0 = sqrt * sqrt * 10 ** (m0.decimals - m1.decimals); // token1 per token0
        const usdc = m0.symbol === "USDC" ? pool.token0 : pool.token1;
        const base = usdc === pool.token0 ? pool.token1 : pool.token0;
        out.set(base.toLowerCase(), usdc === pool.token1 ? oneIn0 : 1 / oneIn0);
      } catch {
        // A pool that does not answer is no market source: the deviation rule skips that feed.
      }
    }
    return out;
  }
}
