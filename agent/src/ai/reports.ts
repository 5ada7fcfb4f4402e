// Issue 19 §5, the reports: the daily summary, the weekly review and the monthly insights, by
// e-mail (HTML with a text part) and webhook, deduplicated like the alerts (a report's key is its
// kind, treasury and period: sent once). `sendReport` is the generic entry point (the monthly
// insights of agent/src/learn call it with their own sections).
import { gte } from "drizzle-orm";
import type { AlertDispatcher, DispatchResult } from "../alerts";
import { escapeHtml } from "../alerts/format";
import { alertsSent } from "../journal/schema";
import type { Journal } from "../journal";
import type { Weights } from "../strategy/types";
import { POSITIONS } from "../strategy/types";
import type { DailyAnswer } from "./daily";
import type { WeeklyAnswer, WeeklyFacts } from "./weekly";
import type { Assessed } from "./assess";

/** The channels reports go to: documents, not pages (Telegram carries the alerts only). */
export const REPORT_CHANNELS = ["email", "webhook"] as const;

export interface ReportSection {
  heading: string;
  lines: string[];
  /** Rows of a table (the first row is the header). */
  table?: string[][];
}

export interface Report {
  kind: "daily" | "weekly" | "monthly";
  /** chainId:safe. */
  scope: string;
  /** The day, the week's last day, or the month (YYYY-MM). */
  period: string;
  title: string;
  sections: ReportSection[];
  /** Structured payload for the webhook's receivers. */
  data: Record<string, unknown>;
}

export function reportText(r: Report): string[] {
  return r.sections.map((s) => [s.heading.toUpperCase(), ...s.lines, ...(s.table ?? []).map((row) => row.join("  |  "))].join("\n"));
}

export function reportHtml(r: Report): string {
  const sec = (s: ReportSection) => {
    const rows = (s.table ?? []).map((row, i) => `<tr>${row.map((c) => (i === 0 ? `<th align="left">${escapeHtml(c)}</th>` : `<td>${escapeHtml(c)}</td>`)).join("")}</tr>`).join("");
    return [`<h3>${escapeHtml(s.heading)}</h3>`, ...s.lines.map((l) => `<p>${escapeHtml(l).replace(/\n/g, "<br>")}</p>`), rows && `<table cellpadding="4">${rows}</table>`].filter(Boolean).join("\n");
  };
  return [`<h2>${escapeHtml(r.title)}</h2>`, ...r.sections.map(sec)].join("\n");
}

/** Send a report to the report channels (the dispatcher is built with only those); one key per kind, treasury and period. */
export function sendReport(d: AlertDispatcher, r: Report): Promise<DispatchResult> {
  return d.send({ kind: `report.${r.kind}`, severity: "info", title: r.title, lines: reportText(r), html: reportHtml(r), key: `report.${r.kind}:${r.scope}:${r.period}`, once: true, data: { report: r.kind, period: r.period, scope: r.scope, ...r.data } });
}

const pct = (x: number | null | undefined) => (x === null || x === undefined ? "n/a" : `${(x * 100).toFixed(1)}%`);
const signed = (x: number | null) => (x === null ? "n/a" : `${x >= 0 ? "+" : ""}${(x * 100).toFixed(2)}%`);
const usd = (x: number | null) => (x === null ? "n/a" : `$${x.toLocaleString("en-US", { maximumFractionDigits: 0 })}`);

export interface DailySummaryInput {
  scope: string;
  date: string;
  cycle: { status: string; reason?: string; txHash?: string; safeTxHash?: string; hash?: string };
  navUsd: number | null;
  prevNavUsd: number | null;
  held: Weights | null;
  target: Weights | null;
  pending: { safeTxHash: string | null; date: string; waitingDays: number; waitingHours: number }[];
  alerts: { kind: string; title: string; sentAt: Date; suppressed: number }[];
  assessment?: Assessed<DailyAnswer>;
}

export function dailyReport(i: DailySummaryInput): Report {
  const change = i.navUsd !== null && i.prevNavUsd ? i.navUsd / i.prevNavUsd - 1 : null;
  const alloc = [["position", "held", "target"], ...POSITIONS.filter((p) => (i.held?.[p] ?? 0) > 0.0005 || (i.target?.[p] ?? 0) > 0.0005).map((p) => [p, pct(i.held?.[p]), pct(i.target?.[p])])];
  const a = i.assessment;
  return {
    kind: "daily",
    scope: i.scope,
    period: i.date,
    title: `Treasury daily summary ${i.date}: NAV ${usd(i.navUsd)} (${signed(change)})`,
    sections: [
      { heading: "Actions", lines: [`Cycle ${i.cycle.status}${i.cycle.reason ? `: ${i.cycle.reason}` : ""}`, ...(i.cycle.txHash ? [`transaction ${i.cycle.txHash}`] : []), ...(i.cycle.safeTxHash ? [`proposal ${i.cycle.safeTxHash}`] : [])] },
      { heading: "NAV", lines: [`${usd(i.navUsd)}, ${signed(change)} on the previous cycle (${usd(i.prevNavUsd)})`] },
      { heading: "Allocation against target", lines: [], table: alloc },
      { heading: "Pending proposals", lines: i.pending.length ? i.pending.map((p) => `${p.safeTxHash ?? "(no hash yet)"} proposed ${p.date}: waiting ${p.waitingDays} day(s) (${p.waitingHours} h)`) : ["none"] },
      { heading: "Alerts of the day", lines: i.alerts.length ? i.alerts.map((x) => `${x.sentAt.toISOString()} ${x.kind}: ${x.title}${x.suppressed ? ` (repeated ${x.suppressed} more times)` : ""}`) : ["none"] },
      ...(a ? [{ heading: `Assessment (${a.answeredBy === "llm" ? "the model" : "the rules"})`, lines: [`${a.value.action.replace("_", " ")}; risk ${a.value.risk_level}: ${a.value.risk_words}`, `Phase: ${a.value.phase}`, `What would change the view: ${a.value.what_would_change.join("; ")}`, a.value.summary] }] : []),
    ],
    data: { date: i.date, cycle: i.cycle, navUsd: i.navUsd, navChange: change, held: i.held, target: i.target, pending: i.pending, alerts: i.alerts.map((x) => ({ ...x, sentAt: x.sentAt.toISOString() })), assessment: a ? { answeredBy: a.answeredBy, ...a.value } : null },
  };
}

export function weeklyReport(scope: string, f: WeeklyFacts, a: Assessed<WeeklyAnswer>): Report {
  const w = f.windows;
  const table = [
    ["", "treasury", "BTC", "ETH", "stables", "target"],
    ["week", signed(w.week.treasury), signed(w.week.btc), signed(w.week.eth), signed(w.week.stables), signed(w.week.target)],
    ["quarter", signed(w.quarter.treasury), signed(w.quarter.btc), signed(w.quarter.eth), signed(w.quarter.stables), signed(w.quarter.target)],
  ];
  return {
    kind: "weekly",
    scope,
    period: f.date,
    title: `Treasury weekly review to ${f.date}`,
    sections: [
      { heading: "Summary", lines: [a.value.summary, `Written by ${a.answeredBy === "llm" ? "the model" : "the rules"}: ${a.why}.`] },
      { heading: "Returns against the benchmarks and the target", lines: [`Quarter's max drawdown ${pct(w.quarter.maxDrawdown)} (limit ${pct(f.targets.maxDrawdown)}).`], table },
      { heading: "Signals and how they turned out", lines: [a.value.signal_review] },
      { heading: "Regime", lines: [a.value.regime] },
      { heading: "Concerns", lines: a.value.concerns.length ? a.value.concerns : ["none"] },
      { heading: "Recommendations (a report: nothing is done automatically)", lines: a.value.recommendations.length ? a.value.recommendations : ["none"] },
    ],
    data: { facts: f, review: a.value, answeredBy: a.answeredBy },
  };
}

/** The alerts sent since `since` (the day's alerts in the daily summary). */
export async function alertsSince(journal: Journal, since: Date): Promise<DailySummaryInput["alerts"]> {
  const rows = await journal.db.select().from(alertsSent).where(gte(alertsSent.sentAt, since));
  return rows.filter((r) => !r.kind.startsWith("report.")).map((r) => ({ kind: r.kind, title: r.title, sentAt: r.sentAt, suppressed: r.suppressed }));
}
