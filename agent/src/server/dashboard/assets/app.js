// The dashboard's script (served as dashboard/app.js; the CSP allows no inline script). It draws the
// history from /api/series with uPlot (served as dashboard/uPlot.iife.min.js) and asks again every
// few seconds, redrawing when the journal has a new day or decision: the page follows a replay while
// it runs. Every 30 s it also fetches the page and swaps the server-rendered parts (data-server);
// scripts in fetched HTML never run (DOMParser). Journal text is only ever set as textContent.
// A click on a decision (the log's rows, or a marker's day) shows its detail from /api/decision/:hash.
/* global uPlot */
"use strict";
(function () {
  const note = document.getElementById("refresh");
  const pageSeconds = Number(note && note.dataset.seconds) || 30;
  const seriesSeconds = Number(note && note.dataset.seriesSeconds) || 3;
  const css = getComputedStyle(document.documentElement);
  const color = (name, fallback) => (css.getPropertyValue(name) || "").trim() || fallback;
  const C = {
    nav: color("--accent", "#2f6fdf"),
    static: "#98a2b3",
    btc: "#f7931a",
    mix: "#7a5af8",
    eth: "#627eea",
    up: color("--up", "#13795b"),
    down: color("--down", "#c0362c"),
    warn: "#dc8a00",
    fg: color("--fg", "#1d2430"),
    muted: color("--muted", "#667085"),
    grid: color("--line", "#d0d5dd"),
  };
  const SLEEVES = [
    ["usdc", "USDC cash", "#b9c6d8"],
    ["aaveUsdc", "Aave USDC", "#4e79a7"],
    ["pendlePt", "Pendle PT", "#59a14f"],
    ["vault", "savings vault", "#76b7b2"],
    ["btc", "BTC", "#f7931a"],
    ["eth", "ETH", "#627eea"],
  ];
  const PHASE = { accumulation: "rgba(89,161,79,0.13)", euphoria: "rgba(247,147,26,0.16)", top: "rgba(192,54,44,0.16)", bear: "rgba(102,112,133,0.16)" };
  const MODE = { conservative: "rgba(78,121,167,0.12)", tactical: "rgba(89,161,79,0.13)", aggressive: "rgba(247,147,26,0.16)", hedge: "rgba(192,54,44,0.15)" };

  const fmtUsd = (v, d) => (v == null || !isFinite(v) ? "—" : (v < 0 ? "−$" : "$") + Math.abs(Number(v)).toLocaleString("en-US", { minimumFractionDigits: d || 0, maximumFractionDigits: d || 0 }));
  const fmtK = (v) => (v == null ? "—" : Math.abs(v) >= 1e6 ? "$" + (v / 1e6).toFixed(2) + "M" : Math.abs(v) >= 1e3 ? "$" + (v / 1e3).toFixed(0) + "K" : "$" + v.toFixed(0));
  const fmtPct = (v, d) => (v == null || !isFinite(v) ? "—" : (v > 0 ? "+" : "") + (v * 100).toFixed(d == null ? 1 : d) + "%");
  const fmtNum = (v, d) => (v == null || !isFinite(v) ? "—" : Number(v).toFixed(d == null ? 2 : d));
  const short = (h) => (typeof h === "string" && h.length > 14 ? h.slice(0, 8) + "…" + h.slice(-4) : h || "—");

  /** el("td", {class: "num"}, "text", child…): attributes as attributes, children as text or nodes. */
  function el(tag, attrs) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) if (v != null && v !== false) e.setAttribute(k, v === true ? "" : String(v));
    for (let i = 2; i < arguments.length; i++) {
      const c = arguments[i];
      if (c == null || c === false) continue;
      if (Array.isArray(c)) c.forEach((x) => x != null && e.append(x instanceof Node ? x : String(x)));
      else e.append(c instanceof Node ? c : String(c));
    }
    return e;
  }
  const httpUrl = (u) => {
    try {
      const x = new URL(u);
      return x.protocol === "http:" || x.protocol === "https:" ? x.href : null;
    } catch (e) {
      return null;
    }
  };

  function say(text, stale) {
    if (!note) return;
    note.textContent = text;
    note.classList.toggle("stale", !!stale);
  }

  // ---- charts -------------------------------------------------------------------------------
  const charts = {};
  let series = null;
  let signature = "";

  /** Background bands per contiguous run of a label (phase or mode), with the label at the top. */
  function bandsPlugin(days, key, palette) {
    return {
      hooks: {
        drawClear: [
          (u) => {
            const ctx = u.ctx;
            const { left, top, width, height } = u.bbox;
            ctx.save();
            ctx.beginPath();
            ctx.rect(left, top, width, height);
            ctx.clip();
            let i = 0;
            while (i < days.length) {
              const label = days[i][key];
              let j = i;
              while (j + 1 < days.length && days[j + 1][key] === label) j++;
              if (label && palette[label]) {
                const x0 = u.valToPos(days[i].t - 43200, "x", true);
                const x1 = u.valToPos(days[j].t + 43200, "x", true);
                ctx.fillStyle = palette[label];
                ctx.fillRect(x0, top, x1 - x0, height);
                if (x1 - x0 > 60 * devicePixelRatio) {
                  ctx.fillStyle = C.muted;
                  ctx.font = 11 * devicePixelRatio + "px system-ui, sans-serif";
                  ctx.fillText(label, x0 + 4 * devicePixelRatio, top + 13 * devicePixelRatio);
                }
              }
              i = j + 1;
            }
            ctx.restore();
          },
        ],
      },
    };
  }

  /** A dashed horizontal line at y on scale `scale`, labelled. */
  function lineAt(y, scale, label, stroke) {
    return {
      hooks: {
        draw: [
          (u) => {
            const ctx = u.ctx;
            const py = u.valToPos(y, scale, true);
            if (py < u.bbox.top || py > u.bbox.top + u.bbox.height) return;
            ctx.save();
            ctx.strokeStyle = stroke;
            ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
            ctx.lineWidth = 1.5 * devicePixelRatio;
            ctx.beginPath();
            ctx.moveTo(u.bbox.left, py);
            ctx.lineTo(u.bbox.left + u.bbox.width, py);
            ctx.stroke();
            ctx.fillStyle = stroke;
            ctx.font = 11 * devicePixelRatio + "px system-ui, sans-serif";
            ctx.fillText(label, u.bbox.left + 6 * devicePixelRatio, py - 4 * devicePixelRatio);
            ctx.restore();
          },
        ],
      },
    };
  }

  const dollarAxis = (label, side) => ({ label, side: side == null ? 3 : side, size: 70, stroke: C.muted, grid: { stroke: C.grid, width: 1 }, values: (u, vals) => vals.map(fmtK) });
  const timeAxis = () => ({ stroke: C.muted, grid: { stroke: C.grid, width: 1 } });
  const line = (label, stroke, extra) => Object.assign({ label, stroke, width: 2, spanGaps: true }, extra || {});
  // Points only (no line); `fill` colours the legend's swatch, there is no path for it to fill.
  const markers = (label, stroke) => ({ label, stroke, fill: stroke, width: 0, paths: () => null, points: { show: true, space: 0, size: 12, width: 2, stroke: "#ffffff", fill: stroke } });

  function build(id, opts, data) {
    const box = document.getElementById(id);
    if (!box) return;
    if (charts[id]) charts[id].destroy();
    box.textContent = "";
    const width = Math.max(320, box.clientWidth || 800);
    charts[id] = new uPlot(Object.assign({ width, height: opts.height || 260, legend: { live: true } }, opts), data, box);
    box.dataset.points = String(data[0].length);
    box.dataset.values = String(data.slice(1).reduce((n, ys) => n + ys.filter((v) => v != null).length, 0));
  }

  function drawAll(s) {
    const days = s.days;
    // Strategies without phases (trend-dd, the default) journal none: say so rather than draw empty bands.
    const bandNote = document.getElementById("bands-note");
    if (bandNote) {
      const has = (k) => days.some((d) => d[k]);
      bandNote.textContent = has("phase") || has("mode") ? "background: the strategy's phase (prices) and mode (indicators)" : "the strategy journals no phase or mode (only the seed strategy has them): no bands";
    }
    const x = days.map((d) => d.t);
    // One day of history has no width: uPlot would stretch it over years; show a day either side.
    const X_SCALE = { time: true, range: (u, min, max) => (min === max ? [min - 86400, max + 86400] : [min, max]) };
    const navAt = new Map(days.map((d) => [d.date, d.nav]));
    const byStatus = (st) => days.map((d) => (s.decisions.some((k) => k.date === d.date && st.includes(k.status)) ? navAt.get(d.date) : null));
    const bench = (name) => (s.benchmarks.find((b) => b.name === name) || { values: days.map(() => null) }).values;
    const label = (name) => (s.benchmarks.find((b) => b.name === name) || { label: name }).label;

    build(
      "chart-nav",
      {
        height: 320,
        scales: { x: X_SCALE },
        axes: [timeAxis(), dollarAxis("NAV (USD)")],
        series: [
          {},
          line("treasury NAV", C.nav, { width: 3 }),
          line(label("static"), C.static, { dash: [6, 4] }),
          line(label("btc-hold"), C.btc),
          line(label("mix-60-40"), C.mix),
          markers("executed", C.up),
          markers("proposed", C.warn),
          markers("failed", C.down),
        ],
        hooks: { ready: [(u) => u.over.addEventListener("click", () => pickDay(u))] },
      },
      [x, days.map((d) => d.nav), bench("static"), bench("btc-hold"), bench("mix-60-40"), byStatus(["executed"]), byStatus(["proposed", "proposing"]), byStatus(["failed"])],
    );

    build(
      "chart-drawdown",
      {
        height: 140,
        scales: { x: X_SCALE, y: { range: (u, min) => [Math.min(min, -0.01), 0] } },
        axes: [timeAxis(), { stroke: C.muted, size: 70, grid: { stroke: C.grid }, values: (u, vals) => vals.map((v) => (v * 100).toFixed(1) + "%") }],
        series: [{}, line("drawdown", C.down, { fill: "rgba(192,54,44,0.18)", value: (u, v) => fmtPct(v) })],
      },
      [x, s.drawdown],
    );

    // Stacked: each sleeve's line is the running total up to it; drawn top first with opaque fills,
    // so each lower band paints over the one above it.
    const acc = days.map(() => 0);
    const stacked = SLEEVES.map(([k]) => days.map((d, i) => (d.weights ? (acc[i] += d.weights[k]) : null)));
    const order = SLEEVES.map((_, i) => i).reverse();
    build(
      "chart-allocation",
      {
        height: 260,
        scales: { x: X_SCALE, y: { range: [0, 1] } },
        axes: [timeAxis(), { stroke: C.muted, size: 50, grid: { stroke: C.grid }, values: (u, vals) => vals.map((v) => Math.round(v * 100) + "%") }],
        series: [{}].concat(order.map((i) => ({ label: SLEEVES[i][1], stroke: SLEEVES[i][2], fill: SLEEVES[i][2], width: 1, value: (u, v, si, di) => (days[di] && days[di].weights ? (days[di].weights[SLEEVES[i][0]] * 100).toFixed(1) + "%" : "—") }))),
      },
      [x].concat(order.map((i) => stacked[i])),
    );

    build(
      "chart-prices",
      {
        height: 240,
        scales: { x: X_SCALE, btc: {}, eth: {} },
        axes: [timeAxis(), Object.assign(dollarAxis("BTC", 3), { scale: "btc" }), Object.assign(dollarAxis("ETH", 1), { scale: "eth", grid: { show: false } })],
        series: [{}, line("BTC (USD)", C.btc, { scale: "btc", value: (u, v) => fmtUsd(v) }), line("ETH (USD)", C.eth, { scale: "eth", value: (u, v) => fmtUsd(v) })],
        plugins: [bandsPlugin(days, "phase", PHASE)],
      },
      [x, days.map((d) => d.btc), days.map((d) => d.eth)],
    );

    build(
      "chart-sentiment",
      {
        height: 220,
        scales: { x: X_SCALE, mvrv: { range: (u, min, max) => [Math.min(min, 0.5), Math.max(max, 4)] }, fg: { range: [0, 100] } },
        axes: [timeAxis(), { scale: "mvrv", label: "MVRV", stroke: C.muted, size: 50, grid: { stroke: C.grid } }, { scale: "fg", label: "Fear & Greed", side: 1, stroke: C.muted, size: 50, grid: { show: false } }],
        series: [{}, line("MVRV", C.nav, { scale: "mvrv", value: (u, v) => fmtNum(v) }), line("Fear & Greed", C.mix, { scale: "fg", value: (u, v) => fmtNum(v, 0) })],
        plugins: [bandsPlugin(days, "mode", MODE), lineAt(3.5, "mvrv", "MVRV 3.5: top zone", C.down)],
      },
      [x, days.map((d) => d.mvrv), days.map((d) => d.fearGreed)],
    );

    build(
      "chart-funding",
      {
        height: 150,
        scales: { x: X_SCALE },
        axes: [timeAxis(), { label: "funding 7d", stroke: C.muted, size: 70, grid: { stroke: C.grid }, values: (u, vals) => vals.map((v) => (v * 100).toFixed(2) + "%") }],
        series: [{}, line("BTC funding, sum of 7 days", C.btc, { value: (u, v) => fmtPct(v, 3) })],
        plugins: [lineAt(0, "y", "0", C.muted)],
      },
      [x, days.map((d) => d.funding7d)],
    );
  }

  // ---- figures ------------------------------------------------------------------------------
  function card(label, value, sub, cls) {
    return el("div", { class: "kpi" }, el("div", { class: "kpi-label" }, label), el("div", { class: "kpi-value " + (cls || "") }, value), sub ? el("div", { class: "kpi-sub muted" }, sub) : null);
  }
  const sign = (v) => (v == null ? "" : v < 0 ? "down" : "up");

  function figures(s) {
    const p = s.performance || {};
    const days = s.days;
    const first = days[0];
    const last = days[days.length - 1];
    const q = s.quality || {};
    const benchRet = s.benchmarks.map((b) => [b.label, b.totalReturn]);
    const best = benchRet.filter((b) => b[1] != null).sort((a, b) => b[1] - a[1])[0];
    const kpis = document.getElementById("kpis");
    kpis.replaceChildren(
      card("last day", last ? last.date : "—", first ? days.length + " days since " + first.date : "no journaled day yet"),
      card("total return", fmtPct(p.twr, 2), best ? "best benchmark: " + best[0] + " " + fmtPct(best[1], 1) : "", sign(p.twr)),
      card("APY", fmtPct(p.apy, 1), "target " + fmtPct(s.apyTarget, 0), p.apy != null && p.apy >= s.apyTarget ? "up" : "down"),
      card("max drawdown", fmtPct(p.maxDrawdown == null ? null : -p.maxDrawdown, 1), "Sharpe " + fmtNum(p.sharpe)),
      card("decisions", String(s.decisions.length), s.decisions.filter((d) => d.status === "executed").length + " executed, " + s.decisions.filter((d) => d.status === "proposed").length + " proposed, " + s.decisions.filter((d) => d.status === "failed").length + " failed"),
      card("decision quality", q.qualityScore == null ? "—" : fmtNum(q.qualityScore, 0) + "/100", "win rate " + (q.winRate == null ? "— (" + q.judged + " judged)" : fmtPct(q.winRate, 0).replace("+", "") + " of " + q.judged)),
    );

    const rows = [
      ["total return (time-weighted)", fmtPct(p.twr, 2)],
      ["APY actual vs target", fmtPct(p.apy, 2) + " vs " + fmtPct(s.apyTarget, 0)],
      ["volatility (annual)", fmtPct(p.volatility, 1).replace("+", "")],
      ["Sharpe / Sortino", fmtNum(p.sharpe) + " / " + fmtNum(p.sortino)],
      ["maximum drawdown", fmtPct(p.maxDrawdown == null ? null : -p.maxDrawdown, 2)],
      ["win rate (" + q.horizonDays + " days vs holding still)", q.winRate == null ? "— (" + q.judged + " executed decisions judged so far)" : fmtPct(q.winRate, 0).replace("+", "") + " of " + q.judged],
      ["decision quality score", q.qualityScore == null ? "—" : fmtNum(q.qualityScore, 0) + " / 100 (50 = as good as holding still)"],
      ["gains vs gas", fmtUsd(p.gainsUsd) + (p.gainsUsd < 0 ? " lost" : " gained") + "; gas " + (s.source === "indexer" ? fmtUsd(p.gasUsd, 2) + (p.gasToGains != null ? " (" + fmtPct(p.gasToGains, 2).replace("+", "") + " of gains)" : "") : Number(s.gasUnits).toLocaleString("en-US") + " gas units (USD from the indexer)")],
    ];
    const bench = el(
      "table",
      { class: "bench" },
      el("thead", {}, el("tr", {}, el("th", {}, "vs benchmarks, same days"), el("th", { class: "num" }, "total return"), el("th", { class: "num" }, "max drawdown"))),
      el(
        "tbody",
        {},
        el("tr", { class: "self" }, el("td", {}, "treasury"), el("td", { class: "num " + sign(p.twr) }, fmtPct(p.twr, 2)), el("td", { class: "num" }, fmtPct(p.maxDrawdown == null ? null : -p.maxDrawdown, 2))),
        s.benchmarks.map((b) => el("tr", {}, el("td", {}, b.label), el("td", { class: "num " + sign(b.totalReturn) }, fmtPct(b.totalReturn, 2)), el("td", { class: "num" }, fmtPct(b.maxDrawdown == null ? null : -b.maxDrawdown, 2)))),
      ),
    );
    document.getElementById("perf").replaceChildren(
      el("div", { class: "cols" }, el("table", { class: "figures" }, el("tbody", {}, rows.map((r) => el("tr", {}, el("th", {}, r[0]), el("td", { class: "num" }, r[1]))))), bench),
      el("p", { class: "muted small" }, "Source: " + s.indexer + ". Formulas: lib/analytics, shared with the indexer (time-weighted return, Sharpe on daily returns, drawdown on the return index; a decision wins when it beat holding still 7 days on)."),
    );
  }

  // ---- decision detail ----------------------------------------------------------------------
  function kv(pairs) {
    return el("dl", {}, pairs.filter((p) => p[1] != null && p[1] !== "").map((p) => [el("dt", {}, p[0]), el("dd", {}, p[1])]).flat());
  }
  /** A list of strings or of the strategy's reason objects ({says, indicator, value}): their sentence. */
  function list(items) {
    const text = (x) => (typeof x === "string" ? x : x && typeof x.says === "string" ? x.says : JSON.stringify(x));
    return items && items.length ? el("ul", {}, items.map((x) => el("li", {}, text(x)))) : el("p", { class: "muted" }, "none");
  }
  function outcomeTable(o) {
    const hs = ["1d", "7d", "30d"];
    return el(
      "table",
      {},
      el("thead", {}, el("tr", {}, el("th", {}, "after"), el("th", { class: "num" }, "treasury"), el("th", { class: "num" }, "holding still"), el("th", { class: "num" }, "difference"))),
      el(
        "tbody",
        {},
        hs.map((h) => {
          const j = o && o[h];
          return j ? el("tr", {}, el("td", {}, h), el("td", { class: "num " + sign(j.actual) }, fmtPct(j.actual, 2)), el("td", { class: "num" }, fmtPct(j.holding, 2)), el("td", { class: "num " + sign(j.excess) }, fmtPct(j.excess, 2))) : el("tr", {}, el("td", {}, h), el("td", { class: "muted", colspan: 3 }, "not yet: the journal has not reached that day"));
        }),
      ),
    );
  }

  async function showDecision(hash) {
    const box = document.getElementById("decision-detail");
    const body = document.getElementById("detail-body");
    if (!box || !body) return;
    box.hidden = false;
    document.getElementById("detail-title").textContent = short(hash);
    body.replaceChildren(el("p", { class: "muted" }, "Loading…"));
    try {
      const res = await fetch("api/decision/" + encodeURIComponent(hash), { cache: "no-store" });
      const j = await res.json();
      if (!res.ok) throw new Error(j.error || "HTTP " + res.status);
      const d = j.decision;
      const b = d.body || {};
      const sig = b.signals || {};
      const v = b.verdict || {};
      const plan = b.plan || {};
      const sim = b.simulation || {};
      const simD = sim.detail || {};
      const url = httpUrl(d.proposalUrl);
      body.replaceChildren(
        el(
          "div",
          { class: "cols" },
          el(
            "div",
            {},
            el("h3", {}, "What and why"),
            kv([
              ["date", d.date],
              ["status", d.status],
              ["path", d.path === "module" ? "agent module (within the autonomy limit)" : d.path === "proposal" ? "proposed to the owners" : "nothing sent"],
              ["phase / mode", (sig.phase || "—") + " / " + (sig.mode || "—")],
              ["reason", d.reason || b.rationale],
              ["decision hash", d.hash],
              ["transaction", d.txHash || (d.outcome && (d.outcome.executedTx || d.outcome.txHash)) || null],
              ["Safe tx", d.safeTxHash],
            ]),
            url ? el("p", {}, el("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, "open the proposal")) : null,
            el("h3", {}, "Triggers"),
            list(sig.triggers),
            el("h3", {}, "Strategy's reasons"),
            list(sig.reasons),
          ),
          el(
            "div",
            {},
            el("h3", {}, "Reviewer's verdict"),
            b.verdict ? kv([["verdict", v.decision], ["decided by", v.decidedBy], ["confidence", v.confidence == null ? null : fmtNum(v.confidence)], ["risk flags", (v.riskFlags || []).join(", ") || "none"]]) : el("p", { class: "muted" }, "no review: the cycle stopped before it"),
            b.verdict ? list(v.reasons) : null,
            el("h3", {}, "Outcome vs holding still"),
            outcomeTable(j.outcome),
          ),
        ),
        el("h3", {}, "Plan" + (plan.sizeUsd ? " (" + fmtUsd(Number(BigInt(plan.sizeUsd) / 10n ** 16n) / 100) + ")" : "")),
        plan.steps && plan.steps.length ? el("table", {}, el("thead", {}, el("tr", {}, el("th", {}, "step"), el("th", {}, "protocol"), el("th", { class: "num" }, "USD"), el("th", {}, "what"))), el("tbody", {}, plan.steps.map((st) => el("tr", {}, el("td", {}, st.kind), el("td", {}, st.protocol), el("td", { class: "num" }, fmtUsd(st.amountUsd)), el("td", { class: "reason" }, st.description))))) : el("p", { class: "muted" }, "no plan"),
        el("h3", {}, "Simulation"),
        b.simulation ? kv([["result", sim.ok === false ? "failed: " + (sim.error || "") : "ok"], ["NAV after", simD.navAfterUsd ? fmtUsd(Number(BigInt(simD.navAfterUsd) / 10n ** 16n) / 100, 2) : null], ["gas", simD.gasUsed || sim.gasUsed || null]]) : el("p", { class: "muted" }, "not simulated"),
        // Over the agent's own limits the check's refusal is why it went to the owners, not a failure.
        b.check && b.check.ok === false ? el("p", { class: d.path === "proposal" ? "muted" : "error" }, (d.path === "proposal" ? "why the owners decide: " : "on-chain check refused: ") + b.check.error + (b.check.reason ? ": " + b.check.reason : "")) : null,
      );
    } catch (e) {
      body.replaceChildren(el("p", { class: "error" }, "decision " + short(hash) + " unavailable: " + (e && e.message ? e.message : e)));
    }
    box.scrollIntoView({ block: "nearest" });
  }

  /** A click on the NAV chart opens the latest decision of the day under the cursor. */
  function pickDay(u) {
    const i = u.cursor.idx;
    if (i == null || !series) return;
    const day = series.days[i];
    const ds = series.decisions.filter((d) => d.date === day.date);
    if (ds.length) showDecision(ds[ds.length - 1].hash);
  }

  document.addEventListener("click", (ev) => {
    const t = ev.target;
    if (!(t instanceof Element)) return;
    if (t.closest("a")) return;
    if (t.id === "detail-close") return void (document.getElementById("decision-detail").hidden = true);
    const row = t.closest("tr[data-hash]");
    if (row && row.dataset.hash) showDecision(row.dataset.hash);
  });
  document.addEventListener("keydown", (ev) => {
    const row = ev.target instanceof Element && ev.target.closest("tr[data-hash]");
    if (row && ev.key === "Enter") showDecision(row.dataset.hash);
  });

  // ---- refresh ------------------------------------------------------------------------------
  async function loadSeries() {
    try {
      const res = await fetch("api/series", { cache: "no-store" });
      const s = await res.json();
      if (!res.ok) throw new Error(s.error || "HTTP " + res.status);
      const last = s.days[s.days.length - 1];
      const sig = s.days.length + "|" + (last ? last.date + ":" + last.nav : "") + "|" + s.decisions.length + "|" + s.decisions.map((d) => d.status).join("");
      series = s;
      if (sig !== signature) {
        signature = sig;
        drawAll(s);
        figures(s);
      }
      document.body.dataset.lastDay = last ? last.date : "";
      say("Journal read at " + new Date().toLocaleTimeString() + (last ? ": last day " + last.date : "") + "; follows it every " + seriesSeconds + " s.", false);
    } catch (e) {
      say("Reading the journal failed at " + new Date().toLocaleTimeString() + " (" + (e && e.message ? e.message : e) + "): the charts are stale; retrying every " + seriesSeconds + " s.", true);
    }
  }

  async function refreshPage() {
    try {
      const res = await fetch(location.href, { cache: "no-store", headers: { accept: "text/html" } });
      if (!res.ok) throw new Error("HTTP " + res.status);
      const next = new DOMParser().parseFromString(await res.text(), "text/html");
      for (const fresh of next.querySelectorAll("[data-server][id]")) {
        const old = document.getElementById(fresh.id);
        if (old) old.replaceWith(document.adoptNode(fresh));
      }
    } catch (e) {
      say("Page refresh failed at " + new Date().toLocaleTimeString() + " (" + (e && e.message ? e.message : e) + "): the state shown is stale.", true);
    }
  }

  let resizeTimer;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(() => series && drawAll(series), 200);
  });

  loadSeries();
  setInterval(loadSeries, seriesSeconds * 1000);
  setInterval(refreshPage, pageSeconds * 1000);
})();
