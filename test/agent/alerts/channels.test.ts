// The alert channels against local servers that answer like the real ones: Telegram's Bot API
// (success, 400 chat not found, 401, 429 retry_after, 5xx, no answer), a Standard Webhooks receiver
// that verifies every signature, and an SMTP server receiving the mail.
import { expect } from "chai";
import { randomBytes } from "node:crypto";
import { emailChannel, telegramChannel, webhookChannel, type Alert } from "../../../agent/src/alerts";
import { startSmtpServer, startTelegramStub, startWebhookReceiver, header, part, type SmtpStub, type TelegramStub, type WebhookReceiver } from "../../../scripts/standins/alertServers";
import { deadPort } from "../helpers/edges";

const TOKEN = "7012345678:AAF-test_token-XYZabcdefghijklmnopqrs";
const CHAT = "-1001234567890";


/** Records the waits the retry loop asks for instead of waiting. */
const sleeps = () => {
  const waited: number[] = [];
  return { waited, sleep: async (ms: number) => void waited.push(ms) };
};

const alert = (over: Partial<Alert> = {}): Alert => ({
  kind: "cycle.failed",
  severity: "critical",
  title: "Cycle 2025-07-01 FAILED: nothing was sent",
  lines: ["execute: reverted: NavLoss(120, 100) <b>not bold</b> & \"quoted\""],
  fields: [["decision", "0x83b6aa"]],
  links: [["Proposal", "http://127.0.0.1:1/api/v2/multisig-transactions/0xab/?a=1&b=2"]],
  key: "cycle.failed:x",
  ...over,
});

describe("agent/alerts: Telegram channel against a local Bot API", () => {
  let tg: TelegramStub;
  beforeEach(async () => (tg = await startTelegramStub({ token: TOKEN, chats: [CHAT] })));
  afterEach(() => tg.close());
  const channel = (over: Partial<Parameters<typeof telegramChannel>[0]> = {}, s = sleeps()) =>
    telegramChannel({ chatId: CHAT, token: TOKEN, tokenEnv: "TELEGRAM_BOT_TOKEN", baseUrl: tg.origin, timeoutMs: 2_000, maxRetryAfterMs: 60_000, retry: { maxAttempts: 4, sleep: s.sleep }, ...over });

  it("POSTs /bot<token>/sendMessage with chat_id, escaped HTML, parse_mode and no link preview", async () => {
    await channel().send(alert());
    expect(tg.requests).to.have.length(1);
    const { path, body } = tg.requests[0];
    expect(path).to.equal(`/bot${TOKEN}/sendMessage`);
    expect(Object.keys(body).sort()).to.deep.equal(["chat_id", "link_preview_options", "parse_mode", "text"]);
    expect(body.chat_id).to.equal(CHAT);
    expect(body.parse_mode).to.equal("HTML");
    expect(body.link_preview_options).to.deep.equal({ is_disabled: true });
    const text = tg.delivered[0].text;
    expect(text).to.match(/^<b>🚨 Cycle 2025-07-01 FAILED: nothing was sent<\/b>/);
    expect(text).to.include("NavLoss(120, 100) &lt;b&gt;not bold&lt;/b&gt; &amp; &quot;quoted&quot;");
    expect(text).to.include('<a href="http://127.0.0.1:1/api/v2/multisig-transactions/0xab/?a=1&amp;b=2">Proposal</a>');
    expect(text).to.include("<b>decision</b>: <code>0x83b6aa</code>");
  });

  it("cuts a long message to 4096 characters without breaking an entity, a tag or an emoji", async () => {
    const long = "&<>🚀".repeat(2_000); // escapes to 9 000+ characters
    await channel().send(alert({ lines: [long] }));
    const text = tg.delivered[0].text; // the stub refused unbalanced tags or stray & < >
    expect(text.length).to.be.at.most(4096);
    expect(text.length).to.be.greaterThan(3_900);
    expect(text).to.include("<b>decision</b>: <code>0x83b6aa</code>");
    expect(text).to.include(" […]");
    expect(text).not.to.match(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])/); // no lone high surrogate
  });

  it("400 chat not found: not retried, says what to fix", async () => {
    const err = await channel({ chatId: "-100999" }).send(alert()).catch((e: Error) => e);
    expect(tg.requests).to.have.length(1);
    expect((err as Error).message).to.match(/^telegram: 400 Bad Request: chat not found; check alerts\.telegram\.chatId \(TELEGRAM_CHAT_ID=-100999\) and that the bot is a member/);
  });

  it("401 (bad token): not retried, names the env variable, never the token or the URL", async () => {
    const s = sleeps();
    const err = (await channel({ token: "123456:wrong-token-abcdefghijkl" }, s).send(alert()).catch((e: Error) => e)) as Error;
    expect(tg.requests).to.have.length(1);
    expect(s.waited).to.deep.equal([]);
    expect(err.message).to.equal("telegram: 401 Unauthorized; the bot token in TELEGRAM_BOT_TOKEN is wrong or revoked; copy it again from @BotFather");
  });

  it("429 waits the retry_after Telegram gives, then sends", async () => {
    tg.faults.push({ status: 429, description: "Too Many Requests: retry after 3", retryAfter: 3 });
    const s = sleeps();
    await channel({}, s).send(alert());
    expect(tg.requests).to.have.length(2);
    expect(s.waited).to.deep.equal([3_000]);
    expect(tg.delivered).to.have.length(1);
  });

  it("429 asking for longer than alerts.maxRetryAfterSeconds gives up at once", async () => {
    tg.faults.push({ status: 429, description: "Too Many Requests: retry after 120", retryAfter: 120 });
    const s = sleeps();
    const err = (await channel({}, s).send(alert()).catch((e: Error) => e)) as Error;
    expect(tg.requests).to.have.length(1);
    expect(s.waited).to.deep.equal([]);
    expect(err.message).to.match(/asked to wait 120 s, more than alerts\.maxRetryAfterSeconds \(60 s\); not retried/);
  });

  it("5xx is retried with exponential backoff; after maxAttempts it gives up", async () => {
    tg.faults.push({ status: 502, description: "Bad Gateway" }, { status: 500, description: "Internal Server Error" });
    const s = sleeps();
    await channel({}, s).send(alert());
    expect(tg.requests).to.have.length(3);
    expect(s.waited).to.deep.equal([500, 1_000]);
    expect(tg.delivered).to.have.length(1);

    tg.faults.push(...Array.from({ length: 4 }, () => ({ status: 503, description: "Service Unavailable" })));
    const err = (await channel().send(alert()).catch((e: Error) => e)) as Error;
    expect(err.message).to.equal("telegram: Service Unavailable (gave up after 4 attempts)");
    expect(tg.requests).to.have.length(7);
  });

  it("no answer within timeoutMs is retried; an unreachable API is a network error without the URL", async () => {
    // The timeout must cover a normal answer on a loaded machine (the retry's); only the hang hits it.
    tg.faults.push("hang");
    await channel({ timeoutMs: 2_000 }).send(alert());
    expect(tg.requests).to.have.length(2);
    expect(tg.delivered).to.have.length(1);
    tg.faults.push("hang");
    const late = (await channel({ timeoutMs: 2_000, retry: { maxAttempts: 1 } }).send(alert()).catch((e: Error) => e)) as Error;
    expect(late.message).to.equal("telegram: no answer within 2000 ms");

    const err = (await channel({ baseUrl: `http://127.0.0.1:${await deadPort()}`, retry: { maxAttempts: 2, sleep: async () => undefined } }).send(alert()).catch((e: Error) => e)) as Error;
    expect(err.message).to.equal("telegram: network error (ECONNREFUSED) (gave up after 2 attempts)");
  });

  it("an unset token env variable fails without a request, naming it", async () => {
    const err = (await channel({ token: undefined, tokenEnv: "MY_TG_TOKEN" }).send(alert()).catch((e: Error) => e)) as Error;
    expect(err.message).to.equal("telegram: MY_TG_TOKEN is not set; set it to the bot token from @BotFather");
    expect(tg.requests).to.have.length(0);
  });
});

describe("agent/alerts: webhook channel against a verifying receiver", () => {
  const SECRET = `whsec_${randomBytes(24).toString("base64")}`;
  let rx: WebhookReceiver;
  beforeEach(async () => (rx = await startWebhookReceiver(SECRET)));
  afterEach(() => rx.close());
  const channel = (over: Partial<Parameters<typeof webhookChannel>[0]> = {}, s = sleeps()) =>
    webhookChannel({ url: `${rx.origin}/hooks/treasury`, secret: SECRET, secretEnv: "ALERT_WEBHOOK_SECRET", timeoutMs: 2_000, maxRetryAfterMs: 60_000, retry: { maxAttempts: 4, sleep: s.sleep }, ...over });

  it("POSTs {type, id, timestamp, data} signed with Standard Webhooks; the receiver verifies it", async () => {
    await channel().send(alert({ kind: "proposal.created", data: { safeTxHash: "0xabc" } }));
    expect(rx.received).to.have.length(1);
    const r = rx.received[0];
    expect(r.verified, r.error).to.equal(true);
    expect(r.headers["content-type"]).to.equal("application/json");
    const body = JSON.parse(r.body);
    expect(Object.keys(body)).to.deep.equal(["type", "id", "timestamp", "data"]);
    expect(body.type).to.equal("proposal.created");
    expect(body.id).to.match(/^evt_[0-9a-f]{24}$/);
    expect(body.id).to.equal(r.headers["webhook-id"]);
    expect(body.timestamp).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(r.headers["webhook-signature"]).to.match(/^v1,[A-Za-z0-9+/]+=*$/);
    expect(body.data).to.include({ kind: "proposal.created", severity: "critical", safeTxHash: "0xabc", key: "cycle.failed:x" });
    expect(body.data.fields).to.deep.equal({ decision: "0x83b6aa" });
  });

  it("503 and 429 are retried with the same webhook-id, each attempt signed and verified", async () => {
    rx.statuses.push(503, 429);
    const s = sleeps();
    await channel({}, s).send(alert());
    expect(rx.received).to.have.length(3);
    expect(rx.received.every((r) => r.verified)).to.equal(true);
    expect(new Set(rx.received.map((r) => r.headers["webhook-id"])).size).to.equal(1);
    expect(new Set(rx.received.map((r) => r.body)).size).to.equal(1);
    expect(s.waited).to.deep.equal([500, 1_000]);
  });

  it("other 4xx are not retried; a wrong secret fails at the receiver's check", async () => {
    rx.statuses.push(410);
    let err = (await channel().send(alert()).catch((e: Error) => e)) as Error;
    expect(err.message).to.match(/^webhook: HTTP 410 busy; the receiver refused the alert/);
    expect(rx.received).to.have.length(1);

    const other = `whsec_${randomBytes(24).toString("base64")}`;
    err = (await channel({ secret: other }).send(alert()).catch((e: Error) => e)) as Error;
    expect(rx.received).to.have.length(2);
    expect(rx.received[1].verified).to.equal(false);
    expect(err.message).to.match(/^webhook: HTTP 401 invalid signature; .*ALERT_WEBHOOK_SECRET/);
  });

  it("an unset or malformed secret fails without a request, naming the env variable", async () => {
    let err = (await channel({ secret: undefined }).send(alert()).catch((e: Error) => e)) as Error;
    expect(err.message).to.equal("webhook: ALERT_WEBHOOK_SECRET is not set; set it to the whsec_… secret the receiver verifies with");
    err = (await channel({ secret: "whsec_###not-base64###" }).send(alert()).catch((e: Error) => e)) as Error;
    expect(err.message).to.match(/ALERT_WEBHOOK_SECRET is not a Standard Webhooks secret/);
    expect(rx.received).to.have.length(0);
  });
});

describe("agent/alerts: e-mail channel against an in-process SMTP server", () => {
  let smtp: SmtpStub;
  before(async () => (smtp = await startSmtpServer({ user: "bot", pass: "s3cret-pass" })));
  after(() => smtp.close());
  const channel = (over: Partial<Parameters<typeof emailChannel>[0]> = {}) =>
    emailChannel({ host: "127.0.0.1", port: smtp.port, secure: false, user: "bot", password: "s3cret-pass", passwordEnv: "SMTP_PASSWORD", from: "Treasury Bot <bot@example.org>", to: ["signer1@example.org", "signer2@example.org"], timeoutMs: 5_000, retry: { maxAttempts: 3, sleep: async () => undefined }, ...over });

  it("logs in and delivers to every recipient: subject, text and escaped HTML", async () => {
    const before = smtp.mails.length;
    await channel().send(alert());
    expect(smtp.mails).to.have.length(before + 1);
    const m = smtp.mails[smtp.mails.length - 1];
    expect(m.from).to.equal("bot@example.org");
    expect(m.to).to.deep.equal(["signer1@example.org", "signer2@example.org"]);
    expect(header(m.raw, "Subject")).to.equal("[treasury] CRITICAL Cycle 2025-07-01 FAILED: nothing was sent");
    expect(header(m.raw, "To")).to.equal("signer1@example.org, signer2@example.org");
    const text = part(m.raw, "text/plain")!;
    expect(text).to.include('execute: reverted: NavLoss(120, 100) <b>not bold</b> & "quoted"');
    expect(text).to.include("decision: 0x83b6aa");
    const html = part(m.raw, "text/html")!;
    expect(html).to.include("&lt;b&gt;not bold&lt;/b&gt; &amp; &quot;quoted&quot;");
  });

  it("a wrong password is not retried and names the env variable", async () => {
    const before = smtp.mails.length;
    const err = (await channel({ password: "wrong" }).send(alert()).catch((e: Error) => e)) as Error;
    expect(err.message).to.match(/^email: Invalid login: 535 .*; check alerts\.email\.user and SMTP_PASSWORD$/);
    expect(err.message).not.to.include("wrong");
    expect(smtp.mails).to.have.length(before);
  });

  it("an unreachable server is retried, then reported", async () => {
    const err = (await channel({ port: await deadPort() }).send(alert()).catch((e: Error) => e)) as Error;
    expect(err.message).to.match(/^email: .*ECONNREFUSED.* \(gave up after 3 attempts\)$/);
  });
});
