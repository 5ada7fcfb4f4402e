// Drawdown: one formula for the indexer's TWR index and the backtest's equity. Pure.

/**
 * Largest fall from a running peak (fraction >= 0) of `values`, the peak starting at `start` (the
 * value before the first, index -1), with the indexes of that peak and its trough.
 */
export function drawdown(values: ArrayLike<number>, start: number): { maxDrawdown: number; peakIndex: number; troughIndex: number } {
  let peak = start;
  let peakK = -1;
  let mdd = 0;
  let mddPeak = -1;
  let mddTrough = -1;
  for (let k = 0; k < values.length; k++) {
    const v = values[k];
    if (v > peak) {
      peak = v;
      peakK = k;
    } else {
      const dd = 1 - v / peak;
      if (dd > mdd) {
        mdd = dd;
        mddPeak = peakK;
        mddTrough = k;
      }
    }
  }
  return { maxDrawdown: mdd, peakIndex: mddPeak, troughIndex: mddTrough };
}
