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

/** Why `smaller` is not a shrink of `original` (null when it is): every step is one of the planned
 * steps (same id, kind, protocol, target and token), in the planned order, at an amount > 0 and no
 * larger than planned, no step twice, and something is actually smaller. Checked again by the cycle
 * on whatever plan an approver returns, and on the batch the planner rebuilds from it. */
export function shrinkError(original: Plan, smaller: Plan): string | null {
  const byId = new Map(original.steps.map((s, i) => [s.id, { s, i }]));
  const seen = new Set<string>();
  let last = -1;
  let smallerSomewhere = smaller.steps.length < original.steps.length;
  if (smaller.steps.length === 0) return "the smaller plan has no steps (reject to keep none)";
  for (const s of smaller.steps) {
    const hit = byId.get(s.id);
    if (!hit) return `step "${s.id}" is not in the plan (steps: ${[...byId.keys()].join(", ")})`;
    if (seen.has(s.id)) return `step "${s.id}" appears twice`;
    seen.add(s.id);
    if (hit.i < last) return `step "${s.id}" is out of the planned order`;
    last = hit.i;
    for (const k of ["kind", "protocol", "target", "token"] as const) {
      if (String(s[k]).toLowerCase() !== String(hit.s[k]).toLowerCase()) return `step "${s.id}" changes its ${k} from ${hit.s[k]} to ${s[k]}: only smaller amounts of the same steps are allowed`;
    }
    if (!/^[0-9]+$/.test(s.amount)) return `step "${s.id}" amount "${s.amount}" is not a non-negative integer`;
    const planned = BigInt(hit.s.amount);
    const amount = BigInt(s.amount);
    if (amount > planned) return `step "${s.id}" grows from ${planned} to ${amount}: only smaller amounts are allowed`;
    if (amount === 0n && planned !== 0n) return `step "${s.id}" is set to zero: drop the step instead`;
    if (s.amountUsd > hit.s.amountUsd + 1e-6) return `step "${s.id}" grows from $${hit.s.amountUsd} to $${s.amountUsd}`;
    if (amount < planned) smallerSomewhere = true;
  }
  return smallerSomewhere ? null : "nothing is smaller than planned: that is an approve, not a modify";
}
