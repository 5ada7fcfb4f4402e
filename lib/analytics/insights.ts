// Insights: which triggers, regimes and plays helped and which hurt. Pure: decisions with their
// outcomes in, grouped statistics out. A group with fewer than MIN_CASES judged decisions gets no
// verdict (its numbers are shown, but no claim is drawn from them).
//
// Method (also returned as `method`):
// - An outcome is judged by decisions.ts: excess_h = actual_h - holding still_h for h in 1, 7, 30
//   days; a decision wins when excess_7d > 0; the quality score is 50 + 50*mean(clamp(excess_7d/1%, -1, 1)).
// - Groups: each trigger (its kind: the text before ":" with digits masked, so "drift: btc is 6.1
//   points…" and "drift: eth is 7.0 points…" are one pattern), phase, mode, play (a leverage play's
//   kind), and for each numeric indicator its tercile over the window's decisions (low / mid / high,
//   with bounds).
// - Verdict per group with n >= MIN_CASES: "helped" when the mean 7-day excess > 0 and the win rate
//   >= 50%, "hurt" when the mean 7-day excess < 0 and the win rate < 50%, else "mixed".
import { HORIZONS, score, SCORE_HORIZON } from "./decisions";
import { costToGain } from "./gas";

/** Fewer judged decisions than this: no claim. */
export const MIN_CASES = 5;

export interface Outcome {
  /** Decision day (YYYY-MM-DD). */
  date: string;
  triggers: string[];
  phase?: string | null;
  mode?: string | null;
  /** Leverage play, e.g. "expiry 2024-06-28" (grouped by its kind, "expiry"). */
  play?: string | null;
  /** Numeric indicator values the decision gave as reasons. */
  indicators: Record<string, number>;
  /** Excess return over holding still per horizon ("1d", "7d", "30d"); null: the window has not elapsed. */
  excess: Record<string, number | null>;
  /** Gas and fees paid for the decision (USD) and its gain over holding still at SCORE_HORIZON (USD). */
  costUsd?: number;
  gainUsd?: number | null;
}

export interface GroupStats {
  by: "trigger" | "phase" | "mode" | "play" | "indicator";
  key: string;
  /** Decisions in the group; `scored`: those with an elapsed SCORE_HORIZON window. */
  n: number;
  scored: number;
  wins: number;
  winRate: number | null;
  qualityScore: number | null;
  meanExcess: Record<string, number | null>;
  verdict: "helped" | "hurt" | "mixed" | "too few cases";
}

export interface Insights {
  from: string | null;
  to: string | null;
  minCases: number;
  decisions: number;
  scored: number;
  wins: number;
  winRate: number | null;
  qualityScore: number | null;
  gas: { costUsd: number; gainUsd: number; costToGain: number | null };
  groups: GroupStats[];
  helped: string[];
  hurt: string[];
  method: string;
}

export const METHOD =
  `excess_h = actual - holding still over h in ${HORIZONS.join(",")} days; win = excess_${SCORE_HORIZON}d > 0; score = 50 + 50*mean(clamp(excess_${SCORE_HORIZON}d/1%, -1, 1)); ` +
  "groups: trigger kind (text before ':' with digits masked), phase, mode, play kind, indicator tercile; " +
  `verdict only with n >= MIN_CASES (${MIN_CASES}): helped = mean excess_${SCORE_HORIZON}d > 0 and win rate >= 50%, hurt = mean < 0 and win rate < 50%, else mixed.`;

/** The pattern of a trigger: its kind, digits masked ("drift: btc is 6.1 points…" → "drift"). */
export function triggerKey(t: string): string {
  const head = t.includes(":") ? t.slice(0, t.indexOf(":")) : t;
  return head.replace(/[0-9]+(\.[0-9]+)?/g, "#").trim().toLowerCase();
}

/** The kind of a play ("expiry 2024-06-28" → "expiry"). */
export const playKey = (p: string) => p.split(/\s+/)[0].toLowerCase();

const H = `${SCORE_HORIZON}d`;

function stats(by: GroupStats["by"], key: string, xs: Outcome[], minCases: number): GroupStats {
  const s = score(xs.map((o) => o.excess[H] ?? null));
  const meanExcess: Record<string, number | null> = {};
  for (const h of HORIZONS) {
    const v = xs.map((o) => o.excess[`${h}d`]).filter((x): x is number => x !== null && x !== undefined);
    meanExcess[`${h}d`] = v.length ? v.reduce((a, b) => a + b, 0) / v.length : null;
  }
  let verdict: GroupStats["verdict"] = "too few cases";
  if (s.scored >= minCases) {
    const m = meanExcess[H]!;
    verdict = m > 0 && s.winRate! >= 0.5 ? "helped" : m < 0 && s.winRate! < 0.5 ? "hurt" : "mixed";
  }
  return { by, key, n: xs.length, scored: s.scored, wins: s.wins, winRate: s.winRate, qualityScore: s.qualityScore, meanExcess, verdict };
}

/** Tercile bounds of the values (the cut points at 1/3 and 2/3). */
function terciles(vs: number[]): [number, number] {
  const s = [...vs].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))];
  return [at(1 / 3), at(2 / 3)];
}

const fmt = (x: number) => String(+x.toPrecision(4));

/** Grouped statistics of `outcomes` (dated within [from, to] when given). */
export function insights(all: Outcome[], o: { from?: string; to?: string; minCases?: number } = {}): Insights {
  const minCases = o.minCases ?? MIN_CASES;
  const xs = all.filter((d) => (!o.from || d.date >= o.from) && (!o.to || d.date <= o.to));
  const groups = new Map<string, { by: GroupStats["by"]; key: string; xs: Outcome[] }>();
  const add = (by: GroupStats["by"], key: string, d: Outcome) => {
    const id = `${by}\u0000${key}`;
    if (!groups.has(id)) groups.set(id, { by, key, xs: [] });
    const g = groups.get(id)!;
    if (g.xs[g.xs.length - 1] !== d) g.xs.push(d);
  };
  const values = new Map<string, number[]>();
  for (const d of xs) for (const [k, v] of Object.entries(d.indicators)) if (Number.isFinite(v)) (values.get(k) ?? values.set(k, []).get(k)!).push(v);
  const cuts = new Map([...values].map(([k, vs]) => [k, terciles(vs)] as const));
  for (const d of xs) {
    for (const t of d.triggers) add("trigger", triggerKey(t), d);
    if (d.phase) add("phase", d.phase, d);
    if (d.mode) add("mode", d.mode, d);
    if (d.play) add("play", playKey(d.play), d);
    for (const [k, v] of Object.entries(d.indicators)) {
      const c = cuts.get(k);
      if (!c || !Number.isFinite(v)) continue;
      const key = v < c[0] ? `${k} low (< ${fmt(c[0])})` : v < c[1] ? `${k} mid (${fmt(c[0])} … ${fmt(c[1])})` : `${k} high (>= ${fmt(c[1])})`;
      add("indicator", key, d);
    }
  }
  const gs = [...groups.values()].map((g) => stats(g.by, g.key, g.xs, minCases));
  const order = ["trigger", "play", "phase", "mode", "indicator"];
  gs.sort((a, b) => order.indexOf(a.by) - order.indexOf(b.by) || b.n - a.n || a.key.localeCompare(b.key));
  const s = score(xs.map((d) => d.excess[H] ?? null));
  const costUsd = xs.reduce((a, d) => a + (d.costUsd ?? 0), 0);
  const gainUsd = xs.reduce((a, d) => a + (d.gainUsd ?? 0), 0);
  const label = (g: GroupStats) => `${g.by} ${g.key}`;
  return {
    from: o.from ?? xs[0]?.date ?? null,
    to: o.to ?? xs[xs.length - 1]?.date ?? null,
    minCases,
    decisions: xs.length,
    scored: s.scored,
    wins: s.wins,
    winRate: s.winRate,
    qualityScore: s.qualityScore,
    gas: { costUsd, gainUsd, costToGain: costToGain(costUsd, gainUsd) },
    groups: gs,
    helped: gs.filter((g) => g.verdict === "helped").map(label),
    hurt: gs.filter((g) => g.verdict === "hurt").map(label),
    method: METHOD,
  };
}

/** Keys of the patterns an outcome belongs to (the same keys `insights` groups by, indicators aside). */
export function patternsOf(d: Pick<Outcome, "triggers" | "phase" | "mode" | "play">): string[] {
  const ks = d.triggers.map((t) => `trigger ${triggerKey(t)}`);
  if (d.phase) ks.push(`phase ${d.phase}`);
  if (d.mode) ks.push(`mode ${d.mode}`);
  if (d.play) ks.push(`play ${playKey(d.play)}`);
  return ks;
}

/** One line per group, for people and for the reviewer's context. */
export function formatGroup(g: GroupStats): string {
  const pct = (x: number | null) => (x === null ? "—" : `${(x * 100).toFixed(2)}%`);
  return (
    `${g.by} ${g.key}: n=${g.n} (judged ${g.scored}), win rate ${g.winRate === null ? "—" : `${(g.winRate * 100).toFixed(0)}%`}, ` +
    `quality ${g.qualityScore === null ? "—" : g.qualityScore.toFixed(0)}, mean excess 1d ${pct(g.meanExcess["1d"])} 7d ${pct(g.meanExcess["7d"])} 30d ${pct(g.meanExcess["30d"])}: ${g.verdict}`
  );
}
