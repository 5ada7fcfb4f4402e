// A seeded random source (mulberry32: small, fast, deterministic) for the tools and tests that draw
// at random: the soak's fault plan, the parity test's batches, the invariant campaign's sequences.
// The same seed gives the same draws, so a run that found something can be run again as it was.
export interface Rng {
  /** [0, 1) */
  next(): number;
  /** An integer in [lo, hi] */
  int(lo: number, hi: number): number;
  /** An integer in [0, n) */
  below(n: number): number;
  pick<T>(xs: readonly T[]): T;
}

export function seeded(seed: number): Rng {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    below: (n) => Math.floor(next() * n),
    pick: (xs) => xs[Math.floor(next() * xs.length)],
  };
}
