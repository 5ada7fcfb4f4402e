// GET / (the dashboard page) and its static files, with security headers: the server may sit
// behind a proxy, so the page allows only its own scripts and stylesheets (no inline code, no CDN:
// nothing is loaded from the internet), cannot be framed and sends no referrer to the Safe app links.
// The chart library (uPlot, pinned in agent/package.json) is served from node_modules by this server.
import fs from "node:fs";
import path from "node:path";
import type { Hono } from "hono";
import { renderPage } from "./page";
import { gatherView, type DashboardSources } from "./view";

export const DASHBOARD_CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

const COMMON = { "x-content-type-options": "nosniff", "referrer-policy": "no-referrer", "cache-control": "no-store" };
const PAGE_HEADERS = { ...COMMON, "content-security-policy": DASHBOARD_CSP, "x-frame-options": "DENY", "content-type": "text/html; charset=utf-8" };

// Read once at startup: ts-node runs from the sources, so they sit next to this file.
const asset = (name: string) => fs.readFileSync(path.join(__dirname, "assets", name), "utf8");
const fromNodeModules = (file: string) => fs.readFileSync(require.resolve(file), "utf8");
const JS = "text/javascript; charset=utf-8";
const CSS = "text/css; charset=utf-8";
const ASSETS: Record<string, { body: string; type: string }> = {
  "/dashboard/uPlot.iife.min.js": { body: fromNodeModules("uplot/dist/uPlot.iife.min.js"), type: JS },
  "/dashboard/uPlot.min.css": { body: fromNodeModules("uplot/dist/uPlot.min.css"), type: CSS },
  "/dashboard/app.js": { body: asset("app.js"), type: JS },
  "/dashboard/style.css": { body: asset("style.css"), type: CSS },
};
export const DASHBOARD_ROUTES = ["/", ...Object.keys(ASSETS)];

export function mountDashboard(app: Hono, sources: DashboardSources): void {
  app.get("/", async (c) => c.body(renderPage(await gatherView(sources)), 200, PAGE_HEADERS));
  // Browsers ask for it on every page: no icon, and no 404 in the console.
  app.get("/favicon.ico", (c) => c.body(null, 204, { ...COMMON, "cache-control": "max-age=86400" }));
  for (const [route, a] of Object.entries(ASSETS)) app.get(route, (c) => c.body(a.body, 200, { ...COMMON, "cache-control": "no-cache", "content-type": a.type }));
}
