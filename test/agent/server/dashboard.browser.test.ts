// The dashboard in a real browser (Debian's chromium driven by playwright-core) over a real local
// world: the agent (the default strategy, as `npm start` runs it) runs several weekly replay days through runCycle (the first allocation proposed
// to the owners, confirmed by two of them and executed), the server is the one `treasury run`
// starts, and the page must load with no console error and no CSP violation, draw every chart with
// its points, open a decision's detail on a click, and show a later day after another cycle and a
// refresh. It writes reports/dashboard.png. No browser: the test fails, naming the fix.
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import SafeApiKit from "@safe-global/api-kit";
import { createWalletClient, getAddress, http as viemHttp } from "viem";
import { privateKeyToAccount } from "viem/accounts";
import { foundry } from "viem/chains";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import { startTxService, confirmProposed, executeProposed, type TxService } from "../../../agent/src/safe";
import { openRuntime, type Runtime } from "../../../agent/src/cycle/runtime";
import { defaultSteps } from "../../../agent/src/cycle/steps";
import { planPorts } from "../../../agent/src/cycle/ports";
import { runCycle } from "../../../agent/src/cycle/once";
import { startRunServer } from "../../../agent/src/server/run";
import type { AgentServer } from "../../../agent/src/server";
import { startLocalChain, testKey, type LocalChain } from "../../../scripts/world/childChain";

const ROOT = path.resolve(__dirname, "..", "..", "..");
export const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const DAYS = ["2024-01-08", "2024-01-15", "2024-01-22", "2024-01-29", "2024-02-05", "2024-02-12"];
const LATER_DAY = "2024-02-19";
const CHARTS = ["chart-nav", "chart-drawdown", "chart-allocation", "chart-prices", "chart-sentiment", "chart-funding"];

/** Chromium with the flags a sandboxed CI machine needs and a fresh profile; fails naming the fix when absent. */
export async function launchChromium(): Promise<{ context: BrowserContext; close: () => Promise<void> }> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`no browser at ${CHROMIUM}: install Debian's chromium (apt-get install -y chromium, as root) or set CHROMIUM_PATH to a Chromium binary`);
  // A fresh profile each run (playwright passes it as --user-data-dir).
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "dash-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1360, height: 900 },
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
  });
  return { context, close: async () => (await context.close(), fs.rmSync(profile, { recursive: true, force: true })) };
}

describe("agent/server: the dashboard in a real browser over a local world", function () {
  this.timeout(900_000);
  let chain: LocalChain;
  let svc: TxService;
  let rt: Runtime;
  let server: AgentServer | undefined;
  let browser: Awaited<ReturnType<typeof launchChromium>> | undefined;
  let page: Page;
  const problems: string[] = [];

  /** One replay day through the same cycle code as `treasury run`; a proposal is confirmed by owners #1 and #2 and executed. */
  const day = async (date: string) => {
    // The local pools are shallow: the first full allocation moves them ~0.4% (cycle.e2e allows 150 bps too).
    const wide = { ...rt, cfg: { ...rt.cfg, slippageBps: 150 } };
    const r = await runCycle(rt.ctx, defaultSteps(wide, planPorts(wide), { env: {} }), { date, agentKey: testKey(4) });
    expect(["executed", "proposed", "skipped"], `${date}: ${r.status}: ${r.reason}`).to.include(r.status);
    if (r.status === "proposed") {
      const cfg = rt.ctx.safeCfg!;
      await confirmProposed(cfg, r.safeTxHash!, testKey(1));
      await confirmProposed(cfg, r.safeTxHash!, testKey(2));
      const done = await executeProposed(cfg, r.safeTxHash!, testKey(1));
      // As `treasury execute` does: the decision it carried is on chain, so it is closed in the journal.
      const row = (await rt.journal.get(r.hash!))!;
      await rt.journal.update(row.hash, { status: "executed", outcome: { ...(row.outcome as object), executedTx: done.txHash, blockNumber: done.blockNumber } });
    }
    return r;
  };

  before(async () => {
    // The browser first: without one, the test fails at once rather than after the world is built.
    browser = await launchChromium();
    chain = await startLocalChain("dash-browser");
    svc = await startTxService({ rpcUrl: chain.rpcUrl });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "dash-browser-"));
    const depFile = path.join(dir, "deployment.json");
    fs.writeFileSync(depFile, JSON.stringify(chain.deployment));
    const env = { RPC_URL: chain.rpcUrl, DEPLOYMENTS_FILE: depFile, AGENT_DATA_DIR: "memory://", SAFE_TX_SERVICE_URL: svc.url, AGENT_PRIVATE_KEY: testKey(4), GUARDIAN_PRIVATE_KEY: testKey(7), LOG_LEVEL: "silent", AGENT_SERVER_ENABLED: "true", AGENT_SERVER_PORT: "0" };
    rt = await openRuntime({ env });
    const safe = getAddress(chain.deployment.treasury!.safe);
    const api = new SafeApiKit({ chainId: BigInt(chain.deployment.chainId), txServiceUrl: svc.url });
    const owner1 = createWalletClient({ account: privateKeyToAccount(testKey(1)), chain: foundry, transport: viemHttp(chain.rpcUrl) });
    await api.addSafeDelegate({ safeAddress: safe, delegateAddress: privateKeyToAccount(testKey(4)).address, delegatorAddress: owner1.account.address, label: "agent", signer: owner1 });
    for (const d of DAYS) await day(d);
    server = await startRunServer(rt, { intervalSeconds: 3600 });
    page = await browser.context.newPage();
    page.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
    page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
    page.on("response", (r) => r.status() >= 400 && problems.push(`HTTP ${r.status()}: ${r.url()}`));
    page.on("requestfailed", (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText}`));
    // Runs before the page's own scripts (outside its CSP): every violation is recorded.
    await page.addInitScript(() => {
      const w = window as unknown as { __csp: string[] };
      w.__csp = [];
      document.addEventListener("securitypolicyviolation", (e) => w.__csp.push(`${e.violatedDirective} ${e.blockedURI}`));
    });
  });
  after(async () => {
    await browser?.close();
    await server?.stop();
    await rt?.close();
    await svc?.close();
    await chain?.stop();
  });

  const lastDay = () => page.evaluate(() => document.body.dataset.lastDay ?? "");

  it("loads with no console error and no CSP violation; every chart has its points; the screenshot is written", async () => {
    const res = await page.goto(server!.url + "/", { waitUntil: "load" });
    expect(res?.status()).to.equal(200);
    await page.waitForFunction((n) => document.body.dataset.lastDay && document.querySelectorAll(".chart-box[data-points] canvas").length >= n, CHARTS.length, { timeout: 60_000 });
    expect(await lastDay()).to.equal(DAYS[DAYS.length - 1]);
    for (const id of CHARTS) {
      const box = page.locator(`#${id}`);
      expect(Number(await box.getAttribute("data-points")), `${id}: x points`).to.equal(DAYS.length);
      expect(Number(await box.getAttribute("data-values")), `${id}: drawn values`).to.be.greaterThan(0);
      const size = await box.locator("canvas").boundingBox();
      expect(size!.width, `${id} drawn`).to.be.greaterThan(300);
    }
    // The NAV chart: the treasury's line on every day, the three benchmarks, and the decision markers.
    const nav = page.locator("#chart-nav");
    expect(Number(await nav.getAttribute("data-values"))).to.be.at.least(DAYS.length * 4 + 1);
    const legend = await nav.locator(".u-legend").innerText();
    for (const label of ["treasury NAV", "static 6.5%", "BTC hold", "60/40", "executed", "proposed"]) expect(legend).to.include(label);
    const kpis = await page.locator("#kpis").innerText();
    expect(kpis).to.match(/TOTAL RETURN|total return/i).and.include(DAYS[DAYS.length - 1]);
    expect(await page.locator("#perf").innerText()).to.include("decision quality score").and.include("BTC hold");
    expect(await page.locator("#state").innerText()).to.include("agent active");
    // trend-dd journals no phase or mode: the page says so instead of drawing empty bands (series.test covers them).
    expect(await page.locator("#bands-note").innerText()).to.include("journals no phase or mode");
    // Executed decisions are judged after 7 days against holding still.
    expect(await page.locator("#perf").innerText()).to.match(/win rate \(7 days vs holding still\)\s+\d+% of \d+/);
    fs.mkdirSync(path.join(ROOT, "reports"), { recursive: true });
    await page.screenshot({ path: path.join(ROOT, "reports", "dashboard.png"), fullPage: true });
    await page.screenshot({ path: path.join(ROOT, "reports", "dashboard-first-screen.png") });
    expect(fs.statSync(path.join(ROOT, "reports", "dashboard.png")).size).to.be.greaterThan(50_000);
    expect(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).to.deep.equal([]);
    expect(problems).to.deep.equal([]);
  });

  it("a click on a decision opens its detail: triggers, the verdict, the plan, the simulation, the outcome", async () => {
    const rows = page.locator("#decisions tr[data-hash]");
    expect(await rows.count()).to.be.at.least(DAYS.length);
    // The first allocation: the oldest row, proposed to the owners with a plan and a simulation.
    const first = rows.last();
    const hash = (await first.getAttribute("data-hash"))!;
    await first.click();
    const detail = page.locator("#decision-detail");
    await detail.waitFor({ state: "visible" });
    await page.waitForFunction(() => !document.getElementById("detail-body")!.innerText.includes("Loading"));
    const text = await detail.innerText();
    expect(text).to.include(hash).and.include("Triggers").and.include("Reviewer's verdict").and.include("Plan").and.include("Simulation").and.include("Outcome vs holding still");
    expect(text).to.include(DAYS[0]).and.include("proposed to the owners").and.match(/status\s+executed/).and.match(/transaction\s+0x[0-9a-f]{64}/);
    // A week later the journal has the next days: the 1- and 7-day outcomes are judged.
    expect(text).to.match(/\n7d\t[+−-]?\d/);
    await page.screenshot({ path: path.join(ROOT, "reports", "dashboard-decision.png"), fullPage: true });
    expect(problems).to.deep.equal([]);
  });

  it("after another cycle is journaled, a refresh shows the later day", async () => {
    await day(LATER_DAY);
    await page.reload({ waitUntil: "load" });
    await page.waitForFunction((d) => document.body.dataset.lastDay === d, LATER_DAY, { timeout: 60_000 });
    expect(Number(await page.locator("#chart-nav").getAttribute("data-points"))).to.equal(DAYS.length + 1);
    expect(await page.locator("#kpis").innerText()).to.include(LATER_DAY);
    await page.screenshot({ path: path.join(ROOT, "reports", "dashboard.png"), fullPage: true });
    expect(await page.evaluate(() => (window as unknown as { __csp: string[] }).__csp)).to.deep.equal([]);
    expect(problems).to.deep.equal([]);
  });
});
