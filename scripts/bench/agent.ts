// Agent cycle benchmark (reports numbers, asserts nothing): full cycles on the local world over
// JSON-RPC (anvil, as `npm start` runs it) without the LLM call: reconcile, read (one multicall),
// decide (replay + strategy), plan, check (TypeScript rules), simulate (eth_call), approve (rules
// only), execute (AgentModule.execute, receipt) and record (journal, in-memory PGlite).
// `npm run bench:agent` writes bench/agent.json. Goal: p50 < 300 ms.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { getAddress, parseUnits } from "viem";
import { approve, aaveSupply } from "../../lib/chain";
import { openRuntime } from "../../agent/src/cycle/runtime";
import { defaultSteps } from "../../agent/src/cycle/steps";
import { planPorts } from "../../agent/src/cycle/ports";
import { runCycle } from "../../agent/src/cycle/once";
import type { Planned } from "../../agent/src/cycle/types";
import { isoOf, dayOf } from "../../agent/src/market/calendar";
import { startLocalChain, testKey as key } from "../world/childChain";

const ROOT = path.resolve(__dirname, "..", "..");

const RUNS = Number(process.env.BENCH_RUNS ?? 25);
const WARMUP = 2;
const GOAL_MS = 300;
const pct = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))];
const r2 = (x: number) => Math.round(x * 100) / 100;


async function main() {
  const chain = await startLocalChain("bench");
  try {
    const dep = JSON.parse(fs.readFileSync(chain.file, "utf8"));
    const env = { RPC_URL: dep.rpcUrl, DEPLOYMENTS_FILE: chain.file, AGENT_DATA_DIR: "memory://", AGENT_PRIVATE_KEY: key(4), LOG_LEVEL: "silent" };
    const rt = await openRuntime({ env });
    const safe = getAddress(dep.treasury.safe);
    const usdc = getAddress(dep.tokens.USDC);
    const pool = getAddress(dep.aave.pool);
    const amount = parseUnits("500", 6);
    // A fixed rebalance step (500 USDC into Aave) so every cycle trades: the planner's output shape.
    const plan = (): Planned => ({
      calls: [approve(usdc, pool, amount), aaveSupply(pool, usdc, amount, safe)],
      steps: [{ id: "s1", kind: "deposit", protocol: "aave-v3", target: pool, token: usdc, amount: amount.toString(), amountUsd: 500, riskReducing: false, description: "supply 500 USDC" }],
      sizeUsd: 500n * 10n ** 18n,
      riskReducing: false,
      reason: "rebalance",
    });
    const steps = { ...defaultSteps(rt, planPorts(rt), { env }), plan };
    const cycles: number[] = [];
    const perStep: Record<string, number[]> = {};
    for (let i = 0; i < RUNS + WARMUP; i++) {
      const date = isoOf(dayOf("2024-03-01") + i);
      const r = await runCycle(rt.ctx, steps, { date, agentKey: key(4) });
      if (r.status !== "executed") throw new Error(`cycle ${date}: ${r.status} ${r.reason ?? ""}`);
      if (process.env.BENCH_VERBOSE) console.error(date, r.status, r.totalMs.toFixed(0));
      if (i < WARMUP) continue;
      cycles.push(r.totalMs);
      for (const [k, v] of Object.entries(r.stepsMs)) (perStep[k] ??= []).push(v);
    }
    await rt.close();
    const out = {
      what: "one full agent cycle on the local world over JSON-RPC (anvil), no LLM call: reconcile, read, decide, plan, check, simulate, approve (rules), execute (receipt), record",
      plan: "a fixed approve + Aave supply batch (every cycle trades)",
      machine: `${os.cpus().length} cores, Node ${process.versions.node}`,
      goalP50Ms: GOAL_MS,
      cycle: { p50Ms: r2(pct(cycles, 0.5)), p95Ms: r2(pct(cycles, 0.95)), runs: cycles.length },
      steps: Object.fromEntries(Object.entries(perStep).map(([k, v]) => [k, { p50Ms: r2(pct(v, 0.5)), p95Ms: r2(pct(v, 0.95)) }])),
    };
    fs.mkdirSync(path.join(ROOT, "bench"), { recursive: true });
    fs.writeFileSync(path.join(ROOT, "bench", "agent.json"), JSON.stringify(out, null, 2) + "\n");
    console.log(JSON.stringify(out, null, 2));
  } finally {
    await chain.stop();
  }
}

main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
