// The assessments wired to the cycle on the local world (real bytecode): after each cycle the daily
// assessment is recorded with its decision's hash and the daily summary goes out by e-mail and
// webhook; on the seventh day of cycles the weekly review runs (a report: nothing is sent on chain);
// the time the assessments add to a cycle is in its stepsMs.ai; `treasury review --json` writes one on
// demand; the dashboard shows them.
import { expect } from "chai";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { randomBytes } from "node:crypto";
import { openRuntime, type Runtime } from "../../../agent/src/cycle/runtime";
import { defaultSteps } from "../../../agent/src/cycle/steps";
import { planPorts } from "../../../agent/src/cycle/ports";
import { marketProvider } from "../../../agent/src/cycle/steps";
import { runCycle } from "../../../agent/src/cycle/once";
import { aiLoop } from "../../../agent/src/ai/loop";
import { aiTotals, listAssessments } from "../../../agent/src/ai/store";
import { gatherView } from "../../../agent/src/server/dashboard/view";
import { renderPage } from "../../../agent/src/server/dashboard/page";
import { capLimits } from "../../../agent/src/strategy/caps";
import { defaultConfig } from "../../../agent/src/strategy/config";
import { runTreasury } from "../../helpers/treasuryCli";
import { MessagesStub, type Reply } from "../../../scripts/standins/messagesApi";
import { startLocalChain, type LocalChain } from "../../../scripts/world/childChain";
import { part, startSmtpServer, startWebhookReceiver, type SmtpStub, type WebhookReceiver } from "../../../scripts/standins/alertServers";

const DAILY = { action: "hold", phase: "a pause after the crash", risk_level: "elevated", risk_words: "volatile assets held through a crash", what_would_change: ["a close back above the trend"], summary: "Hold for now.", injection_suspected: false };
const WEEKLY = { summary: "The week of the August crash.", regime: "bear", signal_review: "no signal fired", concerns: ["drawdown"], recommendations: ["keep the caps"], injection_suspected: false };
const daily: Reply = { kind: "tool", name: "record_daily_assessment", input: DAILY };
const weekly: Reply = { kind: "tool", name: "record_weekly_review", input: WEEKLY };

describe("ai/loop: the assessments after each cycle (local world)", function () {
  this.timeout(900_000);
  const SECRET = `whsec_${randomBytes(24).toString("base64")}`;
  let chain: LocalChain;
  let llm: MessagesStub;
  let smtp: SmtpStub;
  let rx: WebhookReceiver;
  let env: Record<string, string>;
  let rt: Runtime;
  let dataDir: string;

  before(async () => {
    chain = await startLocalChain("ai-loop");
    llm = await new MessagesStub().start();
    smtp = await startSmtpServer();
    rx = await startWebhookReceiver(SECRET);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "ai-loop-"));
    const depFile = path.join(dir, "deployment.json");
    fs.writeFileSync(depFile, JSON.stringify(chain.deployment));
    dataDir = path.join(dir, "agent");
    env = {
      RPC_URL: chain.rpcUrl, DEPLOYMENTS_FILE: depFile, AGENT_DATA_DIR: dataDir, LOG_LEVEL: "silent",
      ANTHROPIC_API_KEY: "sk-ant-test-key-never-logged", ANTHROPIC_MODEL: "claude-sonnet-4-6", ANTHROPIC_BASE_URL: llm.url,
      SMTP_HOST: "127.0.0.1", SMTP_PORT: String(smtp.port), ALERT_EMAIL_FROM: "treasury@example.org", ALERT_EMAIL_TO: "owners@example.org",
      ALERT_WEBHOOK_URL: `${rx.origin}/hook`, ALERT_WEBHOOK_SECRET: SECRET,
    };
    rt = await openRuntime({ env });
  });
  after(async () => {
    await rt?.close().catch(() => undefined);
    await llm?.stop();
    await smtp?.close();
    await rx?.close();
    await chain?.stop();
  });

  it("nine cycles: a daily assessment with each decision, the daily summaries, one weekly review on the seventh day", async () => {
    const ai = aiLoop(rt, defaultSteps(rt, planPorts(rt), { env }), { provider: () => marketProvider(rt), env });
    const scope = `${rt.ctx.chainId}:${rt.ctx.safe}`;
    const aiMs: number[] = [];
    for (let day = 1; day <= 9; day++) {
      const date = `2024-08-0${day}`;
      llm.reply(...(day === 8 ? [daily, weekly] : [daily]));
      // A dry run: nothing is sent. The day's record is written whatever the plan's fate (the replayed
      // market's prices are not the local pools': the check may refuse the strategy's swaps).
      const r = await runCycle(rt.ctx, ai.steps, { date, dryRun: true });
      expect(r.status, r.reason).to.not.equal("aborted");
      expect(r.hash, r.reason).to.match(/^0x[0-9a-f]{64}$/);
      const out = await ai.after(r);
      expect(out.errors).to.deep.equal([]);
      expect(out.daily!.answeredBy).to.equal("llm");
      expect(!!out.weekly, date).to.equal(day === 8);
      expect(r.stepsMs.ai).to.equal(out.ms);
      aiMs.push(out.ms);
      const [row] = await listAssessments(rt.journal, { scope, kind: "daily", limit: 1 });
      expect(row).to.deep.include({ key: `daily:${r.cycleKey}`, date, decisionHash: r.hash, answeredBy: "llm", inputTokens: 1432, outputTokens: 88 });
    }
    const [w] = await listAssessments(rt.journal, { scope, kind: "weekly" });
    expect(w).to.deep.include({ date: "2024-08-08", answeredBy: "llm" });
    const facts = w.body.facts as { windows: { week: { treasury: number | null; btc: number | null } } };
    expect(facts.windows.week.treasury).to.be.a("number");
    expect(facts.windows.week.btc).to.be.closeTo(55_027.46 / 65_357.5 - 1, 1e-9); // data/market: 08-01 close → 08-07 close (the view of 08-08 ends the day before)
    // The tokens are the server's usage fields summed over every call it answered (the assessments and
    // any approval review, billed even when its answer was refused), not a local estimate.
    const served = llm.usages.reduce((a, u) => ({ i: a.i + u.input_tokens, o: a.o + u.output_tokens }), { i: 0, o: 0 });
    expect(served.i).to.be.at.least(1432 * 10);
    expect(await aiTotals(rt.journal, scope)).to.deep.equal({ daily: 9, weekly: 1, emergencies: 0, monthly: 0, llmInputTokens: served.i, llmOutputTokens: served.o });
    // Nine daily summaries and the weekly review, by e-mail and webhook.
    const subjects = smtp.mails.map((m) => /Subject: (.*)/.exec(m.raw)![1]);
    expect(subjects.filter((s) => s.includes("daily summary"))).to.have.length(9);
    expect(subjects.filter((s) => s.includes("weekly review"))).to.have.length(1);
    expect(part(smtp.mails.at(-1)!.raw, "text/html")).to.include("<h3>Assessment (the model)</h3>");
    expect(rx.received.map((x) => JSON.parse(x.body).data.report)).to.deep.equal([...Array(7).fill("daily"), "daily", "weekly", "daily"]);
    console.log(`      time the assessments added per cycle (local Messages API server, e-mail and webhook): ${aiMs.map((x) => x.toFixed(0)).join(", ")} ms`);

    // The dashboard's panel: the latest daily assessment, the weekly review.
    const view = await gatherView({ status: async () => ({}), decisions: async () => [], nav: async () => [], health: async () => Promise.reject(new Error("no loop in this test")), lastRead: () => undefined, now: () => Date.now(), caps: capLimits(defaultConfig(), false), assessments: (limit) => listAssessments(rt.journal, { scope, limit }) });
    const page = renderPage(view);
    expect(page).to.include('<section id="assessments"');
    expect(page).to.include("Hold for now.");
    expect(page).to.include("The week of the August crash.");
    expect(page).to.include("No emergency.");
  });

  it("treasury review --json: the weekly review on demand, recorded once, never acting", async () => {
    await rt.close();
    // A fresh server for each CLI run: a connection the process pooled from the earlier calls may be
    // closed by the old one's keep-alive timer just as it is reused (a loaded machine's timers run late).
    const fresh = async () => {
      await llm.stop();
      llm = await new MessagesStub().start();
      env.ANTHROPIC_BASE_URL = llm.url;
    };
    await fresh();
    llm.reply(weekly);
    const r = await runTreasury(env, "review", "--json", "--date", "2024-08-10");
    expect(r.code, r.err).to.equal(0);
    const x = JSON.parse(r.out);
    expect(x, JSON.stringify(x.llm)).to.deep.include({ date: "2024-08-10", answeredBy: "llm", recorded: true });
    expect(x.review).to.deep.equal(WEEKLY);
    expect(x.usage).to.deep.equal({ inputTokens: 1432, outputTokens: 88 });
    await fresh();
    llm.reply({ kind: "error", status: 529, type: "overloaded_error", message: "Overloaded" });
    const again = JSON.parse((await runTreasury(env, "review", "--json", "--date", "2024-08-10")).out);
    expect(again).to.deep.include({ answeredBy: "rules", recorded: false });
    expect(again.llm.reason, again.llm.detail).to.equal("overloaded");
  });
});
