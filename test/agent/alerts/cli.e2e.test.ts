// The alerts wired into the `treasury` verbs on the local world: emergency-exit alerts with its
// transaction, the cycles after it are held (the agent is paused) and alert once (deduplicated in
// the journal across separate CLI runs), a dry run never alerts, and a Telegram that refuses
// changes neither the output nor the exit code.
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { privateKeyToAccount } from "viem/accounts";
import { runTreasury } from "../../helpers/treasuryCli";
import { startLocalChain, testKey, type LocalChain } from "../../../scripts/world/childChain";
import { startTelegramStub, startWebhookReceiver, type TelegramStub, type WebhookReceiver } from "../../../scripts/standins/alertServers";

const TOKEN = "7012345678:AAE-cli-e2e-token_abcdefghijklmnop";
const CHAT = "-1001234567890";
const SECRET = `whsec_${randomBytes(24).toString("base64")}`;

describe("agent/alerts: the treasury verbs alert (local world)", function () {
  this.timeout(600_000);
  let chain: LocalChain;
  let tg: TelegramStub;
  let rx: WebhookReceiver;
  let env: Record<string, string>;
  const cli = (...args: string[]) => runTreasury(env, ...args);

  before(async () => {
    chain = await startLocalChain("alerts-cli");
    tg = await startTelegramStub({ token: TOKEN, chats: [CHAT] });
    rx = await startWebhookReceiver(SECRET);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "alerts-cli-"));
    const depFile = path.join(dir, "deployment.json");
    fs.writeFileSync(depFile, JSON.stringify(chain.deployment));
    env = {
      RPC_URL: chain.rpcUrl,
      DEPLOYMENTS_FILE: depFile,
      AGENT_DATA_DIR: path.join(dir, "agent"), // one journal across the CLI runs, as on a server
      AGENT_PRIVATE_KEY: testKey(4),
      GUARDIAN_PRIVATE_KEY: testKey(7),
      LOG_LEVEL: "silent",
      TELEGRAM_CHAT_ID: CHAT,
      TELEGRAM_API_URL: tg.origin,
      TELEGRAM_BOT_TOKEN: TOKEN,
      ALERT_WEBHOOK_URL: `${rx.origin}/hook`,
      ALERT_WEBHOOK_SECRET: SECRET,
    };
  });
  after(async () => {
    await tg?.close();
    await rx?.close();
    await chain?.stop();
  });

  it("emergency-exit: a critical alert with the guardian and the transaction", async () => {
    const r = await cli("emergency-exit", "--json");
    expect(r.code, r.err).to.equal(0);
    const x = JSON.parse(r.out);
    expect(tg.delivered).to.have.length(1);
    expect(tg.delivered[0].text).to.match(/^<b>🚨 Emergency exit executed: the agent is paused<\/b>/);
    expect(tg.delivered[0].text).to.include(`<b>transaction</b>: <code>${x.txHash}</code>`);
    expect(tg.delivered[0].text).to.include(privateKeyToAccount(testKey(7)).address);
    const hook = rx.received[0];
    expect(hook.verified, hook.error).to.equal(true);
    expect(JSON.parse(hook.body).data).to.include({ kind: "emergency.exit", txHash: x.txHash });
  });

  it("a dry run sends no alert", async () => {
    const r = await cli("once", "--dry-run", "--date", "2024-02-05", "--json");
    expect(r.code, r.err).to.equal(0);
    expect(JSON.parse(r.out)).to.include({ status: "skipped", held: "paused" });
    expect(tg.delivered).to.have.length(1);
  });

  it("once while paused: held and alerted; the same hold from the next run is held back (journal dedup)", async () => {
    const r1 = await cli("once", "--date", "2024-02-05", "--json");
    expect(r1.code, r1.err).to.equal(0);
    expect(JSON.parse(r1.out)).to.include({ status: "skipped", held: "paused" });
    expect(tg.delivered).to.have.length(2);
    expect(tg.delivered[1].text).to.match(/^<b>⚠️ Cycle 2024-02-05 held: the agent is paused by a guardian<\/b>/);

    const r2 = await cli("once", "--date", "2024-02-06", "--json");
    expect(JSON.parse(r2.out)).to.include({ status: "skipped", held: "paused" });
    expect(tg.delivered).to.have.length(2);
    expect(rx.received).to.have.length(2);
  });

  it("a refusing Telegram changes neither the cycle's output nor its exit code; the webhook still gets it", async () => {
    const r = await runTreasury({ ...env, TELEGRAM_CHAT_ID: "-100404", ALERT_DEDUP_SECONDS: "0" }, "once", "--date", "2024-02-07", "--json");
    expect(r.code, r.err).to.equal(0);
    expect(process.exitCode ?? 0).to.equal(0);
    expect(r.err).to.equal("");
    expect(JSON.parse(r.out)).to.include({ status: "skipped", held: "paused" });
    expect(tg.requests[tg.requests.length - 1].body.chat_id).to.equal("-100404");
    expect(rx.received).to.have.length(3);
    expect(rx.received[2].verified).to.equal(true);
  });
});
