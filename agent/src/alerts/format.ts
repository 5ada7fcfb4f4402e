// One alert rendered for each channel: plain text (e-mail, webhook), HTML for Telegram's parse_mode
// and for e-mail. Telegram takes at most 4096 characters; the cut never splits a tag, an entity
// or a surrogate pair.
import type { Alert, Severity } from "./types";

export const TELEGRAM_MAX = 4096;
const ICON: Record<Severity, string> = { critical: "🚨", warning: "⚠️", info: "ℹ️" };

export const escapeHtml = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");

export function plainText(a: Alert): string {
  const parts = [`${ICON[a.severity]} ${a.title}`, ...a.lines];
  const meta = [...(a.fields ?? []).map(([k, v]) => `${k}: ${v}`), ...(a.links ?? []).map(([k, u]) => `${k}: ${u}`)];
  if (meta.length) parts.push(meta.join("\n"));
  return parts.join("\n\n");
}

/** The longest prefix of `s` (whole code points) whose escaped form fits in `budget` UTF-16 units, escaped. */
export function escapeWithin(s: string, budget: number): { html: string; cut: boolean } {
  let out = "";
  for (const ch of s) {
    const e = escapeHtml(ch);
    if (out.length + e.length > budget) return { html: out, cut: true };
    out += e;
  }
  return { html: out, cut: false };
}

export function telegramHtml(a: Alert, max = TELEGRAM_MAX): string {
  const head = `<b>${escapeHtml(`${ICON[a.severity]} ${a.title}`)}</b>`;
  const meta = [...(a.fields ?? []).map(([k, v]) => `<b>${escapeHtml(k)}</b>: <code>${escapeHtml(v)}</code>`), ...(a.links ?? []).map(([k, u]) => `<a href="${escapeHtml(u)}">${escapeHtml(k)}</a>`)].join("\n");
  const body = a.lines.join("\n\n");
  const join = (b: string) => [head, b, meta].filter(Boolean).join("\n\n");
  const full = join(escapeHtml(body));
  if (full.length <= max) return full;
  // Keep the title and the fields whole and cut the body; if even they do not fit, send the whole
  // alert as escaped plain text, cut (no tags at all, so nothing can be left open).
  const budget = max - join("").length - 4;
  if (budget > 200) return join(escapeWithin(body, budget).html + " […]");
  return escapeWithin(plainText(a), max - 1).html + "…";
}

export function emailHtml(a: Alert): string {
  const p = (s: string) => `<p>${escapeHtml(s).replace(/\n/g, "<br>")}</p>`;
  const rows = (a.fields ?? []).map(([k, v]) => `<tr><th align="left">${escapeHtml(k)}</th><td><code>${escapeHtml(v)}</code></td></tr>`).join("");
  const links = (a.links ?? []).map(([k, u]) => `<li><a href="${escapeHtml(u)}">${escapeHtml(k)}</a></li>`).join("");
  return [`<h3>${escapeHtml(`${ICON[a.severity]} ${a.title}`)}</h3>`, ...a.lines.map(p), rows && `<table>${rows}</table>`, links && `<ul>${links}</ul>`].filter(Boolean).join("\n");
}
