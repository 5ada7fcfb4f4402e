// The dashboard's time series, from the journal alone (pure: journal rows in, JSON-ready data out):
// per simulated or live day the NAV, the allocation by sleeve, the target, the market indicators
// and the strategy's phase and mode; every decision (the markers and the log); the benchmarks over
// the same days; the drawdown; performance, win rate and decision quality. Performance and the
// decision judgement use the indexer's formulas (lib/analytics: their one home, the indexer's API uses them too), fed with the
// journal's daily NAV instead of chain snapshots, so the two sources differ only by their data.
import type { SeriesRow } from "../../journal";
import { DAY, performance, type Performance, type Point } from "../../../../lib/analytics/performance";
import { judge, score, HORIZONS, SCORE_HORIZON, type SnapshotRow, type Judged } from "../../../../lib/analytics/decisions";
import { STATIC_APY } from "../../backtest/run";
import { GOAL } from "../../backtest/walkforward";
import { mix6040 } from "../../strategy/benchmarks";
import { capLimits } from "../../strategy/caps";
import type { Config } from "../../strategy/config";
import type { MarketView } from "../../market/types";
import { POSITIONS, zeroWeights, type Position, type Weights } from "../../strategy/types";
import { weightsOf } from "./allocation";

export interface SeriesDay {
  date: string;
  /** Seconds since the epoch at 00:00 UTC of the date (the charts' x). */
  t: number;
  nav: number | null;
  weights: Weights | null;
  target: Weights | null;
  btc: number | null;
  eth: number | null;
  mvrv: number | null;
  fearGreed: number | null;
  funding7d: number | null;
  phase: string | null;
  mode: string | null;
}

export interface SeriesDecision {
  hash: string;
  date: string;
  t: number;
  at: string;
  status: string;
  path: string;
  reason: string | null;
  verdict: string | null;
  sizeUsd: number | null;
  txHash: string | null;
  safeTxHash: string | null;
  proposalUrl: string | null;
  triggers: string[];
  /** Outcome after 1, 7 and 30 days against holding still (null until the journal reaches that day). */
  outcome: Record<string, Judged | null>;
}

export interface Series {
  days: SeriesDay[];
  decisions: SeriesDecision[];
  benchmarks: { name: string; label: string; values: (number | null)[]; totalReturn: number | null; maxDrawdown: number | null }[];
  /** Fall of NAV from its running peak per day (fraction, ≤ 0). */
  drawdown: (number | null)[];
  caps: { volatile: number; protocol: number; position: number };
  performance: (Omit<Performance, "daily"> & { daysJournaled: number }) | null;
  quality: { judged: number; wins: number; winRate: number | null; qualityScore: number | null; horizonDays: number };
  apyTarget: number;
  gasUnits: number;
  /** Where performance, win rate and quality come from. */
  source: "journal" | "indexer";
}

const rec = (v: unknown): Record<string, unknown> => (v && typeof v === "object" ? (v as Record<string, unknown>) : {});
const num = (v: unknown): number | null => (typeof v === "number" && Number.isFinite(v) ? v : null);
const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
const usd18 = (v: unknown): number | null => (typeof v === "string" && /^\d+$/.test(v) ? Number(BigInt(v) / 10n ** 12n) / 1e6 : null);
const dayT = (date: string) => Date.parse(`${date}T00:00:00Z`) / 1000;

function weightsJson(v: unknown): Weights | null {
  const o = rec(v);
  if (!POSITIONS.every((p) => num(o[p]) !== null)) return null;
  return Object.fromEntries(POSITIONS.map((p) => [p, o[p] as number])) as Weights;
}

/** The holdings of a journaled portfolio as the indexer's snapshot row (USD 18-decimal values). */
function holdingsOf(portfolio: unknown): { holdings: SnapshotRow["holdings"]; underlying: Map<string, string> } {
  const p = rec(portfolio);
  const holdings: SnapshotRow["holdings"] = [];
  const underlying = new Map<string, string>();
  for (const a of [...(Array.isArray(p.assets) ? p.assets : []), ...(Array.isArray(p.positions) ? p.positions : [])]) {
    const h = rec(a);
    const token = str(h.token);
    if (!token || typeof h.balance !== "string" || typeof h.valueUsd !== "string") continue;
    holdings.push({ token: token.toLowerCase(), balance: h.balance, valueUsd18: h.valueUsd });
    const u = str(h.underlying);
    if (u) underlying.set(token.toLowerCase(), u.toLowerCase());
  }
  return { holdings, underlying };
}

/** The three benchmarks of the backtest over the journaled days, each starting at the first day's NAV. */
function benchmarks(days: SeriesDay[], c: Config): Series["benchmarks"] {
  // Their figures by the same formula as the treasury's (performance(), no flows, no gas).
  const withFigures = (b: { name: string; label: string; values: (number | null)[] }) => {
    const pts: Point[] = [];
    b.values.forEach((v, i) => v !== null && pts.push({ block: BigInt(i), timestamp: days[i].t, nav: v }));
    const p = performance(pts, [], []);
    return { ...b, totalReturn: p ? p.twr : null, maxDrawdown: p ? p.maxDrawdown : null };
  };
  const first = days.findIndex((d) => d.nav !== null);
  const none = days.map(() => null);
  if (first < 0) return [];
  const nav0 = days[first].nav!;
  const t0 = days[first].t;
  const fixed = days.map((d, i) => (i < first ? null : nav0 * Math.pow(1 + STATIC_APY, (d.t - t0) / (365 * DAY))));
  const btc0 = days[first].btc;
  const btcHold = btc0 ? days.map((d, i) => (i < first || d.btc === null ? null : (nav0 * d.btc) / btc0)) : none;
  // 60/40: the backtest's benchmark weights (strategy/benchmarks.ts), rebalanced on the 1st of each
  // month; the stable sleeve earns the Aave fallback rate of the strategy's config.
  const w = mix6040(c).decide({ view: { day: 0, date: days[first].date } as MarketView, current: { ...zeroWeights(), usdc: 1 }, state: undefined }).decision.targets;
  const stable = 1 - w.btc - w.eth;
  let units = { stable: nav0 * stable, btc: 0, eth: 0 };
  let lastT = t0;
  let last: { btc: number; eth: number } | null = null;
  const mix = days.map((d, i) => {
    if (i < first || d.btc === null || d.eth === null) return null;
    units.stable *= 1 + (c.rates.aaveFallbackApr * (d.t - lastT)) / (365 * DAY);
    lastT = d.t;
    if (!last) units = { stable: units.stable, btc: (nav0 * w.btc) / d.btc, eth: (nav0 * w.eth) / d.eth };
    last = { btc: d.btc, eth: d.eth };
    const v = units.stable + units.btc * d.btc + units.eth * d.eth;
    if (d.date.endsWith("-01")) units = { stable: v * stable, btc: (v * w.btc) / d.btc, eth: (v * w.eth) / d.eth };
    return v;
  });
  return [
    { name: "static", label: `static ${(STATIC_APY * 100).toFixed(1)}%`, values: fixed },
    { name: "btc-hold", label: "BTC hold", values: btcHold },
    { name: "mix-60-40", label: "60/40", values: mix },
  ].map(withFigures);
}

/** Everything the dashboard's charts draw, from this Safe's journal rows (oldest first). */
export function seriesOf(rows: SeriesRow[], c: Config): Series {
  // One point per date: the latest record's read (a day retried keeps its last read).
  const byDate = new Map<string, SeriesRow>();
  for (const r of rows) byDate.set(r.date, r);
  const dates = [...byDate.keys()].sort();
  const snaps: SnapshotRow[] = [];
  const underlying = new Map<string, string>();
  const days: SeriesDay[] = dates.map((date, i) => {
    const r = byDate.get(date)!;
    const p = rec(r.portfolio);
    const s = rec(r.signals);
    const ind = rec(s.indicators);
    const nav = p.healthy === false ? null : usd18(p.navUsd);
    const t = dayT(date);
    if (nav !== null) {
      const h = holdingsOf(r.portfolio);
      h.underlying.forEach((v, k) => underlying.set(k, v));
      // Blocks are the day's order (even), so a decision of that day (odd) sees its own read as "before".
      snaps.push({ block: BigInt(2 * i), timestamp: t, nav, index: 0, holdings: h.holdings, prices: {} });
    }
    return {
      date,
      t,
      nav,
      weights: weightsOf(r.portfolio) ?? null,
      target: weightsJson(r.target),
      btc: num(ind.btc),
      eth: num(ind.eth),
      mvrv: num(ind.mvrv),
      fearGreed: num(ind.fearGreed),
      funding7d: num(ind.funding7d),
      phase: str(s.phase),
      mode: str(s.mode),
    };
  });
  const navs = snaps.map((s) => s.nav);
  snaps.forEach((s) => (s.index = s.nav / navs[0]));

  let peak = 0;
  const drawdown = days.map((d) => {
    if (d.nav === null) return null;
    peak = Math.max(peak, d.nav);
    return d.nav / peak - 1;
  });

  const dayIndex = new Map(dates.map((d, i) => [d, i]));
  const decisions: SeriesDecision[] = rows.map((r) => {
    const t = dayT(r.date);
    const judged = judge({ id: r.hash, txHash: r.txHash ?? "", block: BigInt(2 * dayIndex.get(r.date)! + 1), timestamp: t, decisionHash: r.hash, recordedBy: null }, snaps, () => undefined, (tok) => underlying.get(tok));
    const triggers = rec(r.signals).triggers;
    return {
      hash: r.hash,
      date: r.date,
      t,
      at: r.createdAt.toISOString(),
      status: r.status,
      path: r.path,
      reason: r.reason ?? r.rationale,
      verdict: r.verdict,
      sizeUsd: usd18(r.sizeUsd),
      txHash: r.txHash,
      safeTxHash: r.safeTxHash,
      proposalUrl: r.proposalUrl,
      triggers: Array.isArray(triggers) ? triggers.filter((x): x is string => typeof x === "string") : [],
      outcome: judged.later,
    };
  });

  const points: Point[] = snaps.map((s) => ({ block: s.block, timestamp: s.timestamp, nav: s.nav }));
  const perf = performance(points, [], [], c.rates.riskFree);
  const executed = decisions.filter((d) => d.status === "executed");
  const q = score(executed.map((d) => d.outcome[`${SCORE_HORIZON}d`]?.excess ?? null));
  const lim = capLimits(c, false);
  return {
    days,
    decisions,
    benchmarks: benchmarks(days, c),
    drawdown,
    caps: { volatile: lim.volatile, protocol: lim.protocol, position: lim.position },
    performance: perf ? { ...withoutDaily(perf), daysJournaled: days.length } : null,
    quality: { judged: q.scored, wins: q.wins, winRate: q.winRate, qualityScore: q.qualityScore, horizonDays: SCORE_HORIZON },
    apyTarget: GOAL.cagr,
    gasUnits: rows.reduce((a, r) => a + (r.gasUsed && /^\d+$/.test(r.gasUsed) ? Number(r.gasUsed) : 0), 0),
    source: "journal",
  };
}

function withoutDaily(p: Performance): Omit<Performance, "daily"> {
  const { daily: _daily, ...rest } = p;
  return rest;
}

export { HORIZONS };
export type { Position };
