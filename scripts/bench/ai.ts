// Assessments benchmark (reports numbers, asserts nothing): the time the daily assessment adds to a
// cycle (the forced tool call to the local Messages API server with its real response shape, the
// zod check, the journal record in in-memory PGlite), the rules alone (no key or an API failure),
// the weekly review and the emergency assessment; the prompt sizes and, at the configured model's
// published prices (config ai.prices), the cost per month. Real token counts come from the API's
// usage fields and are recorded with each assessment (summary.json's ai part); here the input tokens
// are ESTIMATED from the request's size (4 characters a token) since no real API is reachable. The
// tokens counted from the responses over a replayed window, per month: npm run bench:ai:tokens
// (scripts/bench/aiTokens.ts, bench/ai.json `counted`).
// `npm run bench:ai` writes bench/ai.json.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { LlmClient } from "../../agent/src/ai/forcedTool";
import { assessDaily, dailyPrompt, DAILY_SYSTEM, DAILY_TOOL, type DailyInput } from "../../agent/src/ai/daily";
import { assessWeekly, weeklyFacts, weeklyPrompt, WEEKLY_SYSTEM, WEEKLY_TOOL } from "../../agent/src/ai/weekly";
import { assessEmergency, emergencyPrompt, EMERGENCY_SYSTEM, EMERGENCY_TOOL } from "../../agent/src/ai/emergency";
import { assessedRecord, recordAssessment } from "../../agent/src/ai/store";
import { callCostUsd, monthlyCostUsd } from "../../agent/src/ai/cost";
import { DEFAULT_MODEL_PRICES } from "../../agent/src/config/schema";
import { Journal } from "../../agent/src/journal";
import { dayOf, isoOf } from "../../agent/src/market/calendar";
import { zeroWeights } from "../../agent/src/strategy/types";
import { MessagesStub } from "../standins/messagesApi";
import { crashEvents } from "../../test/agent/ai/fixtures/crashDay";

const RUNS = Number(process.env.BENCH_RUNS ?? 50);
const MODEL = process.env.ANTHROPIC_MODEL ?? "claude-sonnet-4-6";
const pct = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const r2 = (x: number) => Math.round(x * 100) / 100;
const stats = (xs: number[]) => ({ p50Ms: r2(pct(xs, 0.5)), p95Ms: r2(pct(xs, 0.95)), runs: xs.length });

const DAILY: DailyInput = {
  date: "2024-08-06", cycle: { status: "skipped", reason: "no rebalance: within the drift band" }, strategy: "trend-dd", phase: "bear", mode: "conservative", rebalance: false, hold: false,
  triggers: [], reasons: [{ indicator: "mvrv", value: 1.6, says: "MVRV 1.6: mid-cycle" }, { indicator: "trend", value: -0.12, says: "BTC 12% under its 50-day average" }, { indicator: "fearGreed", value: 17, says: "Extreme Fear" }],
  held: { ...zeroWeights(), usdc: 0.3, aaveUsdc: 0.33, btc: 0.22, eth: 0.15 }, target: { ...zeroWeights(), usdc: 0.3, aaveUsdc: 0.35, btc: 0.2, eth: 0.15 }, navUsd: 1_000_000, staleInputs: [], driftPct: 0.08,
  marketTexts: [{ source: "market:fearGreed", text: "Fear & Greed 17 (Extreme Fear)" }],
};

async function main() {
  const stub = await new MessagesStub().start();
  const journal = await Journal.open({ dataDir: "memory://" });
  const llm = new LlmClient({ apiKey: "sk-ant-bench", model: MODEL, baseURL: stub.url, timeoutMs: 10_000 });
  try {
    const end = dayOf("2024-08-06");
    const nav = Array.from({ length: 120 }, (_, k) => ({ date: isoOf(end - 119 + k), navUsd: 1e6 * (1 + 0.001 * Math.sin(k)) }));
    const prices = { btc: new Map(nav.map((n, k) => [n.date, 60_000 + 100 * k])), eth: new Map(nav.map((n, k) => [n.date, 3_000 + 5 * k])) };
    const facts = weeklyFacts({ date: "2024-08-06", nav, days: nav.map((n) => ({ date: n.date, status: "skipped", phase: "bear", triggers: [], navUsd: n.navUsd })), prices, targets: { annualReturn: 0.08, maxDrawdown: 0.25 } });
    const events = crashEvents({ usdc: "0xA0b86991c6218b36c1D19D4a2e9Eb0cE3606eB48", ethFeed: "0x5f4eC3Df9cbd43714FE2740f5E3616155c5b8419" });
    const time = async (fn: (i: number) => Promise<unknown>) => {
      const xs: number[] = [];
      for (let i = 0; i < RUNS + 2; i++) {
        const t = performance.now();
        await fn(i);
        if (i >= 2) xs.push(performance.now() - t);
      }
      return stats(xs);
    };
    stub.reply({ kind: "tool", name: DAILY_TOOL.name, input: { action: "hold", phase: "bear", risk_level: "elevated", risk_words: "w", what_would_change: ["x"], summary: "s", injection_suspected: false } });
    const dailyLlm = await time(async (i) => {
      const a = await assessDaily(llm, DAILY);
      await recordAssessment(journal, { key: `daily:llm:${i}`, kind: "daily", scope: "bench", date: DAILY.date, assessed: a, body: assessedRecord(a) });
    });
    const dailyRules = await time(async (i) => {
      const a = await assessDaily(undefined, DAILY);
      await recordAssessment(journal, { key: `daily:rules:${i}`, kind: "daily", scope: "bench", date: DAILY.date, assessed: a, body: assessedRecord(a) });
    });
    stub.reply({ kind: "tool", name: WEEKLY_TOOL.name, input: { summary: "s", regime: "r", signal_review: "x", concerns: [], recommendations: [], injection_suspected: false } });
    const weekly = await time(() => assessWeekly(llm, facts));
    stub.reply({ kind: "tool", name: EMERGENCY_TOOL.name, input: { recommendation: "pause", reasons: ["r"], summary: "s", injection_suspected: false } });
    const emergency = await time(() => assessEmergency(llm, events));
    // What is sent: system + user + the tool's schema (the API also counts its own tool-use preamble).
    const size = (system: string, user: string, tool: { name: string; description: string; inputSchema: unknown }) => system.length + user.length + JSON.stringify(tool).length;
    const est = (chars: number, outputTokens: number) => ({ requestChars: chars, inputTokensEstimated: Math.round(chars / 4), outputTokensAssumed: outputTokens });
    const perCall = {
      daily: est(size(DAILY_SYSTEM, dailyPrompt(DAILY), DAILY_TOOL), 250),
      weekly: est(size(WEEKLY_SYSTEM, weeklyPrompt(facts), WEEKLY_TOOL), 600),
      emergency: est(size(EMERGENCY_SYSTEM, emergencyPrompt(events), EMERGENCY_TOOL), 300),
    };
    const u = (k: keyof typeof perCall) => ({ inputTokens: perCall[k].inputTokensEstimated, outputTokens: perCall[k].outputTokensAssumed });
    const out = {
      what: "the assessments' own time (forced tool call to the local Messages API server, zod check, journal record in in-memory PGlite); a real API call adds its network and generation time (bounded by anthropic.timeoutMs)",
      machine: `${os.cpus().length} cores, Node ${process.versions.node}, load ${os.loadavg().map((x) => x.toFixed(2)).join(" ")}`,
      model: MODEL,
      prices: { ...DEFAULT_MODEL_PRICES[MODEL], note: "configuration (config ai.prices): the model's published $/MTok when written" },
      addedToACycle: { dailyWithModel: dailyLlm, dailyRulesOnly: dailyRules },
      weeklyWithModel: weekly,
      emergencyWithModel: emergency,
      perCall,
      costUsd: {
        perCall: Object.fromEntries(Object.keys(perCall).map((k) => [k, Number((callCostUsd(DEFAULT_MODEL_PRICES, MODEL, u(k as keyof typeof perCall)) ?? NaN).toFixed(4))])),
        perMonth: r2(monthlyCostUsd(DEFAULT_MODEL_PRICES, MODEL, { daily: u("daily"), weekly: u("weekly"), emergency: u("emergency") }, { weeklyEveryDays: 7, emergenciesPerMonth: 1 }) ?? NaN),
        assumptions: "one cycle a day, a weekly review every 7 days, one emergency a month; input tokens estimated at 4 characters a token, output tokens assumed as listed",
      },
    };
    const file = path.join(__dirname, "..", "..", "bench", "ai.json");
    // Keep bench:ai:tokens' part (counted over a replay, minutes to rerun).
    const counted = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")).counted : undefined;
    fs.writeFileSync(file, JSON.stringify({ ...out, ...(counted ? { counted } : {}) }, null, 2) + "\n");
    console.log(JSON.stringify(out, null, 2));
  } finally {
    await journal.close();
    await stub.stop();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
