// `treasury run` with the server enabled, in process and without a chain: the JSON-RPC endpoint is a
// stub that refuses every call, so each cycle aborts at its read. During the second cycle's read the
// stub asks the agent's server what it saw of the first one (health, metrics, decisions), then the
// run ends (--max-cycles 2) and the server must be gone with it. A port already taken is a UserError
// before any cycle.
import { expect } from "chai";
import fs from "node:fs";
import http from "node:http";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import { main } from "../../../agent/src/cli";
import { listenLocal, type Listening } from "../../../agent/src/localServer";
import { parsePrometheus } from "./promText";

const ROOT = path.resolve(__dirname, "..", "..", "..");
const AGENT_KEY = "0x47e179ec197488593b187f80a00eb0da91f1b9d0b13f8733639f19c30a34926a"; // account #4 of the public test mnemonic

/** A deployments file that passes validation (mainnet's addresses, placeholder guardrails); nothing is ever called on it. */
function deploymentsFile(): string {
  const d = JSON.parse(fs.readFileSync(path.join(ROOT, "deployments", "mainnet.json"), "utf8"));
  const placeholder = "0x1111111111111111111111111111111111111111";
  d.chainId = 31337;
  d.network = "server-test";
  d.treasury = { safe: "0x399c61b017A871181d8B6C418c93a8bB361E3Db8", owners: ["0x70997970C51812dc3A010C7d01b50e0d17dc79C8"], threshold: 1 };
  d.guardrails = { policy: placeholder, valuation: placeholder, guard: placeholder, module: placeholder, fallbackHandler: placeholder, lens: placeholder };
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "agent-server-run-")), "deployment.json");
  fs.writeFileSync(file, JSON.stringify(d));
  return file;
}

/** The CLI in process with `env` added for the call; `out` is readable while it runs. */
async function treasury(env: Record<string, string>, args: string[], live: { out: string; err: string }): Promise<number> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  try {
    return await main(["node", "treasury", ...args], { out: (s) => (live.out += s), err: (s) => (live.err += s) });
  } finally {
    for (const k of Object.keys(process.env)) if (!(k in saved)) delete process.env[k];
    Object.assign(process.env, saved);
  }
}

const refused = (port: number) =>
  new Promise<boolean>((resolve) => {
    const c = net.connect(port, "127.0.0.1");
    c.on("connect", () => (c.destroy(), resolve(false)));
    c.on("error", () => resolve(true));
  });

describe("agent/server: treasury run starts, feeds and stops the server", function () {
  this.timeout(120_000);
  let rpc: Listening;
  let onCall: (() => Promise<void>) | undefined;
  let env: Record<string, string>;

  before(async () => {
    const server = http.createServer((req, res) => {
      let body = "";
      req.on("data", (d) => (body += d));
      req.on("end", async () => {
        const hook = onCall;
        onCall = undefined;
        await hook?.();
        const one = (m: { id: number }) => ({ jsonrpc: "2.0", id: m.id, error: { code: -32603, message: "stub: no chain here" } });
        const msg = JSON.parse(body);
        res.writeHead(200, { "content-type": "application/json" });
        res.end(JSON.stringify(Array.isArray(msg) ? msg.map(one) : one(msg)));
      });
    });
    rpc = await listenLocal(server);
    env = {
      RPC_URL: rpc.origin,
      DEPLOYMENTS_FILE: deploymentsFile(),
      AGENT_DATA_DIR: "memory://",
      AGENT_PRIVATE_KEY: AGENT_KEY,
      SAFE_TX_SERVICE_URL: "",
      ANTHROPIC_API_KEY: "",
      LOG_LEVEL: "silent",
      AGENT_SERVER_ENABLED: "true",
      AGENT_SERVER_PORT: "0",
    };
  });
  after(async () => rpc?.close());

  it("run --max-cycles 2: the server reports the first (aborted) cycle during the second, then stops with the loop", async () => {
    const live = { out: "", err: "" };
    const seen: { watch?: Record<string, unknown>; health?: { status: number; body: Record<string, unknown> }; metrics?: string; decisions?: number; badLimit?: { status: number; body: { error: string } }; status?: number; nav?: unknown; page?: { status: number; text: string } } = {};
    let url = "";
    // Armed once the first cycle is printed: the next RPC call is the second cycle's read.
    const arm = () => {
      if (!/^cycle .*ABORTED/m.test(live.out)) return;
      onCall = async () => {
        url = /^server (http:\/\/\S+)/m.exec(live.out)![1];
        const h = await fetch(`${url}/health`);
        seen.health = { status: h.status, body: await h.json() };
        seen.metrics = await (await fetch(`${url}/metrics`)).text();
        seen.watch = await (await fetch(`${url}/api/watch`)).json();
        seen.decisions = (await fetch(`${url}/api/decisions?limit=5`)).status;
        const bad = await fetch(`${url}/api/decisions?limit=x`);
        seen.badLimit = { status: bad.status, body: await bad.json() };
        seen.nav = await (await fetch(`${url}/api/nav`)).json();
        const page = await fetch(`${url}/`);
        seen.page = { status: page.status, text: await page.text() };
      };
    };
    const poll = setInterval(() => !onCall && !url && arm(), 20);
    let code: number;
    try {
      code = await treasury(env, ["run", "--interval", "1", "--max-cycles", "2"], live);
    } finally {
      clearInterval(poll);
    }
    expect(code, live.err).to.equal(0);
    expect(live.out).to.match(/^server http:\/\/127\.0\.0\.1:\d+ {2}\(GET \/ dashboard, \/health, \/metrics, \/api\/status, \/api\/decisions, \/api\/nav, \/api\/series\)$/m);
    expect(live.out.match(/^cycle \S+: ABORTED — (reconcile|read): /gm), live.out).to.have.length(2);
    expect(url, "the stub probed the server during the second cycle").to.match(/^http:\/\/127\.0\.0\.1:\d+$/);

    expect(seen.health!.status).to.equal(200);
    expect(seen.health!.body).to.include({ status: "ok", consecutiveFailures: 1, cycles: 1, journal: "ok" });
    expect((seen.health!.body.lastCycle as { status: string }).status).to.equal("aborted");
    const m = parsePrometheus(seen.metrics!);
    expect(m.value("treasury_cycles_total", { status: "aborted" })).to.equal(1);
    expect(m.value("treasury_cycle_duration_seconds_count")).to.equal(1);
    expect(m.value("treasury_consecutive_failed_cycles")).to.equal(1);
    expect(m.value("treasury_nav_usd"), "the read failed: NAV unknown").to.be.NaN;
    expect(m.value("treasury_last_cycle_timestamp_seconds")).to.be.greaterThan(0);
    // The watch loop runs beside the cycles (watch.enabled defaults to true) and shows its state.
    expect(seen.watch).to.include({ enabled: true, intervalSeconds: 30 });
    expect(seen.watch).to.have.keys(["enabled", "intervalSeconds", "ticks", "running", "lastTickAt", "lastTickMs", "lastBlock", "rpcDown", "mvrv", "failing", "events", "recent", "latency"]);
    // MVRV polled from the cycles' own market provider (recorded data here: the last decision day's view, 2025-06-30's 2.2244).
    expect((seen.watch!.mvrv as { value: number } | null)?.value, JSON.stringify(seen.watch)).to.be.closeTo(2.2244, 1e-4);
    expect(seen.decisions).to.equal(200);
    expect(seen.nav, "aborted cycles journal no decision").to.deep.equal({ limit: 200, points: [] });
    // The dashboard from the real sources: the chain refuses, so the status sections say so.
    expect(seen.page!.status).to.equal(200);
    expect(seen.page!.text).to.include('<h2>Health <span class="badge ok">ok</span></h2>');
    expect(seen.page!.text).to.match(/<section id="agent" data-server><h2>Agent limits<\/h2><p class="error">status unavailable: /);
    expect(seen.page!.text).to.include("No decision journaled yet.");
    expect(seen.badLimit).to.deep.equal({ status: 400, body: { error: 'limit must be an integer from 1 to 200, got "x"; e.g. /api/decisions?limit=20' } });

    expect(await refused(Number(new URL(url).port)), "the server stopped with the loop").to.equal(true);
  });

  it("a port already taken: a UserError naming it (exit 2), before any cycle", async () => {
    const taken = await listenLocal(http.createServer());
    try {
      const live = { out: "", err: "" };
      const code = await treasury({ ...env, AGENT_SERVER_PORT: String(taken.port) }, ["run", "--max-cycles", "1"], live);
      expect(code).to.equal(2);
      expect(live.err).to.match(new RegExp(`^error: agent server: cannot listen on 127\\.0\\.0\\.1:${taken.port} \\(EADDRINUSE: `));
      expect(live.out, "no cycle ran").to.equal("");
    } finally {
      await taken.close();
    }
  });
});
