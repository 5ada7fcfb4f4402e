// Step 4 of the cycle: the on-chain rules of an agent batch (AgentModule.execute) in TypeScript, in
// the chain's order, so the agent never sends what the chain refuses: active agent, per-call
// allowlist and argument rules, de-risk-only when a held asset has no price, then (on the projected
// outcome) the loss limit, the caps, the autonomy limit, the rolling 24 h turnover and loss budgets.
// Pure: the portfolio comes from readPortfolio, the outcome from projectBatch.
import type { Address } from "viem";
import { recordDecision, type Call } from "../../../lib/chain/encode";
import { capsModeOf, type CapsModeName } from "../../../lib/chain/policyTypes";
import type { Portfolio } from "../chain/types";
import { checkCall, ruleEnvOf, type DecodedCall } from "./rules";
import { aaveAccount, liabilityMask, projectBatch } from "./project";
import { effectRank, refuse, Refused, type CheckResult, type Effect } from "./types";

const BPS = 10_000n;
/** AgentModule.LOSS_BUDGET_MULTIPLE: the rolling 24 h loss budget is this many per-transaction limits. */
export const LOSS_BUDGET_MULTIPLE = 2n;

export function checkBatch(p: Portfolio, calls: Call[], agent: Address): CheckResult {
  try {
    return run(p, calls, agent);
  } catch (err) {
    if (err instanceof Refused) return err.refusal;
    throw err;
  }
}

function run(p: Portfolio, calls: Call[], agent: Address): CheckResult {
  const pol = p.policy;
  if (!pol.agents.some((a) => a.toLowerCase() === agent.toLowerCase())) return refuse("AgentNotRegistered", { agent }, "this key is not a registered agent");
  if (pol.paused) return refuse("AgentPaused", {}, "the agent is paused (a guardian or owner paused it)");
  if (calls.length === 0) return refuse("NoCalls", {}, "an empty batch");

  let worst: Effect = "Neutral";
  const decoded: DecodedCall[] = [];
  calls.forEach((c, i) => {
    const r = checkCall(pol, c, i, "agent", ruleEnvOf(p));
    if (effectRank(r.effect) > effectRank(worst)) worst = r.effect;
    decoded.push(r.decoded);
  });

  if (!p.healthy) {
    // Agent in de-risk-only mode: exits and approvals only; no outcome check without prices.
    if (effectRank(worst) > effectRank("Exit")) return refuse("DeriskOnly", { effect: effectRank(worst) }, `a held asset has no usable price: the agent may only exit positions (batch effect ${worst})`);
    const pr = projectBatch(p, decoded);
    return { ok: true, effect: worst, sizeUsd: 0n, navAfterUsd: pr.navAfter, lossUsd: 0n, valuesAfter: pr.valuesAfter };
  }

  const pr = projectBatch(p, decoded);
  const navB = p.navUsd;
  const navA = pr.navAfter;
  const minNav = (navB * (BPS - BigInt(pol.limits.maxLossBps))) / BPS;
  if (navA < minNav) return refuse("NavLoss", { navBefore: navB, navAfter: navA, outflowUsd: 0n, minNavAfter: minNav }, `NAV would fall below ${minNav} (max loss ${pol.limits.maxLossBps} bps)`);
  const hfRefusal = checkHealth(p, pr.valuesAfter);
  if (hfRefusal) return hfRefusal;

  // PolicyTypes.capsModeOf, as the module asks it (Off for exits, NoRise for de-risking, Reduce for risk).
  const caps = capsModeOf(worst as Effect);
  const capsApply = caps !== "Off";
  if (capsApply && navA > 0n) {
    const capRefusal = checkCaps(p, pr.valuesAfter, navA, caps);
    if (capRefusal) return capRefusal;
  }
  const sizeUsd = pr.grossUsd;
  // A signed CoW order's worst case against the oracle counts as lost when it is signed.
  const loss = (navB > navA ? navB - navA : 0n) + pr.cowLossUsd;
  if (!capsApply) return { ok: true, effect: worst, sizeUsd, navAfterUsd: navA, lossUsd: loss, valuesAfter: pr.valuesAfter };

  const { autonomyLimitUsd, dailyBudgetUsd, maxLossBps } = pol.limits;
  if (sizeUsd > autonomyLimitUsd) return refuse("AutonomyLimitExceeded", { sizeUsd, limitUsd: autonomyLimitUsd }, "above the autonomy limit: the owners must sign this one");
  const used = p.budget.usedUsd;
  if (used + sizeUsd > dailyBudgetUsd) return refuse("DailyBudgetExceeded", { usedUsd: used, sizeUsd, budgetUsd: dailyBudgetUsd }, "the rolling 24 h turnover budget would be exceeded");
  const lossBudget = (navB * BigInt(maxLossBps) * LOSS_BUDGET_MULTIPLE) / BPS;
  if (p.budget.lossUsd + loss > lossBudget) return refuse("DailyLossBudgetExceeded", { lostUsd: p.budget.lossUsd, lossUsd: loss, budgetUsd: lossBudget }, "the rolling 24 h loss budget would be exceeded");
  return { ok: true, effect: worst, sizeUsd, navAfterUsd: navA, lossUsd: loss, valuesAfter: pr.valuesAfter };
}

/**
 * The owners' path (TreasuryGuard around Safe.execTransaction): the batch as one MultiSendCallOnly
 * transaction, plus the decision receipt when a hash is given. Owner rules (payments to payees,
 * receipts), de-risk-only lets owners also sell volatile for stable, a failing inner call reverts the
 * Safe transaction ("GS013"), then the loss limit (payments excluded) and the caps; no autonomy
 * limit or budget (the signers are the limit).
 */
export function checkOwnerBatch(p: Portfolio, calls: Call[], decisionHash?: `0x${string}`): CheckResult {
  try {
    const all = decisionHash ? [...calls, recordDecision(p.policy.address, decisionHash)] : calls;
    if (all.length === 0) return refuse("MalformedCalldata", {}, "an empty batch");
    let worst: Effect = "Neutral";
    const decoded: DecodedCall[] = [];
    all.forEach((c, i) => {
      if (c.to.toLowerCase() === p.policy.multiSendCallOnly.toLowerCase()) throw new Refused(refuse("NestedBatch", {}, "a batch inside the batch", i));
      const r = checkCall(p.policy, c, i, "owner", ruleEnvOf(p));
      if (effectRank(r.effect) > effectRank(worst)) worst = r.effect;
      decoded.push(r.decoded);
    });
    if (!p.healthy) {
      if (effectRank(worst) > effectRank("Derisk")) return refuse("DeriskOnly", { effect: effectRank(worst) }, `a held asset has no usable price: owners may only exit and sell volatile for stable (batch effect ${worst})`);
      const pr = projectOrGs013(p, decoded);
      return { ok: true, effect: worst, sizeUsd: pr.grossUsd, navAfterUsd: pr.navAfter, lossUsd: 0n, valuesAfter: pr.valuesAfter };
    }
    const pr = projectOrGs013(p, decoded);
    const navB = p.navUsd;
    const minNav = (navB * (BPS - BigInt(p.policy.limits.maxLossBps))) / BPS;
    if (pr.navAfter + pr.outflowUsd < minNav) return refuse("NavLoss", { navBefore: navB, navAfter: pr.navAfter, outflowUsd: pr.outflowUsd, minNavAfter: minNav }, "NAV would fall below the loss limit");
    const hfRefusal = checkHealth(p, pr.valuesAfter);
    if (hfRefusal) return hfRefusal;
    const caps = capsModeOf(worst as Effect); // as the guard asks it
    if (caps !== "Off" && pr.navAfter > 0n) {
      const capRefusal = checkCaps(p, pr.valuesAfter, pr.navAfter, caps);
      if (capRefusal) return capRefusal;
    }
    const loss = navB > pr.navAfter + pr.outflowUsd ? navB - pr.navAfter - pr.outflowUsd : 0n;
    return { ok: true, effect: worst, sizeUsd: pr.grossUsd, navAfterUsd: pr.navAfter, lossUsd: loss, valuesAfter: pr.valuesAfter };
  } catch (err) {
    if (err instanceof Refused) return err.refusal;
    throw err;
  }
}

/** On the owners' path a failing inner call reverts the whole Safe transaction with GS013. */
function projectOrGs013(p: Portfolio, decoded: DecodedCall[]) {
  try {
    return projectBatch(p, decoded);
  } catch (err) {
    if (err instanceof Refused && err.refusal.error === "CallFailed") throw new Refused({ ...err.refusal, error: "GS013" });
    throw err;
  }
}

/**
 * TreasuryValuation._checkHealth: while there is debt, the health factor must end at or above the
 * floor, or above where it was. Projected from the snapshot's health factor, scaled by the change of
 * the Aave collateral weighted by each reserve's liquidation threshold and of the debt (as Aave
 * computes it); from the values alone when there was no debt before (a first borrow). Without the
 * reserves' parameters: scaled by the collateral's value (exact for one collateral asset).
 */
function checkHealth(p: Portfolio, after: bigint[]) {
  const owed = liabilityMask(p);
  const nA = p.assets.length;
  const MAX = 2n ** 256n - 1n;
  const aave = aaveAccount(p);
  let debtB = 0n, debtA = 0n, collB = 0n, collA = 0n;
  p.policy.positions.forEach((x, j) => {
    const i = nA + j;
    if (owed[i]) {
      debtB += p.values[i];
      debtA += after[i];
    } else if (x.kind === "aave" && !aave) {
      collB += p.values[i];
      collA += after[i];
    }
  });
  if (aave) {
    collB = aave.collateral(p.values, "liquidationThresholdBps");
    collA = aave.collateral(after, "liquidationThresholdBps");
  }
  if (debtA === 0n) return null;
  const hfB = p.healthFactor;
  let hfA: bigint;
  if (hfB !== MAX && collB > 0n && debtB > 0n) hfA = (hfB * collA * debtB) / (collB * debtA);
  else if (aave) hfA = aave.health(after);
  else return null; // debt the snapshot did not see and no reserve parameters: the chain decides
  const floor = p.policy.limits.minHealthFactor;
  if (hfA < floor && hfA <= hfB) return refuse("HealthFactorBelowFloor", { healthFactorBefore: hfB, healthFactorAfter: hfA, minHealthFactor: floor }, "the Aave health factor would end below the floor");
  return null;
}

/**
 * TreasuryValuation._checkOutcome's caps: over a cap after is refused unless strictly lower than before;
 * for a batch that only de-risks (effect Derisk: volatile sold for stable, a CoW sell order that moves
 * nothing yet), unless no higher than before, so a de-risking sale passes while prices hold a cap breached.
 */
function checkCaps(p: Portfolio, after: bigint[], navA: bigint, mode: CapsModeName) {
  const deriskOnly = mode === "NoRise";
  const navB = p.navUsd;
  const c = p.policy.caps;
  const refused = (b: bigint, a: bigint, cap: number) => a * BPS > BigInt(cap) * navA && (deriskOnly ? a * navB > b * navA : a * navB >= b * navA);
  const bps = (v: bigint, n: bigint) => (n === 0n ? 0n : (v * BPS) / n);
  const nA = p.assets.length;
  const volatileOf = (vals: bigint[]) =>
    vals.reduce((s, v, i) => {
      const underlying = i < nA ? p.policy.assets[i] : p.policy.assets.find((a) => a.token.toLowerCase() === p.policy.positions[i - nA].underlying.toLowerCase());
      return underlying?.volatile ? s + v : s;
    }, 0n);
  const volB = p.volatileUsd;
  const volA = volatileOf(after);
  if (refused(volB, volA, c.maxVolatileBps)) return refuse("VolatileCapExceeded", { bpsBefore: bps(volB, navB), bpsAfter: bps(volA, navA), capBps: c.maxVolatileBps }, "volatile share over its cap");
  const owed = liabilityMask(p);
  // Debts count in gross volatile exposure (volatileOf), never in a protocol's or a position's share.
  const protocolsAfter = p.policy.protocols.map((id) => p.policy.positions.reduce((s, x, j) => (x.protocol === id && !owed[nA + j] ? s + after[nA + j] : s), 0n));
  for (let i = 0; i < protocolsAfter.length; i++) {
    const b = p.protocolValues[i] ?? 0n;
    if (refused(b, protocolsAfter[i], c.maxProtocolBps)) {
      return refuse("ProtocolCapExceeded", { protocol: p.policy.protocols[i], bpsBefore: bps(b, navB), bpsAfter: bps(protocolsAfter[i], navA), capBps: c.maxProtocolBps }, "one protocol over its cap");
    }
  }
  for (let i = 0; i < after.length; i++) {
    if (i < nA && !p.policy.assets[i].volatile) continue; // stablecoin cash is exempt
    if (owed[i]) continue; // a debt is not a holding
    const b = p.values[i];
    if (refused(b, after[i], c.maxPositionBps)) {
      const token = i < nA ? p.policy.assets[i].token : p.policy.positions[i - nA].token;
      return refuse("PositionCapExceeded", { token, bpsBefore: bps(b, navB), bpsAfter: bps(after[i], navA), capBps: c.maxPositionBps }, "one position over its cap");
    }
  }
  return null;
}
