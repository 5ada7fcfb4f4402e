// The server section of the agent's configuration: defaults, env overrides, and errors that name
// the field, the env variable and the fix.
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadAgentConfig } from "../../../agent/src/config";
import { userErrorOf } from "../helpers/edges";

const RPC = { RPC_URL: "http://127.0.0.1:9999" };


describe("agent/server: configuration", () => {
  it("off by default, loopback, port 9464, 300 s slack, 3 failed cycles, no token, 300 requests a minute", () => {
    expect(loadAgentConfig({ env: RPC }).server).to.deep.equal({ enabled: false, host: "127.0.0.1", port: 9464, healthSlackSeconds: 300, maxFailedCycles: 3, rateLimit: { windowSeconds: 60, max: 300 } });
  });

  it("AGENT_SERVER_ENABLED / _HOST / _PORT; 0 is a free port; a file sets the rest", () => {
    for (const [v, want] of [["true", true], ["1", true], ["YES", true], ["false", false], ["0", false], ["no", false]] as const)
      expect(loadAgentConfig({ env: { ...RPC, AGENT_SERVER_ENABLED: v } }).server.enabled, v).to.equal(want);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "agent-server-config-")), "agent.json");
    fs.writeFileSync(file, JSON.stringify({ server: { enabled: true, port: 8000, healthSlackSeconds: 60, maxFailedCycles: 1 } }));
    const c = loadAgentConfig({ env: { ...RPC, AGENT_CONFIG: file, AGENT_SERVER_HOST: "::1", AGENT_SERVER_PORT: "0" } });
    expect(c.server).to.deep.equal({ enabled: true, host: "::1", port: 0, healthSlackSeconds: 60, maxFailedCycles: 1, rateLimit: { windowSeconds: 60, max: 300 } });
  });

  it("bad values name the env variable and the fix", () => {
    expect(userErrorOf(() => loadAgentConfig({ env: { ...RPC, AGENT_SERVER_ENABLED: "maybe" } }))).to.match(/^config server\.enabled \(env AGENT_SERVER_ENABLED\): .*; set AGENT_SERVER_ENABLED to true or false$/);
    for (const port of ["70000", "-1", "80.5", "http"])
      expect(userErrorOf(() => loadAgentConfig({ env: { ...RPC, AGENT_SERVER_PORT: port } })), port).to.match(/^config server\.port \(env AGENT_SERVER_PORT\): .*; set AGENT_SERVER_PORT to an integer from 0 to 65535 \(0: a free port chosen by the OS\)$/);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "agent-server-config-")), "agent.json");
    fs.writeFileSync(file, JSON.stringify({ server: { enabled: true, prot: 1 } }));
    expect(userErrorOf(() => loadAgentConfig({ env: { ...RPC, AGENT_CONFIG: file } }))).to.match(/^config server \(file .*agent\.json\): .*prot.*; remove prot$/);
  });
});
