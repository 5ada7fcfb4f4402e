// The gas limit to send with, from eth_estimateGas.

/**
 * Percent added to an estimate. Why an estimate is not enough: part of the work in our transactions
 * happens only when the block's timestamp differs from the last update's (Aave updates a reserve's
 * indexes, Uniswap v3 writes an oracle observation, Pendle its market state). A node estimates at the
 * latest block's timestamp (anvil's pending block keeps it within the same second); when that block
 * made the update, the estimate leaves the work out and the transaction, mined in a later second,
 * runs out of gas. Unused gas is not charged.
 */
export const GAS_MARGIN_PERCENT = 25n;

export function withGasMargin(estimate: bigint): bigint {
  return estimate + (estimate * GAS_MARGIN_PERCENT) / 100n;
}
