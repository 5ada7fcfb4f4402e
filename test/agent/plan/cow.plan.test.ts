// planRebalance with the CoW venue (agent/src/plan/swap.ts) on the local world: the leg is [exact
// approval to the vault relayer, pre-signature], its limit never below the oracle's minimum nor the
// rule's floor and tightened by a quote; a quote under the oracle's minimum drops the leg; a sale adds
// no cash to the batch (its proceeds arrive with the fill); a token with an order out is left alone;
// a reviewer's resize rebuilds the order (new amounts and uid, same limit price). The TypeScript check
// and the chain accept what it builds.
import { expect } from "chai";
import { getAddress, type Address } from "viem";
import { readPortfolio } from "../../../agent/src/chain/portfolio";
import { simulateBatch } from "../../../agent/src/chain/simulate";
import { planRebalance, type PlanInput } from "../../../agent/src/plan/plan";
import { cowVenue, type CowQuoted, type PlannedCowOrder } from "../../../agent/src/plan/swap";
import { currentWeights } from "../../../agent/src/plan/sleeves";
import { checkBatch } from "../../../agent/src/risk/check";
import { cowOrderOfPresign } from "../../../lib/chain/cow";
import type { Portfolio } from "../../../agent/src/chain/types";
import type { Deployment } from "../../../lib/chain/deployments";
import { agentWorld } from "../chain/fixture";

const DEADLINE = 2n ** 40n;

function venueFor(p: Portfolio, d: Deployment, quotes?: Record<string, CowQuoted>, orders = new Map<string, PlannedCowOrder>()) {
  const price = (t: string) => {
    const a = p.assets.find((x) => x.token.toLowerCase() === t.toLowerCase());
    return a && { usd: a.priceUsd, decimals: a.decimals };
  };
  return { orders, venue: cowVenue(d, { chainId: p.chainId, validTo: Number(p.timestamp) + 1800, slippageBps: 100, price, maxLossBps: p.policy.limits.maxLossBps, quotes, orders }) };
}

describe("agent plan: swaps on CoW Protocol", () => {
  it("sell 6 points of ETH, buy 1 of BTC, 5 into Aave: pre-signed orders at the oracle floor, no cash counted from the sale; check and chain accept", async () => {
    const { d, client, agent } = await agentWorld();
    const p = await readPortfolio(client, d);
    const { weights } = currentWeights(p);
    const { venue, orders } = venueFor(p, d);
    const input: PlanInput = { portfolio: p, deployment: d, target: { ...weights, eth: weights.eth - 0.06, btc: weights.btc + 0.01, aaveUsdc: weights.aaveUsdc + 0.05, usdc: weights.usdc }, slippageBps: 100, deadline: DEADLINE, venue };
    const plan = planRebalance(input);
    expect(plan.steps.map((s) => `${s.kind}:${s.protocol}`)).to.deep.equal(["swap:cow", "swap:cow", "deposit:aave-v3"]);
    const relayer = getAddress(d.cow!.vaultRelayer);
    expect(orders.size).to.equal(2);
    for (const o of orders.values()) {
      expect(BigInt(o.oracleMinOut)).to.equal(o.order.buyAmount); // no quote: the oracle's minimum (or the rule's floor)
      const presign = plan.calls.find((c) => c.to === getAddress(d.cow!.settlement) && cowOrderOfPresign(c.data).uid === o.uid);
      expect(presign, o.legId).to.not.equal(undefined);
    }
    expect(plan.calls.filter((c) => c.data.startsWith("0x095ea7b3") && c.data.includes(relayer.slice(2).toLowerCase()))).to.have.length(2);
    const check = checkBatch(p, plan.calls, agent);
    expect(check.ok, JSON.stringify(check, (_k, v) => (typeof v === "bigint" ? String(v) : v))).to.equal(true);
    const sim = await simulateBatch(client, p, plan.calls, { agent });
    if (!sim.ok) throw new Error(sim.error.text);
    // Nothing moves in the batch but the Aave deposit: NAV within a dollar, the size is the orders' sell value + the deposit.
    expect(Number((p.navUsd > sim.navAfterUsd ? p.navUsd - sim.navAfterUsd : sim.navAfterUsd - p.navUsd) / 10n ** 18n)).to.be.lessThan(2);
    expect(check.ok && check.sizeUsd).to.equal(sim.sizeUsd);

    // With Uniswap the sale's proceeds fund more buying in the same batch; with CoW they do not.
    const uni = planRebalance({ ...input, venue: undefined });
    const spent = (pl: typeof plan) => pl.steps.filter((s) => s.token.toLowerCase() === d.tokens.USDC.toLowerCase()).reduce((s, x) => s + BigInt(x.amount), 0n);
    expect(spent(plan) <= spent(uni)).to.equal(true);
  });

  it("a quote tightens the limit; a quote under the oracle minimum drops the leg; a resize rebuilds the order at the same limit price", async () => {
    const { d, client } = await agentWorld();
    const p = await readPortfolio(client, d);
    const { weights } = currentWeights(p);
    const target = { ...weights, eth: weights.eth - 0.06, usdc: weights.usdc + 0.06 };
    const base: PlanInput = { portfolio: p, deployment: d, target, slippageBps: 100, deadline: DEADLINE };
    const first = venueFor(p, d);
    planRebalance({ ...base, venue: first.venue });
    const [o] = [...first.orders.values()];
    const oracle = (o.order.buyAmount * 10_000n) / 9_901n; // the floor is the oracle value less 99 bps
    const good = venueFor(p, d, { [o.legId]: { buyAmount: oracle, amountIn: o.order.sellAmount, quoteId: 7 } });
    const plan = planRebalance({ ...base, venue: good.venue });
    const [tight] = [...good.orders.values()];
    expect(tight.order.buyAmount).to.equal((oracle * 9_900n) / 10_000n > o.order.buyAmount ? (oracle * 9_900n) / 10_000n : o.order.buyAmount);
    expect(tight.quoteId).to.equal(7);

    const bad = venueFor(p, d, { [o.legId]: { buyAmount: (oracle * 97n) / 100n, amountIn: o.order.sellAmount } });
    const dropped = planRebalance({ ...base, venue: bad.venue });
    expect(dropped.calls).to.deep.equal([]);
    expect(dropped.reason).to.match(/no cow route or the quote is below the oracle minimum/);

    const half = o.order.sellAmount / 2n;
    const small = plan.resize([{ id: o.legId, amount: half }]);
    const re = good.orders.get(o.legId)!;
    expect(re.order.sellAmount).to.equal(half);
    expect(re.uid).to.not.equal(tight.uid);
    expect(cowOrderOfPresign(small.calls[small.calls.length - 1].data).uid).to.equal(re.uid);
    // Same limit price, within rounding.
    expect(Number((re.order.buyAmount * 2n * 1_000_000n) / tight.order.buyAmount)).to.be.closeTo(1_000_000, 1);
  });

  it("a token with an order out is not swapped again; an open order selling USDC holds back the USDC legs (DAI still goes to Aave)", async () => {
    const { d, client } = await agentWorld();
    const p = await readPortfolio(client, d);
    const { weights } = currentWeights(p);
    const { venue } = venueFor(p, d);
    const sellEth = planRebalance({ portfolio: p, deployment: d, target: { ...weights, eth: weights.eth - 0.06, usdc: weights.usdc + 0.06 }, slippageBps: 100, deadline: DEADLINE, venue, pendingSwapTokens: [getAddress(d.tokens.WETH) as Address] });
    expect(sellEth.calls).to.deep.equal([]);
    expect(sellEth.reason).to.match(/WETH: an order for it is still open/);
    const deposit = planRebalance({ portfolio: p, deployment: d, target: { ...weights, usdc: weights.usdc - 0.06, aaveUsdc: weights.aaveUsdc + 0.06 }, slippageBps: 100, deadline: DEADLINE, venue, pendingSwapTokens: [getAddress(d.tokens.USDC) as Address] });
    // Stable cash other than USDC is not held back: the Aave deposit is made in DAI, no USDC is spent.
    expect(deposit.steps.map((s) => [s.kind, getAddress(s.token)])).to.deep.equal([["deposit", getAddress(d.tokens.DAI)]]);
    expect(deposit.reason).to.match(/an order selling USDC is still open/);
  });
});
