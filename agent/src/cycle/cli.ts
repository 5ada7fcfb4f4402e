// The chain verbs of `treasury`: once, run, status, propose, propose-borrow, sign, execute, emergency-exit. Each has
// --help and --json; configuration comes from env / --config (see agent/README.md "The agent cycle").
import type { Command } from "commander";
import type { Hex } from "viem";
import { ExitCode, UserError } from "../errors";
import { isoOf, todayDay, dayOf } from "../market/calendar";
import { lastDecisionDay } from "../market/replay";
import { confirmProposed, executeProposed } from "../safe";
import { jsonSafe } from "../journal";
import { openRuntime, type Runtime } from "./runtime";
import { errorText, runCycle } from "./once";
import { defaultSteps, marketProvider, type PlanPorts } from "./steps";
import type { MarketProvider } from "../market/types";
import { noteRunStart, noteRunStop } from "../alerts/restart";
import { readStatus, formatStatus } from "./status";
import { emergencyExit } from "./emergency";
import { startRunServer } from "../server";
import { isFailedCycle, type CycleReport } from "./types";
import { alertsFrom } from "../alerts";
import { requireChain, requireProposer, requireRegisteredAgent, Unreachable } from "./preflight";
import { closeExecutedProposal } from "./owners";
import { aiLoop, runWeeklyReview } from "../ai/loop";
import { reportText, weeklyReport } from "../ai/reports";
import { cycleOutage, latestMvrv, startWatch, withAssessment, type Watcher } from "../watch";
import { respondToEmergency } from "../ai/emergency";

interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
}

/** The planner, check and simulator; resolved lazily so the market-only verbs never load them. */
export type PortsFactory = (rt: Runtime) => PlanPorts;

const json = (v: unknown) => JSON.stringify(jsonSafe(v));

/** Alerts for this runtime's cycles (agent/src/alerts); they never throw nor change an exit code. */
const alertsOf = (rt: Runtime) => alertsFrom(rt.cfg.alerts, { env: rt.ctx.env ?? process.env, log: rt.log, journal: rt.journal });

/** `journal`: "agent" for the verbs that decide and act (one per Safe), "if-free" for those that
 * only read it or close a record, and work next to a running agent (runtime.ts). */
async function withRuntime<T>(o: { config?: string }, fn: (rt: Runtime) => Promise<T>, journal: "agent" | "if-free" = "if-free"): Promise<T> {
  const rt = await openRuntime({ file: o.config, journal });
  try {
    return await fn(rt);
  } finally {
    await rt.close();
  }
}

function formatCycle(r: CycleReport): string {
  const lines = [`cycle ${r.date}: ${r.status.toUpperCase()}${r.reason ? ` — ${r.reason}` : ""}`];
  if (r.hash) lines.push(`  decision ${r.hash}${r.path ? ` (${r.path})` : ""}`);
  if (r.txHash) lines.push(`  transaction ${r.txHash}`);
  if (r.safeTxHash) lines.push(`  proposal ${r.safeTxHash}${r.proposalUrl ? ` ${r.proposalUrl}` : ""}`);
  if (r.verdict) lines.push(`  verdict ${r.verdict.decision} by ${r.verdict.decidedBy} (LLM ${r.verdict.llm})`);
  for (const x of r.reconciled as { hash: string; from: string; to: string; how: string }[]) lines.push(`  reconciled ${x.hash.slice(0, 10)}…: ${x.from} → ${x.to} (${x.how})`);
  lines.push(`  ${Object.entries(r.stepsMs).map(([k, v]) => `${k} ${v.toFixed(0)} ms`).join(", ")}; total ${r.totalMs.toFixed(0)} ms`);
  return lines.join("\n") + "\n";
}

async function cycleDate(rt: Runtime, date?: string, provider?: MarketProvider): Promise<string> {
  if (date) {
    dayOf(date);
    return date;
  }
  if (rt.cfg.market.source === "live") return isoOf(todayDay());
  const p = (provider ?? marketProvider(rt)) as { history?: Parameters<typeof lastDecisionDay>[0] };
  return isoOf(lastDecisionDay(p.history!));
}

/** One market provider per runtime for the weekly review's benchmarks (the replay reads its files once). */
const providerOnce = (rt: Runtime) => {
  let p: ReturnType<typeof marketProvider> | undefined;
  return () => (p ??= marketProvider(rt));
};

const needService = (rt: Runtime) => {
  if (!rt.ctx.safeCfg) throw new UserError("no Safe Transaction Service: set SAFE_TX_SERVICE_URL (local or self-hosted, ending in /api) or SAFE_API_KEY (hosted)");
  return rt.ctx.safeCfg;
};

/**
 * Before any cycle: the chain answers (exit 1 naming the URL otherwise; a finished day is never
 * "already" on a dead chain), and unless it is a dry run the agent key is a registered agent and may
 * propose (an owner or a delegate of the Safe in the service); a wrong key is exit 2 naming its setting.
 */
async function preflight(rt: Runtime, o: { dryRun?: boolean; propose: boolean; service?: boolean }): Promise<void> {
  try {
    await requireChain(rt.ctx.client, rt.cfg.rpcUrl, rt.ctx.chainId);
  } catch (e) {
    // `run` is a service: a chain down at its start is a failed cycle each interval (alerts,
    // /health), not a crash loop; the key checks wait for a chain that answers.
    if (!(o.service && e instanceof Unreachable)) throw e;
    rt.log.warn({ reason: e.message }, "the chain does not answer at start: the agent key is not checked; cycles abort until it does");
    return;
  }
  if (o.dryRun) return;
  const agent = await rt.key("agent");
  await requireRegisteredAgent(rt.ctx.client, rt.ctx.policy, agent);
  const svc = o.propose ? needService(rt) : rt.ctx.safeCfg;
  if (svc && (await requireProposer(rt.ctx.client, svc, agent, o.propose)) === "unchecked") rt.log.warn({ txService: svc.txServiceUrl }, "the transaction service did not answer: the proposer's delegate status is not checked");
}

export function registerCycleVerbs(program: Command, io: Io, ports: PortsFactory): void {
  const once = async (o: { date?: string; dryRun?: boolean; json?: boolean; config?: string }, forceProposal: boolean) =>
    withRuntime(o, async (rt) => {
      await preflight(rt, { dryRun: o.dryRun, propose: forceProposal });
      const agent = o.dryRun ? undefined : await rt.key("agent");
      const ai = aiLoop(rt, defaultSteps(rt, ports(rt)), { provider: providerOnce(rt) });
      const r = await runCycle(rt.ctx, ai.steps, { date: await cycleDate(rt, o.date), dryRun: o.dryRun, forceProposal, agentKey: agent?.key });
      // The daily assessment (and the weekly review when due) after the cycle; never on a dry run.
      if (!o.dryRun) await ai.after(r);
      io.out(o.json ? json(r) + "\n" : formatCycle(r));
      if (!o.dryRun) await alertsOf(rt).cycle(r);
      // The report is printed; scripts and service managers see the failure in the exit code.
      if (isFailedCycle(r.status)) throw new ExitCode(1);
    }, "agent");

  program
    .command("once")
    .description("one cycle: read → decide → plan → check → simulate → approve → execute or propose → record")
    .option("--date <date>", "decision day (replay: default the day after the last data; live: today)")
    .option("--dry-run", "do everything but send (the decision is recorded as skipped)")
    .option("--config <file>", "agent config JSON (env wins); see agent/README.md")
    .option("--json", "print the cycle report as JSON")
    .action((o) => once(o, false));

  program
    .command("propose")
    .description("force the owner path: the current plan as a Safe transaction proposed to the Safe Transaction Service")
    .option("--date <date>", "decision day")
    .option("--dry-run", "do everything but propose")
    .option("--config <file>", "agent config JSON")
    .option("--json", "print JSON")
    .action((o) => once(o, true));

  program
    .command("run")
    .description("the cycle on a schedule (config schedule.intervalSeconds), one at a time, with the watchers beside it (config watch), until SIGINT/SIGTERM")
    .option("--interval <seconds>", "seconds between cycle starts (overrides the config)")
    .option("--max-cycles <n>", "stop after n cycles (default: never)")
    .option("--config <file>", "agent config JSON")
    .option("--json", "one JSON line per cycle")
    .action(async (o: { interval?: string; maxCycles?: string; config?: string; json?: boolean }) =>
      withRuntime(o, async (rt) => {
        const interval = o.interval ? Number(o.interval) : rt.cfg.schedule.intervalSeconds;
        if (!(Number.isInteger(interval) && interval > 0)) throw new UserError(`--interval must be a positive integer (seconds), got "${o.interval}"`);
        const max = o.maxCycles ? Number(o.maxCycles) : Infinity;
        await preflight(rt, { propose: false, service: true });
        // Health, metrics, JSON API when server.enabled; a bind failure is a UserError here, before any cycle.
        const server = await startRunServer(rt, { intervalSeconds: interval, say: o.json ? undefined : io.out });
        let stop = false;
        let wake: (() => void) | undefined;
        // A critical emergency seen by the watch loop starts the next cycle now (one at a time: after
        // the current one; the journal's one decision per day still holds).
        let woken: boolean;
        let watcher: Watcher | undefined;
        const onSignal = (sig: string) => {
          rt.log.info({ signal: sig }, "stopping after the current cycle");
          stop = true;
          server?.stopping();
          wake?.();
        };
        process.on("SIGINT", onSignal);
        process.on("SIGTERM", onSignal);
        try {
          const agent = await rt.key("agent");
          // One market provider for the cycles, the weekly review and the watch loop's MVRV: one cache,
          // so the watch's polls cost the sources nothing between the cache's refreshes.
          const market = marketProvider(rt);
          const today = () => cycleDate(rt, undefined, market);
          const ai = aiLoop(rt, defaultSteps(rt, ports(rt), { provider: market }), { provider: () => market });
          const steps = ai.steps;
          const alerts = alertsOf(rt);
          // A run before this one that never stopped cleanly (SIGKILL, a crash) is told now.
          const scope = `${rt.ctx.chainId}:${rt.ctx.safe}`;
          // Never in the way of the run: a journal that cannot say it only loses this alert (logged).
          const restarted = await noteRunStart(rt.journal, scope).catch((e) => void rt.log.error({ err: errorText(e) }, "could not record the run's start in the journal"));
          if (restarted) {
            rt.log.warn({ lastRun: restarted.data }, "the previous run did not stop cleanly");
            await alerts.notice(restarted);
          }
          const watched = server ? server.watch(steps) : steps;
          watcher = startWatch(rt, {
            agent: agent.address,
            mvrv: latestMvrv(market, today),
            wake: (evs) => {
              rt.log.warn({ events: evs.map((e) => e.kind) }, "watch: critical event, a cycle out of schedule");
              woken = true;
              wake?.();
            },
            // Issue 19 §3: after the alerts, the emergency assessment (pause / de-risk / exit as configured).
            assess: (base) => withAssessment(base, (evs) => respondToEmergency(rt, evs), (e) => rt.log.error({ err: errorText(e) }, "emergency assessment failed")),
          });
          if (watcher) server?.attachWatch(watcher);
          for (let n = 0; !stop && n < max; n++) {
            const started = Date.now();
            woken = false;
            const r = await runCycle(rt.ctx, watched, { date: await today(), agentKey: agent.key });
            await ai.after(r);
            server?.cycleDone(r);
            watcher?.cycleDone();
            io.out(o.json ? json(r) + "\n" : formatCycle(r));
            // One outage, one alert: a cycle stopped by the RPC or the transaction service not
            // answering says nothing the watch loop has already said; once the cycle has said it,
            // the watch loop does not.
            const outage = cycleOutage(r, rt.cfg.rpcUrl);
            await alerts.cycle(r, { quiet: !!outage && !!watcher?.hasTold(outage) });
            if (outage) watcher?.noteOutage(outage);
            if (stop || n + 1 >= max) break;
            if (woken) continue;
            await new Promise<void>((res) => {
              const t = setTimeout(res, Math.max(0, started + interval * 1000 - Date.now()));
              wake = () => (clearTimeout(t), res());
            });
          }
          // Only a loop that ended as asked (a signal, --max-cycles) is a clean stop: a thrown error is not.
          await noteRunStop(rt.journal, scope).catch((e) => rt.log.error({ err: errorText(e) }, "could not record the clean stop in the journal: the next start will report an unclean one"));
        } finally {
          process.off("SIGINT", onSignal);
          process.off("SIGTERM", onSignal);
          await watcher?.stop();
          await server?.stop();
        }
      }, "agent"),
    );

  program
    .command("propose-borrow")
    .description("owners: propose enabling Aave USDC borrowing (leverage) through the timelock, with the evidence; run again after the delay to propose applying it")
    .requiredOption("--evidence <file>", "what the owners should read first (e.g. the walk-forward table): its SHA-256 and summary go into the proposal")
    .option("--dry-run", "print the stage and the changes; propose nothing")
    .option("--config <file>", "agent config JSON")
    .option("--json", "print JSON")
    .action(async (o: { evidence: string; dryRun?: boolean; config?: string; json?: boolean }) => withRuntime(o, async (rt) => {
      const { proposeEnableBorrowing, readEvidence, formatBorrowProposal } = await import("./borrowProposal");
      const evidence = readEvidence(o.evidence);
      const key = o.dryRun ? undefined : await rt.key("agent");
      const r = await proposeEnableBorrowing({ client: rt.ctx.client, policy: rt.addresses.policy, deployment: rt.deployment, safeCfg: o.dryRun ? (rt.ctx.safeCfg as never) : needService(rt), proposerKey: key?.key ?? "0x", evidence, dryRun: o.dryRun });
      io.out(o.json ? json(r) + "\n" : formatBorrowProposal(r));
    }));

  program
    .command("review")
    .description("the weekly strategy review now (issue 19 §2): the week and quarter against the benchmarks and targets, the signals, regime, concerns, recommendations; a report, it never acts")
    .option("--date <date>", "the week's last day (default: as `once`)")
    .option("--config <file>", "agent config JSON")
    .option("--json", "print JSON")
    .action(async (o: { date?: string; config?: string; json?: boolean }) => withRuntime(o, async (rt) => {
      if (rt.journalHeld) throw new UserError(`the running agent holds the journal (${rt.journalHeld}); it writes the weekly review itself every ${rt.cfg.ai.weeklyEveryDays} days (dashboard, reports), or stop it and run \`treasury review\` again`);
      const date = await cycleDate(rt, o.date);
      const r = await runWeeklyReview(rt, { date, provider: marketProvider(rt) });
      const scope = `${rt.ctx.chainId}:${rt.ctx.safe}`;
      io.out(o.json ? json({ date, answeredBy: r.assessed.answeredBy, why: r.assessed.why, review: r.assessed.value, facts: r.facts, llm: r.assessed.llm, usage: r.assessed.usage ?? null, recorded: r.recorded }) + "\n" : reportText(weeklyReport(scope, r.facts, r.assessed)).join("\n\n") + "\n");
    }));

  program
    .command("status")
    .description("portfolio NAV, paused, limits and budget left, Safe owners/nonce, pending proposals, recent decisions")
    .option("--config <file>", "agent config JSON")
    .option("--json", "print JSON")
    .action(async (o: { config?: string; json?: boolean }) => withRuntime(o, async (rt) => {
      const s = await readStatus(rt);
      io.out(o.json ? json(s) + "\n" : formatStatus(s) + "\n");
    }));

  const safeTxHashArg = (h: string): Hex => {
    if (!/^0x[0-9a-fA-F]{64}$/.test(h)) throw new UserError(`"${h}" is not a safeTxHash (0x + 64 hex digits); copy it from \`treasury status\` or the Safe web app`);
    return h as Hex;
  };

  program
    .command("sign <safeTxHash>")
    .description("confirm a proposed Safe transaction with the signer key (an owner): rebuilt and hash-checked first")
    .option("--config <file>", "agent config JSON")
    .option("--json", "print JSON")
    .action(async (h: string, o: { config?: string; json?: boolean }) => withRuntime(o, async (rt) => {
      const hash = safeTxHashArg(h);
      const signer = await rt.key("signer");
      const r = await confirmProposed(needService(rt), hash, signer.key);
      io.out(o.json ? json({ safeTxHash: hash, ...r }) + "\n" : `${r.alreadyConfirmed ? "already confirmed" : "confirmed"} ${hash} as ${r.owner}\n`);
    }));

  program
    .command("execute <safeTxHash>")
    .description("execute a proposed Safe transaction once it has enough confirmations (signer key pays the gas)")
    .option("--config <file>", "agent config JSON")
    .option("--json", "print JSON")
    .action(async (h: string, o: { config?: string; json?: boolean }) => withRuntime(o, async (rt) => {
      const hash = safeTxHashArg(h);
      const signer = await rt.key("signer");
      const r = await executeProposed(needService(rt), hash, signer.key);
      // The decision it carried (recordDecision) is now on chain: close it in the journal, or, while
      // a running agent holds the journal, leave it to that agent: its next cycle finds the
      // DecisionRecorded event and records the execution (reconcile.ts).
      const decision = rt.journalHeld ? undefined : await closeExecutedProposal(rt.journal, hash, r);
      const journalNote = rt.journalHeld ? "the running agent records the execution at its next cycle (it holds the journal)" : decision ? `decision ${decision}` : "no decision of this journal";
      io.out(o.json ? json({ safeTxHash: hash, ...r, decision: decision ?? null, journal: journalNote }) + "\n" : `executed ${hash} in ${r.txHash} (block ${r.blockNumber}, gas ${r.gasUsed}); ${journalNote}\n`);
    }));

  program
    .command("emergency-exit")
    .description("guardian key: pause the agent and unwind every position into the Safe; prints what came back")
    .option("--config <file>", "agent config JSON")
    .option("--json", "print JSON")
    .action(async (o: { config?: string; json?: boolean }) => withRuntime(o, async (rt) => {
      const g = await rt.key("guardian");
      const alerts = alertsOf(rt);
      const r = await emergencyExit(rt.ctx, rt.cfg.rpcUrl, g.key).catch(async (e) => {
        await alerts.emergencyExitFailed(errorText(e));
        throw e;
      });
      await alerts.emergencyExit(r);
      if (o.json) io.out(json(r) + "\n");
      else {
        const lines = [`emergency exit by ${r.guardian} in ${r.txHash}: agent paused`];
        for (const x of r.exited) lines.push(`  ${x.token}: ${x.success ? "exited" : "NOT exited"} (balance ${x.balanceBefore} → ${x.balanceAfter})`);
        if (!r.exited.length) lines.push("  no open positions");
        io.out(lines.join("\n") + "\n");
      }
    }));
}
