// The deployment files (issue 20 §3) where no Docker engine runs: the container's entrypoint is run
// as the container would run it (same script, same env handling), and the Dockerfile, compose file
// and systemd unit are read for what they promise: node:20-slim, a non-root user, every COPY source
// present, the entrypoint wired, Postgres for the journal and the indexer, secrets never inline.
import { expect } from "chai";
import { spawnSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import yaml from "js-yaml";
import { deadPort } from "../agent/helpers/edges";

const ROOT = path.join(__dirname, "..", "..");
const ENTRY = path.join(ROOT, "scripts", "deploy", "entrypoint.sh");
const SAFE = "0x399c61b017A871181d8B6C418c93a8bB361E3Db8";

/** The entrypoint with exactly `env` (plus PATH, HOME): what a container or unit passes, nothing inherited. */
function entry(args: string[], env: Record<string, string>) {
  const r = spawnSync("sh", [ENTRY, ...args], { env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? "/tmp", ...env }, encoding: "utf8", timeout: 120_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe("deployment: container entrypoint, Dockerfile, compose file, systemd unit", () => {
  it("the entrypoint names each missing setting and exits 2 before starting anything", () => {
    const base = { RPC_URL: "http://127.0.0.1:1", SAFE_ADDRESS: SAFE, DEPLOYMENTS_FILE: "/x/mainnet.json", DATABASE_URL: "postgres://u:p@db:5432/t", AGENT_PRIVATE_KEY: "0x" + "11".repeat(32) };
    const cases: [Record<string, string>, RegExp][] = [
      [{ ...base, RPC_URL: "" }, /^entrypoint: RPC_URL is not set: the JSON-RPC URL/],
      [{ ...base, SAFE_ADDRESS: "" }, /^entrypoint: SAFE_ADDRESS is not set/],
      [{ ...base, DEPLOYMENTS_FILE: "" }, /^entrypoint: DEPLOYMENTS_FILE is not set/],
      [{ ...base, DATABASE_URL: "" }, /^entrypoint: DATABASE_URL is not set: the journal must outlive the container/],
      [{ ...base, AGENT_PRIVATE_KEY: "" }, /^entrypoint: no agent key: mount a config file with keys\.agent/],
      [{ ...base, AGENT_PRIVATE_KEY: "", AGENT_CONFIG: "/nonexistent/agent.json" }, /^entrypoint: AGENT_CONFIG=\/nonexistent\/agent\.json cannot be read/],
    ];
    for (const [env, want] of cases) {
      const r = entry(["agent"], Object.fromEntries(Object.entries(env).filter(([, v]) => v !== "")));
      expect(r.code, JSON.stringify(env)).to.equal(2);
      expect(r.err.trim(), JSON.stringify(env)).to.match(want);
      // A key is never echoed.
      expect(r.err).to.not.include("11".repeat(32));
    }
    expect(entry(["indexer"], { RPC_URL: "http://x" }).err).to.match(/^entrypoint: DATABASE_URL is not set: the indexer's Postgres/);
    expect(entry(["indexer"], { RPC_URL: "http://x", DATABASE_URL: "postgres://a" }).err).to.match(/NETWORK is not set/);
    const unknown = entry(["web"], {});
    expect(unknown.code).to.equal(2);
    expect(unknown.err).to.match(/unknown role "web": use agent or indexer/);
  });

  it("with its settings the entrypoint execs the agent with that environment (a dead RPC named by the agent itself)", async () => {
    const port = await deadPort();
    const rpc = `http://127.0.0.1:${port}`;
    // mainnet.json with guardrail addresses filled in, as after `npm run deploy:guardrails`.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "entry-"));
    const d = JSON.parse(fs.readFileSync(path.join(ROOT, "deployments", "mainnet.json"), "utf8"));
    d.guardrails = Object.fromEntries(["policy", "valuation", "guard", "module", "lens"].map((k, i) => [k, `0x${String(i + 1).padStart(40, "0")}`]));
    fs.writeFileSync(path.join(dir, "mainnet.json"), JSON.stringify(d));
    const r = entry(["agent", "status", "--json"], {
      RPC_URL: rpc,
      SAFE_ADDRESS: SAFE,
      DEPLOYMENTS_FILE: path.join(dir, "mainnet.json"),
      ALLOW_EMBEDDED_JOURNAL: "true",
      AGENT_DATA_DIR: dir,
      AGENT_PRIVATE_KEY: "0x" + "11".repeat(32),
    });
    expect(r.code, r.err).to.not.equal(0);
    expect(r.err + r.out).to.include(`127.0.0.1:${port}`);
    expect(r.err + r.out).to.not.match(/^entrypoint:/m);
    expect(r.err + r.out).to.not.include("11".repeat(32));
  });

  it("Dockerfile: node:20-slim, runtime dependencies only, a non-root user, every COPY source present, the entrypoint wired", () => {
    const df = fs.readFileSync(path.join(ROOT, "Dockerfile"), "utf8");
    const lines = df.split("\n").filter((l) => l.trim() && !l.trim().startsWith("#"));
    expect(lines[0]).to.equal("FROM node:20-slim");
    expect(df).to.match(/npm ci --omit=dev/);
    const user = lines.filter((l) => l.startsWith("USER ")).pop();
    expect(user).to.equal("USER treasury");
    expect(df).to.match(/useradd --system --uid 10001/);
    for (const l of lines.filter((x) => x.startsWith("COPY ") && !x.includes("--from"))) {
      const srcs = l.replace(/^COPY\s+/, "").split(/\s+/).slice(0, -1);
      for (const s of srcs) expect(fs.existsSync(path.join(ROOT, s)), `COPY source ${s}`).to.equal(true);
    }
    expect(df).to.include('ENTRYPOINT ["/app/scripts/deploy/entrypoint.sh"]');
    expect(fs.statSync(ENTRY).mode & 0o111, "entrypoint executable").to.not.equal(0);
    // Whatever the image runs as, the script finds the app from its own place (APP_DIR=/app in the image).
    expect(df).to.match(/APP_DIR=\/app/);
  });

  it("compose: Postgres for the journal and the indexer, the agent and the indexer from the image, no secret inline", () => {
    const text = fs.readFileSync(path.join(ROOT, "docker-compose.yml"), "utf8");
    const c = yaml.load(text) as { services: Record<string, { image?: string; build?: string; command?: string[]; environment?: Record<string, string>; ports?: string[] }> };
    expect(Object.keys(c.services)).to.have.members(["postgres", "indexer", "agent"]);
    expect(c.services.postgres.image).to.match(/^postgres:1[5-9]/);
    for (const s of ["agent", "indexer"]) {
      expect(c.services[s].environment!.DATABASE_URL, s).to.match(/^postgres:\/\/treasury:\$\{POSTGRES_PASSWORD\}@postgres:5432\//);
      for (const p of c.services[s].ports ?? []) expect(p, `${s} publishes on loopback only`).to.match(/^127\.0\.0\.1:/);
    }
    expect(c.services.agent.command).to.deep.equal(["agent", "run"]);
    expect(c.services.indexer.command).to.deep.equal(["indexer"]);
    // Off loopback inside the network: the server refuses to start without AGENT_SERVER_TOKEN (from secrets.env).
    expect(c.services.agent.environment!.AGENT_SERVER_HOST).to.equal("0.0.0.0");
    expect(text).to.not.match(/PRIVATE_KEY|ANTHROPIC_API_KEY:|AGENT_SERVER_TOKEN:/);
  });

  it("systemd unit: runs the same entrypoint as its own user, stops with SIGTERM, does not restart a configuration error", () => {
    const u = fs.readFileSync(path.join(ROOT, "scripts", "deploy", "treasury-agent.service"), "utf8");
    expect(u).to.match(/^ExecStart=\/opt\/treasury-manager\/scripts\/deploy\/entrypoint\.sh agent run$/m);
    expect(u).to.match(/^User=treasury$/m);
    expect(u).to.match(/^EnvironmentFile=\/etc\/treasury\/agent\.env$/m);
    expect(u).to.match(/^RestartPreventExitStatus=2$/m);
    expect(u).to.match(/^KillSignal=SIGTERM$/m);
    expect(u).to.match(/^NoNewPrivileges=true$/m);
  });
});
