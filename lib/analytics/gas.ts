// Gas (and fees) against gains: one formula for the indexer's /performance and the insights. Pure.

/** Cost per dollar gained; null when nothing was gained (a ratio over a loss or zero means nothing). */
export const costToGain = (costUsd: number, gainUsd: number): number | null => (gainUsd > 0 ? costUsd / gainUsd : null);
