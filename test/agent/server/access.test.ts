// The agent's server off loopback (issue 20 §4): it binds beyond loopback only with a token; with a
// token every route but /health/live needs `Authorization: Bearer`; every client is rate-limited,
// /health/live never; the dashboard's security headers stay. Real sockets, real HTTP.
import { expect } from "chai";
import { startAgentServer, type AgentServer, type AgentServerOptions } from "../../../agent/src/server";
import { loadAgentConfig } from "../../../agent/src/config";
import { isLoopbackHost } from "../../../agent/src/config/schema";
import { createLogger } from "../../../agent/src/log";
import { userErrorOf } from "../helpers/edges";

const RPC = { RPC_URL: "http://127.0.0.1:9999" };
const TOKEN = "a".repeat(20) + "0123456789abcdef";

function options(over: Partial<AgentServerOptions> = {}): AgentServerOptions {
  return {
    host: "127.0.0.1",
    port: 0,
    rules: { intervalSeconds: 3600, slackSeconds: 300, maxFailedCycles: 3 },
    log: createLogger("silent"),
    status: async () => ({ safe: "0x399c61b017A871181d8B6C418c93a8bB361E3Db8", navUsd: 400_000, pending: [] }),
    decisions: async () => [],
    nav: async () => [],
    pingJournal: async () => undefined,
    ...over,
  };
}

describe("agent/server: token and rate limit (off loopback)", () => {
  let server: AgentServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });
  const get = (path: string, token?: string) => fetch(server!.url + path, { headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });

  it("config: a host beyond loopback needs AGENT_SERVER_TOKEN; a weak or malformed token is refused without echoing it", () => {
    for (const h of ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "localhost"]) expect(isLoopbackHost(h), h).to.equal(true);
    for (const h of ["0.0.0.0", "::", "10.0.0.5", "192.168.1.2", "example.org", "128.0.0.1"]) expect(isLoopbackHost(h), h).to.equal(false);
    expect(userErrorOf(() => loadAgentConfig({ env: { ...RPC, AGENT_SERVER_HOST: "0.0.0.0" } }))).to.match(/^config server\.token \(env AGENT_SERVER_TOKEN\): is required when the server listens beyond loopback .*; set AGENT_SERVER_TOKEN to a secret of at least 24 characters/);
    expect(loadAgentConfig({ env: { ...RPC, AGENT_SERVER_HOST: "0.0.0.0", AGENT_SERVER_TOKEN: TOKEN } }).server.token).to.equal(TOKEN);
    const short = userErrorOf(() => loadAgentConfig({ env: { ...RPC, AGENT_SERVER_TOKEN: "hunter2-hunter2" } }));
    expect(short).to.match(/at least 24 characters/);
    expect(short).to.not.include("hunter2");
    const odd = "x".repeat(24) + " \"zq9Tk\"";
    const bad = userErrorOf(() => loadAgentConfig({ env: { ...RPC, AGENT_SERVER_TOKEN: odd } }));
    expect(bad).to.match(/may hold only letters/);
    expect(bad).to.not.include("zq9Tk");
  });

  it("with a token: 401 without it or with another, 200 with it, on every route but /health/live", async () => {
    server = await startAgentServer(options({ access: { token: TOKEN, rateLimit: { windowSeconds: 60, max: 1000 } } }));
    for (const path of ["/", "/health", "/metrics", "/api/status", "/api/decisions", "/api/nav", "/no-such-route"]) {
      const none = await get(path);
      expect(none.status, `${path} without a token`).to.equal(401);
      expect(none.headers.get("www-authenticate"), path).to.match(/^Bearer/);
      expect((await none.json()).error, path).to.match(/Authorization: Bearer/);
      expect((await get(path, TOKEN.slice(0, -1) + "X")).status, `${path} with another token`).to.equal(401);
      const ok = await get(path, TOKEN);
      expect(ok.status, `${path} with the token`).to.be.oneOf(path === "/no-such-route" ? [404] : [200, 503]);
      await ok.arrayBuffer();
    }
    const malformed = await fetch(server.url + "/api/status", { headers: { authorization: "Basic Zm9vOmJhcg==" } });
    expect(malformed.status).to.equal(400);
    expect((await get("/health/live")).status).to.equal(200);
    // The dashboard's own headers stay behind the check.
    const page = await get("/", TOKEN);
    expect(page.headers.get("content-security-policy")).to.be.a("string").and.not.equal("");
  });

  it("without a token (loopback): every route answers as before", async () => {
    server = await startAgentServer(options());
    expect((await get("/api/status")).status).to.equal(200);
    expect((await get("/health/live")).status).to.equal(200);
  });

  it("rate limit: the request past `max` in the window is 429 with Retry-After; /health/live is never limited", async () => {
    server = await startAgentServer(options({ access: { token: TOKEN, rateLimit: { windowSeconds: 60, max: 3 } } }));
    for (let i = 0; i < 3; i++) expect((await get("/api/status", TOKEN)).status, `request ${i + 1}`).to.equal(200);
    const over = await get("/api/status", TOKEN);
    expect(over.status).to.equal(429);
    expect(over.headers.get("retry-after")).to.equal("60");
    expect((await over.json()).error).to.match(/at most 3 per 60 s/);
    // Unauthenticated attempts count too: guessing the token is limited like anything else.
    expect((await get("/api/status", "wrong-token-wrong-token-wrong")).status).to.equal(429);
    for (let i = 0; i < 10; i++) expect((await get("/health/live")).status).to.equal(200);
  });
});
