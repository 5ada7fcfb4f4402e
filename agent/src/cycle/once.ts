// One cycle: reconcile → read → decide → plan → check → simulate → approve → execute or propose →
// record. Any failure stops the cycle with its reason in the journal; nothing is sent unless every
// step before said yes. When in doubt the agent does nothing.
import type { Hex } from "viem";
import { errorText } from "./errors";
import { reconcile, type ExecContext } from "../execute";
import { decisionHash, jsonSafe, type DecisionBody, type ExecPath } from "../journal";
import { act } from "./act";
import { replanModified } from "./modify";
import type { ApprovalRequestInput } from "../approval";
import type { CycleReport, CycleSteps, HeldBecause, PortfolioLike, Planned, Simulated } from "./types";
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
  const report = (r: Omit<CycleReport, "date" | "cycleKey" | "stepsMs" | "totalMs" | "reconciled"> & { reconciled?: unknown[] }): CycleReport => ({ date: o.date, cycleKey, reconciled: [], ...r, stepsMs, totalMs: now() - t0 });
  const abort = async (step: string, e: unknown, reconciled: unknown[] = []): Promise<CycleReport> => {
    const reason = `${step}: ${errorText(e)}`;
    ctx.log.error({ cycleKey, step, reason }, "cycle stopped: nothing sent");
    await ctx.journal.event(cycleKey, "aborted", { step, reason }).catch(() => undefined);
    return report({ status: "aborted", reason, reconciled });
  };

  // 1. Finish whatever a previous run left open (never a second send of the same decision).
  let reconciled: unknown[];
  try {
    reconciled = await timed("reconcile", () => reconcile(ctx, { proposerKey: o.agentKey }));
  } catch (e) {
    return abort("reconcile", e);
  }
  const prior = (await ctx.journal.byCycle(cycleKey)).find((r) => ["executed", "proposed", "sending", "sent", "proposing"].includes(r.status));
  if (prior) return report({ status: "already", reason: `the decision for ${o.date} is already ${prior.status}`, hash: prior.hash, path: prior.path, txHash: prior.txHash ?? undefined, safeTxHash: prior.safeTxHash ?? undefined, reconciled });

  let p: P;
  try {
    p = await timed("read", () => steps.read());
  } catch (e) {
    return abort("read", e, reconciled);
  }
  const base = {
    version: 1 as const,
    cycleKey,
    date: o.date,
    chainId: ctx.chainId,
    safe: ctx.safe,
    block: p.blockNumber.toString(),
    safeNonce: Number(p.safe.nonce),
  };
  // A decision that sends nothing is still recorded, with its reason.
  const record = async (partial: Partial<DecisionBody>, reason: string, status: "skipped" | "failed" = "skipped", held?: HeldBecause): Promise<CycleReport> => {
    const body: DecisionBody = {
      ...base,
      inputs: { market: { provider: "", sources: {}, issues: [] }, portfolio: jsonSafe(p) },
      signals: null,
      target: null,
      plan: null,
      check: null,
      simulation: null,
      verdict: null,
      rationale: reason,
      model: null,
      ...partial,
      path: "none",
    };
    const hash = decisionHash(body);
    await ctx.journal.insert({ hash, cycleKey, date: o.date, status, path: "none", safeNonce: base.safeNonce, body, reason });
    ctx.log.info({ cycleKey, hash, reason }, "no transaction this cycle");
    return report({ status: status === "failed" ? "failed" : "skipped", reason, hash, path: "none", reconciled, held });
  };

  if (p.policy.paused) return record({}, "the agent is paused by a guardian: nothing is sent until the Safe unpauses it", "skipped", "paused");

  let decided;
  try {
    decided = await timed("decide", () => steps.decide(p, o.date));
  } catch (e) {
    return abort("decide", e, reconciled);
  }
  const inputs = { market: { provider: decided.market.provider, sources: decided.market.sources, issues: decided.market.issues }, portfolio: jsonSafe(p) };
  const signals = { indicators: decided.indicators, phase: decided.decision.phase ?? null, mode: decided.decision.mode ?? null, triggers: decided.decision.triggers, reasons: decided.decision.reasons };
  const rationaleOf = () => [`${decided.decision.strategy} on ${o.date}`, ...decided.decision.triggers, ...decided.decision.reasons.slice(0, 3).map((r) => r.says)].join("; ");
  if (decided.decision.hold) return record({ inputs, signals, target: decided.decision.targets }, `hold: market data missing or rejected (${decided.decision.issues.map((i) => (i as { reason: string }).reason).join("; ") || "see reasons"})`, "skipped", "stale-data");

  if (!decided.decision.rebalance) return record({ inputs, signals, target: decided.decision.targets }, `no rebalance: ${decided.decision.triggers.join("; ") || "the strategy's triggers did not fire"}`);

  let plan: Planned;
  try {
    plan = await timed("plan", () => steps.plan(p, decided));
  } catch (e) {
    return abort("plan", e, reconciled);
  }
  const planRec = planRecOf(plan);
  if (plan.calls.length === 0) return record({ inputs, signals, target: decided.decision.targets, plan: planRec }, `nothing to do: ${plan.reason}`);

  const check = await timed("check", () => steps.check(p, plan)).catch((e) => ({ ok: false as const, error: "CheckFailed", reason: errorText(e) }));
  // The agent's own limits send a larger move to the owners; any other refusal stops the cycle.
  const overLimit = !check.ok && (check.error === "AutonomyLimitExceeded" || check.error === "DailyBudgetExceeded");
  if (!check.ok && !overLimit) return record({ inputs, signals, target: decided.decision.targets, plan: planRec, check: jsonSafe(check) }, `the check refused the plan: ${check.error}: ${check.reason}`, "failed");
  const sizeUsd = check.ok && check.sizeUsd !== undefined ? check.sizeUsd : plan.sizeUsd;

  // Within the autonomy limit and the budget left: the module; otherwise the owners decide.
  const tooBig = sizeUsd > p.policy.limits.autonomyLimitUsd;
  const noBudget = sizeUsd > p.budget.remainingUsd;
  const path: ExecPath = o.forceProposal || overLimit || tooBig || noBudget ? "proposal" : "module";
  const pathWhy = o.forceProposal
    ? "owner path requested"
    : tooBig
      ? `$${usdNumber(sizeUsd)} is above the autonomy limit of $${usdNumber(p.policy.limits.autonomyLimitUsd)}: proposed to the owners`
      : noBudget
        ? `$${usdNumber(sizeUsd)} is above the agent's budget left ($${usdNumber(p.budget.remainingUsd)}): proposed to the owners`
        : overLimit
          ? `${(check as { error: string }).error}: proposed to the owners`
          : "within the autonomy limit and budget";

  let sim: Simulated;
  try {
    sim = await timed("simulate", () => steps.simulate(p, plan, path));
  } catch (e) {
    sim = { ok: false as const, error: errorText(e) };
  }
  const simRec = jsonSafe(sim);
  if (!sim.ok) return record({ inputs, signals, target: decided.decision.targets, plan: planRec, check: jsonSafe(check), simulation: simRec }, `the simulation failed: ${sim.error}`, "failed");

  let simOk: Simulated & { ok: true } = sim;

  // Risk on top of the chain's rules: VaR after the plan and the drawdown stop.
  let riskRec: unknown;
  if (steps.risk) {
    const risk = await timed("risk", () => steps.risk!(p, decided, plan, simOk)).catch((e) => ({ ok: false as const, reason: `risk step failed: ${errorText(e)}` }));
    riskRec = jsonSafe(risk);
    if (!risk.ok) return record({ inputs, signals, target: decided.decision.targets, plan: planRec, check: jsonSafe(check), simulation: simRec, risk: riskRec }, `risk on top of the rules: ${risk.reason}`, "skipped", "risk");
  }
  const rationale = `${rationaleOf()}; ${pathWhy}`;
  const requestFor = (pl: Planned, s: Simulated & { ok: true }): ApprovalRequestInput => ({
    decisionId: `${cycleKey}:${p.blockNumber}`,
    plan: { steps: pl.steps },
    rationale,
    simulation: { ok: true, navBeforeUsd: Number(s.navBeforeUsd / E18), navAfterUsd: Number(s.navAfterUsd / E18), gasUsed: Number(s.gas), weightsAfter: s.weightsAfter, headroomUsd: s.headroomUsd },
    // Module: the autonomy limit. Owners: a full rotation at most (each dollar sold once and bought
    // once is 2 × NAV gross); the owners and the guard are the gate above that.
    limits: { maxPlanUsd: path === "module" ? usdNumber(p.policy.limits.autonomyLimitUsd) : Math.max(2 * usdNumber(p.navUsd), 1), maxNavLossBps: p.policy.limits.maxLossBps },
    data: { asOf: o.date, staleSources: decided.staleInputs, pricesBroken: !p.healthy },
    market: decided.market.texts,
  });
  const verdict = await timed("approve", () => steps.approve(requestFor(plan, simOk)));
  const verdictRec = { decision: verdict.decision, decidedBy: verdict.decidedBy, reasons: verdict.reasons, riskFlags: verdict.riskFlags, confidence: verdict.confidence, llm: jsonSafe(verdict.llm), rules: jsonSafe(verdict.rules) };
  const verdictOut = { decision: verdict.decision, decidedBy: verdict.decidedBy, llm: verdict.llm.status === "failed" ? `failed (${verdict.llm.reason})` : verdict.llm.status, reasons: verdict.reasons };
  const model = verdict.llm.status === "ok" || verdict.llm.status === "failed" ? (verdict.llm.model ?? null) : null;
  let full: Partial<DecisionBody> = { inputs, signals, target: decided.decision.targets, plan: planRec, check: jsonSafe(check), simulation: simRec, risk: riskRec, verdict: verdictRec, model };
  if (verdict.decision === "reject") return { ...(await record(full, `rejected by ${verdict.decidedBy}: ${verdict.reasons.join("; ")}`, "skipped", verdict.riskFlags.includes("stale_data") ? "stale-data" : "rejected")), verdict: verdictOut };
  if (verdict.decision === "modify") {
    // A smaller plan only: validated, rebuilt by the planner, checked, simulated and judged by the
    // rules again in this cycle. Both plans and the outcome are recorded; the smaller one is sent.
    const m = await timed("modify", () => replanModified(steps, p, { original: plan, verdict, via: path, request: requestFor, risk: steps.risk && ((pl, s) => steps.risk!(p, decided, pl, s)) }));
    const modification = {
      requested: verdict.plan.steps,
      reasons: verdict.reasons,
      original: { plan: planRec, check: jsonSafe(check), simulation: simRec },
      outcome: m.ok ? "accepted" : `held at ${m.stage}`,
      reason: m.ok ? "smaller plan re-checked, re-simulated and approved by the rules" : m.reason,
      check: m.check ? jsonSafe(m.check) : null,
      simulation: m.simulation ? jsonSafe(m.simulation) : null,
      rules: m.rules ? jsonSafe(m.rules) : null,
      risk: m.risk ? jsonSafe(m.risk) : null,
    };
    if (!m.ok) {
      const held = { ...full, plan: m.plan ? planRecOf(m.plan) : null, modification };
      return { ...(await record(held, `the reviewer's smaller plan was not sent: ${m.reason}`, m.stage === "validate" || m.stage === "rebuild" ? "skipped" : "failed", "reviewer")), verdict: verdictOut };
    }
    plan = m.plan;
    simOk = m.simulation;
    full = { ...full, plan: planRecOf(m.plan), check: jsonSafe(m.check), simulation: jsonSafe(m.simulation), risk: m.risk ? jsonSafe(m.risk) : riskRec, modification };
  }

  // What signers see (the proposal's origin) says when the reviewer cut the plan down.
  const finalRationale = verdict.decision === "modify" ? `${rationale}; cut down at the reviewer's request` : rationale;
  const body = { ...base, ...full, rationale: finalRationale, path } as DecisionBody;
  if (steps.register && !o.dryRun) {
    try {
      await timed("register", () => steps.register!(plan));
    } catch (e) {
      return { ...(await record(full, `the order book did not take the plan's orders: ${errorText(e)}`, "failed")), verdict: verdictOut };
    }
  }
  let res;
  try {
    res = await timed("execute", () => act(ctx, { body, calls: plan.calls, agentKey: o.agentKey, dryRun: o.dryRun }));
  } catch (e) {
    const reason = `${path === "module" ? "execute" : "propose"}: ${errorText(e)}`;
    ctx.log.error({ cycleKey, reason }, "the act failed");
    return report({ status: "failed", reason, hash: decisionHash(body), path, verdict: verdictOut, reconciled });
  }
  if (res.status === "already") return report({ status: "already", hash: res.hash, path, reconciled, verdict: verdictOut });
  if (res.status === "dry-run") return report({ status: "dry-run", reason: `dry run: would ${path === "module" ? "execute through the module" : "propose to the owners"} (${pathWhy})`, hash: res.hash, path, verdict: verdictOut, reconciled });
  if (res.status === "skipped") return report({ status: "skipped", reason: res.reason, hash: res.hash, path, reconciled });
  if (res.status === "failed") return report({ status: "failed", reason: res.reason, hash: res.hash, path, verdict: verdictOut, reconciled });
  if (res.path === "module" && res.event) {
    // The outcome against the simulation: NAV after as executed vs as simulated (interest and block
    // drift only; a larger gap is logged for a person to look at).
    const dev = simOk.navAfterUsd === 0n ? 0 : Number(((res.event.navAfter - simOk.navAfterUsd) * 1_000_000n) / simOk.navAfterUsd) / 100;
    const check = { simulatedNavAfterUsd: simOk.navAfterUsd, navAfterUsd: res.event.navAfter, deviationBps: dev, sizeUsd: res.event.sizeUsd };
    if (Math.abs(dev) > 10) ctx.log.warn({ cycleKey, hash: res.hash, ...check }, "executed NAV differs from the simulation");
    await ctx.journal.update(res.hash, { outcome: { ...res, vsSimulation: check } });
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
