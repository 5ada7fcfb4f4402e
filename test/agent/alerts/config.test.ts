// The alerts section of the agent's configuration: off by default, turned on by a JSON section or
// by env variables, and every mistake named with its field, where it came from and the fix.
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadAgentConfig } from "../../../agent/src/config";
import { userErrorOf } from "../helpers/edges";

const RPC = { RPC_URL: "http://127.0.0.1:8545" };

describe("agent/config: alerts", () => {
  it("every channel is off by default; dedup window 6 h", () => {
    const a = loadAgentConfig({ env: RPC }).alerts;
    expect(a).to.deep.equal({ dedupSeconds: 21_600, executed: false, recovered: true, timeoutMs: 10_000, maxAttempts: 4, maxRetryAfterSeconds: 60 });
  });

  it("env variables turn channels on, with the secrets' env names defaulted", () => {
    const a = loadAgentConfig({
      env: { ...RPC, TELEGRAM_CHAT_ID: "-1001234567890", SMTP_HOST: "smtp.example.org", SMTP_PORT: "465", SMTP_USER: "bot", ALERT_EMAIL_FROM: "Treasury <bot@example.org>", ALERT_EMAIL_TO: "a@example.org, b@example.org", ALERT_WEBHOOK_URL: "https://hooks.example.org/t", ALERT_DEDUP_SECONDS: "600" },
    }).alerts;
    expect(a.dedupSeconds).to.equal(600);
    expect(a.telegram).to.deep.equal({ chatId: "-1001234567890", tokenEnv: "TELEGRAM_BOT_TOKEN", baseUrl: "https://api.telegram.org" });
    expect(a.email).to.deep.equal({ host: "smtp.example.org", port: 465, user: "bot", passwordEnv: "SMTP_PASSWORD", from: "Treasury <bot@example.org>", to: ["a@example.org", "b@example.org"] });
    expect(a.webhook).to.deep.equal({ url: "https://hooks.example.org/t", secretEnv: "ALERT_WEBHOOK_SECRET" });
  });

  it("a JSON file section, env wins", () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "alerts-config-")), "agent.json");
    fs.writeFileSync(file, JSON.stringify({ rpcUrl: "http://x:1", alerts: { executed: true, telegram: { chatId: "@treasury_ops", tokenEnv: "MY_TG" } } }));
    const a = loadAgentConfig({ env: { TELEGRAM_CHAT_ID: "-100777" }, file }).alerts;
    expect(a.executed).to.equal(true);
    expect(a.telegram).to.deep.equal({ chatId: "-100777", tokenEnv: "MY_TG", baseUrl: "https://api.telegram.org" });
  });

  it("mistakes name the field, the env variable and the fix", () => {
    expect(userErrorOf(() => loadAgentConfig({ env: { ...RPC, TELEGRAM_CHAT_ID: "treasury" } }))).to.match(/^config alerts\.telegram\.chatId \(env TELEGRAM_CHAT_ID\): a numeric chat id or @channelusername; set TELEGRAM_CHAT_ID to the chat's numeric id/);
    expect(userErrorOf(() => loadAgentConfig({ env: { ...RPC, SMTP_HOST: "smtp.example.org", ALERT_EMAIL_FROM: "bot@example.org", ALERT_EMAIL_TO: "ops@example.org, not-an-address" } }))).to.match(/^config alerts\.email\.to\.1 \(env ALERT_EMAIL_TO\): not an e-mail address; set ALERT_EMAIL_TO to one or more comma-separated addresses$/);
    expect(userErrorOf(() => loadAgentConfig({ env: { ...RPC, ALERT_EMAIL_TO: "ops@example.org" } }))).to.match(/config alerts\.email\.host \(env SMTP_HOST\): .*; set SMTP_HOST/);
    expect(userErrorOf(() => loadAgentConfig({ env: { ...RPC, ALERT_WEBHOOK_URL: "hooks.example.org" } }))).to.match(/^config alerts\.webhook\.url \(env ALERT_WEBHOOK_URL\): not a URL/);
    expect(userErrorOf(() => loadAgentConfig({ env: RPC, overrides: { "alerts.telegram.chatid": 1 } }))).to.equal(
      "config alerts.telegram.chatId (env TELEGRAM_CHAT_ID): a numeric chat id or @channelusername; set TELEGRAM_CHAT_ID to the chat's numeric id (groups: -100…) or @channelusername\n" +
        'config alerts.telegram: Unrecognized key: "chatid"; remove chatid',
    );
  });
});
