// GET /api/replay: the replay's progress as npm start's replay gives it to the server; absent (404
// naming the routes) when the server runs without a replay (`treasury run`).
import { expect } from "chai";
import { startAgentServer, type AgentServerOptions } from "../../../agent/src/server";
import { createLogger } from "../../../agent/src/log";

const options = (over: Partial<AgentServerOptions> = {}): AgentServerOptions => ({
  host: "127.0.0.1",
  port: 0,
  rules: { intervalSeconds: 3600, slackSeconds: 300, maxFailedCycles: 3 },
  log: createLogger("silent"),
  status: async () => ({}),
  decisions: async () => [],
  nav: async () => [],
  pingJournal: async () => undefined,
  ...over,
});

describe("agent/server: GET /api/replay", () => {
  it("serves the replay's state as JSON when the server runs a replay, bigints as strings", async () => {
    let done = 1;
    const server = await startAgentServer(options({ replay: async () => ({ status: "running", daysDone: done, block: 7n, days: [{ date: "2024-07-01", navUsd: 400_000 }] }) }));
    try {
      const r = await fetch(server.url + "/api/replay");
      expect(r.status).to.equal(200);
      expect(await r.json()).to.deep.equal({ status: "running", daysDone: 1, block: "7", days: [{ date: "2024-07-01", navUsd: 400_000 }] });
      done = 2; // a refresh shows a later day
      expect(((await (await fetch(server.url + "/api/replay")).json()) as { daysDone: number }).daysDone).to.equal(2);
    } finally {
      await server.stop();
    }
  });

  it("answers 503 with the reason when the replay state cannot be read", async () => {
    const server = await startAgentServer(options({ replay: async () => Promise.reject(new Error("gone\nstack")) }));
    try {
      const r = await fetch(server.url + "/api/replay");
      expect(r.status).to.equal(503);
      expect(((await r.json()) as { error: string }).error).to.equal("replay unavailable: gone");
    } finally {
      await server.stop();
    }
  });

  it("is 404 naming the routes when the server runs without a replay", async () => {
    const server = await startAgentServer(options());
    try {
      const r = await fetch(server.url + "/api/replay");
      expect(r.status).to.equal(404);
      expect(((await r.json()) as { error: string }).error).to.match(/^no route GET \/api\/replay; routes: .*\/api\/replay/);
    } finally {
      await server.stop();
    }
  });
});
