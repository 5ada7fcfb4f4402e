// What one poll read, at one block: the shape the market and protocol detectors judge (pure), filled
// by reads.ts (the edge). Numbers, not bigints: detectors compare ratios, the chain's exact values
// stay in the contracts.
import type { Address } from "viem";

export interface AssetReading {
  token: Address;
  symbol: string;
  volatile: boolean;
  feed: Address;
  /** Feed answer in USD; NaN when the feed reverted. */
  priceUsd: number;
  /** Feed round's updatedAt (seconds). */
  updatedAt: number;
  /** The policy's staleness limit for this feed (seconds). */
  maxStaleness: number;
  /** The market source's price (a Uniswap pool against USDC); absent when none. */
  marketUsd?: number;
}

export interface ReserveReading {
  asset: Address;
  symbol: string;
  active: boolean;
  frozen: boolean;
  paused: boolean;
  /** Borrowed share of supplied liquidity, 0..1 (1: nothing left to withdraw). */
  utilisation: number;
}

export interface VaultReading {
  vault: Address;
  symbol: string;
  /** Underlying per share (convertToAssets of one whole share, in whole units). */
  assetsPerShare: number;
}

export interface PendleReading {
  pt: Address;
  market: Address;
  /** Expiry (seconds). */
  expiry: number;
}

export interface Snapshot {
  block: bigint;
  /** The block's time (ms): feeds and maturities are judged against the chain's clock. */
  blockTime: number;
  /** When the poll ran (ms): what latency is measured from for polled events. */
  at: number;
  assets: AssetReading[];
  reserves: ReserveReading[];
  vaults: VaultReading[];
  pendle: PendleReading[];
}
