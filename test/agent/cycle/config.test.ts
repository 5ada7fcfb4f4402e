// The agent's runtime configuration (env + JSON file, one zod schema), key loading (env, keystore)
// and the logger's secret scrubbing.
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import type { Hex } from "viem";
import { loadAgentConfig, loadKey, encryptKeystore } from "../../../agent/src/config";
import { createLogger } from "../../../agent/src/log";
import { userErrorOf } from "../helpers/edges";

const KEY = "0x4bbbf85ce3377467afe5d46f804f221813b2bb87f24d81f60f1fcdbf7cbf4356" as Hex; // account #7 of the public test mnemonic
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), "agent-config-"));


describe("agent/config: runtime configuration", () => {
  it("fills defaults and reads the environment", () => {
    const c = loadAgentConfig({ env: { RPC_URL: "http://127.0.0.1:9999", AGENT_SLIPPAGE_BPS: "30", LOG_LEVEL: "debug" } });
    expect(c.rpcUrl).to.equal("http://127.0.0.1:9999");
    expect(c.slippageBps).to.equal(30);
    expect(c.logLevel).to.equal("debug");
    expect(c.deploymentsFile).to.equal("deployments/local.json");
    expect(c.keys.agent).to.deep.equal({ env: "AGENT_PRIVATE_KEY" });
    expect(c.databaseUrl).to.equal(undefined);
    expect(c.schedule.intervalSeconds).to.equal(86_400);
  });

  it("a JSON file under the environment; env wins", () => {
    const dir = tmp();
    const file = path.join(dir, "agent.json");
    fs.writeFileSync(file, JSON.stringify({ rpcUrl: "http://file:1", slippageBps: 80, txService: { url: "http://127.0.0.1:1/api" }, keys: { agent: { keystore: "k.json", passwordEnv: "PW" } } }));
    const c = loadAgentConfig({ env: { AGENT_CONFIG: file, AGENT_SLIPPAGE_BPS: "20" } });
    expect(c.rpcUrl).to.equal("http://file:1");
    expect(c.slippageBps).to.equal(20);
    expect(c.txService.url).to.equal("http://127.0.0.1:1/api");
    expect(c.keys.agent).to.deep.equal({ keystore: "k.json", passwordEnv: "PW" });
    expect(c.keys.guardian).to.deep.equal({ env: "GUARDIAN_PRIVATE_KEY" });
  });

  it("errors name the field, where it came from, and the fix", () => {
    expect(userErrorOf(() => loadAgentConfig({ env: {} }))).to.match(/^config rpcUrl \(env RPC_URL\): .*; set RPC_URL to your node's JSON-RPC URL/);
    expect(userErrorOf(() => loadAgentConfig({ env: { RPC_URL: "http://x:1", AGENT_SLIPPAGE_BPS: "5000" } }))).to.match(/config slippageBps \(env AGENT_SLIPPAGE_BPS\): .*; set AGENT_SLIPPAGE_BPS to an integer from 0 to 1000/);
    expect(userErrorOf(() => loadAgentConfig({ env: { RPC_URL: "http://x:1", SAFE_ADDRESS: "0x1234" } }))).to.match(/config safe \(env SAFE_ADDRESS\): not a 20-byte hex address/);
    expect(userErrorOf(() => loadAgentConfig({ env: { RPC_URL: "http://x:1", DATABASE_URL: "mysql://x" } }))).to.match(/config databaseUrl \(env DATABASE_URL\): a postgres:\/\/ .*; set DATABASE_URL=postgres:/);
    expect(userErrorOf(() => loadAgentConfig({ env: { RPC_URL: "http://x:1", AGENT_MAX_VAR: "5" } }))).to.match(/config risk\.maxVar1d \(env AGENT_MAX_VAR\): .*; set AGENT_MAX_VAR/);
    expect(loadAgentConfig({ env: { RPC_URL: "http://x:1", AGENT_MAX_VAR: "0.03", AGENT_MAX_DRAWDOWN: "0.2" } }).risk).to.deep.equal({ maxVar1d: 0.03, maxDrawdown: 0.2, varLookbackDays: 365 });
    expect(loadAgentConfig({ env: { RPC_URL: "http://x:1" } }).leverage).to.deep.equal({ hfMargin: 0.25 });
    expect(loadAgentConfig({ env: { RPC_URL: "http://x:1", AGENT_LEVERAGE_HF_MARGIN: "0.5" } }).leverage).to.deep.equal({ hfMargin: 0.5 });
    expect(userErrorOf(() => loadAgentConfig({ env: { RPC_URL: "http://x:1", AGENT_LEVERAGE_HF_MARGIN: "-1" } }))).to.match(/config leverage\.hfMargin \(env AGENT_LEVERAGE_HF_MARGIN\): .*; set AGENT_LEVERAGE_HF_MARGIN/);
    const dir = tmp();
    const file = path.join(dir, "bad.json");
    fs.writeFileSync(file, JSON.stringify({ rpcUrl: "http://x:1", slipageBps: 3 }));
    expect(userErrorOf(() => loadAgentConfig({ env: {}, file }))).to.match(/config \(root\) \(file .*bad\.json\): .*slipageBps.*; remove slipageBps/);
    fs.writeFileSync(file, "{");
    expect(userErrorOf(() => loadAgentConfig({ env: {}, file }))).to.match(/not valid JSON/);
  });
});

describe("agent/config: keys", () => {
  it("from env: checked, never echoed in errors", async () => {
    const k = await loadKey("agent", { env: "K" }, { K: KEY });
    expect(k.address).to.equal("0x14dC79964da2C08b23698B3D3cc7Ca32193d9955");
    expect(k.key).to.equal(KEY);
    const bad = "0x" + "zz".repeat(32);
    const msg = await loadKey("agent", { env: "K" }, { K: bad }).then(() => "", (e: Error) => e.message);
    expect(msg).to.match(/K is not a 32-byte hex private key/);
    expect(msg).not.to.include(bad);
    expect(await loadKey("agent", { env: "K" }, {}).then(() => "", (e: Error) => e.message)).to.match(/K is not set/);
  });

  it("from an encrypted keystore JSON; a wrong password is a clear error", async function () {
    this.timeout(60_000);
    const dir = tmp();
    const file = path.join(dir, "agent.json");
    fs.writeFileSync(file, await encryptKeystore(KEY, "correct horse", 1024));
    const k = await loadKey("agent", { keystore: file, passwordEnv: "PW" }, { PW: "correct horse" });
    expect(k.key).to.equal(KEY);
    expect(k.source).to.equal(`keystore ${file}`);
    const msg = await loadKey("agent", { keystore: file, passwordEnv: "PW" }, { PW: "wrong" }).then(() => "", (e: Error) => e.message);
    expect(msg).to.match(/could not be decrypted \(wrong password in PW/);
  });

  it("a loaded key never appears in a log line, wherever it is put", async () => {
    await loadKey("agent", { env: "K" }, { K: KEY });
    let out = "";
    const sink = new Writable({ write: (c, _e, cb) => ((out += c.toString()), cb()) });
    const log = createLogger("debug", sink);
    log.info({ key: KEY, cfg: { privateKey: KEY }, note: `the key is ${KEY}`, bare: KEY.slice(2).toUpperCase() }, `message with ${KEY}`);
    log.error(new Error(`signer ${KEY} failed`));
    log.debug({ nested: { deeper: { value: [KEY] } } }, "deep");
    await new Promise((r) => setImmediate(r));
    expect(out.split("\n").filter(Boolean)).to.have.length(3);
    expect(out.toLowerCase()).not.to.include(KEY.slice(2).toLowerCase());
    expect(out).to.include("[REDACTED]");
  });
});
