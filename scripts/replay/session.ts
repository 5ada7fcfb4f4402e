// A replay from a deployed world to its reports: the days (driver.ts), then the same window by the
// backtest engine and the indexer's view of the chain, compared (report.ts). Used by `npm start`,
// `npm run bench:system` and the whole-system test alike.
import { aiTotals } from "../../agent/src/ai/store";
import path from "node:path";
import { parseAbi, type Hex } from "viem";
import { defaultConfig, type Config } from "../../agent/src/strategy/config";
import type { MarketHistory } from "../../agent/src/market/types";
import { isoOf } from "../../agent/src/market/calendar";
import type { World } from "../world";
import { dayFailed, navNow, replayDays, type AgentSession, type DayResult } from "./driver";
import { aaveUsdcSupplyApr } from "./world";
import { PENDLE_PARAMS } from "../world";
import type { IndexerProcess } from "./indexer";
import type { Progress } from "./progress";
import type { ReplayState } from "./state";
import { agreementOf, backtestSide, chainFigures, journalFigures, learningOf, runName, summaryTable, writeReports, type IndexerFigures, type Summary } from "./report";
import { decisionsFromJournal } from "../../agent/src/learn/chain";
import { joinOutcomes, type JudgedDecision } from "../../agent/src/learn/journal";
import { writeMonthlyReports } from "../../agent/src/learn/report";
import type { Outcome } from "../../lib/analytics/insights";

const ROOT = path.resolve(__dirname, "..", "..");
const VALUATION = parseAbi(["function nav() view returns (uint256)"]);

/**
 * The backtest's cost model, calibrated to describe the local chain (README "Chain vs backtest"):
 * the swap fee is the pools' fee weighted by the strategy's BTC/ETH split (0.3% WBTC/USDC × 0.6 +
 * 0.05% WETH/USDC × 0.4), slippage the price impact of the agent's trades on the replay's pools.
 */
export function calibratedConfig(gasUsdPerRebalance: number, stableApr: number): Config {
  const c = defaultConfig();
  // Yields as the chain pays them: Aave's supply rate from the local borrower's demand, the vaults
  // built on Aave at the same rate, the PT at the world's Pendle implied rate (PENDLE_PARAMS).
  return { ...c, costs: { swapFeeBps: 20, slippageBps: 2, gasUsdPerRebalance }, rates: { ...c.rates, aaveFallbackApr: stableApr, vaultApr: stableApr, pendlePtApr: PENDLE_PARAMS.impliedApy } };
}

/** The history with no stablecoin yield data: the backtest then uses the chain's rate (aaveFallbackApr). */
function withChainYield(h: MarketHistory): MarketHistory {
  return { ...h, series: { ...h.series, stableYield: new Float64Array(h.length).fill(Number.NaN) } };
}

export interface SessionResult {
  /** null when the replay was stopped before its end (no report). */
  summary: Summary | null;
  days: DayResult[];
  files: string[];
  failed: boolean;
  timing: { feeds: number; arbitrage: number; cycle: number; ai: number; owners: number; indexer: number };
}

export async function runSession(o: {
  world: World;
  agent: AgentSession;
  indexer?: IndexerProcess;
  history: MarketHistory;
  fromDay: number;
  toDay: number;
  signerDelayDays: number;
  /** Holdings at the start in the backtest's positions (USD). */
  initialUsd: { usdc: number; btc: number; eth: number };
  progress: Progress;
  stopped: () => boolean;
  reportsDir?: string;
  /** Kept up to date for the agent's server (GET /api/replay). */
  state?: ReplayState;
}): Promise<SessionResult> {
  const t0 = performance.now();
  const startNav = await navNow(o.agent);
  const stableApr = await aaveUsdcSupplyApr(o.world);
  o.progress.start(o.toDay - o.fromDay + 1, startNav);
  if (o.state) {
    o.state.startNavUsd = startNav;
    o.state.status = "running";
  }
  let days: DayResult[];
  try {
    days = await replayDays({ world: o.world, agent: o.agent, history: o.history, fromDay: o.fromDay, toDay: o.toDay, signerDelayDays: o.signerDelayDays, stopped: o.stopped, onDay: (d) => (o.progress.day(d), o.state?.add(d)) });
  } catch (e) {
    if (o.state) o.state.status = "failed";
    throw e;
  } finally {
    o.progress.stop();
  }
  const seconds = (performance.now() - t0) / 1000;
  // Stopped by a signal: what was done stays in the journal and the indexer; no report.
  if (o.stopped()) {
    if (o.state) o.state.status = "stopped";
    return { summary: null, days, files: [], failed: days.some(dayFailed), timing: { feeds: 0, arbitrage: 0, cycle: 0, ai: 0, owners: 0, indexer: 0 } };
  }
  const client = o.agent.rt.ctx.client;
  const from = isoOf(o.fromDay);
  const to = days.length ? days[days.length - 1].date : from;

  // Every executed decision: its transaction and hash (module: the cycle's; owners: their execution).
  const executed: { date: string; decision: Hex; txHash: Hex }[] = [];
  for (const d of days) {
    if (d.report.status === "executed" && d.report.txHash && d.report.hash) executed.push({ date: d.date, decision: d.report.hash as Hex, txHash: d.report.txHash as Hex });
    for (const s of d.signed) if (s.decision) executed.push({ date: d.date, decision: s.decision, txHash: s.txHash });
  }
  // Gas as paid on the chain, at the day's ETH price.
  let gasUsd = 0;
  const missing: string[] = [];
  for (const e of executed) {
    const r = await client.getTransactionReceipt({ hash: e.txHash });
    const i = Number(BigInt(Date.parse(e.date) / 86_400_000)) - o.history.startDay;
    const ethUsd = o.history.series.eth[Math.min(i, o.history.length - 1)] || 0;
    gasUsd += (Number(r.gasUsed * r.effectiveGasPrice) / 1e18) * ethUsd;
    const h = e.decision.slice(2).toLowerCase();
    if (!r.logs.some((l) => l.topics.some((t) => t?.toLowerCase().includes(h)) || l.data.toLowerCase().includes(h))) missing.push(`${e.decision} (not in ${e.txHash})`);
  }

  // The indexer's view: caught up with the head, its last NAV against the valuation at that block.
  const t1 = performance.now();
  let ix: IndexerFigures = { finalNav: null, twr: null, decisions: null, winRate: null, qualityScore: null };
  let cents: number | null = null;
  let feesUsd = 0;
  let outcomes: Outcome[] | null = null;
  if (o.indexer) {
    await o.indexer.waitCaughtUp(300_000, o.stopped);
    const p = await o.indexer.getJson<{ block: string; navUsd18: string; navUsd: number }>("/portfolio");
    const perf = await o.indexer.getJson<{ twr: number }>("/performance");
    const dec = await o.indexer.getJson<{ count: number; winRate: number | null; qualityScore: number | null; decisions: { decisionHash: string; navBefore: number | null; navAfter: number | null }[] }>("/decisions");
    const chainNav = (await client.readContract({ address: o.agent.rt.addresses.valuation, abi: VALUATION, functionName: "nav", blockNumber: BigInt(p.block) })) as bigint;
    cents = Number((BigInt(p.navUsd18) - chainNav) / 10n ** 16n);
    ix = { finalNav: Number(BigInt(p.navUsd18) / 10n ** 14n) / 1e4, twr: perf.twr, decisions: dec.count, winRate: dec.winRate, qualityScore: dec.qualityScore };
    // The decisions' outcomes against holding still, with what the journal says was decided.
    outcomes = joinOutcomes(await decisionsFromJournal(o.agent.rt.journal), dec.decisions as unknown as JudgedDecision[]);
    const seen = new Set(dec.decisions.map((d) => d.decisionHash.toLowerCase()));
    for (const e of executed) if (!seen.has(e.decision.toLowerCase())) missing.push(`${e.decision} (not in the indexer)`);
    // Fees and slippage as the chain charged them: the NAV a trade lost at the oracle's prices.
    for (const d of dec.decisions) if (d.navBefore !== null && d.navAfter !== null) feesUsd += Math.max(0, d.navBefore - d.navAfter);
  }
  const indexerMs = performance.now() - t1;

  const chain = chainFigures(days, startNav, gasUsd, feesUsd);
  const trades = Math.max(chain.trades, 1);
  const bt = backtestSide(withChainYield(o.history), { from, to, strategy: o.agent.rt.cfg.strategy, config: calibratedConfig(gasUsd / trades, stableApr), initialUsd: o.initialUsd });
  const journal = journalFigures(days);
  const causes = [
    "the chain values BTC and ETH at the day's close through Chainlink-shaped feeds and trades on Uniswap pools arbitraged to it; the backtest fills at the same close with a flat fee + slippage model",
    `stablecoin yield: the backtest is given the chain's Aave USDC supply rate at the start (${(stableApr * 100).toFixed(2)}% APR) for Aave and the vaults and the PT's implied ${PENDLE_PARAMS.impliedApy * 100}%; on the chain the rate moves with utilization as the treasury supplies and withdraws`,
    "the chain's weights are read after the day's price move, the backtest's from yesterday's close: a drift trigger can fire a day apart",
  ];
  const agreement = agreementOf(chain, bt.figures, journal, days.length, cents, missing, causes);
  const summary: Summary = {
    from,
    to,
    days: days.length,
    seconds,
    chain,
    backtest: bt.figures,
    indexer: ix,
    journal,
    benchmarks: bt.benchmarks.map(({ name, totalReturn, maxDrawdown }) => ({ name, totalReturn, maxDrawdown })),
    agreement,
    learning: learningOf(outcomes),
    ai: await aiTotals(o.agent.rt.journal, `${o.agent.rt.ctx.chainId}:${o.agent.rt.ctx.safe}`),
  };
  const dir = o.reportsDir ?? path.join(ROOT, "reports", runName(from, to));
  const files = days.length ? writeReports(dir, summary, days, bt) : [];
  // The month-by-month insights of the run (insights-YYYY-MM.json / .html), next to the summary.
  if (files.length && outcomes) files.push(...writeMonthlyReports(dir, outcomes, from, to));
  if (o.state) {
    o.state.summary = summary;
    o.state.reportsDir = files.length ? dir : null;
    o.state.status = "done";
  }
  o.progress.say(summaryTable(summary, Math.max(0, ...days.map((d) => d.poolMoveBps))));
  if (files.length) o.progress.say(`reports: ${path.relative(process.cwd(), dir)}/ (summary.json, report.html, equity.csv, decisions.csv)`);
  const sum = (k: keyof DayResult["ms"]) => days.reduce((a, d) => a + d.ms[k], 0);
  return { summary, days, files, failed: days.some(dayFailed), timing: { feeds: sum("feeds"), arbitrage: sum("arbitrage"), cycle: sum("cycle"), ai: sum("ai"), owners: sum("owners"), indexer: indexerMs } };
}
