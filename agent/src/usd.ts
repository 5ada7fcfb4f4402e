// The chain's USD amounts carry 18 decimals (bigint); people, logs, metrics and the approver read them
// as numbers with cents. One conversion for all of them (exact to 1e-6 USD, then a float).
export const usdNumber = (usd18: bigint): number => Number(usd18 / 10n ** 12n) / 1e6;
