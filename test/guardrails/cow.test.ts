// CowSwapRule on real CoW Protocol bytecode (GPv2Settlement + GPv2AllowListAuthentication from the
// mainnet artifacts of @cowprotocol/contracts): the Safe pre-signs its own sell order, with the order
// appended to setPreSignature so the rule can check it; an allow-listed local solver fills it with a
// real `settle`. Attacks are refused with the rule's error on both paths (owners through the guard,
// the agent through the module); cancelling a pre-signature always passes.
import { expect } from "chai";
import { loadFixture, time } from "@nomicfoundation/hardhat-network-helpers";
import { Contract, parseUnits, type ContractTransactionResponse } from "ethers";
import { encodeFunctionData, getAddress, hashDomain, toFunctionSelector, type Address, type Hex } from "viem";
import { guardedWorldFixture, nextDecisionHash, type GuardedWorld } from "../helpers/guarded";
import { advanceTime, executeSafeTx, solveCowOrder, type MetaTx } from "../../scripts/world";
import { ctxOf, ownerTx, policyCall, ownerExec, setFeedAnswer, swapBatch } from "./guard.shared";
import * as lib from "../../lib/chain";

const A = (a: string) => getAddress(a) as Address;
const ONE_WETH = parseUnits("1", 18);
/** 1 WETH at the feed's $3,000 less 0.5%: inside the 1% loss limit. */
const FAIR_LIMIT = parseUnits("2985", 6);

interface Cow {
  g: GuardedWorld;
  safe: Address;
  settlement: Contract;
  relayer: Address;
  chainId: number;
  now: number;
}

async function cowOf(g: GuardedWorld): Promise<Cow> {
  const w = g.world;
  return {
    g,
    safe: A(w.treasury.safe),
    settlement: new Contract(w.cow.settlement, lib.gpv2SettlementAbi as never, w.provider),
    relayer: A(w.cow.vaultRelayer),
    chainId: w.chainId,
    now: await time.latest(),
  };
}

/** 1 WETH -> USDC, fill-or-kill, ERC-20 balances, no fee, valid 30 minutes: what the rule accepts. */
function order(c: Cow, over: Partial<lib.CowOrder> = {}): lib.CowOrder {
  const w = c.g.world;
  return { ...lib.cowSellOrder({ sellToken: A(w.tokens.WETH), buyToken: A(w.tokens.USDC), sellAmount: ONE_WETH, buyAmount: FAIR_LIMIT, validTo: c.now + 1800 }), ...over };
}

const presign = (c: Cow, o: lib.CowOrder, owner: Address = c.safe) => lib.cowPresign(A(c.g.world.cow.settlement), o, owner, c.chainId);

async function ownerBatch(c: Cow, calls: lib.Call[]): Promise<void> {
  await executeSafeTx({ safe: c.safe, owners: c.g.quorum, tx: calls as MetaTx[], infra: c.g.world.safe, label: "owner CoW batch" });
}

const agentExec = (c: Cow, calls: lib.Call[]): Promise<ContractTransactionResponse> =>
  c.g.module.connect(c.g.agent).execute(calls, nextDecisionHash());

/** Both entry points: the owners' Safe transaction through the guard, and the agent through the module. */
const PATHS = {
  owner: async (c: Cow, calls: lib.Call[]) => ownerTx(await ctxOf(c.g), calls as MetaTx[]),
  agent: agentExec,
} as const;

describe("CowSwapRule: CoW Protocol pre-signed orders (real GPv2Settlement)", () => {
  it("the local world runs the real settlement: its relayer, the solver allow-list, and the domain the lib's uid uses", async () => {
    const g = await loadFixture(guardedWorldFixture);
    const c = await cowOf(g);
    expect(await c.settlement.vaultRelayer()).to.equal(c.relayer);
    const auth = new Contract(g.world.cow.authenticator, lib.gpv2AuthenticationAbi as never, g.world.provider);
    expect(await auth.isSolver(g.world.cow.solver)).to.equal(true);
    expect(await auth.isSolver(g.world.accounts.outsider)).to.equal(false);
    expect(await c.settlement.domainSeparator()).to.equal(
      hashDomain({ domain: { ...lib.cowDomain(c.chainId, A(g.world.cow.settlement)), chainId: BigInt(c.chainId) }, types: { EIP712Domain: [{ name: "name", type: "string" }, { name: "version", type: "string" }, { name: "chainId", type: "uint256" }, { name: "verifyingContract", type: "address" }] } }),
    );
    // The policy knows the settlement's pre-signature under the CoW rule, and the relayer as a spender.
    expect(await g.policy.ruleOf(g.world.cow.settlement, toFunctionSelector("setPreSignature(bytes,bool)"))).to.equal(g.addresses.ruleCow);
    expect(await g.policy.isSpender(c.relayer)).to.equal(true);
  });

  it("owners: exact approval + pre-signature (order appended: the real settlement ignores it), a solver's settle fills it, the Safe gets >= buyAmount", async () => {
    const g = await loadFixture(guardedWorldFixture);
    const c = await cowOf(g);
    const w = g.world;
    const o = order(c);
    const { call, uid } = presign(c, o);
    await ownerBatch(c, [lib.approve(A(w.tokens.WETH), c.relayer, o.sellAmount), call]);
    expect(await c.settlement.preSignature(uid)).to.not.equal(0n); // set for exactly the uid the lib computed
    const usdc = new Contract(w.tokens.USDC, lib.erc20Abi as never, w.provider);
    const weth = new Contract(w.tokens.WETH, lib.erc20Abi as never, w.provider);
    const [usdc0, weth0] = [await usdc.balanceOf(c.safe), await weth.balanceOf(c.safe)];
    const receipt = await solveCowOrder(w.signers.deployer, w, w, w.cow, o, c.safe);
    const trade = receipt.logs.map((l) => { try { return c.settlement.interface.parseLog(l); } catch { return null; } }).find((e) => e?.name === "Trade");
    expect(trade?.args.orderUid).to.equal(uid);
    const got = (await usdc.balanceOf(c.safe)) - usdc0;
    expect(got).to.be.gte(o.buyAmount);
    expect(got).to.equal(parseUnits("3000", 6)); // the local solver pays the oracle price
    expect(weth0 - (await weth.balanceOf(c.safe))).to.equal(o.sellAmount);
    expect(await c.settlement.filledAmount(uid)).to.equal(o.sellAmount);
    expect(await weth.allowance(c.safe, c.relayer)).to.equal(0n); // the exact approval is used up
  });

  it("a solver cannot fill below the signed limit, nor after validTo (the settlement's own checks)", async () => {
    const g = await loadFixture(guardedWorldFixture);
    const c = await cowOf(g);
    const w = g.world;
    const o = order(c);
    await ownerBatch(c, [lib.approve(A(w.tokens.WETH), c.relayer, o.sellAmount), presign(c, o).call]);
    await expect(solveCowOrder(w.signers.deployer, w, w, w.cow, o, c.safe, o.buyAmount - 1n)).to.be.rejectedWith(/limit price not respected/);
    await advanceTime(w, 1801);
    await expect(solveCowOrder(w.signers.deployer, w, w, w.cow, o, c.safe, o.buyAmount)).to.be.rejectedWith(/order expired/);
  });

  it("agent: the order is metered like a swap of its sell amount (nothing moves in the signing transaction), then filled", async () => {
    const g = await loadFixture(guardedWorldFixture);
    const c = await cowOf(g);
    const w = g.world;
    const o = order(c);
    const { call, uid } = presign(c, o);
    const used0 = await g.module.usedLast24h();
    const tx = await agentExec(c, [lib.approve(A(w.tokens.WETH), c.relayer, o.sellAmount), call]);
    const rc = await tx.wait();
    console.log(`      agent batch [approve WETH to the relayer, pre-signature]: ${rc!.gasUsed} gas`);
    const ev = rc!.logs.map((l) => { try { return g.module.interface.parseLog(l); } catch { return null; } }).find((e) => e?.name === "AgentExecuted");
    expect(ev!.args.sizeUsd).to.equal(parseUnits("3000", 18)); // 1 WETH at the feed
    expect((await g.module.usedLast24h()) - used0).to.equal(parseUnits("3000", 18));
    expect(await c.settlement.preSignature(uid)).to.not.equal(0n);
    await solveCowOrder(w.signers.deployer, w, w, w.cow, o, c.safe);
    expect(await c.settlement.filledAmount(uid)).to.equal(o.sellAmount);
  });

  it("agent: an order above the autonomy limit is refused although the signing moves nothing", async () => {
    const g = await loadFixture(guardedWorldFixture);
    const c = await cowOf(g);
    const o = order(c, { sellAmount: parseUnits("20", 18), buyAmount: parseUnits("59700", 6) }); // $60k > $50k
    await expect(agentExec(c, [presign(c, o).call])).to.be.revertedWithCustomError(g.module, "AutonomyLimitExceeded");
  });

  for (const [path, send] of Object.entries(PATHS)) {
    describe(`attacks refused (${path})`, () => {
      const cases: [string, (c: Cow) => lib.Call, string, (c: Cow) => unknown[]][] = [
        ["proceeds to an outsider", (c) => presign(c, order(c, { receiver: A(c.g.world.accounts.outsider) })).call, "ReceiverNotSafe", (c) => [c.g.world.accounts.outsider]],
        ["an order whose uid names another owner", (c) => presign(c, order(c), A(c.g.world.accounts.outsider)).call, "OrderOwnerNotSafe", (c) => [c.g.world.accounts.outsider]],
        ["an appended order that is not the uid's (a worse limit behind a fair uid)", (c) => {
          const fair = presign(c, order(c));
          const worse = presign(c, order(c, { buyAmount: 1n }));
          return { ...fair.call, data: (fair.call.data.slice(0, 2 + 2 * 164) + worse.call.data.slice(2 + 2 * 164)) as Hex };
        }, "OrderUidMismatch", () => []],
        ["a limit below the oracle price less maxLossBps", (c) => presign(c, order(c, { buyAmount: parseUnits("2960", 6) })).call, "OrderLimitBelowOracle", () => [parseUnits("2960", 18), parseUnits("2970", 18)]],
        ["an unregistered buy token", (c) => presign(c, order(c, { buyToken: A(c.g.world.pendle.yt) })).call, "TokenNotRegistered", (c) => [c.g.world.pendle.yt]],
        ["a buy order", (c) => presign(c, order(c, { kind: "buy" })).call, "OrderKindNotAllowed", () => [lib.cowEnumHash("buy")]],
        ["Balancer vault balances (sell side)", (c) => presign(c, order(c, { sellTokenBalance: "external" })).call, "OrderBalanceNotAllowed", () => [lib.cowEnumHash("external")]],
        ["Balancer internal balances (buy side)", (c) => presign(c, order(c, { buyTokenBalance: "internal" })).call, "OrderBalanceNotAllowed", () => [lib.cowEnumHash("internal")]],
        ["validTo beyond MAX_VALIDITY", (c) => presign(c, order(c, { validTo: c.now + 7200 })).call, "OrderValidToTooFar", () => []],
        ["a fee in the order", (c) => presign(c, order(c, { feeAmount: 1n })).call, "OrderFeeNotAllowed", () => [1n]],
        ["a partially fillable order", (c) => presign(c, order(c, { partiallyFillable: true })).call, "OrderPartialFillNotAllowed", () => []],
        ["no appended order (the rule cannot see what the uid signs)", (c) => {
          const { uid } = presign(c, order(c));
          return { to: A(c.g.world.cow.settlement), value: 0n, data: encodeFunctionData({ abi: lib.gpv2SettlementAbi, functionName: "setPreSignature", args: [uid, true] }) };
        }, "MalformedCalldata", () => []],
      ];
      for (const [name, build, error, args] of cases) {
        it(name, async () => {
          const g = await loadFixture(guardedWorldFixture);
          const c = await cowOf(g);
          const a = args(c);
          const assertion = expect(send(c, [build(c)])).to.be.revertedWithCustomError(g.policy, error);
          if (a.length) await assertion.withArgs(...a);
          else await assertion;
        });
      }
    });
  }

  it("a stale price: the limit cannot be checked, the pre-signature is refused", async () => {
    const g = await loadFixture(guardedWorldFixture);
    await advanceTime(g.world, 3 * 3600 + 60, { refreshFeeds: false }); // WETH's feed: max staleness 3 h
    const c = await cowOf(g);
    await expect(agentExec(c, [presign(c, order(c)).call])).to.be.revertedWithCustomError(g.policy, "OrderPriceUnavailable").withArgs(g.world.tokens.WETH);
  });

  it("cancelling a pre-signature always passes: the agent in de-risk-only mode, the owners while the agent is paused", async () => {
    const g = await loadFixture(guardedWorldFixture);
    const c = await cowOf(g);
    const w = g.world;
    const settlement = A(w.cow.settlement);
    const a = presign(c, order(c));
    const b = presign(c, order(c, { buyAmount: FAIR_LIMIT + 1n }));
    await ownerBatch(c, [a.call, b.call]);
    // Prices broken (the WETH feed goes stale): the agent may still withdraw its order.
    await advanceTime(w, 3 * 3600 + 60, { refreshFeeds: false });
    await expect(g.valuation.nav()).to.be.revertedWithCustomError(g.valuation, "PriceUnavailable");
    await (await agentExec(c, [lib.cowUnsign(settlement, a.uid)])).wait();
    expect(await c.settlement.preSignature(a.uid)).to.equal(0n);
    // Paused: the agent is refused everything; the owners cancel through the guard.
    await (await g.policy.connect(g.guardian).pause()).wait();
    await expect(agentExec(c, [lib.cowUnsign(settlement, b.uid)])).to.be.revertedWithCustomError(g.policy, "AgentPaused");
    await ownerBatch(c, [lib.cowUnsign(settlement, b.uid)]);
    expect(await c.settlement.preSignature(b.uid)).to.equal(0n);
    // Nobody but the Safe can touch the Safe's pre-signatures (the settlement's own rule).
    await expect((c.settlement.connect(w.signers.outsider) as Contract).getFunction("setPreSignature")(a.uid, true)).to.be.rejectedWith(/cannot presign order/);
  });

  // Issue 17 §3: a pre-signature moves nothing in its own transaction, so with the volatile cap breached
  // by prices the "strictly lower" rule refused exactly the sale that was needed.
  describe("de-risking through CoW while prices have breached the volatile cap", () => {
    /** WETH from $3,000 to $6,300: volatile (147k + 50k) / 477k = 41.3%, over the 40% cap by prices alone. */
    async function breached(): Promise<Cow> {
      const g = await loadFixture(guardedWorldFixture);
      await setFeedAnswer(await ctxOf(g), "WETH", 6300n * 10n ** 8n);
      const [volatileBps] = await g.valuation.allocation();
      expect(volatileBps).to.be.gt(4000n);
      return cowOf(g);
    }
    const sellWeth = (c: Cow) => order(c, { buyAmount: parseUnits("6290", 6) }); // inside 1% of $6,300

    for (const [path, send] of Object.entries(PATHS)) {
      it(`${path}: a WETH → USDC pre-signature passes (no weight rises); a USDC → WETH one still must lower the breach`, async () => {
        const c = await breached();
        const w = c.g.world;
        const o = sellWeth(c);
        const { call, uid } = presign(c, o);
        await (await send(c, [lib.approve(A(w.tokens.WETH), c.relayer, o.sellAmount), call])).wait();
        expect(await c.settlement.preSignature(uid)).to.not.equal(0n);
        // Buying volatile takes risk: the breach must still strictly fall, and an order leaves it where it is.
        const buy = order(c, { sellToken: A(w.tokens.USDC), buyToken: A(w.tokens.WETH), sellAmount: parseUnits("6300", 6), buyAmount: parseUnits("0.995", 18) });
        await expect(send(c, [presign(c, buy).call])).to.be.revertedWithCustomError(c.g.valuation, "VolatileCapExceeded");
      });
    }

    it("a de-risking batch still may not raise a breached weight (a lossy WBTC sale lifts WETH's share over a tightened position cap)", async () => {
      const c = await breached();
      const g = c.g;
      const cx = await ctxOf(g);
      // Owners tighten the single-position cap to 30% (immediate): WETH at 147k / 477k = 30.8% is over it.
      await ownerExec(cx, policyCall(cx, "setCaps", [{ maxVolatileBps: 4000, maxProtocolBps: 6000, maxPositionBps: 3000 }]), "tighten position cap");
      // Selling WBTC for USDC de-risks, but the pool fee lowers NAV, so WETH's weight rises: refused.
      const sale = swapBatch(cx, { tokenIn: g.world.tokens.WBTC, tokenOut: g.world.tokens.USDC, amountIn: parseUnits("0.1", 8), fee: g.world.uniswap.pools.WBTC_USDC.fee });
      const calls = sale.map((t) => ({ to: A(t.to), value: 0n, data: t.data as Hex }));
      await expect(agentExec(c, calls)).to.be.revertedWithCustomError(g.valuation, "PositionCapExceeded");
      // Selling WETH itself lowers its weight: passes.
      const o = sellWeth(c);
      await (await agentExec(c, [lib.approve(A(g.world.tokens.WETH), c.relayer, o.sellAmount), presign(c, o).call])).wait();
    });
  });

  // Issue 17 §4: a guardian's pause left the agent's pre-signed orders fillable for up to an hour, and an
  // order's worst case against the oracle never counted toward the loss budget.
  describe("the agent's open orders: withdrawn by a pause or an exit, their worst case in the loss budget", () => {
    async function signed(c: Cow, n: number): Promise<{ o: lib.CowOrder; uid: Hex }[]> {
      const out = Array.from({ length: n }, (_, i) => {
        const o = order(c, { buyAmount: FAIR_LIMIT + BigInt(i) });
        return { o, uid: presign(c, o).uid };
      });
      const total = out.reduce((sum, x) => sum + x.o.sellAmount, 0n);
      await (await agentExec(c, [lib.approve(A(c.g.world.tokens.WETH), c.relayer, total), ...out.map((x) => presign(c, x.o).call)])).wait();
      return out;
    }

    it("a guardian's pause unsigns every open order of the agent's: no solver can fill them after it", async () => {
      const g = await loadFixture(guardedWorldFixture);
      const c = await cowOf(g);
      const orders = await signed(c, 2);
      const rc = (await (await g.policy.connect(g.guardian).pause()).wait())!;
      for (const { o, uid } of orders) {
        expect(await c.settlement.preSignature(uid)).to.equal(0n);
        await expect(solveCowOrder(g.world.signers.deployer, g.world, g.world, g.world.cow, o, c.safe)).to.be.rejectedWith(/not presigned/);
      }
      const withdrawn = rc.logs.map((l) => { try { return g.module.interface.parseLog(l); } catch { return null; } }).filter((e) => e?.name === "OrderWithdrawn");
      expect(withdrawn.map((e) => e!.args.success)).to.deep.equal([true, true]);
      expect(await g.module.openOrderCount()).to.equal(0n);
      expect(await g.policy.paused()).to.equal(true);
    });

    it("the emergency exit withdraws them too; any guardian may withdraw them at once without pausing, nobody else", async () => {
      const g = await loadFixture(guardedWorldFixture);
      const c = await cowOf(g);
      let [{ uid }] = await signed(c, 1);
      await expect(g.module.connect(g.world.signers.outsider).withdrawOrders()).to.be.revertedWithCustomError(g.module, "NotGuardianOrPolicy");
      await expect(g.module.connect(g.agent).withdrawOrders()).to.be.revertedWithCustomError(g.module, "NotGuardianOrPolicy");
      await (await g.module.connect(g.guardian).withdrawOrders()).wait();
      expect(await c.settlement.preSignature(uid)).to.equal(0n);
      expect(await g.policy.paused()).to.equal(false);
      [{ uid }] = await signed(c, 1);
      await (await g.module.connect(g.guardian).emergencyExit()).wait();
      expect(await c.settlement.preSignature(uid)).to.equal(0n);
    });

    it("an order's worst-case loss against the oracle counts toward the rolling 24 h loss budget when it is signed", async () => {
      const g = await loadFixture(guardedWorldFixture);
      const c = await cowOf(g);
      const w = g.world;
      const loss0 = await g.module.lossLast24h();
      // 1 WETH at the $3,000 oracle, limit $2,973: at worst $27 lost, booked now (whole dollars, up).
      const o = order(c, { buyAmount: parseUnits("2973", 6) });
      await (await agentExec(c, [lib.approve(A(w.tokens.WETH), c.relayer, o.sellAmount), presign(c, o).call])).wait();
      expect((await g.module.lossLast24h()) - loss0).to.equal(parseUnits("27", 18));
      // A limit at the oracle price can lose nothing against it.
      const fair = order(c, { buyAmount: parseUnits("3000", 6) });
      await (await agentExec(c, [presign(c, fair).call])).wait();
      expect((await g.module.lossLast24h()) - loss0).to.equal(parseUnits("27", 18));
    });

    it(`at most MAX_OPEN_ORDERS (8) open orders; expired ones make room`, async () => {
      const g = await loadFixture(guardedWorldFixture);
      const c = await cowOf(g);
      expect(await g.module.MAX_OPEN_ORDERS()).to.equal(8n);
      await signed(c, 8);
      const ninth = order(c, { buyAmount: FAIR_LIMIT + 100n });
      await expect(agentExec(c, [presign(c, ninth).call])).to.be.revertedWithCustomError(g.module, "TooManyOpenOrders").withArgs(8n);
      await advanceTime(g.world, 1801); // past validTo: the settlement refuses them, nothing left to withdraw
      const c2 = await cowOf(g);
      await (await agentExec(c2, [presign(c2, order(c2)).call])).wait();
      expect(await g.module.openOrderCount()).to.equal(1n);
    });
  });
});
