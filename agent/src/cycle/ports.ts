// The planner, the TypeScript check and the simulator bound to a runtime (agent/src/plan,
// agent/src/risk, agent/src/chain/simulate), in the shapes the cycle records.
import { getAddress, type Address } from "viem";
import { checkBatch } from "../risk/check";
import { simulateBatch, simulateOwnerBatch } from "../chain/simulate";
import type { Portfolio } from "../chain/types";
import { planRebalance, type PlanInput } from "../plan/plan";
import { cowVenue, type CowQuoted, type PlannedCowOrder } from "../plan/swap";
import { cowOrderBookOf, cowOrderStates, cowOrdersOf, stillOpen, swapVenueOf, toCowOrder } from "../cow/orders";
import { jsonSafe } from "../journal";
import { errorText } from "./errors";
import { currentWeights } from "../plan/sleeves";
import type { Simulation } from "../chain/simulate";
import { riskOnTop } from "./riskGate";
import type { Runtime } from "./runtime";
import type { PlanPorts } from "./steps";
import type { Planned, Simulated } from "./types";
import { usdNumber } from "../usd";
import type { Leverage, Weights } from "../strategy/types";


async function agentAddress(rt: Runtime): Promise<Address> {
  try {
    return (await rt.key("agent")).address;
  } catch (e) {
    const a = rt.deployment.accounts?.agent;
    if (a) return getAddress(a);
    throw e;
  }
}

/** The exact batch in one eth_call: through AgentModule.execute on the module path; on the owner
 * path as the owners' Safe transaction through the guard (MultiSendCallOnly, threshold overridden to
 * one for the call), so signers are never asked to sign what the guard will refuse. */
export async function simulateFor(rt: Runtime, p: Portfolio, plan: Planned, via: "module" | "proposal"): Promise<Simulated> {
  const sim =
    via === "proposal"
      ? await simulateOwnerBatch(rt.ctx.client, p, plan.calls, { owner: p.safe.owners[0] })
      : await simulateBatch(rt.ctx.client, p, plan.calls, { agent: await agentAddress(rt) });
  if (sim.ok) {
    const h = sim.headroom;
    const weightsAfter = Object.fromEntries(Object.entries(sim.weightsAfterBps).map(([k, v]) => [k, v / 10_000]));
    const headroomUsd: Record<string, number> = via === "module" ? { autonomy: usdNumber(h.autonomyUsd), dailyBudget: usdNumber(h.dailyBudgetUsd), lossBudget: usdNumber(h.lossBudgetUsd), maxLoss: usdNumber(h.maxLossUsd) } : { maxLoss: usdNumber(h.maxLossUsd) };
    return { ok: true, navBeforeUsd: sim.navBeforeUsd, navAfterUsd: sim.navAfterUsd, gas: sim.gas, weightsAfter, headroomUsd, detail: sim };
  }
  return { ok: false, error: sim.error.text, detail: sim };
}

/** The portfolio as the simulation left it (values in registry order: assets, then positions). */
function portfolioAfter(p: Portfolio, valuesAfter: bigint[], navAfterUsd: bigint): Portfolio {
  const n = p.assets.length;
  return { ...p, navUsd: navAfterUsd, assets: p.assets.map((a, i) => ({ ...a, valueUsd: valuesAfter[i] ?? a.valueUsd })), positions: p.positions.map((x, j) => ({ ...x, valueUsd: valuesAfter[n + j] ?? x.valueUsd })) };
}

/** The treasury's NAV as journaled, one point per day (the latest record of each), oldest first. */
async function navHistory(rt: Runtime, p: Portfolio): Promise<number[]> {
  const rows = await rt.journal.navByDate(`${rt.addresses.chainId}:${rt.addresses.safe}:`);
  return [...rows.map((r) => usdNumber(BigInt(r.navUsd))), usdNumber(p.navUsd)];
}

/**
 * CoW (mainnet's aggregator) behind the planner's swap interface: the legs are planned at the oracle's
 * minOut, each leg's sell amount is quoted by the order book, and the plan is rebuilt with the limit
 * tightened to the quote less slippage (a quote below the oracle's minimum drops the leg). Tokens with
 * an order still out (journal + chain) are not swapped again until it fills or expires.
 */
async function planWithCow(rt: Runtime, p: Portfolio, base: PlanInput) {
  const d = rt.deployment;
  const book = cowOrderBookOf(rt.cfg, d);
  const open = (await cowOrderStates(rt.ctx.client, d, await rt.journal.recent(50, `${rt.addresses.chainId}:${rt.addresses.safe}:`))).filter(stillOpen);
  const pendingSwapTokens = open.map((o) => o.sellToken);
  const validTo = Number(p.timestamp) + rt.cfg.swap.cowValiditySeconds;
  const price = (t: string) => {
    const a = p.assets.find((x) => x.token.toLowerCase() === t.toLowerCase());
    return a && a.priceOk ? { usd: a.priceUsd, decimals: a.decimals } : undefined;
  };
  const venueOpts = { chainId: p.chainId, validTo, slippageBps: rt.cfg.slippageBps, price, maxLossBps: p.policy.limits.maxLossBps };
  const first = new Map<string, PlannedCowOrder>();
  planRebalance({ ...base, pendingSwapTokens, venue: cowVenue(d, { ...venueOpts, orders: first }) });
  const quotes: Record<string, CowQuoted> = {};
  for (const o of first.values()) {
    try {
      const q = await book.quote({ sellToken: o.order.sellToken, buyToken: o.order.buyToken, sellAmountBeforeFee: o.order.sellAmount, from: p.safe.address, validTo });
      quotes[o.legId] = { buyAmount: BigInt(q.quote.buyAmount), amountIn: o.order.sellAmount, quoteId: q.id ?? null };
    } catch (e) {
      quotes[o.legId] = { buyAmount: null, amountIn: o.order.sellAmount, why: errorText(e) };
    }
  }
  const orders = new Map<string, PlannedCowOrder>();
  const b = planRebalance({ ...base, pendingSwapTokens, venue: cowVenue(d, { ...venueOpts, quotes, orders }) });
  const cow = (steps: Planned["steps"]) => ({
    venue: "cow",
    openOrders: open.map((o) => o.uid),
    quotes: jsonSafe(quotes),
    cowOrders: steps.filter((s) => orders.has(s.id)).map((s) => jsonSafe(orders.get(s.id)!)),
  });
  return { b, cow };
}

/** The target with the leverage overlay on top: the bought asset's weight up by the borrow, cash down by it. */
export function leveredTargets(t: Weights, lev?: Leverage): Weights {
  if (!lev || !(lev.borrow > 0)) return t;
  return { ...t, [lev.buy]: t[lev.buy] + lev.borrow, usdc: t.usdc - lev.borrow };
}

export function planPorts(rt: Runtime): PlanPorts {
  return {
    plan: async (p, d) => {
      const input: PlanInput = { portfolio: p, deployment: rt.deployment, target: d.decision.targets, slippageBps: rt.cfg.slippageBps, deadline: p.timestamp + 1_800n, leverage: d.decision.leverage, hfMargin: rt.cfg.leverage.hfMargin };
      const viaCow = swapVenueOf(rt.cfg, rt.deployment) === "cow";
      const { b, cow } = viaCow ? await planWithCow(rt, p, input) : { b: planRebalance(input), cow: undefined };
      // Leverage asked for or debt held: the decision's reasons say what the planner made of it (a
      // request while borrowing is off is planned without leverage, and the record says why).
      const lev = b.leverage;
      if (lev.requestedUsd > 0n || lev.debtUsd > 0n) d.decision.reasons.push({ indicator: "leverage", value: usdNumber(lev.wantUsd), says: lev.reason });
      const planned = (calls: Planned["calls"], steps: Planned["steps"]): Planned => {
        const usd = steps.reduce((s, x) => s + x.amountUsd, 0);
        return {
          calls,
          steps,
          sizeUsd: BigInt(Math.round(usd * 1e6)) * 10n ** 12n,
          riskReducing: steps.every((s) => s.riskReducing),
          reason: b.reason,
          detail: { current: b.current, deltasUsd: b.deltasUsd, inBand: b.inBand, idle: b.idle, leverage: jsonSafe(b.leverage), ...(cow ? cow(steps) : {}) },
        };
      };
      // A reviewer's `modify`: the same legs rebuilt smaller by the planner's adapters (a CoW leg's
      // order is rebuilt too: new amounts, new uid, the same limit price).
      return { ...planned(b.calls, b.steps), resize: (kept) => { const r = b.resize(kept); return planned(r.calls, r.steps); } };
    },
    register: async (plan) => {
      // The order book learns the orders before the Safe pre-signs them (status presignaturePending
      // until the transaction is mined or the owners execute the proposal).
      const orders = cowOrdersOf({ body: { plan: { detail: plan.detail } } as never });
      if (!orders.length) return;
      const book = cowOrderBookOf(rt.cfg, rt.deployment);
      for (const o of orders) await book.postOrder(toCowOrder(o.order), rt.addresses.safe, o.uid, o.quoteId);
    },
    check: async (p, plan) => checkBatch(p, plan.calls, await agentAddress(rt)),
    simulate: (p, plan, via) => simulateFor(rt, p, plan, via),
    risk: async (p, d, plan, sim) => {
      const detail = sim.detail as (Simulation & { ok: true }) | undefined;
      // Weights after the plan from the simulation; without its values, the day's target.
      // (Debt counts: the weights are over NAV net of debt, so what borrowed cash bought weighs in full.)
      const weightsAfter = detail?.valuesAfter ? currentWeights(portfolioAfter(p, detail.valuesAfter, sim.navAfterUsd)).weights : leveredTargets(d.decision.targets, d.decision.leverage);
      const r = rt.cfg.risk;
      return riskOnTop({ weightsAfter, closes: d.closes ?? {}, navHistory: await navHistory(rt, p), riskReducing: plan.riskReducing, maxVar1d: r.maxVar1d, maxDrawdown: r.maxDrawdown, lookbackDays: r.varLookbackDays });
    },
  };
}
