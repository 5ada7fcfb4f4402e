// The end of a replay: the same window three ways (the chain as replayed, the backtest engine on the
// same strategy and holdings, the indexer rebuilt from chain events), how far apart they are and
// why, the benchmarks; written as reports/<run>/summary.json, report.html (self-contained, charts
// as inline SVG), equity.csv and decisions.csv, and printed as a table.
import type { AiTotals } from "../../agent/src/ai/store";
import fs from "node:fs";
import path from "node:path";
import { computeMetrics } from "../../agent/src/backtest/metrics";
import { runBacktest } from "../../agent/src/backtest/run";
import type { Config } from "../../agent/src/strategy/config";
import type { Position } from "../../agent/src/strategy/types";
import type { MarketHistory } from "../../agent/src/market/types";
import { isoOf } from "../../agent/src/market/calendar";
import type { DayResult } from "./driver";
import { insights, type Insights, type Outcome } from "../../lib/analytics/insights";

export interface RunFigures {
  startNav: number;
  finalNav: number;
  totalReturn: number;
  cagr: number;
  volatility: number;
  sharpe: number | null;
  maxDrawdown: number;
  trades: number;
  proposals: number;
  gasUsd: number;
  feesUsd: number;
}

export interface IndexerFigures {
  finalNav: number | null;
  twr: number | null;
  decisions: number | null;
  winRate: number | null;
  qualityScore: number | null;
}

export interface JournalFigures {
  cycles: number;
  executed: number;
  proposed: number;
  held: number;
  failed: number;
}

export interface Agreement {
  /** The indexer's last NAV minus TreasuryValuation.nav() at the last block, in cents. */
  indexerVsChainCents: number | null;
  journalCyclesEqualDays: boolean;
  /** Executed decisions whose hash is missing on chain (recordDecision) or in the indexer. */
  missingHashes: string[];
  /** (backtest final − chain final) / chain final. */
  finalValueGap: number;
  /** backtest max drawdown − chain max drawdown, in points. */
  maxDrawdownGapPts: number;
  ok: boolean;
  why: string[];
}

/** What the replayed decisions teach (lib/analytics/insights.ts over the journal's decisions as the indexer judged them). */
export interface LearningFigures {
  qualityScore: number | null;
  winRate: number | null;
  insights: Insights | null;
}

export function learningOf(outcomes: Outcome[] | null): LearningFigures {
  if (!outcomes) return { qualityScore: null, winRate: null, insights: null };
  const ins = insights(outcomes);
  return { qualityScore: ins.qualityScore, winRate: ins.winRate, insights: ins };
}

export interface Summary {
  from: string;
  to: string;
  days: number;
  seconds: number;
  chain: RunFigures;
  backtest: RunFigures;
  indexer: IndexerFigures;
  journal: JournalFigures;
  benchmarks: { name: string; totalReturn: number; maxDrawdown: number }[];
  agreement: Agreement;
  learning: LearningFigures;
  /** Issue 19: the assessments the run recorded and the tokens the Messages API counted for them. */
  ai: AiTotals;
}

/** Tolerances of the issue: final value within 2%, max drawdown within 2 points. */
export const FINAL_VALUE_TOLERANCE = 0.02;
export const DRAWDOWN_TOLERANCE_PTS = 2;

export function chainFigures(days: DayResult[], startNav: number, gasUsd: number, feesUsd: number): RunFigures {
  const eq = days.map((d) => d.navUsd);
  const m = computeMetrics(startNav, eq, days[0]?.day ?? 0);
  return {
    startNav,
    finalNav: m.finalValue,
    totalReturn: m.totalReturn,
    cagr: m.cagr,
    volatility: m.volatility,
    sharpe: m.sharpe,
    maxDrawdown: m.maxDrawdown,
    trades: days.filter((d) => d.report.status === "executed").length + days.reduce((a, d) => a + d.signed.length, 0),
    proposals: days.filter((d) => d.report.status === "proposed").length,
    gasUsd,
    feesUsd,
  };
}

export function journalFigures(days: DayResult[]): JournalFigures {
  const st = (s: string[]) => days.filter((d) => s.includes(d.report.status)).length;
  return { cycles: days.length, executed: st(["executed"]) + days.reduce((a, d) => a + d.signed.length, 0), proposed: st(["proposed"]), held: st(["skipped", "already"]), failed: st(["failed", "aborted"]) };
}

export interface BacktestSide {
  figures: RunFigures;
  equity: Float64Array;
  benchmarks: { name: string; totalReturn: number; maxDrawdown: number; equity: Float64Array }[];
}

export function backtestSide(h: MarketHistory, o: { from: string; to: string; strategy: string; config: Config; initialUsd: Partial<Record<Position, number>> }): BacktestSide {
  // The strategy from the chain's starting holdings; the benchmarks as defined (the same capital in
  // USDC, bought on the first day), or "BTC hold" would hold whatever the treasury started with.
  const capitalUsd = Object.values(o.initialUsd).reduce((a, x) => a + (x ?? 0), 0);
  const config = { ...o.config, capitalUsd };
  const mine = runBacktest(h, { from: o.from, to: o.to, strategy: o.strategy, config, others: [], initialUsd: o.initialUsd });
  const bench = runBacktest(h, { from: o.from, to: o.to, strategy: "mix-60-40", config, others: ["btc-hold"] });
  const out = { runs: [mine.runs[0], ...bench.runs], results: [mine.results[0], ...bench.results] };
  const [main] = out.runs;
  const row = out.results[0];
  const startNav = main.initial;
  return {
    figures: {
      startNav,
      finalNav: row.finalValue,
      totalReturn: row.totalReturn,
      cagr: row.cagr,
      volatility: row.volatility,
      sharpe: row.sharpe,
      maxDrawdown: row.maxDrawdown,
      trades: main.trades,
      proposals: 0,
      gasUsd: main.gasUsd,
      feesUsd: main.feesUsd,
    },
    equity: main.equity,
    benchmarks: out.results.slice(1).map((r, k) => ({ name: r.name, totalReturn: r.totalReturn, maxDrawdown: r.maxDrawdown, equity: out.runs[k + 1].equity })),
  };
}

export function agreementOf(chain: RunFigures, bt: RunFigures, j: JournalFigures, days: number, indexerVsChainCents: number | null, missingHashes: string[], causes: string[]): Agreement {
  const finalValueGap = bt.finalNav / chain.finalNav - 1;
  const maxDrawdownGapPts = (bt.maxDrawdown - chain.maxDrawdown) * 100;
  const why: string[] = [];
  if (indexerVsChainCents === null) why.push("the indexer gave no final NAV");
  else if (Math.abs(indexerVsChainCents) >= 1) why.push(`the indexer's final NAV is ${indexerVsChainCents} cents off TreasuryValuation.nav() at the last block`);
  if (j.cycles !== days) why.push(`the journal has ${j.cycles} cycles for ${days} simulated days`);
  if (missingHashes.length) why.push(`${missingHashes.length} executed decision hash(es) missing on chain or in the indexer: ${missingHashes.slice(0, 3).join(", ")}`);
  const btOff = Math.abs(finalValueGap) > FINAL_VALUE_TOLERANCE || Math.abs(maxDrawdownGapPts) > DRAWDOWN_TOLERANCE_PTS;
  if (btOff) why.push(`chain vs backtest: final value ${(finalValueGap * 100).toFixed(2)}%, max drawdown ${maxDrawdownGapPts.toFixed(2)} points (tolerance ${FINAL_VALUE_TOLERANCE * 100}% / ${DRAWDOWN_TOLERANCE_PTS} points)`);
  const ok = why.length === 0;
  // The causes are said even when within tolerance: they are what the remaining gap is made of.
  return { indexerVsChainCents, journalCyclesEqualDays: j.cycles === days, missingHashes, finalValueGap, maxDrawdownGapPts, ok, why: [...why, ...causes] };
}

const pct = (x: number | null) => (x === null ? "—" : `${(x * 100).toFixed(2)}%`);
const usd = (x: number | null) => (x === null ? "—" : `$${x.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`);
const num = (x: number | null, d = 2) => (x === null ? "—" : x.toFixed(d));

/** The summary as a plain-text table (chain, backtest, indexer side by side). */
export function summaryTable(s: Summary, maxPoolMoveBps?: number): string {
  const rows: [string, string, string, string][] = [
    ["", "chain", "backtest", "indexer"],
    ["start NAV", usd(s.chain.startNav), usd(s.backtest.startNav), ""],
    ["final NAV", usd(s.chain.finalNav), usd(s.backtest.finalNav), usd(s.indexer.finalNav)],
    ["total return", pct(s.chain.totalReturn), pct(s.backtest.totalReturn), s.indexer.twr === null ? "—" : `${pct(s.indexer.twr)} (TWR)`],
    ["CAGR", pct(s.chain.cagr), pct(s.backtest.cagr), ""],
    ["volatility", pct(s.chain.volatility), pct(s.backtest.volatility), ""],
    ["Sharpe", num(s.chain.sharpe), num(s.backtest.sharpe), ""],
    ["max drawdown", pct(s.chain.maxDrawdown), pct(s.backtest.maxDrawdown), ""],
    ["trades", String(s.chain.trades), String(s.backtest.trades), s.indexer.decisions === null ? "—" : `${s.indexer.decisions} decisions`],
    ["proposals", String(s.chain.proposals), "—", ""],
    ["gas", usd(s.chain.gasUsd), usd(s.backtest.gasUsd), ""],
    ["fees + slippage", usd(s.chain.feesUsd), usd(s.backtest.feesUsd), ""],
    ["win rate / quality", "", "", `${pct(s.indexer.winRate)} / ${num(s.indexer.qualityScore, 1)}`],
  ];
  const w = [0, 1, 2, 3].map((c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]) => r.map((x, c) => (c === 0 ? x.padEnd(w[c]) : x.padStart(w[c]))).join("   ");
  const out = [
    `Replay ${s.from} → ${s.to}: ${s.days} days in ${s.seconds.toFixed(1)} s (${(s.days / Math.max(s.seconds, 1e-9)).toFixed(2)} days/s)`,
    ...rows.map(line),
    `journal: ${s.journal.cycles} cycles, ${s.journal.executed} executed, ${s.journal.proposed} proposed, ${s.journal.held} held, ${s.journal.failed} failed`,
    `largest pool price move by the treasury's trades: ${(maxPoolMoveBps ?? 0).toFixed(1)} bps`,
    `benchmarks: ${s.benchmarks.map((b) => `${b.name} ${pct(b.totalReturn)} (max drawdown ${pct(b.maxDrawdown)})`).join("; ")}`,
    ...(s.learning?.insights ? [`learning: ${s.learning.insights.scored} decisions judged; helped: ${s.learning.insights.helped.join(", ") || "none"}; hurt: ${s.learning.insights.hurt.join(", ") || "none"} (no claim under ${s.learning.insights.minCases} cases)`] : []),
    `agreement: ${s.agreement.ok ? "chain, backtest and indexer agree" : "DISAGREE"}: indexer vs chain ${s.agreement.indexerVsChainCents ?? "—"} cents; backtest vs chain final ${(s.agreement.finalValueGap * 100).toFixed(2)}%, max drawdown ${s.agreement.maxDrawdownGapPts.toFixed(2)} points`,
    ...s.agreement.why.map((x) => `  - ${x}`),
  ];
  return out.join("\n");
}

const csvCell = (v: unknown) => {
  const s = v === null || v === undefined ? "" : String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

function svgLines(series: { name: string; color: string; values: ArrayLike<number> }[], dates: string[], markers: number[] = []): string {
  const W = 900;
  const H = 300;
  const pad = 50;
  const all = series.flatMap((s) => Array.from(s.values)).filter(Number.isFinite);
  const lo = Math.min(...all);
  const hi = Math.max(...all);
  const n = Math.max(1, dates.length - 1);
  const x = (i: number) => pad + ((W - 2 * pad) * i) / n;
  const y = (v: number) => H - pad - ((H - 2 * pad) * (v - lo)) / Math.max(hi - lo, 1e-9);
  const paths = series
    .map((s) => `<path fill="none" stroke="${s.color}" stroke-width="1.5" d="${Array.from(s.values).map((v, i) => `${i ? "L" : "M"}${x(i).toFixed(1)},${y(v).toFixed(1)}`).join("")}"><title>${s.name}</title></path>`)
    .join("");
  const marks = markers.map((i) => `<line x1="${x(i).toFixed(1)}" x2="${x(i).toFixed(1)}" y1="${H - pad}" y2="${H - pad + 6}" stroke="#444"/>`).join("");
  const legend = series.map((s, k) => `<text x="${pad + k * 170}" y="18" fill="${s.color}" font-size="12">■ ${s.name}</text>`).join("");
  const axis = `<text x="${pad}" y="${H - 10}" font-size="11">${dates[0] ?? ""}</text><text x="${W - pad}" y="${H - 10}" font-size="11" text-anchor="end">${dates[dates.length - 1] ?? ""}</text><text x="4" y="${y(hi) + 4}" font-size="11">${Math.round(hi).toLocaleString("en-US")}</text><text x="4" y="${y(lo) + 4}" font-size="11">${Math.round(lo).toLocaleString("en-US")}</text>`;
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="100%" role="img">${legend}${axis}${paths}${marks}</svg>`;
}

function drawdowns(values: ArrayLike<number>, start: number): number[] {
  let peak = start;
  return Array.from(values, (v) => {
    peak = Math.max(peak, v);
    return -(1 - v / peak) * 100;
  });
}

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

export function writeReports(dir: string, s: Summary, days: DayResult[], bt: BacktestSide): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  const write = (name: string, text: string) => {
    fs.writeFileSync(path.join(dir, name), text);
    files.push(path.join(dir, name));
  };
  write("summary.json", JSON.stringify(s, null, 2) + "\n");
  const eqRows = days.map((d, k) => [d.date, d.navUsd.toFixed(2), bt.equity[k]?.toFixed(2) ?? "", ...bt.benchmarks.map((b) => b.equity[k]?.toFixed(2) ?? "")]);
  write("equity.csv", [["date", "chain_nav_usd", "backtest_nav_usd", ...bt.benchmarks.map((b) => `${b.name}_usd`)].join(","), ...eqRows.map((r) => r.join(","))].join("\n") + "\n");
  const decHeader = ["date", "status", "path", "decision_hash", "tx_hash", "safe_tx_hash", "executed_by_owners_tx", "signed_by", "nav_usd", "reason"];
  const decRows = days.map((d) => {
    const signedHere = d.signed.map((x) => x.txHash).join(" ");
    return [d.date, d.report.status, d.report.path ?? "", d.report.hash ?? "", d.report.txHash ?? "", d.report.safeTxHash ?? "", signedHere, d.signed.flatMap((x) => x.confirmedBy).join(" "), d.navUsd.toFixed(2), d.report.reason ?? ""];
  });
  write("decisions.csv", [decHeader.join(","), ...decRows.map((r) => r.map(csvCell).join(","))].join("\n") + "\n");
  const dates = days.map((d) => d.date);
  const traded = days.map((d, i) => (d.report.status === "executed" || d.report.status === "proposed" || d.signed.length ? i : -1)).filter((i) => i >= 0);
  const colors = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd"];
  const navChart = svgLines(
    [{ name: "chain (replay)", color: colors[0], values: days.map((d) => d.navUsd) }, { name: "backtest", color: colors[1], values: bt.equity }, ...bt.benchmarks.map((b, k) => ({ name: b.name, color: colors[2 + k], values: b.equity }))],
    dates,
    traded,
  );
  const ddChart = svgLines([{ name: "chain drawdown %", color: colors[0], values: drawdowns(days.map((d) => d.navUsd), s.chain.startNav) }, { name: "backtest drawdown %", color: colors[1], values: drawdowns(bt.equity, s.backtest.startNav) }], dates);
  const table = summaryTable(s, Math.max(0, ...days.map((d) => d.poolMoveBps)));
  const decisionsHtml = days
    .filter((d) => d.report.status !== "skipped" || d.report.path !== "none")
    .map((d) => `<tr><td>${d.date}</td><td>${esc(d.report.status)}</td><td>${esc(d.report.path ?? "")}</td><td><code>${esc((d.report.txHash ?? d.signed[0]?.txHash ?? d.report.safeTxHash ?? "").slice(0, 18))}</code></td><td>${usd(d.navUsd)}</td><td>${esc(d.report.reason ?? "")}${d.signed.length ? ` — signed by local owners ${esc(d.signed.flatMap((x) => x.confirmedBy).join(", "))}` : ""}</td></tr>`)
    .join("");
  write(
    "report.html",
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Treasury replay ${s.from} → ${s.to}</title>
<style>body{font:14px system-ui,sans-serif;margin:24px;max-width:1000px}pre{background:#f6f6f6;padding:12px;overflow:auto}table{border-collapse:collapse;font-size:12px}td,th{border-bottom:1px solid #ddd;padding:3px 6px;text-align:left;vertical-align:top}</style></head><body>
<h1>Treasury replay ${s.from} → ${s.to}</h1>
<p>${s.days} simulated days on the local chain in ${s.seconds.toFixed(1)} s. The same strategy run three ways: on the chain (this replay), by the backtest engine, and rebuilt by the indexer from chain events.</p>
<h2>NAV (ticks: days with a transaction or proposal)</h2>${navChart}
<h2>Drawdown</h2>${ddChart}
<h2>Summary</h2><pre>${esc(table)}</pre>
<h2>Decisions that acted</h2><table><tr><th>date</th><th>status</th><th>path</th><th>transaction</th><th>NAV after</th><th>why</th></tr>${decisionsHtml}</table>
</body></html>\n`,
  );
  return files;
}

export const runName = (from: string, to: string, at = new Date()) => `${from}_${to}_${at.toISOString().replace(/[:.]/g, "-").slice(0, 19)}`;
export { isoOf };
