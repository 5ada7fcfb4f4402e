// A live market source that fails (5xx, 429, timeout, a malformed body): one alert per source and
// failure, whatever the agent did instead (a fallback source, a cached answer, or a held day), so a
// source that starts failing is never silent. Pure: a cycle report in, alerts out. The key holds the
// source and the status (or the failure's kind), not the message: while it keeps failing the alert
// log holds the repeats back, across restarts too, until a cycle reads the market cleanly again.
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
  const bySource = new Map<string, SourceFailure[]>();
  for (const f of r.sourceFailures ?? []) {
    const k = `${f.source}:${how(f)}`;
    bySource.set(k, [...(bySource.get(k) ?? []), f]);
  }
  const [chainId, safe] = r.cycleKey.split(":");
  return [...bySource.entries()].map(([k, fs]) => {
    const f = fs[0];
    const held = fs.some((x) => x.did === "none");
    return {
      kind: MARKET_SOURCE_KIND,
      severity: "warning",
      title: `Market source ${f.source} failing: ${how(f)}${held ? " (nothing instead)" : ` (the agent ${f.did === "fallback" ? `fell back to ${f.instead}` : "used its cached answer"})`}`,
      lines: [...sourceFailureLines(fs), CHECK],
      fields: [["Safe", `${safe} (chain ${chainId})`], ["cycle", `${r.date} ${r.status}`]],
      key: `${MARKET_SOURCE_KIND}:${k}`,
      data: { date: r.date, cycleKey: r.cycleKey, source: f.source, status: f.status ?? null, failure: f.kind, fields: fs.map((x) => x.field), did: fs.map((x) => ({ field: x.field, did: x.did, instead: x.instead ?? null })), message: f.message },
    };
  });
}
