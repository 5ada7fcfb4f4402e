// The assessments wired to the cycle: the daily assessment after each cycle (stored with its
// decision), the daily summary report, and the weekly review every `ai.weeklyEveryDays` days of
// cycles (simulated days in a replay, real ones in `treasury run`). Used by `treasury once` /
// `run` and the replay; the time it adds to a cycle is its report's stepsMs.ai.
import type { Portfolio } from "../chain/types";
import type { CycleReport, CycleSteps, Decided, PortfolioLike } from "../cycle/types";
import type { Runtime } from "../cycle/runtime";
import { heldWeights } from "../cycle/decide";
import { dayOf, isoOf } from "../market/calendar";
import type { MarketProvider } from "../market/types";
import { defaultConfig } from "../strategy/config";
import { usdNumber } from "../usd";
import { errorText } from "../cycle/errors";
import type { LlmClient } from "./forcedTool";
import { assessmentLlm } from "./client";
import { dispatcherFor } from "./alerts";
import { assessDaily, dailyInputOf, type DailyAnswer } from "./daily";
import { assessWeekly, weeklyFacts, type PriceSeries, type SignalDay, type WeeklyAnswer, type WeeklyFacts } from "./weekly";
import { alertsSince, dailyReport, REPORT_CHANNELS, sendReport, weeklyReport, type Report, type ReportSection } from "./reports";
import type { DispatchResult } from "../alerts";
import { assessedRecord, listAssessments, recordAssessment } from "./store";
import type { Assessed } from "./assess";
import path from "node:path";
import { decisionsFromJournal } from "../learn/chain";
import { fetchJudged, joinOutcomes } from "../learn/journal";
import { monthlyReport, monthlyReportMessage, writeMonthlyReport } from "../learn/report";

export interface AfterCycle {
  daily?: Assessed<DailyAnswer>;
  weekly?: { facts: WeeklyFacts; assessed: Assessed<WeeklyAnswer> };
  /** The month whose insights this cycle wrote and sent, and the files. */
  monthly?: { month: string; files: { json: string; html: string } };
  ms: number;
  errors: string[];
}

export interface AiLoop<P extends PortfolioLike> {
  /** The cycle's steps, watched: what the cycle read and decided is kept for the assessment. */
  steps: CycleSteps<P>;
  after(r: CycleReport): Promise<AfterCycle>;
}

const scopeOf = (rt: Runtime) => `${rt.ctx.chainId}:${rt.ctx.safe}`;

export function aiLoop(rt: Runtime, steps: CycleSteps<Portfolio>, o: { env?: NodeJS.ProcessEnv; provider?: () => MarketProvider; llm?: LlmClient | null; now?: () => Date } = {}): AiLoop<Portfolio> {
  const env = o.env ?? rt.ctx.env ?? process.env;
  const llm = o.llm === null ? undefined : (o.llm ?? assessmentLlm(rt.cfg, env));
  let seen: { p?: Portfolio; d?: Decided } = {};
  const watched: CycleSteps<Portfolio> = {
    ...steps,
    read: async () => (seen.p = await steps.read()),
    decide: async (p, date) => (seen.d = await steps.decide(p, date)),
  };
  const reports = dispatcherFor(rt.cfg, { env, log: rt.log, journal: rt.journal, only: REPORT_CHANNELS, now: o.now });
  return {
    steps: watched,
    async after(r) {
      const t0 = performance.now();
      const out: AfterCycle = { ms: 0, errors: [] };
      const { p, d } = seen;
      seen = {};
      const scope = scopeOf(rt);
      const guard = async (what: string, fn: () => Promise<void>) => {
        try {
          await fn();
        } catch (e) {
          // An assessment or a report never changes a cycle's outcome: logged, returned, not thrown.
          out.errors.push(`${what}: ${errorText(e)}`);
          rt.log.error({ what, error: errorText(e) }, "assessment step failed");
        }
      };
      const held = p ? heldWeights(p) : null;
      const navUsd = p ? usdNumber(p.navUsd) : null;
      if (rt.cfg.ai.daily && d) {
        await guard("daily assessment", async () => {
          const a = await assessDaily(llm, dailyInputOf(r, d, held, navUsd, defaultConfig().rebalance.driftPct));
          out.daily = a;
          await recordAssessment(rt.journal, { key: `daily:${r.cycleKey}`, kind: "daily", scope, date: r.date, decisionHash: r.hash ?? null, assessed: a, body: { ...assessedRecord(a), cycle: { status: r.status, reason: r.reason ?? null, hash: r.hash ?? null } } });
        });
      }
      if (rt.cfg.reports.daily && reports.enabled && d) {
        await guard("daily summary", async () => {
          const navs = await rt.journal.navByDate(`${scope}:`);
          const prev = [...navs].reverse().find((n) => n.date < r.date);
          const pending = (await rt.journal.watched(`${scope}:`)).filter((x) => x.status === "proposed");
          const now = (o.now ?? (() => new Date()))();
          await sendReport(reports, dailyReport({
            scope,
            date: r.date,
            cycle: { status: r.status, reason: r.reason, txHash: r.txHash, safeTxHash: r.safeTxHash, hash: r.hash },
            navUsd,
            prevNavUsd: prev ? Number(BigInt(prev.navUsd) / 10n ** 12n) / 1e6 : null,
            held,
            target: d.decision.targets,
            pending: pending.map((x) => ({ safeTxHash: x.safeTxHash, date: x.date, waitingDays: dayOf(r.date) - dayOf(x.date), waitingHours: Math.round((now.getTime() - x.createdAt.getTime()) / 3_600_000) })),
            alerts: await alertsSince(rt.journal, new Date(now.getTime() - 86_400_000)),
            assessment: out.daily,
          }));
        });
      }
      if (o.provider) {
        await guard("weekly review", async () => {
          if (!(await weeklyDue(rt, r.date))) return;
          out.weekly = await runWeeklyReview(rt, { date: r.date, provider: o.provider!(), llm: llm ?? null, dispatcher: reports });
        });
      }
      // The monthly insights: on the first cycle of a month, for the month before (once; the
      // indexer judges the outcomes, so it runs only where INDEXER_URL is set).
      if (rt.cfg.reports.monthly && rt.cfg.server.indexerUrl) {
        await guard("monthly insights", async () => {
          out.monthly = await monthlyDue(rt, r.date, rt.cfg.server.indexerUrl!);
        });
      }
      out.ms = performance.now() - t0;
      r.stepsMs.ai = out.ms;
      return out;
    },
  };
}

/** The month before `date`'s month as YYYY-MM. */
export function previousMonth(date: string): string {
  const [y, m] = date.split("-").map(Number);
  return m === 1 ? `${y - 1}-12` : `${y}-${String(m - 1).padStart(2, "0")}`;
}

/**
 * The monthly insights for the month before `date`, when that month had executed decisions and has
 * no monthly record yet: written as JSON + HTML under `<dataDir>/reports/` and published (journal,
 * e-mail, webhook) once.
 */
export async function monthlyDue(rt: Runtime, date: string, indexerUrl: string): Promise<AfterCycle["monthly"]> {
  const scope = scopeOf(rt);
  const month = previousMonth(date);
  const [last] = await listAssessments(rt.journal, { scope, kind: "monthly", limit: 1 });
  if (last && last.date >= `${month}-01`) return undefined;
  const executed = await decisionsFromJournal(rt.journal);
  if (!executed.some((d) => d.date.startsWith(month))) return undefined;
  // Written once per month: not before the indexer has every executed decision of that month (it
  // follows the chain, a few blocks behind on a busy day); until then the next cycle asks again.
  const judged = await fetchJudged(indexerUrl);
  const known = new Set(judged.map((j) => j.decisionHash.toLowerCase()));
  const waiting = executed.filter((d) => d.date.startsWith(month) && !known.has(d.hash.toLowerCase())).length;
  if (waiting) {
    rt.log.info({ month, waiting }, "monthly insights: the indexer has not judged all of the month's executed decisions yet; asking again after the next cycle");
    return undefined;
  }
  const outcomes = joinOutcomes(executed, judged);
  const rep = monthlyReport(outcomes, month);
  const files = writeMonthlyReport(path.join(rt.cfg.dataDir, "reports"), rep);
  const msg = monthlyReportMessage(rep, scope);
  await publishMonthly(rt, { month, title: msg.title, sections: msg.sections, data: msg.data });
  return { month, files };
}

/** Due when `ai.weeklyEveryDays` days have passed since the last review (or since the first cycle journaled). */
export async function weeklyDue(rt: Runtime, date: string): Promise<boolean> {
  const scope = scopeOf(rt);
  const [last] = await listAssessments(rt.journal, { scope, kind: "weekly", limit: 1 });
  const every = rt.cfg.ai.weeklyEveryDays;
  if (last) return dayOf(date) - dayOf(last.date) >= every;
  const navs = await rt.journal.navByDate(`${scope}:`);
  return navs.length > 0 && dayOf(date) - dayOf(navs[0].date) >= every;
}

/** Daily closes and the stable yield by date from a provider's view of `date` (what was known then). */
export async function pricesFor(provider: MarketProvider, date: string): Promise<PriceSeries> {
  const v = await provider.view(date);
  const map = (a: Float64Array) => {
    const m = new Map<string, number>();
    a.forEach((x, i) => Number.isFinite(x) && m.set(isoOf(v.startDay + i), x));
    return m;
  };
  return { btc: map(v.series.btc), eth: map(v.series.eth), stableYield: map(v.series.stableYield) };
}

/** The weekly review for the week ending `date`: figures from the journal and the provider, the
 * judgement from the model or the rules, recorded and sent as a report. It never acts. */
export async function runWeeklyReview(rt: Runtime, o: { date: string; provider: MarketProvider; llm?: LlmClient | null; dispatcher?: ReturnType<typeof dispatcherFor>; env?: NodeJS.ProcessEnv; record?: boolean }): Promise<{ facts: WeeklyFacts; assessed: Assessed<WeeklyAnswer>; recorded: boolean }> {
  const env = o.env ?? rt.ctx.env ?? process.env;
  const scope = scopeOf(rt);
  const rows = await rt.journal.seriesRows(`${scope}:`, 400);
  const byDate = new Map<string, SignalDay>();
  for (const x of rows) {
    const s = (x.signals ?? {}) as { phase?: string | null; triggers?: string[] };
    const nav = (x.portfolio as { navUsd?: string } | null)?.navUsd;
    byDate.set(x.date, { date: x.date, status: x.status, phase: s.phase ?? null, triggers: s.triggers ?? [], navUsd: nav && /^\d+$/.test(nav) ? Number(BigInt(nav) / 10n ** 12n) / 1e6 : null });
  }
  const nav = (await rt.journal.navByDate(`${scope}:`)).map((n) => ({ date: n.date, navUsd: Number(BigInt(n.navUsd) / 10n ** 12n) / 1e6 }));
  const facts = weeklyFacts({ date: o.date, nav, days: [...byDate.values()].sort((a, b) => (a.date < b.date ? -1 : 1)), prices: await pricesFor(o.provider, o.date), targets: { annualReturn: rt.cfg.ai.targetAnnualReturn, maxDrawdown: rt.cfg.risk.maxDrawdown } });
  const llm = o.llm === null ? undefined : (o.llm ?? assessmentLlm(rt.cfg, env));
  const a = await assessWeekly(llm, facts);
  const recorded = o.record === false ? false : await recordAssessment(rt.journal, { key: `weekly:${scope}:${o.date}`, kind: "weekly", scope, date: o.date, assessed: a, body: { ...assessedRecord(a), facts } });
  if (rt.cfg.reports.weekly) {
    const d = o.dispatcher ?? dispatcherFor(rt.cfg, { env, log: rt.log, journal: rt.journal, only: REPORT_CHANNELS });
    if (d.enabled) await sendReport(d, weeklyReport(scope, facts, a));
  }
  return { facts, assessed: a, recorded };
}

/**
 * The monthly insights' entry point (their content is agent/src/learn's): recorded in the journal
 * (assessments, kind monthly: counted in summary.json) and sent as a report by e-mail and webhook,
 * once per month. `assessed`: who wrote it and the API's usage when a model did (absent: the rules).
 */
export async function publishMonthly(rt: Runtime, r: { month: string; title: string; sections: ReportSection[]; data?: Record<string, unknown> }, o: { assessed?: Pick<Assessed<unknown>, "answeredBy" | "usage">; env?: NodeJS.ProcessEnv } = {}): Promise<{ recorded: boolean; sent?: DispatchResult }> {
  if (!/^\d{4}-\d{2}$/.test(r.month)) throw new Error(`publishMonthly: month must be YYYY-MM, got "${r.month}"`);
  const scope = scopeOf(rt);
  const report: Report = { kind: "monthly", scope, period: r.month, title: r.title, sections: r.sections, data: r.data ?? {} };
  const recorded = await recordAssessment(rt.journal, { key: `monthly:${scope}:${r.month}`, kind: "monthly", scope, date: `${r.month}-01`, assessed: o.assessed ?? { answeredBy: "rules" }, body: { title: r.title, sections: r.sections, data: r.data ?? {} } });
  if (!rt.cfg.reports.monthly) return { recorded };
  const d = dispatcherFor(rt.cfg, { env: o.env ?? rt.ctx.env ?? process.env, log: rt.log, journal: rt.journal, only: REPORT_CHANNELS });
  return { recorded, sent: d.enabled ? await sendReport(d, report) : undefined };
}
