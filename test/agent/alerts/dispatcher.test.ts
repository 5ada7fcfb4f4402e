// The alert dispatcher and the cycle's alerts: every channel on its own (one down does not stop the
// others), deduplication remembered in the journal's database across a restart, a "recovered"
// alert after a success, nothing thrown into the caller, and the bot token never in a log line.
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Writable } from "node:stream";
import { randomBytes } from "node:crypto";
import { AlertDispatcher, AlertLog, alertChannels, alertsFrom, cycleAlert, telegramChannel, type Alert, type Channel } from "../../../agent/src/alerts";
import { AlertsConfigSchema } from "../../../agent/src/config/schema";
import { createLogger } from "../../../agent/src/log";
import { Journal } from "../../../agent/src/journal";
import { runCycle } from "../../../agent/src/cycle/once";
import type { CycleReport, CycleSteps, PortfolioLike } from "../../../agent/src/cycle/types";
import type { ExecContext } from "../../../agent/src/execute";
import { startSmtpServer, startTelegramStub, startWebhookReceiver, header, type SmtpStub, type TelegramStub, type WebhookReceiver } from "../../../scripts/standins/alertServers";
import { deadPort } from "../helpers/edges";

const TOKEN = "7012345678:AAH-dispatch-token_0123456789abcdef";
const CHAT = "-1001234567890";
const SAFE = "0x399c61b017A871181d8B6C418c93a8bB361E3Db8";
const SECRET = `whsec_${randomBytes(24).toString("base64")}`;


type Logger = ReturnType<typeof createLogger>;
const silent = () => createLogger("silent");

/** What the alert code logs, exactly as it passes it (no redaction, no scrub: a token would show). */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const at = (level: string) => (o: object, msg?: string) => void lines.push({ level, ...o, msg });
  const log = { info: at("info"), warn: at("warn"), error: at("error"), debug: at("debug") } as unknown as Logger;
  return { log, text: () => JSON.stringify(lines), lines: () => lines };
}

/** The agent's logger (redaction and secret scrub) writing to a string. */
function scrubbedLog() {
  let out = "";
  const sink = new Writable({ write: (c, _e, cb) => ((out += c.toString()), cb()) });
  return { log: createLogger("info", sink), text: () => out };
}
const flush = () => new Promise((r) => setImmediate(r));

const report = (over: Partial<CycleReport> = {}): CycleReport => ({ date: "2025-07-01", cycleKey: `31337:${SAFE}:2025-07-01`, status: "failed", reason: "execute: reverted: NavLoss(120, 100)", reconciled: [], stepsMs: {}, totalMs: 1, ...over });

describe("agent/alerts: dispatcher, dedup in the journal, cycle alerts", function () {
  this.timeout(120_000);
  let tg: TelegramStub;
  let rx: WebhookReceiver;
  let smtp: SmtpStub;
  let dir: string;
  /** One in-memory journal for the tests that do not restart (opening PGlite takes seconds). */
  let journal: Journal;
  before(async () => {
    journal = await Journal.open({ dataDir: "memory://" });
    tg = await startTelegramStub({ token: TOKEN, chats: [CHAT] });
    rx = await startWebhookReceiver(SECRET);
    smtp = await startSmtpServer();
  });
  after(async () => {
    await tg.close();
    await rx.close();
    await smtp.close();
    await journal.close();
  });
  beforeEach(async () => {
    await journal.db.execute("DELETE FROM alerts_sent");
    tg.requests.length = tg.delivered.length = tg.faults.length = 0;
    rx.received.length = rx.statuses.length = 0;
    smtp.mails.length = 0;
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "agent-alerts-"));
  });

  const env = { TELEGRAM_BOT_TOKEN: TOKEN, ALERT_WEBHOOK_SECRET: SECRET };
  const cfg = (over: Record<string, unknown> = {}) =>
    AlertsConfigSchema.parse({
      maxAttempts: 2,
      telegram: { chatId: CHAT, baseUrl: tg.origin },
      webhook: { url: `${rx.origin}/hook` },
      email: { host: "127.0.0.1", port: smtp.port, secure: false, from: "bot@example.org", to: "ops@example.org, cfo@example.org" },
      ...over,
    });

  it("every configured channel gets the alert; one channel down does not stop the others, and nothing is thrown", async () => {
    const log = capture();
    const down: Channel = { name: "broken", send: async () => Promise.reject(new Error("exploded")) };
    const channels = [down, ...alertChannels(cfg({ telegram: { chatId: "-100404", baseUrl: tg.origin } }), { env, sleep: async () => undefined })];
    const d = new AlertDispatcher({ channels, log: log.log, store: AlertLog.of(journal), dedupMs: 3_600_000 });
    const a: Alert = { kind: "cycle.failed", severity: "critical", title: "Cycle FAILED", lines: ["boom"], key: "k1" };
    const r = await d.send(a);
    expect(r.delivered.sort()).to.deep.equal(["email", "webhook"]);
    expect(r.failed.map((f) => f.channel).sort()).to.deep.equal(["broken", "telegram"]);
    expect(r.failed.find((f) => f.channel === "telegram")!.error).to.match(/chat not found; check alerts\.telegram\.chatId/);
    expect(rx.received).to.have.length(1);
    expect(smtp.mails[0].to).to.deep.equal(["ops@example.org", "cfo@example.org"]);
    await flush();
    const errors = log.lines().filter((l) => l.msg === "alert not delivered");
    expect(errors.map((l) => l.channel).sort()).to.deep.equal(["broken", "telegram"]);
    // delivered by two channels: remembered, so the repeat is held back
    expect((await d.send(a)).suppressed).to.equal(true);
    expect(rx.received).to.have.length(1);
  });

  it("deduplicates across a restart (journal reopened from its folder) until the window has passed", async () => {
    let now = new Date("2026-12-02T08:00:00Z");
    const open = async () => {
      const journal = await Journal.open({ dataDir: dir });
      return { journal, n: alertsFrom(cfg({ dedupSeconds: 6 * 3600, webhook: undefined, email: undefined }), { env, log: silent(), journal, now: () => now, sleep: async () => undefined }) };
    };
    let { journal: j, n } = await open();
    await n.cycle(report());
    await n.cycle(report({ reason: "execute: reverted: NavLoss(130, 100)" })); // same problem, other numbers
    expect(tg.delivered).to.have.length(1);
    await j.close();

    ({ journal: j, n } = await open()); // the agent restarts
    now = new Date("2026-12-02T13:59:00Z");
    const [r] = await n.cycle(report());
    expect(r.suppressed).to.equal(true);
    expect(tg.delivered).to.have.length(1);
    const row = await AlertLog.of(j).get(r.key!);
    expect(row).to.include({ kind: "cycle.failed", suppressed: 2 });

    now = new Date("2026-12-02T14:01:00Z"); // 6 h after the first send: a reminder goes out
    expect((await n.cycle(report()))[0].delivered).to.deep.equal(["telegram"]);
    expect(tg.delivered).to.have.length(2);
    await j.close();
  });

  it("a report (once: true) is sent once per key for good: the same date's daily summary after the window or with no window is held back; the next date's goes", async () => {
    let now = new Date("2026-12-02T08:00:00Z");
    const channels = alertChannels(cfg({ telegram: undefined, email: undefined }), { env, sleep: async () => undefined });
    const daily = (date: string): Alert => ({ kind: "report.daily", severity: "info", title: `Treasury daily summary ${date}`, lines: ["…"], key: `report.daily:31337:0xsafe:${date}`, once: true });
    const d = new AlertDispatcher({ channels, log: silent(), store: AlertLog.of(journal), dedupMs: 6 * 3_600_000, now: () => now });
    expect((await d.send(daily("2026-12-02"))).delivered).to.deep.equal(["webhook"]);
    now = new Date("2026-12-02T20:00:00Z"); // 12 h later, twice the window: a repeat without `once` would go out
    expect((await d.send(daily("2026-12-02"))).suppressed).to.equal(true);
    expect((await d.send({ ...daily("2026-12-02"), key: "other", once: undefined })).delivered).to.deep.equal(["webhook"]);
    expect((await d.send({ ...daily("2026-12-02"), key: "other", once: undefined })).suppressed).to.equal(true);
    now = new Date("2026-12-03T02:00:00Z");
    expect((await d.send({ ...daily("2026-12-02"), key: "other", once: undefined })).delivered, "a plain key after the window").to.deep.equal(["webhook"]);
    const noWindow = new AlertDispatcher({ channels, log: silent(), store: AlertLog.of(journal), dedupMs: 0, now: () => now });
    expect((await noWindow.send(daily("2026-12-02"))).suppressed, "alerts.dedupSeconds 0 turns the window off, not once").to.equal(true);
    expect((await noWindow.send(daily("2026-12-03"))).delivered).to.deep.equal(["webhook"]);
    expect(rx.received.map((r) => (JSON.parse(r.body) as { data: { key: string } }).data.key)).to.deep.equal(["report.daily:31337:0xsafe:2026-12-02", "other", "other", "report.daily:31337:0xsafe:2026-12-03"]);
  });

  it("an alert no channel delivered is not remembered: the next occurrence tries again", async () => {
    const n = alertsFrom(cfg({ webhook: undefined, email: undefined }), { env, log: silent(), journal, sleep: async () => undefined });
    tg.faults.push({ status: 500, description: "Internal Server Error" }, { status: 500, description: "Internal Server Error" });
    const [r1] = await n.cycle(report());
    expect(r1.delivered).to.deep.equal([]);
    expect(r1.failed[0].error).to.equal("telegram: Internal Server Error (gave up after 2 attempts)");
    const [r2] = await n.cycle(report());
    expect(r2.suppressed).to.equal(false);
    expect(r2.delivered).to.deep.equal(["telegram"]);
  });

  it("a proposal alert no channel took is sent at the next cycle (a proposal is made once: there is no next occurrence)", async () => {
    const n = alertsFrom(cfg({ webhook: undefined, email: undefined }), { env, log: silent(), journal, sleep: async () => undefined });
    tg.faults.push({ status: 502, description: "Bad Gateway" }, { status: 502, description: "Bad Gateway" });
    const safeTxHash = `0x${"5a".repeat(32)}` as const;
    const [r1] = await n.cycle(report({ status: "proposed", safeTxHash, reason: "above the autonomy limit" }));
    expect(r1.delivered).to.deep.equal([]);
    expect(tg.delivered).to.have.length(0);
    // The next cycle finds the day already proposed: no new alert of its own, the missed one goes out.
    const out = await n.cycle(report({ status: "already", safeTxHash, reason: "the decision for 2025-07-01 is already proposed" }));
    expect(out.map((r) => [r.kind, r.delivered])).to.deep.equal([["proposal.created", ["telegram"]]]);
    expect(tg.delivered).to.have.length(1);
    expect(tg.delivered[0].text).to.include(safeTxHash);
    expect(tg.delivered[0].text).to.match(/Delayed: no channel took this alert when it was raised at \d{4}-/);
    // Once delivered it is not sent again.
    expect(await n.cycle(report({ status: "already", safeTxHash }))).to.deep.equal([]);
    expect(tg.delivered).to.have.length(1);
  });

  it("a success after alerted failures sends one 'recovered' alert; the next failure alerts again at once", async () => {
    const n = alertsFrom(cfg({ webhook: undefined, email: undefined }), { env, log: silent(), journal });
    await n.cycle(report());
    await n.cycle(report({ status: "skipped", held: "paused", reason: "the agent is paused by a guardian: nothing is sent until the Safe unpauses it" }));
    await n.cycle(report()); // suppressed
    expect(tg.delivered).to.have.length(2);
    const ok = await n.cycle(report({ status: "skipped", reason: "no rebalance: none", date: "2025-07-02" }));
    expect(ok.map((r) => r.kind)).to.deep.equal(["recovered"]);
    expect(tg.delivered).to.have.length(3);
    expect(tg.delivered[2].text).to.match(/^<b>ℹ️ Recovered: cycle 2025-07-02 skipped<\/b>/);
    expect(tg.delivered[2].text).to.include("• Cycle 2025-07-01 FAILED: nothing was sent (repeated 1 more times)");
    expect(tg.delivered[2].text).to.include("• Cycle 2025-07-01 held: the agent is paused by a guardian");
    expect(await n.cycle(report({ status: "skipped", reason: "no rebalance: none" }))).to.deep.equal([]); // nothing open any more
    expect((await n.cycle(report()))[0].delivered).to.deep.equal(["telegram"]);
  });

  it("the AI reviewer down (overloaded, then a revoked key) is told once per outage while the rules decide, closed when it answers; a refused answer is not an outage", async () => {
    const n = alertsFrom(cfg({ webhook: undefined, email: undefined }), { env, log: silent(), journal });
    const proposed = (llm: string, date = "2025-07-01") => report({ status: "proposed", reason: "above the autonomy limit", safeTxHash: `0x${date.slice(-2).repeat(32)}`, date, verdict: { decision: "approve", decidedBy: "rules", llm, reasons: [] } });
    const kinds = async (r: CycleReport) => (await n.cycle(r)).filter((x) => !x.suppressed).map((x) => x.kind);
    expect(await kinds(proposed("failed (overloaded)"))).to.deep.equal(["proposal.created", "ai.reviewer"]);
    expect(tg.delivered[1].text).to.match(/AI reviewer unavailable \(overloaded\): the rules decided alone/);
    expect(await kinds(proposed("failed (overloaded)", "2025-07-02"))).to.deep.equal(["proposal.created"]); // held back while it lasts
    expect(await kinds(proposed("failed (low_confidence)", "2025-07-03"))).to.deep.equal(["proposal.created"]); // it answered: not an outage, not a recovery
    expect(await kinds(proposed("ok", "2025-07-04"))).to.deep.equal(["proposal.created", "recovered"]);
    expect(tg.delivered.at(-1)!.text).to.include("• AI reviewer unavailable (overloaded)");
    expect(await kinds(proposed("failed (client_error)", "2025-07-05"))).to.deep.equal(["proposal.created", "ai.reviewer"]); // a new outage, told at once
    expect(await kinds(proposed("skipped", "2025-07-06"))).to.deep.equal(["proposal.created"]); // no key configured: the owners' choice
  });

  it("the bot token never reaches a log line or an error, even from failures", async () => {
    // A logger without the secret scrub: nothing the alert code logs contains the token or its URL.
    const raw = capture();
    const ch = alertChannelsFor(cfg({ webhook: undefined, email: undefined }));
    const d = new AlertDispatcher({ channels: ch, log: raw.log, dedupMs: 0 });
    tg.faults.push({ status: 401, description: "Unauthorized" });
    const r1 = await d.send({ kind: "x", severity: "info", title: "t", lines: ["l"] });
    tg.faults.push("hang");
    const slow = telegramChannel({ chatId: CHAT, token: TOKEN, tokenEnv: "TELEGRAM_BOT_TOKEN", baseUrl: tg.origin, timeoutMs: 2_000, maxRetryAfterMs: 0, retry: { maxAttempts: 1 } });
    const r2 = await new AlertDispatcher({ channels: [slow], log: raw.log, dedupMs: 0 }).send({ kind: "y", severity: "info", title: "t", lines: ["l"] });
    const r3 = await new AlertDispatcher({ channels: alertChannelsFor(cfg({ webhook: undefined, email: undefined, telegram: { chatId: CHAT, baseUrl: `http://127.0.0.1:${await deadPort()}` } })), log: raw.log, dedupMs: 0 }).send({ kind: "z", severity: "info", title: "t", lines: ["l"] });
    await flush();
    expect([r1, r2, r3].map((r) => r.failed[0]?.error)).to.deep.equal([
      "telegram: 401 Unauthorized; the bot token in TELEGRAM_BOT_TOKEN is wrong or revoked; copy it again from @BotFather",
      "telegram: no answer within 2000 ms",
      "telegram: network error (ECONNREFUSED) (gave up after 2 attempts)",
    ]);
    expect(raw.lines().filter((l) => l.msg === "alert not delivered")).to.have.length(3);
    expect(raw.text()).not.to.include(TOKEN.split(":")[1]);
    expect(raw.text()).not.to.include("/bot");

    // And the agent's logger scrubs the token if anything else ever prints it (registered by alertsFrom).
    const scrubbed = scrubbedLog();
    const log = scrubbed.log;
    alertsFrom(cfg(), { env, log });
    log.error({ url: `${tg.origin}/bot${TOKEN}/sendMessage` }, `request to /bot${TOKEN}/sendMessage failed`);
    await flush();
    expect(scrubbed.text()).to.include("[REDACTED]");
    expect(scrubbed.text()).not.to.include(TOKEN.split(":")[1]);
  });
  const alertChannelsFor = (c: ReturnType<typeof cfg>) => alertChannels(c, { env, sleep: async () => undefined });

  it("a cycle held because the agent is paused alerts, and an alert failure leaves the cycle's report as it was", async () => {
    const log = silent();
    // Reconciliation reads the chain's head every cycle (a dead chain is never "already"): a node at block 12.
    const client = { getBlockNumber: async () => 12n };
    const ctx = { journal, log, client, chainId: 31337, safe: SAFE, module: SAFE, policy: SAFE } as unknown as ExecContext;
    const portfolio: PortfolioLike = { chainId: 31337, blockNumber: 12n, safe: { address: SAFE, nonce: 3 }, policy: { paused: true, limits: { autonomyLimitUsd: 50_000n * 10n ** 18n, maxLossBps: 100 } }, budget: { remainingUsd: 0n }, navUsd: 400_000n * 10n ** 18n, healthy: true };
    const notReached = () => {
      throw new Error("not reached: the agent is paused");
    };
    const steps: CycleSteps = { read: async () => portfolio, decide: notReached, plan: notReached, check: notReached, simulate: notReached, approve: notReached };
    const r = await runCycle(ctx, steps, { date: "2025-07-01" });
    expect(r).to.include({ status: "skipped", held: "paused" });
    const before = JSON.stringify(r);

    tg.faults.push({ status: 403, description: "Forbidden: bot was kicked from the supergroup chat" });
    const n = alertsFrom(cfg({ email: undefined }), { env, log, journal });
    const [res] = await n.cycle(r);
    expect(JSON.stringify(r)).to.equal(before);
    expect(res.delivered).to.deep.equal(["webhook"]);
    expect(res.failed[0].error).to.match(/^telegram: 403 Forbidden: bot was kicked .*; add the bot to the chat again/);
    const body = JSON.parse(rx.received[0].body);
    expect(body.type).to.equal("alert");
    expect(body.data).to.include({ kind: "cycle.held", severity: "warning", held: "paused", status: "skipped", date: "2025-07-01" });
    expect(body.data.title).to.equal("Cycle 2025-07-01 held: the agent is paused by a guardian");
  });

  it("what alerts: failures, holds, proposals (safeTxHash and links), executed batches only when asked", () => {
    const H = `0x${"ab".repeat(32)}` as const;
    expect(cycleAlert(report({ status: "aborted", reason: "read: fetch failed" }), { executed: false })).to.include({ kind: "cycle.aborted", severity: "critical", key: "cycle.aborted:read: fetch failed" });
    expect(cycleAlert(report({ status: "skipped", held: "stale-data", reason: "hold: market data missing or rejected (btc stale since 2025-06-20)" }), { executed: false })).to.include({ kind: "cycle.held", key: "cycle.held:stale-data:hold: market data missing or rejected (btc stale since #-#-#)" });
    expect(cycleAlert(report({ status: "skipped", reason: "no rebalance: none" }), { executed: false })).to.equal(undefined);
    expect(cycleAlert(report({ status: "dry-run" }), { executed: false })).to.equal(undefined);
    expect(cycleAlert(report({ status: "already" }), { executed: false })).to.equal(undefined);

    const proposed = report({ status: "proposed", cycleKey: `1:${SAFE}:2025-07-01`, safeTxHash: H, proposalUrl: `https://tx.example/api/v2/multisig-transactions/${H}/`, reason: "$319300 is above the autonomy limit of $50000: proposed to the owners" });
    const p = cycleAlert(proposed, { executed: false })!;
    expect(p).to.include({ kind: "proposal.created", key: `proposal.created:${H}` });
    expect(p.fields).to.deep.include(["safeTxHash", H]);
    expect(p.links).to.deep.equal([
      ["Open in the Safe web app", `https://app.safe.global/transactions/tx?safe=eth:${SAFE}&id=multisig_${SAFE}_${H}`],
      ["Proposal (Safe Transaction Service)", `https://tx.example/api/v2/multisig-transactions/${H}/`],
    ]);
    expect(p.lines[0]).to.equal("$319300 is above the autonomy limit of $50000: proposed to the owners");

    const executed = report({ status: "executed", txHash: H, reason: "within the autonomy limit and budget" });
    expect(cycleAlert(executed, { executed: false })).to.equal(undefined);
    expect(cycleAlert(executed, { executed: true })).to.include({ kind: "cycle.executed", severity: "info" });
  });

  it("e-mail subject and recipients from the config (env ALERT_EMAIL_TO as a comma list)", async () => {
    const n = alertsFrom(cfg({ telegram: undefined, webhook: undefined }), { env, log: silent() });
    await n.emergencyExit({ txHash: `0x${"cd".repeat(32)}`, guardian: SAFE, exited: [{ token: SAFE, success: true, balanceBefore: 5n, balanceAfter: 0n }] });
    expect(smtp.mails).to.have.length(1);
    expect(smtp.mails[0].to).to.deep.equal(["ops@example.org", "cfo@example.org"]);
    expect(header(smtp.mails[0].raw, "Subject")).to.equal("[treasury] CRITICAL Emergency exit executed: the agent is paused");
  });

  it("no channel configured: nothing is sent, nothing is stored", async () => {
    const n = alertsFrom(AlertsConfigSchema.parse(undefined), { env: {}, log: silent() });
    expect(await n.cycle(report())).to.deep.equal([]);
    expect(tg.requests).to.have.length(0);
  });
});
