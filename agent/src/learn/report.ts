// The monthly insights report: the month's decisions and what they teach, as JSON (machines) and a
// self-contained HTML page (people). `monthlyReport` returns both for a sender (email, webhook);
// `writeMonthlyReport` writes them under a run's reports folder.
import fs from "node:fs";
import path from "node:path";
import { insights, MIN_CASES, type GroupStats, type Insights, type Outcome } from "../../../lib/analytics/insights";
import { escapeHtml } from "../alerts/format";
import { UserError } from "../errors";

export interface MonthlyReport {
  month: string;
  title: string;
  /** One line for an alert's body. */
  summary: string;
  json: { month: string; generatedAt: string; insights: Insights };
  html: string;
}

function monthBounds(month: string): { from: string; to: string } {
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(month)) throw new UserError(`month "${month}" is not YYYY-MM; give e.g. 2024-06`);
  const [y, m] = month.split("-").map(Number);
  const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
  return { from: `${month}-01`, to: `${month}-${String(last).padStart(2, "0")}` };
}

/** Every month (YYYY-MM) from `from`'s to `to`'s (YYYY-MM-DD or YYYY-MM). */
export function monthsBetween(from: string, to: string): string[] {
  const out: string[] = [];
  let [y, m] = from.slice(0, 7).split("-").map(Number);
  const end = to.slice(0, 7);
  for (let s = from.slice(0, 7); s <= end; s = `${y}-${String(m).padStart(2, "0")}`) {
    out.push(s);
    m = m === 12 ? 1 : m + 1;
    if (m === 1) y++;
  }
  return out;
}

/** The monthly reports of every month from `from` to `to`, written into `dir`; the paths written. */
export function writeMonthlyReports(dir: string, outcomes: Outcome[], from: string, to: string, minCases = MIN_CASES): string[] {
  return monthsBetween(from, to).flatMap((m) => Object.values(writeMonthlyReport(dir, monthlyReport(outcomes, m, { minCases }))));
}

const pct = (x: number | null, d = 1) => (x === null ? "—" : `${(x * 100).toFixed(d)}%`);

export function monthlyReport(outcomes: Outcome[], month: string, o: { minCases?: number; now?: Date } = {}): MonthlyReport {
  const { from, to } = monthBounds(month);
  const ins = insights(outcomes, { from, to, minCases: o.minCases ?? MIN_CASES });
  const title = `Treasury insights ${month}`;
  const summary =
    `${ins.decisions} decisions, judged ${ins.scored}: win rate ${pct(ins.winRate, 0)}, quality score ${ins.qualityScore === null ? "—" : ins.qualityScore.toFixed(0)}; ` +
    `helped: ${ins.helped.join(", ") || "none with enough cases"}; hurt: ${ins.hurt.join(", ") || "none with enough cases"}; gas+fees $${ins.gas.costUsd.toFixed(0)} vs gains $${ins.gas.gainUsd.toFixed(0)}`;
  const row = (g: GroupStats) =>
    `<tr class="${g.verdict.replace(/ /g, "-")}"><td>${escapeHtml(g.by)}</td><td>${escapeHtml(g.key)}</td><td>${g.n}</td><td>${g.scored}</td><td>${pct(g.winRate, 0)}</td><td>${g.qualityScore === null ? "—" : g.qualityScore.toFixed(0)}</td><td>${pct(g.meanExcess["1d"], 2)}</td><td>${pct(g.meanExcess["7d"], 2)}</td><td>${pct(g.meanExcess["30d"], 2)}</td><td>${escapeHtml(g.verdict)}</td></tr>`;
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title>
<style>body{font-family:system-ui,sans-serif;margin:2em;max-width:70em}table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.25em .5em;text-align:right}td:nth-child(-n+2),th:nth-child(-n+2){text-align:left}.hurt{background:#fde8e8}.helped{background:#e8f6e8}.too-few-cases{color:#888}</style></head>
<body><h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(summary)}</p>
<p>Decisions ${escapeHtml(from)} → ${escapeHtml(to)}. No claim (helped / hurt) is drawn from fewer than ${ins.minCases} judged decisions.</p>
<table><thead><tr><th>group</th><th>key</th><th>n</th><th>judged</th><th>win rate</th><th>quality</th><th>excess 1d</th><th>excess 7d</th><th>excess 30d</th><th>verdict</th></tr></thead>
<tbody>${ins.groups.map(row).join("\n")}</tbody></table>
<p><small>Method: ${escapeHtml(ins.method)}</small></p>
</body></html>
`;
  return { month, title, summary, json: { month, generatedAt: (o.now ?? new Date()).toISOString(), insights: ins }, html };
}

/** Writes insights-<month>.json and .html into `dir` (created); returns the two paths. */
export function writeMonthlyReport(dir: string, r: MonthlyReport): { json: string; html: string } {
  try {
    fs.mkdirSync(dir, { recursive: true });
    const json = path.join(dir, `insights-${r.month}.json`);
    const html = path.join(dir, `insights-${r.month}.html`);
    fs.writeFileSync(json, JSON.stringify(r.json, null, 2) + "\n");
    fs.writeFileSync(html, r.html);
    return { json, html };
  } catch (e) {
    throw new UserError(`cannot write the insights report into ${dir}: ${(e as Error).message}; pick a writable folder`);
  }
}

/**
 * The monthly report as the report sender's message (agent/src/ai/reports.ts `Report`, on branch
 * `ai`: kind, scope, period, title, sections, data), typed structurally here so this file does not
 * depend on that branch: `sendReport(dispatcher, monthlyReportMessage(r, scope))` sends it by e-mail
 * and webhook, once per treasury and month.
 */
export function monthlyReportMessage(r: MonthlyReport, scope: string) {
  const ins = r.json.insights;
  const claims = ins.groups.filter((g) => g.verdict === "helped" || g.verdict === "hurt");
  return {
    kind: "monthly" as const,
    scope,
    period: r.month,
    title: r.title,
    sections: [
      { heading: "Summary", lines: [r.summary, `No claim is drawn from fewer than ${ins.minCases} judged decisions.`] },
      {
        heading: "What helped and what hurt (against holding still)",
        lines: claims.length ? [] : ["No pattern had enough judged decisions this month."],
        table: claims.length
          ? [["group", "n", "win rate", "quality", "mean excess 7d", "verdict"], ...claims.map((g) => [`${g.by} ${g.key}`, String(g.n), pct(g.winRate, 0), g.qualityScore === null ? "—" : g.qualityScore.toFixed(0), pct(g.meanExcess["7d"], 2), g.verdict])]
          : undefined,
      },
      { heading: "Method", lines: [ins.method] },
    ],
    data: { insights: ins },
  };
}
