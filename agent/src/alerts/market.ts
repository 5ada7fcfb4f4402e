// Live market sources that fail (5xx, 429, timeout, a malformed body): one alert for the sources
// failing in a cycle, whatever the agent did instead (a fallback source, a cached answer, or a held
// day), so a source that starts failing is never silent. Pure: a cycle report in, alerts out. The key
// holds the sources and their status (or the failure's kind), not the messages: while they keep
// failing the alert log holds the repeats back, across restarts too, until a cycle reads the market
// cleanly again.
import type { CycleReport } from "../cycle/types";
import type { SourceFailure } from "../market/types";
import type { Alert } from "./types";

export const MARKET_SOURCE_KIND = "market.source";

const how = (f: SourceFailure) => (f.status !== undefined ? `HTTP ${f.status}` : f.kind);

const didText = (f: SourceFailure) =>
  f.did === "fallback" ? `fell back to ${f.instead}` : f.did === "cached" ? `used the answer cached at ${f.instead}` : "had nothing instead: the field is missing (the day holds if the strategy needs it)";

/** One line per field: which field, what failed, what was used instead. */
export function sourceFailureLines(fs: SourceFailure[]): string[] {
  return fs.map((f) => `${f.source} (${f.field}): ${how(f)}; the agent ${didText(f)}. ${f.message}`);
}

const CHECK = "Check the source's status page and the agent's network path to it (MARKET_*_URL, a proxy, COINGECKO_API_KEY and its plan for a 429); this is sent once until the source answers again.";

export function marketSourceAlerts(r: CycleReport): Alert[] {
  const fs = r.sourceFailures ?? [];
  if (!fs.length) return [];
  // Sources failing together (a proxy or the network down: every source at once) are one alert.
  const failing = [...new Set(fs.map((f) => `${f.source} ${how(f)}`))].sort();
  const held = fs.some((x) => x.did === "none");
  const [chainId, safe] = r.cycleKey.split(":");
  return [
    {
      kind: MARKET_SOURCE_KIND,
      severity: "warning",
      title: `Market source${failing.length > 1 ? "s" : ""} failing: ${failing.join(", ")}${held ? " (a field had nothing instead)" : ` (the agent used ${fs.every((f) => f.did === "fallback") ? "fallback sources" : "its cached answers or fallbacks"})`}`,
      lines: [...sourceFailureLines(fs), CHECK],
      fields: [["Safe", `${safe} (chain ${chainId})`], ["cycle", `${r.date} ${r.status}`]],
      // The failing sources and how they fail, not the messages: the same outage is the same key.
      key: `${MARKET_SOURCE_KIND}:${failing.join(",")}`,
      data: { date: r.date, cycleKey: r.cycleKey, failing: fs.map((f) => ({ source: f.source, field: f.field, status: f.status ?? null, failure: f.kind, did: f.did, instead: f.instead ?? null, message: f.message })) },
    },
  ];
}
