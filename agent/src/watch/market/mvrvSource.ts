// Where the watch loop's BTC MVRV comes from (issue 20 §1, MVRV crossing 3.5): the latest value of
// the market provider the cycles read, as known on the cycles' date. The same provider instance, so
// its cache keeps the sources' load to one read per cache TTL whatever the watch interval.
import type { MarketProvider } from "../../market/types";
import { DEFAULT_MAX_AGE_DAYS, lastIndex } from "../../market/view";

/** The latest MVRV no older than the cycles accept (undefined: none, nothing to judge). */
export function latestMvrv(provider: MarketProvider, date: () => Promise<string>): () => Promise<number | undefined> {
  return async () => {
    const v = await provider.view(await date());
    const s = v.series.mvrv;
    const i = lastIndex(s);
    // A stale value would make a crossing out of an old reading: the cycles' own age limit.
    if (i < 0 || v.day - (v.startDay + i) > DEFAULT_MAX_AGE_DAYS.mvrv) return undefined;
    return s[i];
  };
}
