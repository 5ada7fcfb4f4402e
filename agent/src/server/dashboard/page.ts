// The dashboard page. The server renders what it reads now (NAV, allocation vs target vs caps, the
// agent's limits and pause state, pending Safe proposals, recent decisions, health) from a
// DashboardView; the browser draws the history (NAV vs benchmarks, drawdown, allocation over time,
// market indicators with phase and mode, performance, decision detail) from /api/series with uPlot
// (app.js). Every value from the chain, the transaction service or the journal goes through html``
// (escaped); links only to http(s) URLs. No inline script or style: the CSP allows only the served
// dashboard/*.js and dashboard/*.css. Server-rendered parts carry `data-server`: app.js swaps them on
// refresh and leaves the charts in place.
import type { Status } from "../../cycle/status";
import type { HealthBody } from "../health";
import { html, httpUrl, type Html } from "./html";
import type { DashboardView, Got, NavPoint } from "./view";

export const REFRESH_SECONDS = 30;
/** How often the charts ask for /api/series again: often enough to follow a replay day by day. */
export const SERIES_SECONDS = 3;

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

/** Issue 19: the latest daily assessment, the weekly reviews, the emergencies (agent/src/ai). */
function aiSection(v: DashboardView): Html {
  const g = v.assessments;
  if (!g) return html``;
  if (!g.ok) return html`<section id="assessments" class="wide" data-server><h2>Assessments</h2>${unavailable("assessments", g)}</section>`;
  const rows = g.value.map(rec);
  const by = (r: Record<string, unknown>) => {
    const b = rec(r.body);
    return html`<span class="muted small">by ${r.answeredBy === "llm" ? `the model (${str(rec(b.llm).model) ?? "?"})` : "the rules"}${r.answeredBy === "rules" ? html` — ${str(b.why) ?? ""}` : ""}</span>`;
  };
  const list = (xs: unknown) => (Array.isArray(xs) ? xs.map((x) => html`<li>${str(x) ?? ""}</li>`) : []);
  const daily = rows.find((r) => r.kind === "daily");
  const d = daily ? rec(rec(daily.body).answer) : undefined;
  const dailyHtml = daily && d
    ? html`<dl>
<dt>day</dt><dd>${str(daily.date)} ${hash(daily.decisionHash)}</dd>
<dt>view</dt><dd><strong class="action">${(str(d.action) ?? "").replace("_", " ")}</strong>, risk <strong>${str(d.risk_level) ?? "—"}</strong>: ${str(d.risk_words) ?? ""}</dd>
<dt>phase</dt><dd>${str(d.phase) ?? "—"}</dd>
<dt>would change</dt><dd><ul>${list(d.what_would_change)}</ul></dd>
<dt>summary</dt><dd>${str(d.summary) ?? ""} ${by(daily)}</dd>
</dl>`
    : html`<p class="muted">No daily assessment yet (one is written after each cycle).</p>`;
  // The newest few: a replayed year has 52, which would bury the rest of the page.
  const WEEKS_SHOWN = 6;
  const allWeekly = rows.filter((r) => r.kind === "weekly");
  const weekly = allWeekly.slice(0, WEEKS_SHOWN);
  const olderWeeks = allWeekly.length > WEEKS_SHOWN ? html`<p class="muted small">older reviews: <a href="api/assessments?limit=500">api/assessments</a></p>` : html``;
  const weeklyHtml = weekly.length
    ? html`<table><thead><tr><th>week to</th><th>summary</th><th>concerns</th><th>recommendations</th></tr></thead><tbody>${weekly.map((r) => {
        const a = rec(rec(r.body).answer);
        return html`<tr><td>${str(r.date)}</td><td>${str(a.summary) ?? ""} ${by(r)}</td><td><ul>${list(a.concerns)}</ul></td><td><ul>${list(a.recommendations)}</ul></td></tr>`;
      })}</tbody></table>`
    : html`<p class="muted">No weekly review yet (every few days of cycles; \`treasury review\` now).</p>`;
  const em = rows.filter((r) => r.kind === "emergency");
  const emHtml = em.length
    ? html`<table><thead><tr><th>day</th><th>recommendation</th><th>events</th><th>pause</th><th>exit</th></tr></thead><tbody>${em.map((r) => {
        const b = rec(r.body);
        const a = rec(b.answer);
        const evs = Array.isArray(b.events) ? b.events.map((e) => str(rec(e).kind) ?? "") : [];
        return html`<tr><td>${str(r.date)}</td><td><strong>${(str(a.recommendation) ?? "").replace("_", " ")}</strong> ${by(r)}<br>${str(a.summary) ?? ""}</td><td>${evs.join(", ")}</td><td>${rec(b.pause).done === true ? "paused" : str(rec(b.pause).why) ?? "—"}</td><td>${rec(b.exit).done === true ? "exited" : str(rec(b.exit).why) ?? "—"}</td></tr>`;
      })}</tbody></table>`
    : html`<p class="muted">No emergency.</p>`;
  return html`<section id="assessments" class="wide" data-server>
<h2>Assessments <span class="muted small">advice from the model or, without a key or when it fails, the rules; <a href="api/assessments">api/assessments</a></span></h2>
<h3>Latest daily assessment</h3>
${dailyHtml}
<h3>Weekly reviews</h3>
${weeklyHtml}
${olderWeeks}
<h3>Emergencies</h3>
${emHtml}
</section>`;
}

function healthSection(h: Got<HealthBody>): Html {
  if (!h.ok) return html`<section id="health" data-server><h2>Health</h2>${unavailable("health", h)}</section>`;
  const b = h.value;
  const last = b.lastCycle;
  return html`<section id="health" data-server>
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

/** NAV now and its change over the journaled cycles; the charts are drawn in the browser (app.js, uPlot). */
function navSection(v: DashboardView, s: Partial<Status>): Html {
  const now = num(s.navUsd) ?? (v.status.ok ? undefined : (v.lastRead?.navUsd ?? undefined));
  let change: Html = html``;
  if (v.nav.ok) {
    const known = v.nav.value.filter((p) => p.navUsd !== null) as (NavPoint & { navUsd: number })[];
    if (known.length >= 2) {
      const a = known[0];
      const b = known[known.length - 1];
      const d = b.navUsd - a.navUsd;
      change = html`<strong class="${d < 0 ? "down" : "up"}">${d < 0 ? "−" : "+"}${usd(Math.abs(d))} (${a.navUsd > 0 ? `${((d / a.navUsd) * 100).toFixed(2)}%` : "—"})</strong> <span class="muted">over the last ${known.length} journaled cycles (${a.date} → ${b.date})</span>`;
    }
  } else change = unavailable("NAV history", v.nav);
  return html`<div id="navnow" data-server>
<span class="big">${now === undefined ? (s.navUsd === null ? "NAV unavailable (a price feed is stale or broken: de-risk only)" : "—") : usd(now)}</span>
${change}
</div>`;
}

function allocationSection(v: DashboardView): Html {
  const a = v.allocation;
  const head = html`<h2>Allocation now vs target vs caps</h2>`;
  if (!a) return html`<section id="allocation" data-server>${head}${v.decisions.ok ? html`<p class="muted">No journaled decision with a target yet.</p>` : unavailable("decisions", v.decisions)}</section>`;
  const bar = (cur: number | null, tgt: number | null, cap: number | null) =>
    html`<svg class="bar" viewBox="0 0 100 10" role="img" aria-label="current ${pct(cur)}, target ${pct(tgt)}, cap ${pct(cap)}"><rect class="track" x="0" y="2" width="100" height="6"/>${cur === null ? "" : html`<rect class="current" x="0" y="2" width="${Math.max(0, Math.min(100, cur * 100)).toFixed(2)}" height="6"/>`}${tgt === null ? "" : html`<line class="target" x1="${(Math.max(0, Math.min(1, tgt)) * 100).toFixed(2)}" y1="0" x2="${(Math.max(0, Math.min(1, tgt)) * 100).toFixed(2)}" y2="10"/>`}${cap === null ? "" : html`<line class="cap" x1="${(Math.max(0, Math.min(1, cap)) * 100).toFixed(2)}" y1="0" x2="${(Math.max(0, Math.min(1, cap)) * 100).toFixed(2)}" y2="10"/>`}</svg>`;
  // Cash is exempt from the caps (as on chain); BTC and ETH share the volatile cap.
  const capOf = (p: string): number | null => (p === "usdc" ? null : p === "btc" || p === "eth" ? v.caps.volatile : v.caps.position);
  const vol = a.rows.filter((r) => r.position === "btc" || r.position === "eth");
  const volNow = vol.every((r) => r.current !== null) ? vol.reduce((x, r) => x + (r.current ?? 0), 0) : null;
  const volTarget = vol.every((r) => r.target !== null) ? vol.reduce((x, r) => x + (r.target ?? 0), 0) : null;
  return html`<section id="allocation" data-server>
${head}
<table><thead><tr><th>position</th><th class="num">now</th><th class="num">target</th><th class="num">drift</th><th class="num">cap</th><th><span class="key current"></span>now <span class="key target"></span>target <span class="key cap"></span>cap</th></tr></thead><tbody>
${a.rows.map((r) => html`<tr><td>${r.position}</td><td class="num">${pct(r.current)}</td><td class="num">${pct(r.target)}</td><td class="num">${r.current === null || r.target === null ? "—" : `${((r.current - r.target) * 100).toFixed(1)} pp`}</td><td class="num">${capOf(r.position) === null ? "exempt" : pct(capOf(r.position))}</td><td>${bar(r.current, r.target, capOf(r.position))}</td></tr>`)}
<tr class="total"><td>volatile (BTC+ETH)</td><td class="num">${pct(volNow)}</td><td class="num">${pct(volTarget)}</td><td class="num">${volNow === null || volTarget === null ? "—" : `${((volNow - volTarget) * 100).toFixed(1)} pp`}</td><td class="num">${pct(v.caps.volatile)}</td><td>${bar(volNow, volTarget, v.caps.volatile)}</td></tr>
</tbody></table>
<p class="muted small">As read by the last decision with a target: ${a.date}, block ${a.block ?? "—"}, ${a.status}, ${hash(a.hash)}; caps are the on-chain ones (each protocol ≤ ${pct(v.caps.protocol)}).</p>
</section>`;
}

function agentSection(v: DashboardView, s: Partial<Status>): Html {
  const limits = rec(s.limits);
  if (!v.status.ok) {
    const r = v.lastRead;
    return html`<section id="agent" data-server><h2>Agent limits</h2>${unavailable("status", v.status)}${
      r ? html`<p>From the loop's last portfolio read (block ${r.block}, ${when(new Date(r.at).toISOString())}): budget left ${usd(r.budgetLeftUsd)}, ${r.paused ? html`<strong class="down">PAUSED</strong>` : "active"}.</p>` : ""
    }</section>`;
  }
  return html`<section id="agent" data-server>
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
  if (!v.status.ok) return html`<section id="proposals" data-server>${head}${unavailable("status", v.status)}</section>`;
  const p: unknown = s.pending;
  if (!Array.isArray(p)) return html`<section id="proposals" data-server>${head}<p class="error">unknown: ${str(rec(p).error) ?? "the status has no pending list"}</p></section>`;
  if (p.length === 0) return html`<section id="proposals" data-server>${head}<p class="muted">None: nothing waits for the owners.</p></section>`;
  return html`<section id="proposals" data-server>${head}
<table><thead><tr><th>safeTxHash</th><th class="num">nonce</th><th class="num">confirmations</th><th>origin</th><th></th></tr></thead><tbody>
${p.map((x) => {
  const t = rec(x);
  return html`<tr><td>${hash(t.safeTxHash)}</td><td class="num">${str(t.nonce) ?? "—"}</td><td class="num">${num(t.confirmations) ?? "—"} / ${num(t.required) ?? "—"}</td><td class="reason">${originText(t.origin)}</td><td>${link(t.url, "open")}</td></tr>`;
})}
</tbody></table>
</section>`;
}

function decisionsSection(v: DashboardView): Html {
  const head = html`<h2>Decision log <span class="muted small">(click a decision for its detail)</span></h2>`;
  if (!v.decisions.ok) return html`<section id="decisions" data-server>${head}${unavailable("decisions", v.decisions)}</section>`;
  if (v.decisions.value.length === 0) return html`<section id="decisions" data-server>${head}<p class="muted">No decision journaled yet.</p></section>`;
  return html`<section id="decisions" data-server>${head}
<table><thead><tr><th>date</th><th>recorded</th><th>status</th><th>path</th><th>reason</th><th>tx</th><th>decision</th></tr></thead><tbody>
${v.decisions.value.map((x) => {
  const d = rec(x);
  const tx = d.txHash ?? d.safeTxHash;
  // Records that sent nothing keep their reason; the module and owner paths keep the rationale in the body.
  const reason = str(d.reason) ?? str(rec(d.body).rationale) ?? "";
  return html`<tr class="pick" data-hash="${str(d.hash) ?? ""}" tabindex="0"><td>${str(d.date) ?? "—"}</td><td>${when(d.createdAt)}</td><td class="status">${str(d.status) ?? "—"}</td><td>${str(d.path) ?? "—"}</td><td class="reason">${reason}</td><td>${tx ? hash(tx) : "—"} ${link(d.proposalUrl, "proposal")}</td><td>${hash(d.hash)}</td></tr>`;
})}
</tbody></table>
</section>`;
}

/** The owner's ten-second view: state, NAV, return; the performance figures are filled in by app.js. */
function stateLine(v: DashboardView, s: Partial<Status>): Html {
  const paused = s.paused ?? v.lastRead?.paused;
  const health = v.health.ok ? v.health.value.status : "unknown";
  return html`<div id="state" data-server>
<span class="pill ${paused ? "bad" : "good"}">${paused === undefined ? "agent state unknown" : paused ? "PAUSED: the agent sends nothing (guardian pause or emergency exit)" : "agent active"}</span>
<span class="pill ${health === "ok" ? "good" : health === "starting" ? "info" : "bad"}">health ${health}</span>
${Array.isArray(s.pending) ? html`<span class="pill ${s.pending.length ? "warn" : "good"}">${s.pending.length} proposal${s.pending.length === 1 ? "" : "s"} waiting for the owners</span>` : ""}
${v.health.ok && v.health.value.lastCycle ? html`<span class="pill info">last cycle ${v.health.value.lastCycle.date}: ${v.health.value.lastCycle.status}</span>` : ""}
</div>`;
}

export function renderPage(v: DashboardView): string {
  const s: Partial<Status> = v.status.ok ? v.status.value : {};
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Treasury</title>
<link rel="stylesheet" href="dashboard/uPlot.min.css">
<link rel="stylesheet" href="dashboard/style.css">
<script src="dashboard/uPlot.iife.min.js" defer></script>
<script src="dashboard/app.js" defer></script>
</head>
<body>
<header>
<div class="title"><h1>Treasury</h1><p id="refresh" class="muted small" data-seconds="${REFRESH_SECONDS}" data-series-seconds="${SERIES_SECONDS}">Rendered at ${when(v.renderedAt)}; follows the journal every ${SERIES_SECONDS} s.</p></div>
${navSection(v, s)}
${stateLine(v, s)}
</header>
<main>
<div id="kpis" class="kpis"><p class="muted">Performance loads from <a href="api/series">api/series</a>…</p></div>
<section id="nav" class="wide">
<h2>NAV vs benchmarks <span class="muted small">markers: decisions (green executed, orange proposed to the owners, red failed); click a day for its decision</span></h2>
<div id="chart-nav" class="chart-box" data-chart="nav"></div>
<h3>Drawdown from peak</h3>
<div id="chart-drawdown" class="chart-box" data-chart="drawdown"></div>
</section>
<div class="cols">
<section id="allocation-history">
<h2>Allocation over time</h2>
<div id="chart-allocation" class="chart-box" data-chart="allocation"></div>
</section>
${allocationSection(v)}
</div>
<section id="market" class="wide">
<h2>Market <span id="bands-note" class="muted small">background: the strategy's phase (prices) and mode (indicators)</span></h2>
<div id="chart-prices" class="chart-box" data-chart="prices"></div>
<div id="chart-sentiment" class="chart-box" data-chart="sentiment"></div>
<div id="chart-funding" class="chart-box" data-chart="funding"></div>
</section>
<section id="performance" class="wide">
<h2>Performance</h2>
<div id="perf"><p class="muted">Loading…</p></div>
</section>
${decisionsSection(v)}
${aiSection(v)}
<section id="decision-detail" class="wide" hidden>
<h2>Decision <span id="detail-title"></span> <button id="detail-close" type="button">close</button></h2>
<div id="detail-body"></div>
</section>
<div class="cols">
${proposalsSection(v, s)}
${agentSection(v, s)}
</div>
${healthSection(v.health)}
</main>
<footer class="muted">JSON: <a href="api/series">api/series</a> · <a href="api/status">api/status</a> · <a href="api/decisions?limit=20">api/decisions</a> · <a href="api/nav?limit=200">api/nav</a> · <a href="health">health</a> · <a href="metrics">metrics</a></footer>
</body>
</html>
`.text;
}
