// Output of a backtest: a readable table, the JSON object, the equity CSV.
import { isoOf } from "../market/calendar";
import type { RunResult } from "./engine";
import type { ResultRow } from "./report";

const pct = (x: number | null, d = 1) => (x === null ? "—" : `${(x * 100).toFixed(d)}%`);
const num = (x: number | null, d = 2) => (x === null ? "—" : x.toFixed(d));
const usd = (x: number) => `$${Math.round(x).toLocaleString("en-US")}`;

export function formatTable(rows: ResultRow[]): string {
  const head = [
    "strategy",
    "final",
    "return",
    "CAGR",
    "vol",
    "Sharpe",
    "Sortino",
    "maxDD",
    "DD peak→trough",
    "Calmar",
    "turnover/y",
    "fees",
    "gas",
    "trades",
    "win",
    "borrow",
    "liq",
  ];
  const body = rows.map((r) => [
    r.name + (r.benchmark ? "*" : ""),
    usd(r.finalValue),
    pct(r.totalReturn, 0),
    pct(r.cagr),
    pct(r.volatility),
    num(r.sharpe),
    num(r.sortino),
    pct(r.maxDrawdown),
    r.maxDrawdownPeak ? `${r.maxDrawdownPeak}→${r.maxDrawdownTrough}` : "—",
    num(r.calmar),
    num(r.turnover),
    usd(r.feesUsd),
    usd(r.gasUsd),
    String(r.trades),
    r.winRate === null ? "—" : `${pct(r.winRate, 0)} of ${r.tacticalMoves}`,
    usd(r.borrowCostUsd),
    String(r.liquidations),
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => cells.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join("  ");
  return [line(head), line(widths.map((w) => "-".repeat(w))), ...body.map(line), "* benchmark (not bound by the on-chain caps)"].join("\n");
}

export function toJson(from: string, to: string, rows: ResultRow[]): string {
  return JSON.stringify({ from, to, results: rows });
}

/** Daily value of every row: `date,<name>,<name>…`. */
export function equityCsv(runs: RunResult[]): string {
  if (!runs.length) return "date\n";
  const n = runs[0].equity.length;
  const lines = [["date", ...runs.map((r) => r.name)].join(",")];
  for (let k = 0; k < n; k++) lines.push([isoOf(runs[0].firstDay + k), ...runs.map((r) => r.equity[k].toFixed(2))].join(","));
  return lines.join("\n") + "\n";
}
