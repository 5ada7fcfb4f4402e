// A "modify" verdict may only shrink the plan: keep a subset of the steps, in their order, each with
// the same call, target and token and an amount no larger than planned. Anything else is invalid.
import type { Plan, PlanStep } from "./types";

export interface StepChange {
  stepId: string;
  /** New amount in raw units (decimal string), ≤ the planned amount and > 0. */
  amount: string;
}

export type ModifyResult = { ok: true; plan: Plan } | { ok: false; error: string };

export function applyModify(original: Plan, changes: StepChange[]): ModifyResult {
  if (changes.length === 0) return { ok: false, error: "modify names no steps: a smaller plan keeps at least one step (reject to keep none)" };
  const byId = new Map(original.steps.map((s, i) => [s.id, { s, i }]));
  const seen = new Set<string>();
  const kept: { i: number; step: PlanStep }[] = [];
  for (const c of changes) {
    const hit = byId.get(c.stepId);
    if (!hit) return { ok: false, error: `modify names step "${c.stepId}", which is not in the plan (steps: ${[...byId.keys()].join(", ")})` };
    if (seen.has(c.stepId)) return { ok: false, error: `modify names step "${c.stepId}" twice` };
    seen.add(c.stepId);
    if (!/^[0-9]+$/.test(c.amount)) return { ok: false, error: `modify amount "${c.amount}" for step "${c.stepId}" is not a non-negative integer in raw units` };
    const planned = BigInt(hit.s.amount);
    const amount = BigInt(c.amount);
    if (amount > planned) return { ok: false, error: `modify enlarges step "${c.stepId}" from ${planned} to ${amount}: only smaller amounts are allowed` };
    if (amount === 0n && planned !== 0n) return { ok: false, error: `modify sets step "${c.stepId}" to zero: drop the step instead` };
    // USD scales with the amount; exact ratio through bigint so a tiny cut never rounds up.
    const amountUsd = planned === 0n ? hit.s.amountUsd : (hit.s.amountUsd * Number((amount * 1_000_000n) / planned)) / 1_000_000;
    kept.push({ i: hit.i, step: { ...hit.s, amount: amount.toString(), amountUsd } });
  }
  const unchanged = kept.length === original.steps.length && kept.every(({ step, i }) => step.amount === original.steps[i].amount);
  if (unchanged) return { ok: false, error: "modify keeps every step at its planned amount: that is an approve, not a smaller plan" };
  kept.sort((a, b) => a.i - b.i); // the planner's order (withdraw, swap, deposit) is kept
  return { ok: true, plan: { steps: kept.map((k) => k.step) } };
}
