// The indexer's performance and decision judgement (indexer/src/api: /performance, /decisions), when
// an indexer URL is configured: what the chain's events say, net of external flows and with gas in
// USD. The dashboard prefers it to the journal's figures and says which one it shows; without an
// indexer, or when it does not answer, the journal's figures (same formulas) stand.
import { fetchText } from "../../http";

const TIMEOUT_MS = 3_000;

export interface IndexerView {
  performance: Record<string, unknown>;
  quality: { judged: number; wins: number; winRate: number | null; qualityScore: number | null; horizonDays: number };
  /** Outcome after 1, 7 and 30 days per decision hash (lower case). */
  outcomes: Record<string, unknown>;
}

async function getJson(base: string, route: string): Promise<Record<string, unknown>> {
  const a = await fetchText(new URL(route, base.endsWith("/") ? base : `${base}/`).href, { timeoutMs: TIMEOUT_MS, headers: { accept: "application/json" } });
  if (a.status !== 200) throw new Error(`${route} answered ${a.status}: ${a.text.slice(0, 200)}`);
  return JSON.parse(a.text) as Record<string, unknown>;
}

/** `safe`: the agent's own Safe, sent as `?safe=`: an indexer that follows another Safe answers 404
 * (indexer/src/api), so a dashboard pointed at the wrong indexer never shows another treasury's figures. */
export async function readIndexer(base: string, safe?: string): Promise<IndexerView> {
  const q = safe ? `?safe=${safe}` : "";
  const [perf, dec] = await Promise.all([getJson(base, `performance${q}`), getJson(base, `decisions${q}`)]);
  const { daily: _daily, ...performance } = perf;
  const outcomes: Record<string, unknown> = {};
  for (const d of Array.isArray(dec.decisions) ? (dec.decisions as Record<string, unknown>[]) : []) if (typeof d.decisionHash === "string") outcomes[d.decisionHash.toLowerCase()] = d.later;
  const n = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);
  return {
    performance,
    quality: { judged: n(dec.scored) ?? 0, wins: n(dec.wins) ?? 0, winRate: n(dec.winRate), qualityScore: n(dec.qualityScore), horizonDays: n(dec.scoreHorizonDays) ?? 7 },
    outcomes,
  };
}
