// What a provider answers: "what was known on day D". Every series is aligned on calendar days;
// NaN marks a gap (a day the source does not have): a gap is never a zero.

export const FIELDS = ["btc", "eth", "mvrv", "funding", "fearGreed", "stableYield"] as const;
export type Field = (typeof FIELDS)[number];

export const FIELD_LABEL: Record<Field, string> = {
  btc: "BTC price (USD, daily close)",
  eth: "ETH price (USD, daily close)",
  mvrv: "BTC MVRV",
  funding: "BTC perpetual funding (daily sum)",
  fearGreed: "Fear & Greed index",
  stableYield: "Aave USDC supply rate (APR)",
};

/** Daily series from `startDay` (days since epoch) for `length` days. */
export interface MarketHistory {
  startDay: number;
  length: number;
  series: Record<Field, Float64Array>;
  /** Where each field came from (file, API), for decision records. */
  sources: Partial<Record<Field, string>>;
  /** Daily lows of BTC and ETH (same days as `series`), for the backtest's liquidation model only:
   * strategies never see them (a view holds closes only). Absent when the files have no low column. */
  lows?: { btc?: Float64Array; eth?: Float64Array };
}

/** A field that is missing, stale or rejected for a decision, and why (plain words). */
export interface DataIssue {
  field: Field | "options";
  reason: string;
  /** A note for the record (a fallback or cached answer was used), not a reason to hold. */
  info?: true;
}

/** Options-market facts a live source can add (Deribit); the replay has the calendar only. */
export interface OptionsInfo {
  nextExpiry: string;
  maxPain?: number;
  maxPainSource?: string;
}

/**
 * The market as known when deciding for `day`: every series is cut at `day` (indices < day -
 * startDay), so values dated D or later are physically out of reach.
 */
export interface MarketView {
  day: number;
  date: string;
  startDay: number;
  series: Record<Field, Float64Array>;
  issues: DataIssue[];
  options?: OptionsInfo;
  /** Live sources that failed while this view was built, and what was used instead (absent: replay). */
  sourceFailures?: SourceFailure[];
}

/**
 * One market source that did not answer (5xx, 429, timeout, malformed body...) for one view: the
 * operator's alert says which source, how it failed and what the agent used instead.
 */
export interface SourceFailure {
  /** The source's name (CoinGecko, Binance, Deribit...). */
  source: string;
  field: Field | "options";
  /** timeout | network | http | malformed | schema | bounds | error */
  kind: string;
  /** The HTTP status, when it answered one. */
  status?: number;
  message: string;
  /** What the agent did instead: "fallback" to the next source, the "cached" answer, or "none" (the field is missing). */
  did: "fallback" | "cached" | "none";
  /** The fallback source's name, or when the cached answer was fetched (ISO). */
  instead?: string;
}

export interface MarketProvider {
  readonly name: string;
  view(date: string): Promise<MarketView>;
}
