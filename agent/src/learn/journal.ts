// Outcomes of the agent's own decisions on chain: the journal holds what was decided (triggers, phase,
// mode, reasons with indicator values); the indexer judges what followed against holding still
// (lib/analytics/decisions.ts, GET /decisions). Joined by the decision hash put on chain.
import type { Outcome } from "../../../lib/analytics/insights";
import { HORIZONS } from "../../../lib/analytics/decisions";

/** One judged decision as the indexer's /decisions returns it (the fields used here). */
export interface JudgedDecision {
  decisionHash: string;
  tx?: { gasUsd?: number | null };
  navBefore?: number | null;
  later: Record<string, { excess: number | null } | null>;
}

/** A journal record (the fields used here). */
export interface JournalDecision {
  hash: string;
  date: string;
  body: { signals?: unknown; plan?: unknown };
}

interface Signals {
  phase?: string | null;
  mode?: string | null;
  triggers?: string[];
  reasons?: { indicator: string; value: unknown }[];
  indicators?: Record<string, unknown>;
}

/** Decisions the indexer judged, with what the journal says was decided; records the indexer has not seen are left out. */
export function joinOutcomes(records: JournalDecision[], judged: JudgedDecision[]): Outcome[] {
  const byHash = new Map(judged.map((j) => [j.decisionHash.toLowerCase(), j]));
  const out: Outcome[] = [];
  for (const r of records) {
    const j = byHash.get(r.hash.toLowerCase());
    if (!j) continue;
    const s = (r.body.signals ?? {}) as Signals;
    const indicators: Record<string, number> = {};
    for (const x of s.reasons ?? []) if (typeof x.value === "number" && Number.isFinite(x.value)) indicators[x.indicator] = x.value;
    const excess: Record<string, number | null> = {};
    for (const h of HORIZONS) excess[`${h}d`] = j.later[`${h}d`]?.excess ?? null;
    const e7 = excess["7d"];
    out.push({
      date: r.date,
      triggers: s.triggers ?? [],
      phase: s.phase ?? null,
      mode: s.mode ?? null,
      play: null,
      indicators,
      excess,
      costUsd: j.tx?.gasUsd ?? 0,
      gainUsd: e7 !== null && j.navBefore ? e7 * j.navBefore : null,
    });
  }
  return out.sort((a, b) => a.date.localeCompare(b.date));
}

/** GET <indexer>/decisions: the judged decisions (one-line errors naming the URL). */
export async function fetchJudged(indexerUrl: string, fetchFn: typeof fetch = fetch): Promise<JudgedDecision[]> {
  const url = `${indexerUrl.replace(/\/+$/, "")}/decisions`;
  let res: Response;
  try {
    res = await fetchFn(url);
  } catch (e) {
    throw new Error(`HTTP request to ${url} failed: ${(e as Error).message}`, { cause: e });
  }
  if (!res.ok) throw new Error(`HTTP request to ${url} answered ${res.status}`);
  const body = (await res.json()) as { decisions?: JudgedDecision[] };
  if (!Array.isArray(body.decisions)) throw new Error(`${url} answered without a decisions list: is INDEXER_URL the treasury indexer?`);
  return body.decisions;
}
