// One cycle: reconcile → read → decide → plan → check → simulate → risk → approve → execute or
// propose → record. Which step runs next, and whether the day is held (with why) or sent (on which
// path), is decided by the pure router (route.ts) from what the steps returned; this file runs the
// steps it names and writes the journal once with the outcome. When in doubt the agent does nothing.
import type { Hex } from "viem";
import { errorText } from "./errors";
import { reconcile, type ExecContext } from "../execute";
import { afterRestore } from "../execute/restored";
import { decisionHash, jsonSafe, LIVE, type DecisionBody } from "../journal";
import { act } from "./act";
import { replanModified } from "./modify";
import { pathOf, route, type Evidence, type Route, type Via } from "./route";
import type { ApprovalRequestInput } from "../approval";
import type { CycleReport, CycleSteps, PortfolioLike, Planned, Simulated } from "./types";
import { usdNumber } from "../usd";

const E18 = 10n ** 18n;
const planRecOf = (plan: Planned) => ({ calls: plan.calls.map((c) => ({ to: c.to, value: c.value.toString(), data: c.data })), steps: plan.steps, sizeUsd: plan.sizeUsd.toString(), reason: plan.reason, detail: jsonSafe(plan.detail) });

export { errorText };

export interface CycleOptions {
  date: string;
  dryRun?: boolean;
  /** Force the owner path (treasury propose). */
  forceProposal?: boolean;
  agentKey?: Hex;
  now?: () => number;
}

/** The approver's request for a plan and its simulation on a path (the module's or the owners' limits). */
function approvalRequest<P extends PortfolioLike>(e: Evidence<P>, cycleKey: string, rationale: string, via: Via, pl: Planned, s: Simulated & { ok: true }): ApprovalRequestInput {
  const p = e.portfolio;
  const d = e.decided!;
  return {
    decisionId: `${cycleKey}:${p.blockNumber}`,
    plan: { steps: pl.steps },
    rationale,
    simulation: { ok: true, navBeforeUsd: Number(s.navBeforeUsd / E18), navAfterUsd: Number(s.navAfterUsd / E18), gasUsed: Number(s.gas), weightsAfter: s.weightsAfter, headroomUsd: s.headroomUsd },
    // Module: the autonomy limit. Owners: a full rotation at most (each dollar sold once and bought
    // once is 2 × NAV gross); the owners and the guard are the gate above that.
    limits: { maxPlanUsd: via === "module" ? usdNumber(p.policy.limits.autonomyLimitUsd) : Math.max(2 * usdNumber(p.navUsd), 1), maxNavLossBps: p.policy.limits.maxLossBps },
    data: { asOf: e.date, staleSources: d.staleInputs, pricesBroken: !p.healthy },
    market: d.market.texts,
  };
}

/** The record's parts from what the cycle learnt (the plan, check and simulation sent are a
 * reviewer's smaller ones when it cut the plan down; the original is under `modification`). */
function recordParts<P extends PortfolioLike>(e: Evidence<P>): Partial<DecisionBody> {
  const d = e.decided;
  const parts: Partial<DecisionBody> = {};
  if (!d) return parts;
  parts.inputs = { market: { provider: d.market.provider, sources: d.market.sources, issues: d.market.issues }, portfolio: jsonSafe(e.portfolio) };
  parts.signals = { indicators: d.indicators, phase: d.decision.phase ?? null, mode: d.decision.mode ?? null, triggers: d.decision.triggers, reasons: d.decision.reasons };
  parts.target = d.decision.targets;
  if (e.plan) parts.plan = planRecOf(e.plan);
  if (e.check) parts.check = jsonSafe(e.check);
  if (e.simulation) parts.simulation = jsonSafe(e.simulation);
  if (e.risk) parts.risk = jsonSafe(e.risk);
  const v = e.verdict;
  if (v) {
    parts.verdict = { decision: v.decision, decidedBy: v.decidedBy, reasons: v.reasons, riskFlags: v.riskFlags, confidence: v.confidence, llm: jsonSafe(v.llm), rules: jsonSafe(v.rules) };
    parts.model = v.llm.status === "ok" || v.llm.status === "failed" ? (v.llm.model ?? null) : null;
  }
  const m = e.modified;
  if (v && m) {
    parts.modification = {
      requested: v.plan.steps,
      reasons: v.reasons,
      original: { plan: parts.plan, check: parts.check, simulation: parts.simulation },
      outcome: m.ok ? "accepted" : `held at ${m.stage}`,
      reason: m.ok ? "smaller plan re-checked, re-simulated and approved by the rules" : m.reason,
      check: m.check ? jsonSafe(m.check) : null,
      simulation: m.simulation ? jsonSafe(m.simulation) : null,
      rules: m.rules ? jsonSafe(m.rules) : null,
      risk: m.risk ? jsonSafe(m.risk) : null,
    };
    parts.plan = m.plan ? planRecOf(m.plan) : m.ok ? parts.plan : null;
    if (m.ok) {
      parts.check = jsonSafe(m.check);
      parts.simulation = jsonSafe(m.simulation);
      if (m.risk) parts.risk = jsonSafe(m.risk);
    }
  }
  return parts;
}

export async function runCycle<P extends PortfolioLike>(ctx: ExecContext, steps: CycleSteps<P>, o: CycleOptions): Promise<CycleReport> {
  const now = o.now ?? (() => performance.now());
  const t0 = now();
  const stepsMs: Record<string, number> = {};
  const timed = async <T>(name: string, fn: () => T | Promise<T>): Promise<T> => {
    const s = now();
    try {
      return await fn();
    } finally {
      stepsMs[name] = (stepsMs[name] ?? 0) + now() - s;
    }
  };
  const cycleKey = `${ctx.chainId}:${ctx.safe}:${o.date}`;
  // The market sources that failed while deciding go out with whatever the cycle ends in (alerts/market.ts).
  let sourceFailures: CycleReport["sourceFailures"];
  const report = (r: Omit<CycleReport, "date" | "cycleKey" | "stepsMs" | "totalMs" | "reconciled"> & { reconciled?: unknown[] }): CycleReport => ({ date: o.date, cycleKey, reconciled: [], ...r, ...(sourceFailures ? { sourceFailures } : {}), stepsMs, totalMs: now() - t0 });
  const abort = async (step: string, e: unknown, reconciled: unknown[] = []): Promise<CycleReport> => {
    const reason = `${step}: ${errorText(e)}`;
    ctx.log.error({ cycleKey, step, reason }, "cycle stopped: nothing sent");
    await ctx.journal.event(cycleKey, "aborted", { step, reason }).catch(() => undefined);
    return report({ status: "aborted", reason, reconciled });
  };

  // 1. Finish whatever a previous run (or another process: the owners' execution, a reorg) left
  // open; never a second send of the same decision.
  let reconciled: unknown[];
  try {
    reconciled = await timed("reconcile", async () => [
      // The journal first: after a database restart its lock is taken again (or the cycle stops here).
      ...(await ctx.journal.ensureLock().then(() => [])),
      ...(await reconcile(ctx, { proposerKey: o.agentKey })),
      // After `treasury restore`: executions the restored journal does not know hold the day.
      ...(await afterRestore(ctx, o.date)),
    ]);
  } catch (e) {
    return abort("reconcile", e);
  }
  const live = new Set<string>(LIVE);
  let prior;
  try {
    prior = (await ctx.journal.byCycle(cycleKey)).find((r) => live.has(r.status));
  } catch (e) {
    return abort("journal", e, reconciled);
  }
  if (prior) {
    // Nothing to decide; the portfolio is still read (best effort) so what watches the loop (the
    // server's metrics) shows the NAV after an execution made elsewhere, not the last decided one.
    await timed("read", () => steps.read()).catch(() => undefined);
    return report({ status: "already", reason: `the decision for ${o.date} is already ${prior.status}`, hash: prior.hash, path: prior.path, txHash: prior.txHash ?? undefined, safeTxHash: prior.safeTxHash ?? undefined, reconciled });
  }

  let p: P;
  try {
    p = await timed("read", () => steps.read());
  } catch (e) {
    return abort("read", e, reconciled);
  }
  const base = { version: 1 as const, cycleKey, date: o.date, chainId: ctx.chainId, safe: ctx.safe, block: p.blockNumber.toString(), safeNonce: Number(p.safe.nonce) };

  // 2. The steps the router names, until it holds or sends. A step that throws: decide and plan stop
  // the cycle (aborted, nothing recorded but the event); check, simulate and risk become refusals.
  const e: Evidence<P> = { portfolio: p, date: o.date, forceProposal: o.forceProposal, riskStep: !!steps.risk };
  const rationaleOf = () => {
    const d = e.decided!.decision;
    return [`${d.strategy} on ${o.date}`, ...d.triggers, ...d.reasons.slice(0, 3).map((r) => r.says)].join("; ");
  };
  let r: Route;
  let rationale = "";
  for (;;) {
    r = route(e);
    if (r.kind !== "next") break;
    const via = r.path ?? "module";
    try {
      switch (r.step) {
        case "decide":
          e.decided = await timed("decide", () => steps.decide(p, o.date));
          sourceFailures = e.decided.market.sourceFailures;
          break;
        case "plan":
          e.plan = await timed("plan", () => steps.plan(p, e.decided!));
          break;
        case "check":
          e.check = await timed("check", () => steps.check(p, e.plan!)).catch((x) => ({ ok: false as const, error: "CheckFailed", reason: errorText(x) }));
          break;
        case "simulate":
          e.simulation = await timed("simulate", () => steps.simulate(p, e.plan!, via)).catch((x) => ({ ok: false as const, error: errorText(x) }));
          break;
        case "risk":
          e.risk = await timed("risk", () => steps.risk!(p, e.decided!, e.plan!, e.simulation as Simulated & { ok: true })).catch((x) => ({ ok: false as const, reason: `risk step failed: ${errorText(x)}` }));
          break;
        case "approve":
          rationale = `${rationaleOf()}; ${(pathOf(e.check!, e.forceProposal) as { why: string }).why}`;
          e.verdict = await timed("approve", () => steps.approve(approvalRequest(e, cycleKey, rationale, via, e.plan!, e.simulation as Simulated & { ok: true })));
          break;
        case "modify":
          // A smaller plan only: validated, rebuilt by the planner, checked, simulated and judged by
          // the rules again in this cycle; both plans and the outcome are recorded.
          e.modified = await timed("modify", () =>
            replanModified(steps, p, { original: e.plan!, verdict: e.verdict!, via, request: (pl, s) => approvalRequest(e, cycleKey, rationale, via, pl, s), risk: steps.risk && ((pl, s) => steps.risk!(p, e.decided!, pl, s)) }),
          );
          break;
      }
    } catch (x) {
      return abort(r.step, x, reconciled);
    }
  }

  const verdictOut = e.verdict && { decision: e.verdict.decision, decidedBy: e.verdict.decidedBy, llm: e.verdict.llm.status === "failed" ? `failed (${e.verdict.llm.reason})` : e.verdict.llm.status, reasons: e.verdict.reasons };
  const parts = recordParts(e);

  // 3. The one journal writer: a held day is recorded with its reason; a sent one goes through act().
  const record = async (status: "skipped" | "failed", reason: string, held?: Route & { kind: "hold" }): Promise<CycleReport> => {
    const body: DecisionBody = { ...base, inputs: { market: { provider: "", sources: {}, issues: [] }, portfolio: jsonSafe(p) }, signals: null, target: null, plan: null, check: null, simulation: null, verdict: null, rationale: reason, model: null, ...parts, path: "none" };
    const hash = decisionHash(body);
    await ctx.journal.insert({ hash, cycleKey, date: o.date, status, path: "none", safeNonce: base.safeNonce, body, reason });
    ctx.log.info({ cycleKey, hash, reason }, "no transaction this cycle");
    return report({ status, reason, hash, path: "none", reconciled, held: held?.held, ...(verdictOut ? { verdict: verdictOut } : {}) });
  };
  if (r.kind === "hold") return record(r.status, r.reason, r);

  const path = r.path;
  const plan = e.modified?.ok ? e.modified.plan : e.plan!;
  const simOk = (e.modified?.ok ? e.modified.simulation : e.simulation) as Simulated & { ok: true };
  const body = { ...base, ...parts, rationale: `${rationaleOf()}; ${r.why}`, path } as DecisionBody;
  const pathWhy = r.why.replace(/; cut down at the reviewer's request$/, "");
  if (steps.register && !o.dryRun) {
    try {
      await timed("register", () => steps.register!(plan));
    } catch (x) {
      return record("failed", `the order book did not take the plan's orders: ${errorText(x)}`);
    }
  }
  let res;
  try {
    res = await timed("execute", () => act(ctx, { body, calls: plan.calls, agentKey: o.agentKey, dryRun: o.dryRun }));
  } catch (x) {
    const reason = `${path === "module" ? "execute" : "propose"}: ${errorText(x)}`;
    ctx.log.error({ cycleKey, reason }, "the act failed");
    return report({ status: "failed", reason, hash: decisionHash(body), path, verdict: verdictOut, reconciled });
  }
  if (res.status === "already") return report({ status: "already", reason: `the decision for ${o.date} is already ${res.row.status} (another process acted first)`, hash: res.hash, path, reconciled, verdict: verdictOut });
  if (res.status === "dry-run") return report({ status: "dry-run", reason: `dry run: would ${path === "module" ? "execute through the module" : "propose to the owners"} (${pathWhy})`, hash: res.hash, path, verdict: verdictOut, reconciled });
  if (res.status === "skipped") return report({ status: "skipped", reason: res.reason, hash: res.hash, path, reconciled });
  if (res.status === "failed") return report({ status: "failed", reason: res.reason, hash: res.hash, path, verdict: verdictOut, reconciled });
  if (res.path === "module" && res.event) {
    // The outcome against the simulation: NAV after as executed vs as simulated (interest and block
    // drift only; a larger gap is logged for a person to look at).
    const dev = simOk.navAfterUsd === 0n ? 0 : Number(((res.event.navAfter - simOk.navAfterUsd) * 1_000_000n) / simOk.navAfterUsd) / 100;
    const vs = { simulatedNavAfterUsd: simOk.navAfterUsd, navAfterUsd: res.event.navAfter, deviationBps: dev, sizeUsd: res.event.sizeUsd };
    if (Math.abs(dev) > 10) ctx.log.warn({ cycleKey, hash: res.hash, ...vs }, "executed NAV differs from the simulation");
    await ctx.journal.update(res.hash, { outcome: { ...res, vsSimulation: vs } });
  }
  return report({
    status: res.status,
    hash: res.hash,
    path,
    txHash: "txHash" in res ? res.txHash : undefined,
    safeTxHash: "safeTxHash" in res ? res.safeTxHash : undefined,
    proposalUrl: "url" in res ? res.url : undefined,
    verdict: verdictOut,
    reason: pathWhy,
    reconciled,
  });
}
