// The replay: a window of data/market/ lived day by day on the local chain. Each simulated day the
// world moves (scripts/replay/world.ts: chain time, feeds, pools), then the agent runs the SAME cycle
// as live (runCycle with the replay provider for that day, the rules approver unless
// ANTHROPIC_API_KEY), and proposals above the autonomy limit are confirmed and executed by the local
// owners #1 and #2 through the local transaction service (as `treasury sign` / `execute` do) after
// `signerDelayDays`. The agent's runtime stays open afterwards for the live loop and the server.
import { HDNodeWallet } from "ethers";
import { parseAbi, type Hex } from "viem";
import { openRuntime, type Runtime } from "../../agent/src/cycle/runtime";
import { defaultSteps } from "../../agent/src/cycle/steps";
import { planPorts } from "../../agent/src/cycle/ports";
import { runCycle } from "../../agent/src/cycle/once";
import { aiLoop, type AiLoop } from "../../agent/src/ai/loop";
import { signAndExecute } from "../../agent/src/cycle/owners";
import { isFailedCycle, type CycleReport, type CycleSteps } from "../../agent/src/cycle/types";
import { ReplayProvider } from "../../agent/src/market/replay";
import { isoOf } from "../../agent/src/market/calendar";
import type { MarketHistory } from "../../agent/src/market/types";
import { startRunServer, type AgentServer } from "../../agent/src/server";
import type { Portfolio } from "../../agent/src/chain/types";
import { TEST_MNEMONIC } from "../world/rpc";
import { poolPrice, type PoolKey, type World } from "../world";

const POOLS: PoolKey[] = ["WETH_USDC", "WBTC_USDC"];
import { worldDay } from "./world";

const DAY = 86_400;
/** The chain's day D is D's close: the feeds and pools show it, as the backtest fills at it. */
const CLOSE_OFFSET = DAY - 600;
/** Test-mnemonic indices: #4 is the world's agent, #1 and #2 the owners who sign proposals. */
const AGENT_INDEX = 4;
export const SIGNER_INDICES = [1, 2] as const;
const VALUATION = parseAbi(["function nav() view returns (uint256)"]);

export const keyOf = (i: number) => HDNodeWallet.fromPhrase(TEST_MNEMONIC, undefined, `m/44'/60'/0'/0/${i}`).privateKey as Hex;

export interface AgentSession {
  rt: Runtime;
  steps: CycleSteps<Portfolio>;
  /** The assessments after each cycle (agent/src/ai). */
  ai?: AiLoop<Portfolio>;
  provider: ReplayProvider;
  server?: AgentServer;
  agentKey: Hex;
  close(): Promise<void>;
}

/** The agent's runtime in this process, on the local chain and services (env as `treasury run` gets it from npm start). */
export async function openAgent(o: { rpcUrl: string; deploymentsFile: string; txServiceUrl: string; orderBookUrl?: string; dataDir: string; history: MarketHistory; server: boolean; intervalSeconds: number; say?: (s: string) => void; replay?: () => Promise<unknown>; indexerUrl?: string; env?: NodeJS.ProcessEnv }): Promise<AgentSession> {
  const agentKey = keyOf(AGENT_INDEX);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    RPC_URL: o.rpcUrl,
    DEPLOYMENTS_FILE: o.deploymentsFile,
    AGENT_PRIVATE_KEY: agentKey,
    SAFE_TX_SERVICE_URL: o.txServiceUrl,
    ...(o.orderBookUrl ? { COW_API_URL: process.env.COW_API_URL ?? o.orderBookUrl } : {}),
    AGENT_DATA_DIR: o.dataDir,
    AGENT_SERVER_ENABLED: o.server ? (process.env.AGENT_SERVER_ENABLED ?? "true") : "false",
    AGENT_SERVER_PORT: process.env.AGENT_SERVER_PORT ?? "0",
    // The dashboard's performance, gas in USD and outcomes from the indexer that follows this chain.
    ...(o.indexerUrl ? { INDEXER_URL: process.env.INDEXER_URL ?? o.indexerUrl } : {}),
    MARKET_SOURCE: "replay",
    // The caller's own settings (a test's AGENT_CONFIG: the owners' choice of strategy).
    ...o.env,
  };
  const rt = await openRuntime({ env, logLevel: process.env.LOG_LEVEL ?? "warn" });
  const provider = new ReplayProvider(o.history);
  // The daily assessment after each cycle and the weekly review every ai.weeklyEveryDays simulated days.
  const ai = aiLoop(rt, defaultSteps(rt, planPorts(rt), { provider, env }), { provider: () => provider, env });
  const steps = ai.steps;
  let server: AgentServer | undefined;
  try {
    server = o.server ? await startRunServer(rt, { intervalSeconds: o.intervalSeconds, say: o.say, replay: o.replay }) : undefined;
  } catch (e) {
    await rt.close();
    throw e;
  }
  return {
    rt,
    steps: server ? server.watch(steps) : steps,
    ai,
    provider,
    server,
    agentKey,
    async close() {
      await server?.stop();
      await rt.close();
    },
  };
}

export interface DayResult {
  day: number;
  date: string;
  report: CycleReport;
  /** NAV (USD) from TreasuryValuation.nav() after the day's cycle and the owners' executions. */
  navUsd: number;
  /** Proposals the owners confirmed and executed this day. */
  signed: { safeTxHash: Hex; txHash: Hex; decision?: Hex; confirmedBy: string[]; proposedOn: string }[];
  /** Owner executions that failed this day. */
  ownerErrors: string[];
  ms: { feeds: number; arbitrage: number; cycle: number; ai: number; owners: number };
  /** The largest move of a Uniswap pool's price across the day's cycle and owners' executions (bps). */
  poolMoveBps: number;
}

export interface ReplayOptions {
  world: World;
  agent: AgentSession;
  history: MarketHistory;
  fromDay: number;
  toDay: number;
  signerDelayDays: number;
  onDay?: (d: DayResult) => void;
  /** Checked before each day: true stops the replay after the day in progress. */
  stopped?: () => boolean;
}

/** The price series' value on `i`, or the last one before it (a missing close carries the last). */
function closeAt(s: Float64Array, i: number): number {
  for (let k = Math.min(i, s.length - 1); k >= 0; k--) if (!Number.isNaN(s[k])) return s[k];
  throw new Error(`no close on or before day index ${i}`);
}

export async function navNow(a: AgentSession): Promise<number> {
  const v = await a.rt.ctx.client.readContract({ address: a.rt.addresses.valuation, abi: VALUATION, functionName: "nav", blockTag: "latest" });
  return Number(v) / 1e18;
}

export async function replayDays(o: ReplayOptions): Promise<DayResult[]> {
  const { world, agent, history: h } = o;
  const out: DayResult[] = [];
  const pending: { safeTxHash: Hex; dueDay: number; proposedOn: string }[] = [];
  const ownerKeys = SIGNER_INDICES.map(keyOf);
  for (let day = o.fromDay; day <= o.toDay; day++) {
    if (o.stopped?.()) break;
    const date = isoOf(day);
    const i = day - h.startDay;
    const w = await worldDay(world, day * DAY + CLOSE_OFFSET, { WETH: closeAt(h.series.eth, i), WBTC: closeAt(h.series.btc, i) });
    const before = await Promise.all(POOLS.map((k) => poolPrice(world, k)));
    const c0 = performance.now();
    const report = await runCycle(agent.rt.ctx, agent.steps, { date, agentKey: agent.agentKey });
    const c1 = performance.now();
    await agent.ai?.after(report);
    agent.server?.cycleDone(report);
    const c1a = performance.now();
    if (report.status === "proposed" && report.safeTxHash) pending.push({ safeTxHash: report.safeTxHash as Hex, dueDay: day + o.signerDelayDays, proposedOn: date });
    const signed: DayResult["signed"] = [];
    const ownerErrors: string[] = [];
    for (const p of pending.filter((x) => x.dueDay <= day)) {
      pending.splice(pending.indexOf(p), 1);
      try {
        const r = await signAndExecute(agent.rt.ctx.safeCfg!, agent.rt.journal, p.safeTxHash, ownerKeys);
        signed.push({ safeTxHash: p.safeTxHash, txHash: r.txHash, decision: r.decision, confirmedBy: r.confirmedBy, proposedOn: p.proposedOn });
      } catch (e) {
        ownerErrors.push(`owners could not execute ${p.safeTxHash}: ${(e as Error).message.split("\n")[0]}`);
      }
    }
    const c2 = performance.now();
    const after = await Promise.all(POOLS.map((k) => poolPrice(world, k)));
    const poolMoveBps = Math.max(...after.map((a, k) => Math.abs(a / before[k] - 1) * 10_000));
    const d: DayResult = { day, date, report, navUsd: await navNow(agent), signed, ownerErrors, ms: { feeds: w.feedsMs, arbitrage: w.arbitrageMs, cycle: c1 - c0, ai: c1a - c1, owners: c2 - c1a }, poolMoveBps };
    out.push(d);
    o.onDay?.(d);
  }
  return out;
}

/** A cycle failed, or the owners could not execute what they were asked to. */
export const dayFailed = (d: DayResult) => isFailedCycle(d.report.status) || d.ownerErrors.length > 0;
