// The dashboard page, rendered on the server from a DashboardView: NAV and its line over the
// journaled cycles (inline SVG, no chart library), allocation vs target, the agent's limits,
// pending Safe proposals, recent decisions and the health verdict. Every value from the chain, the
// transaction service or the journal goes through html`` (escaped); links only to http(s) URLs. No
// inline script or style: the CSP allows only the served dashboard/app.js and dashboard/style.css.
import type { Status } from "../../cycle/status";
import type { HealthBody } from "../health";
import { html, httpUrl, type Html } from "./html";
import type { DashboardView, Got, NavPoint } from "./view";

export const REFRESH_SECONDS = 30;

const num = (v: unknown): number | undefined => (typeof v === "number" && Number.isFinite(v) ? v : undefined);
const str = (v: unknown): string | undefined => (typeof v === "string" ? v : typeof v === "number" || typeof v === "bigint" ? String(v) : undefined);
const usd = (v: unknown) => {
  const n = num(v);
  return n === undefined ? "—" : `$${n.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
};
const pct = (w: number | null, digits = 1) => (w === null ? "—" : `${(w * 100).toFixed(digits)}%`);
/** A time from the journal (a Date) or JSON (an ISO string). */
const when = (v: unknown) => {
  const s = v instanceof Date ? v.toISOString() : str(v);
  const t = s ? Date.parse(s) : NaN;
  return Number.isNaN(t) ? html`${s ?? "—"}` : html`<time datetime="${new Date(t).toISOString()}">${new Date(t).toISOString().slice(0, 19).replace("T", " ")} UTC</time>`;
};
const hash = (h: unknown) => {
  const s = str(h);
  return s ? html`<code title="${s}">${s.length > 14 ? `${s.slice(0, 8)}…${s.slice(-4)}` : s}</code>` : html`—`;
};
const link = (u: unknown, label: string) => {
  const href = httpUrl(u);
  return href ? html`<a href="${href}" target="_blank" rel="noopener noreferrer">${label}</a>` : html``;
};
/** The Safe Transaction Service's origin is often JSON ({"name","url"}): its name, else the text. */
const originText = (v: unknown) => {
  const s = str(v);
  try {
    const name = s && (JSON.parse(s) as { name?: unknown }).name;
    if (typeof name === "string") return name;
  } catch {
    // plain text
  }
  return s ?? "";
};
const unavailable = (what: string, g: { error: string }) => html`<p class="error">${what} unavailable: ${g.error}</p>`;
const rec = (v: unknown): Record<string, unknown> => (v && typeof v === "object" ? (v as Record<string, unknown>) : {});

function healthSection(h: Got<HealthBody>): Html {
  if (!h.ok) return html`<section id="health"><h2>Health</h2>${unavailable("health", h)}</section>`;
  const b = h.value;
  const last = b.lastCycle;
  return html`<section id="health">
<h2>Health <span class="badge ${b.status}">${b.status}</span></h2>
${b.reason ? html`<p class="error">${b.reason}</p>` : ""}
<dl>
<dt>last cycle</dt><dd>${last ? html`${last.date} <span class="status">${last.status}</span>, finished ${when(last.at)} (${last.ageSeconds} s ago, ${last.totalMs} ms)${last.reason ? html` — ${last.reason}` : ""}` : "none yet"}</dd>
<dt>failed in a row</dt><dd>${b.consecutiveFailures} (unhealthy at ${b.limits.maxFailedCycles})</dd>
<dt>cycles since start</dt><dd>${b.cycles} in ${b.uptimeSeconds} s</dd>
<dt>journal</dt><dd>${b.journal}</dd>
</dl>
</section>`;
}

const CHART = { w: 720, h: 200, left: 96, right: 12, top: 12, bottom: 28 };

/** NAV per journaled cycle as an SVG line (x: cycle order, y: NAV); a cycle without a price breaks it. */
export function navChart(points: NavPoint[]): Html {
  const vals = points.map((p) => p.navUsd).filter((v): v is number => v !== null);
  if (vals.length < 2) return html`<p class="muted">The NAV line needs two journaled cycles with a NAV (${vals.length} so far).</p>`;
  const { w, h, left, right, top, bottom } = CHART;
  let lo = Math.min(...vals);
  let hi = Math.max(...vals);
  if (hi - lo < Math.max(1, hi * 1e-6)) [lo, hi] = [lo - Math.max(1, lo * 0.001), hi + Math.max(1, hi * 0.001)];
  const x = (i: number) => left + (points.length === 1 ? 0 : (i * (w - left - right)) / (points.length - 1));
  const y = (v: number) => top + ((hi - v) * (h - top - bottom)) / (hi - lo);
  const segments: string[][] = [[]];
  points.forEach((p, i) => (p.navUsd === null ? segments.push([]) : segments[segments.length - 1].push(`${x(i).toFixed(1)},${y(p.navUsd).toFixed(1)}`)));
  const first = points[0];
  const last = points[points.length - 1];
  return html`<svg class="chart" viewBox="0 0 ${w} ${h}" role="img" aria-label="NAV over the last ${points.length} journaled cycles, from ${usd(vals[0])} to ${usd(vals[vals.length - 1])}">
<title>NAV over the last ${points.length} journaled cycles</title>
<line class="grid" x1="${left}" y1="${top}" x2="${w - right}" y2="${top}"/><line class="grid" x1="${left}" y1="${h - bottom}" x2="${w - right}" y2="${h - bottom}"/>
<text class="axis" x="${left - 6}" y="${top + 4}" text-anchor="end">${usd(hi)}</text><text class="axis" x="${left - 6}" y="${h - bottom + 4}" text-anchor="end">${usd(lo)}</text>
<text class="axis" x="${left}" y="${h - 8}">${first.date}</text><text class="axis" x="${w - right}" y="${h - 8}" text-anchor="end">${last.date} (${points.length} cycles)</text>
${segments.filter((s) => s.length > 0).map((s) => (s.length === 1 ? html`<circle class="line" cx="${s[0].split(",")[0]}" cy="${s[0].split(",")[1]}" r="2"/>` : html`<polyline class="line" points="${s.join(" ")}"/>`))}
</svg>`;
}

function navSection(v: DashboardView, s: Partial<Status>): Html {
  const now = num(s.navUsd) ?? (v.status.ok ? undefined : (v.lastRead?.navUsd ?? undefined));
  let change: Html = html``;
  let chart: Html;
  if (v.nav.ok) {
    const known = v.nav.value.filter((p) => p.navUsd !== null) as (NavPoint & { navUsd: number })[];
    if (known.length >= 2) {
      const a = known[0];
      const b = known[known.length - 1];
      const d = b.navUsd - a.navUsd;
      change = html`<p>Change over ${known.length} journaled cycles (${a.date} → ${b.date}): <strong class="${d < 0 ? "down" : "up"}">${d < 0 ? "−" : "+"}${usd(Math.abs(d))} (${a.navUsd > 0 ? `${((d / a.navUsd) * 100).toFixed(2)}%` : "—"})</strong></p>`;
    }
    chart = navChart(v.nav.value);
  } else chart = unavailable("NAV history", v.nav);
  return html`<section id="nav">
<h2>NAV</h2>
<p class="big">${now === undefined ? (s.navUsd === null ? "unavailable (a price feed is stale or broken: de-risk only)" : "—") : usd(now)}</p>
${change}
${chart}
</section>`;
}

function allocationSection(v: DashboardView): Html {
  const a = v.allocation;
  if (!a) return html`<section id="allocation"><h2>Allocation vs target</h2>${v.decisions.ok ? html`<p class="muted">No journaled decision with a target yet.</p>` : unavailable("decisions", v.decisions)}</section>`;
  const bar = (cur: number | null, tgt: number | null) =>
    html`<svg class="bar" viewBox="0 0 100 10" role="img" aria-label="current ${pct(cur)}, target ${pct(tgt)}"><rect class="track" x="0" y="2" width="100" height="6"/>${cur === null ? "" : html`<rect class="current" x="0" y="2" width="${Math.max(0, Math.min(100, cur * 100)).toFixed(2)}" height="6"/>`}${tgt === null ? "" : html`<line class="target" x1="${(Math.max(0, Math.min(1, tgt)) * 100).toFixed(2)}" y1="0" x2="${(Math.max(0, Math.min(1, tgt)) * 100).toFixed(2)}" y2="10"/>`}</svg>`;
  return html`<section id="allocation">
<h2>Allocation vs target</h2>
<p class="muted">As read by the last decision with a target: ${a.date}, block ${a.block ?? "—"}, ${a.status}, ${hash(a.hash)}. Trades since then are not in it.</p>
<table><thead><tr><th>position</th><th class="num">current</th><th class="num">target</th><th class="num">drift</th><th></th></tr></thead><tbody>
${a.rows.map((r) => html`<tr><td>${r.position}</td><td class="num">${pct(r.current)}</td><td class="num">${pct(r.target)}</td><td class="num">${r.current === null || r.target === null ? "—" : `${((r.current - r.target) * 100).toFixed(1)} pp`}</td><td>${bar(r.current, r.target)}</td></tr>`)}
</tbody></table>
</section>`;
}

function agentSection(v: DashboardView, s: Partial<Status>): Html {
  const limits = rec(s.limits);
  if (!v.status.ok) {
    const r = v.lastRead;
    return html`<section id="agent"><h2>Agent limits</h2>${unavailable("status", v.status)}${
      r ? html`<p>From the loop's last portfolio read (block ${r.block}, ${when(new Date(r.at).toISOString())}): budget left ${usd(r.budgetLeftUsd)}, ${r.paused ? html`<strong class="down">PAUSED</strong>` : "active"}.</p>` : ""
    }</section>`;
  }
  return html`<section id="agent">
<h2>Agent limits</h2>
<dl>
<dt>state</dt><dd>${s.paused === true ? html`<strong class="down">PAUSED</strong> by a guardian: the agent sends nothing` : s.paused === false ? "active" : "—"}</dd>
<dt>budget left (24 h)</dt><dd>${usd(s.budgetLeftUsd)} of ${usd(limits.dailyBudgetUsd)}</dd>
<dt>autonomy limit</dt><dd>${usd(limits.autonomyLimitUsd)} per batch (larger batches go to the owners)</dd>
<dt>max loss</dt><dd>${num(limits.maxLossBps) ?? "—"} bps</dd>
<dt>Safe</dt><dd>${hash(s.safe)}, ${num(s.threshold) ?? "—"} of ${Array.isArray(s.owners) ? s.owners.length : "—"} owners, nonce ${num(s.nonce) ?? "—"}, chain ${num(s.chainId) ?? "—"}, block ${str(s.block) ?? "—"}</dd>
</dl>
</section>`;
}

function proposalsSection(v: DashboardView, s: Partial<Status>): Html {
  const head = html`<h2>Pending Safe proposals</h2>`;
  if (!v.status.ok) return html`<section id="proposals">${head}${unavailable("status", v.status)}</section>`;
  const p: unknown = s.pending;
  if (!Array.isArray(p)) return html`<section id="proposals">${head}<p class="error">unknown: ${str(rec(p).error) ?? "the status has no pending list"}</p></section>`;
  if (p.length === 0) return html`<section id="proposals">${head}<p class="muted">None: nothing waits for the owners.</p></section>`;
  return html`<section id="proposals">${head}
<table><thead><tr><th>safeTxHash</th><th class="num">nonce</th><th class="num">confirmations</th><th>origin</th><th></th></tr></thead><tbody>
${p.map((x) => {
  const t = rec(x);
  return html`<tr><td>${hash(t.safeTxHash)}</td><td class="num">${str(t.nonce) ?? "—"}</td><td class="num">${num(t.confirmations) ?? "—"} / ${num(t.required) ?? "—"}</td><td class="reason">${originText(t.origin)}</td><td>${link(t.url, "open")}</td></tr>`;
})}
</tbody></table>
</section>`;
}

function decisionsSection(v: DashboardView): Html {
  const head = html`<h2>Last decisions</h2>`;
  if (!v.decisions.ok) return html`<section id="decisions">${head}${unavailable("decisions", v.decisions)}</section>`;
  if (v.decisions.value.length === 0) return html`<section id="decisions">${head}<p class="muted">No decision journaled yet.</p></section>`;
  return html`<section id="decisions">${head}
<table><thead><tr><th>date</th><th>recorded</th><th>status</th><th>path</th><th>reason</th><th>tx</th><th>decision</th></tr></thead><tbody>
${v.decisions.value.map((x) => {
  const d = rec(x);
  const tx = d.txHash ?? d.safeTxHash;
  // Records that sent nothing keep their reason; the module and owner paths keep the rationale in the body.
  const reason = str(d.reason) ?? str(rec(d.body).rationale) ?? "";
  return html`<tr><td>${str(d.date) ?? "—"}</td><td>${when(d.createdAt)}</td><td class="status">${str(d.status) ?? "—"}</td><td>${str(d.path) ?? "—"}</td><td class="reason">${reason}</td><td>${tx ? hash(tx) : "—"} ${link(d.proposalUrl, "proposal")}</td><td>${hash(d.hash)}</td></tr>`;
})}
</tbody></table>
</section>`;
}

export function renderPage(v: DashboardView): string {
  const s: Partial<Status> = v.status.ok ? v.status.value : {};
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Treasury agent</title>
<link rel="stylesheet" href="dashboard/style.css">
<script src="dashboard/app.js" defer></script>
</head>
<body>
<header><h1>Treasury agent</h1><p id="refresh" class="muted" data-seconds="${REFRESH_SECONDS}">Rendered at ${when(v.renderedAt)}; refreshes every ${REFRESH_SECONDS} s.</p></header>
<main>
${healthSection(v.health)}
${navSection(v, s)}
${allocationSection(v)}
${agentSection(v, s)}
${proposalsSection(v, s)}
${decisionsSection(v)}
<p class="muted">Rendered at ${when(v.renderedAt)}.</p>
</main>
<footer class="muted">JSON: <a href="api/status">api/status</a> · <a href="api/decisions?limit=20">api/decisions</a> · <a href="api/nav?limit=200">api/nav</a> · <a href="health">health</a> · <a href="metrics">metrics</a></footer>
</body>
</html>
`.text;
}
