// LLM tokens and cost per month, COUNTED (issue 19): the replay (npm start's headless run: local world,
// agent, indexer) with ANTHROPIC_API_KEY / ANTHROPIC_BASE_URL pointing at the local Messages API
// server, every call answered with the real response shape. The tokens are the usage fields of each
// response as the journal recorded them (assessments; approval reviews' verdict.llm.usage), summed
// per month; the cost is at the configured model's list prices (config ai.prices, MODEL_PRICES_AS_OF).
// The local server reports usage as the real API counts it, estimated from each actual request
// (scripts/standins/messagesApi.ts countedUsage: the system prompt, the messages and the tool
// definitions at ~4 characters a token, plus the tool-use system prompt); the answers are canned
// ones of a realistic length. Writes the `counted` part of bench/ai.json (the rest is bench:ai's).
//   npm run bench:ai:tokens -- [--from 2024-07-01] [--to 2024-09-30]
import fs from "node:fs";
import path from "node:path";
import { parseArgs } from "node:util";
import { replayHeadless } from "../replay/headless";
import { Journal } from "../../agent/src/journal";
import { llmUsageByMonth, type LlmCallKind, type LlmUsage } from "../../agent/src/ai/store";
import { callCostUsd } from "../../agent/src/ai/cost";
import { DEFAULT_MODEL_PRICES, MODEL_PRICES_AS_OF } from "../../agent/src/config/schema";
import { DAILY_TOOL } from "../../agent/src/ai/daily";
import { WEEKLY_TOOL } from "../../agent/src/ai/weekly";
import { EMERGENCY_TOOL } from "../../agent/src/ai/emergency";
import { TOOL_NAME as REVIEW_TOOL } from "../../agent/src/approval/tool";
import { MessagesStub, CHARS_PER_TOKEN, TOOL_USE_SYSTEM_TOKENS } from "../standins/messagesApi";

const MODEL = process.env.ANTHROPIC_MODEL ?? "claude-sonnet-4-6";

// Answers of the length a model writes (a few sentences per field), so output tokens are realistic.
const DAILY = {
  action: "hold", phase: "late bull market cooling off after a new high", risk_level: "moderate",
  risk_words: "Volatile assets are near the 40% cap after the rally; funding is positive but not stretched and the drawdown from the peak is under 10%, so the book carries ordinary market risk.",
  what_would_change: ["BTC closing below its 50-day average for three days", "funding above 0.05% per 8 hours for a week", "the drift from target passing the 5-point band"],
  summary: "Hold. The allocation is within its drift band and no trigger fired; the trend is intact but momentum is fading, so the next move is more likely a trim of the volatile sleeve than an addition. Nothing to do today.",
  injection_suspected: false,
};
const WEEKLY = {
  summary: "A quiet week: the treasury returned 0.8% against 1.4% for the 60/40 benchmark and 2.9% for holding BTC; the gap is the stable sleeve's weight in a rising market, as designed. Drawdown stayed under 5%.",
  regime: "bull, low volatility",
  signal_review: "One drift trigger fired on Wednesday and the rebalance trimmed BTC by 3 points; seven days on it is 0.2% behind holding still, within noise. No phase change.",
  concerns: ["the volatile share sits at the cap, so a sharp rally cannot be followed", "Aave USDC yield fell to 4.1%, under the 5% assumed by the targets"],
  recommendations: ["keep the caps unchanged", "review the stable-yield assumption if Aave stays under 4.5% for another two weeks"],
  injection_suspected: false,
};
const EMERGENCY = { recommendation: "pause", reasons: ["ETH fell 16% in 24 hours", "the ETH feed is 6% away from the market source"], summary: "Pause the agent until the feed agrees with the market again; no exit: the caps bound the loss.", injection_suspected: false };
const REVIEW = { decision: "approve", reasons: ["the plan moves the weights back to the targets within the caps", "the simulated slippage is under the limit", "past drift rebalances were mixed, not losing"], risk_flags: [], confidence: 0.82, modified_steps: [] };

async function main() {
  const { values } = parseArgs({ options: { from: { type: "string", default: "2024-07-01" }, to: { type: "string", default: "2024-09-30" } } });
  const stub = await new MessagesStub({ usage: "counted" }).start();
  stub.replyByTool({
    [DAILY_TOOL.name]: { kind: "tool", name: DAILY_TOOL.name, input: DAILY },
    [WEEKLY_TOOL.name]: { kind: "tool", name: WEEKLY_TOOL.name, input: WEEKLY },
    [EMERGENCY_TOOL.name]: { kind: "tool", name: EMERGENCY_TOOL.name, input: EMERGENCY },
    [REVIEW_TOOL]: { kind: "tool", name: REVIEW_TOOL, input: REVIEW },
  });
  Object.assign(process.env, { ANTHROPIC_API_KEY: "sk-ant-local-bench", ANTHROPIC_BASE_URL: stub.url, ANTHROPIC_MODEL: MODEL, LOG_LEVEL: process.env.LOG_LEVEL ?? "error" });
  const t0 = performance.now();
  let dataDir: string;
  let days: number;
  let aiMsPerCycle: number;
  let learning: { qualityScore: number | null; winRate: number | null } | null;
  try {
    const r = await replayHeadless({ from: values.from!, to: values.to!, log: (s) => process.stderr.write(`${s}\n`) });
    dataDir = r.dataDir;
    days = r.days.length;
    aiMsPerCycle = Math.round(r.timing.ai / Math.max(1, days));
    learning = r.summary ? { qualityScore: r.summary.learning.qualityScore, winRate: r.summary.learning.winRate } : null;
    if (r.failed) throw new Error(`the replay failed on some day: see ${r.dataDir}`);
  } finally {
    await stub.stop();
  }
  const j = await Journal.open({ dataDir });
  let byMonth: Awaited<ReturnType<typeof llmUsageByMonth>>;
  try {
    byMonth = await llmUsageByMonth(j);
  } finally {
    await j.close();
    // The run's journal and indexer database were throwaway (replayHeadless keeps them for a test to read).
    fs.rmSync(dataDir, { recursive: true, force: true });
  }
  const served = stub.usages.reduce((a, u) => ({ inputTokens: a.inputTokens + u.input_tokens, outputTokens: a.outputTokens + u.output_tokens }), { inputTokens: 0, outputTokens: 0 });
  const usd = (u: { inputTokens: number; outputTokens: number }) => Number((callCostUsd(DEFAULT_MODEL_PRICES, MODEL, u) ?? Number.NaN).toFixed(4));
  const months = Object.keys(byMonth).sort().map((month) => {
    const kinds = byMonth[month] as Record<LlmCallKind, LlmUsage>;
    const total = Object.values(kinds).reduce((a, u) => ({ calls: a.calls + u.calls, inputTokens: a.inputTokens + u.inputTokens, outputTokens: a.outputTokens + u.outputTokens }), { calls: 0, inputTokens: 0, outputTokens: 0 });
    return { month, ...total, costUsd: usd(total), byKind: Object.fromEntries(Object.entries(kinds).filter(([, u]) => u.calls > 0).map(([k, u]) => [k, { calls: u.calls, inputTokens: u.inputTokens, outputTokens: u.outputTokens, costUsd: usd(u) }])) };
  });
  const recorded = months.reduce((a, m) => ({ inputTokens: a.inputTokens + m.inputTokens, outputTokens: a.outputTokens + m.outputTokens }), { inputTokens: 0, outputTokens: 0 });
  const counted = {
    what:
      "LLM tokens per month counted from the Messages API's usage fields as the journal recorded them (daily assessments, weekly reviews, emergency assessments, approval reviews; the monthly insights are written by the rules, no call), " +
      `over the replay ${values.from} → ${values.to} (${days} days) with the local Messages API server; cost at the configured model's list prices`,
    usageSource: `the local server's usage fields, estimated from each actual request the way the API counts (system + messages + tool definitions at ${CHARS_PER_TOKEN} characters a token, + ${TOOL_USE_SYSTEM_TOKENS} tokens of tool-use system prompt; output = the answer's JSON / ${CHARS_PER_TOKEN} + 10); canned answers of a realistic length`,
    model: MODEL,
    prices: { ...DEFAULT_MODEL_PRICES[MODEL], asOf: MODEL_PRICES_AS_OF, where: "agent/src/config/schema.ts DEFAULT_MODEL_PRICES (config ai.prices)" },
    servedEqualsRecorded: served.inputTokens === recorded.inputTokens && served.outputTokens === recorded.outputTokens,
    served,
    months,
    aiMsPerCycle,
    learning,
    replaySeconds: Math.round((performance.now() - t0) / 1000),
  };
  const file = path.join(__dirname, "..", "..", "bench", "ai.json");
  const prev = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : {};
  fs.writeFileSync(file, JSON.stringify({ ...prev, counted }, null, 2) + "\n");
  console.log(JSON.stringify(counted, null, 2));
  if (!counted.servedEqualsRecorded) {
    console.error(`bench:ai:tokens: the journal recorded ${JSON.stringify(recorded)} tokens but the server reported ${JSON.stringify(served)}: some call's usage was not recorded`);
    process.exit(1);
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
