// Adversarial OWNER transactions, part 3: outcome checks. A zero-minimum swap through a
// manipulated pool (NavLoss), allocation caps (volatile, per protocol, single position) including
// de-risking after a price move, and oracle failure (stale / zero / negative feeds: de-risk only).
import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { Contract, ZeroAddress, encodeBytes32String, keccak256, parseEther, parseUnits, toUtf8Bytes } from "ethers";
import { guardedWorldFixture } from "../helpers/guarded";
import { ABI, ART, FAR_DEADLINE, advanceTime, arbitragePool, setPrice } from "../../scripts/world";
import {
  Ctx,
  EFFECT,
  aaveWithdraw,
  approve,
  ctxOf,
  expectUnchanged,
  freeze,
  ownerExec,
  ownerTx,
  passDelay,
  policyCall,
  quote,
  safeIface,
  schedule,
  setFeedAnswer,
  storageAddress,
  GUARD_SLOT,
  supplyBatch,
  swapBatch,
  transfer,
  usdValue,
  vaultIface,
} from "./guard.shared";

const USDC = (n: number | string) => parseUnits(String(n), 6);
const BPS = 10_000n;

/** The outsider dumps `wethIn` WETH into the real WETH/USDC pool (pushes the price far down). */
async function manipulatePool(c: Ctx, wethIn: bigint): Promise<void> {
  const w = c.g.world;
  const weth = new Contract(w.tokens.WETH, ABI.weth9(), c.outsider);
  await (await weth.deposit({ value: wethIn })).wait();
  await (await weth.approve(w.uniswap.swapRouter, wethIn)).wait();
  const router = new Contract(w.uniswap.swapRouter, ABI.swapRouter(), c.outsider);
  await (await router.exactInputSingle({
    tokenIn: w.tokens.WETH, tokenOut: w.tokens.USDC, fee: w.uniswap.pools.WETH_USDC.fee, recipient: c.outsiderAddr,
    deadline: FAR_DEADLINE, amountIn: wethIn, amountOutMinimum: 0n, sqrtPriceLimitX96: 0n,
  })).wait();
}

describe("guard: outcome checks (NAV loss, caps, oracle failure)", () => {
  let c: Ctx;
  beforeEach(async () => {
    c = await ctxOf(await loadFixture(guardedWorldFixture));
  });

  describe("manipulated pool", () => {
    it("a zero-minimum WETH->USDC swap through a manipulated pool is refused (NavLoss, exact figures)", async () => {
      const w = c.g.world;
      await manipulatePool(c, parseEther("1300"));
      const amountIn = parseEther("10");
      const out = await quote(c, w.tokens.WETH, w.tokens.USDC, amountIn);
      // ~$14k for $30k of WETH: the pool is far below the $3000 feed.
      expect(out).to.be.lt(USDC(16_000));
      const navBefore = await c.g.valuation.nav();
      const navAfter = navBefore - (await usdValue(c, w.tokens.WETH, amountIn)) + (await usdValue(c, w.tokens.USDC, out));
      const maxLoss = (await c.g.policy.limits()).maxLossBps;
      const before = await freeze(c);
      await expect(ownerTx(c, swapBatch(c, { tokenIn: w.tokens.WETH, tokenOut: w.tokens.USDC, amountIn, minOut: 0n })))
        .to.be.revertedWithCustomError(c.g.valuation, "NavLoss")
        .withArgs(navBefore, navAfter, 0n, (navBefore * (BPS - maxLoss)) / BPS);
      await expectUnchanged(c, before);
      // A loss just over 1% is enough: 4 WETH sold at the manipulated price (~1.5% of NAV) also fails.
      await expect(ownerTx(c, swapBatch(c, { tokenIn: w.tokens.WETH, tokenOut: w.tokens.USDC, amountIn: parseEther("4") })))
        .to.be.revertedWithCustomError(c.g.valuation, "NavLoss");
      // A payment in the same batch does not launder the loss.
      await expect(ownerTx(c, [
        transfer(w.tokens.USDC, c.payeeAddr, USDC(50_000)),
        ...swapBatch(c, { tokenIn: w.tokens.WETH, tokenOut: w.tokens.USDC, amountIn, minOut: 0n }),
      ])).to.be.revertedWithCustomError(c.g.valuation, "NavLoss")
        .withArgs(navBefore, navAfter - USDC(50_000) * 10n ** 12n, USDC(50_000) * 10n ** 12n, (navBefore * (BPS - maxLoss)) / BPS);
      await expectUnchanged(c, before);
    });

    it("the same swap at the fair pool price with a quoted minimum passes (exact amounts)", async () => {
      const w = c.g.world;
      const amountIn = parseEther("10");
      const out = await quote(c, w.tokens.WETH, w.tokens.USDC, amountIn);
      expect(out).to.be.within(USDC(29_850), USDC(29_985));
      const [weth, usdc]: bigint[] = [await c.tokens.WETH.balanceOf(c.safe), await c.tokens.USDC.balanceOf(c.safe)];
      const navBefore = await c.g.valuation.nav();
      const tx = ownerTx(c, swapBatch(c, { tokenIn: w.tokens.WETH, tokenOut: w.tokens.USDC, amountIn, minOut: (out * 995n) / 1000n }));
      const navAfter = navBefore - (await usdValue(c, w.tokens.WETH, amountIn)) + (await usdValue(c, w.tokens.USDC, out));
      await expect(tx).to.emit(c.g.guard, "OwnerTransactionChecked").withArgs((h: string) => h.length === 66, true, navBefore, navAfter, 0n, true);
      expect(await c.tokens.WETH.balanceOf(c.safe)).to.equal(weth - amountIn);
      expect(await c.tokens.USDC.balanceOf(c.safe)).to.equal(usdc + out);
    });
  });

  describe("caps", () => {
    it("owners buying volatile beyond 40% are refused (VolatileCapExceeded, exact bps)", async () => {
      const w = c.g.world;
      const amountIn = USDC(50_000);
      const out = await quote(c, w.tokens.USDC, w.tokens.WETH, amountIn);
      const snap = await c.g.valuation.snapshot();
      const volAfter = snap.volatileValue + (await usdValue(c, w.tokens.WETH, out));
      const navAfter = snap.nav - (await usdValue(c, w.tokens.USDC, amountIn)) + (await usdValue(c, w.tokens.WETH, out));
      const bpsAfter = (volAfter * BPS) / navAfter;
      expect(bpsAfter).to.be.gt(4000n);
      const before = await freeze(c);
      await expect(ownerTx(c, swapBatch(c, { tokenIn: w.tokens.USDC, tokenOut: w.tokens.WETH, amountIn })))
        .to.be.revertedWithCustomError(c.g.valuation, "VolatileCapExceeded")
        .withArgs((snap.volatileValue * BPS) / snap.nav, bpsAfter, 4000);
      await expectUnchanged(c, before);
      // Control: a buy that stays under the cap passes (30% -> ~36%).
      await ownerExec(c, swapBatch(c, { tokenIn: w.tokens.USDC, tokenOut: w.tokens.WETH, amountIn: USDC(25_000) }));
      expect((await c.g.valuation.allocation()).volatileBps).to.be.within(3500n, 4000n);
    });

    describe("after a price move breaches the volatile cap (WETH $3000 -> $7500, pool arbitraged)", () => {
      let bpsBreached: bigint;
      beforeEach(async () => {
        await setPrice(c.g.world, "WETH", 7500);
        await arbitragePool(c.g.world, "WETH_USDC");
        bpsBreached = (await c.g.valuation.allocation()).volatileBps;
        expect(bpsBreached).to.be.gt(4300n);
      });

      it("a de-risking WETH->USDC swap passes although volatile stays above 40%", async () => {
        const w = c.g.world;
        const amountIn = parseEther("2");
        const out = await quote(c, w.tokens.WETH, w.tokens.USDC, amountIn);
        await ownerExec(c, swapBatch(c, { tokenIn: w.tokens.WETH, tokenOut: w.tokens.USDC, amountIn, minOut: (out * 995n) / 1000n }));
        const after = (await c.g.valuation.allocation()).volatileBps;
        expect(after).to.be.gt(4000n); // still breached...
        expect(after).to.be.lt(bpsBreached); // ...but closer to the cap
      });

      it("a swap that increases volatile while breached is refused (VolatileCapExceeded)", async () => {
        const w = c.g.world;
        const before = await freeze(c);
        await expect(ownerTx(c, swapBatch(c, { tokenIn: w.tokens.USDC, tokenOut: w.tokens.WETH, amountIn: USDC(1_000) })))
          .to.be.revertedWithCustomError(c.g.valuation, "VolatileCapExceeded")
          .withArgs(bpsBreached, (x: bigint) => x > bpsBreached, 4000);
        await expectUnchanged(c, before);
      });

      it("while breached, a batch with a decision receipt and a de-risking swap passes", async () => {
        const w = c.g.world;
        const hash = keccak256(toUtf8Bytes("de-risk after the WETH rally"));
        const amountIn = parseEther("0.1");
        const out = await quote(c, w.tokens.WETH, w.tokens.USDC, amountIn);
        await expect(ownerTx(c, [
          policyCall(c, "recordDecision", [hash]),
          ...swapBatch(c, { tokenIn: w.tokens.WETH, tokenOut: w.tokens.USDC, amountIn, minOut: out }),
        ])).to.emit(c.g.policy, "DecisionRecorded").withArgs(hash, c.safe);
        expect((await c.g.valuation.allocation()).volatileBps).to.be.lt(bpsBreached);
      });
    });

    it("a cap breached by prices never bricks the Safe: with the breached position frozen, owners still schedule setGuard(0) and execute it", async () => {
      const w = c.g.world;
      // 57.5% of NAV on Aave (cap 60%), then volatile assets crash: Aave becomes ~72% of NAV.
      await ownerExec(c, [...supplyBatch(c, w.tokens.USDC, USDC(180_000)), ...supplyBatch(c, w.tokens.DAI, parseEther("50000"))]);
      await setPrice(w, "WETH", 1000);
      await setPrice(w, "WBTC", 20000);
      // ...and Aave pauses the reserves (an incident): the breached weight cannot be reduced.
      const configurator = new Contract(w.aave.poolConfigurator, ART.aave.PoolConfigurator().abi, w.signers.deployer);
      for (const sym of ["USDC", "DAI"] as const) await (await configurator.setReservePause(w.tokens[sym], true)).wait();
      const alloc = await c.g.valuation.allocation();
      const aaveBps = alloc.protocolBps[alloc.protocolIds.indexOf(encodeBytes32String("aave-v3"))];
      expect(aaveBps).to.be.gt(7000n);

      const before = await freeze(c);
      // Withdrawing is impossible (Aave reverts inside the Safe call: GS013)...
      await expect(ownerTx(c, aaveWithdraw(c, w.tokens.USDC, USDC(1), c.safe))).to.be.revertedWith("GS013");
      // ...anything that does not lower the breached weight is refused...
      await expect(ownerTx(c, transfer(w.tokens.DAI, c.payeeAddr, parseEther("1000"))))
        .to.be.revertedWithCustomError(c.g.valuation, "ProtocolCapExceeded")
        .withArgs(encodeBytes32String("aave-v3"), aaveBps, (x: bigint) => x > aaveBps, 6000);
      await expectUnchanged(c, before);
      // ...but scheduling (and cancelling) a timelocked change does not depend on prices or caps.
      const setGuard0 = safeIface.encodeFunctionData("setGuard", [ZeroAddress]);
      const { id } = await schedule(c, c.safe, setGuard0);
      await ownerExec(c, policyCall(c, "cancel", [id]));
      expect(await c.g.policy.readyAt(id)).to.equal(0n);
      await schedule(c, c.safe, setGuard0);
      await passDelay(c);
      await ownerExec(c, { to: c.safe, data: setGuard0 });
      expect(await storageAddress(c, GUARD_SLOT)).to.equal(ZeroAddress);
    });

    it("supplying too much to one protocol is refused (ProtocolCapExceeded)", async () => {
      const w = c.g.world;
      const usdc: bigint = await c.tokens.USDC.balanceOf(c.safe);
      const dai: bigint = await c.tokens.DAI.balanceOf(c.safe);
      const before = await freeze(c);
      // 180k USDC + 100k DAI on Aave = 70% of NAV in "aave-v3" (cap 60%); each aToken alone is under 50%.
      await expect(ownerTx(c, [...supplyBatch(c, w.tokens.USDC, usdc), ...supplyBatch(c, w.tokens.DAI, dai)]))
        .to.be.revertedWithCustomError(c.g.valuation, "ProtocolCapExceeded")
        .withArgs(encodeBytes32String("aave-v3"), 0n, (x: bigint) => x >= 6990n && x <= 7000n, 6000);
      await expectUnchanged(c, before);
      // Control: 55% in Aave passes.
      await ownerExec(c, [...supplyBatch(c, w.tokens.USDC, usdc), ...supplyBatch(c, w.tokens.DAI, parseEther("40000"))]);
    });

    it("one position above 50% of NAV is refused (PositionCapExceeded), its protocol being under 60%", async () => {
      const w = c.g.world;
      // Pay out $80k (a payment, not a loss): NAV $320k, of which USDC $180k.
      await ownerExec(c, transfer(w.tokens.DAI, c.payeeAddr, parseEther("80000")));
      const vault = w.erc4626.scrvUSD;
      const amount = USDC(170_000);
      const before = await freeze(c);
      await expect(ownerTx(c, [approve(w.tokens.USDC, vault, amount), { to: vault, data: vaultIface.encodeFunctionData("deposit", [amount, c.safe]) }]))
        .to.be.revertedWithCustomError(c.g.valuation, "PositionCapExceeded")
        .withArgs(vault, 0n, 5312n, 5000);
      await expectUnchanged(c, before);
      // Control: $150k (46.9%) passes.
      await ownerExec(c, [approve(w.tokens.USDC, vault, USDC(150_000)), { to: vault, data: vaultIface.encodeFunctionData("deposit", [USDC(150_000), c.safe]) }]);
    });
  });

  describe("oracle failure: de-risk only for owners", () => {
    const modes = [
      { name: "stale feeds (3h+ without a round)", broken: ["DAI", "WETH", "WBTC"], apply: (c: Ctx) => advanceTime(c.g.world, 3 * 3600 + 60, { refreshFeeds: false }) },
      { name: "zero WETH answer", broken: ["WETH"], apply: (c: Ctx) => setFeedAnswer(c, "WETH", 0n) },
      { name: "negative WETH answer", broken: ["WETH"], apply: (c: Ctx) => setFeedAnswer(c, "WETH", -1n) },
    ] as const;

    for (const mode of modes) {
      it(`${mode.name}: risk refused (DeriskOnly), Aave withdraw to the Safe and WETH->USDC pass, nav() reverts`, async () => {
        const w = c.g.world;
        await ownerExec(c, supplyBatch(c, w.tokens.USDC, USDC(20_000)));
        await mode.apply(c);
        const assets = (await c.g.lens.getConfig(c.g.addresses.policy)).assets.map((a) => a.token);
        const firstBroken = assets.find((a) => mode.broken.some((s) => w.tokens[s as "DAI"] === a));
        await expect(c.g.valuation.nav()).to.be.revertedWithCustomError(c.g.valuation, "PriceUnavailable").withArgs(firstBroken);
        await expect(c.g.valuation.allocation()).to.be.revertedWithCustomError(c.g.valuation, "PriceUnavailable").withArgs(firstBroken);

        const before = await freeze(c, [c.payeeAddr]);
        await expect(ownerTx(c, supplyBatch(c, w.tokens.USDC, USDC(1_000))))
          .to.be.revertedWithCustomError(c.g.policy, "DeriskOnly").withArgs(EFFECT.Risk);
        await expect(ownerTx(c, swapBatch(c, { tokenIn: w.tokens.USDC, tokenOut: w.tokens.WETH, amountIn: USDC(1_000) })))
          .to.be.revertedWithCustomError(c.g.policy, "DeriskOnly").withArgs(EFFECT.Risk);
        await expect(ownerTx(c, [approve(w.tokens.DAI, w.erc4626.sDAI, 1000n), { to: w.erc4626.sDAI, data: vaultIface.encodeFunctionData("deposit", [1000n, c.safe]) }]))
          .to.be.revertedWithCustomError(c.g.policy, "DeriskOnly").withArgs(EFFECT.Risk);
        await expect(ownerTx(c, transfer(w.tokens.USDC, c.payeeAddr, USDC(1_000))))
          .to.be.revertedWithCustomError(c.g.policy, "DeriskOnly").withArgs(EFFECT.Payment);
        // The call rules still come first.
        await expect(ownerTx(c, aaveWithdraw(c, w.tokens.USDC, USDC(1_000), c.outsiderAddr)))
          .to.be.revertedWithCustomError(c.g.policy, "ReceiverNotSafe").withArgs(c.outsiderAddr);
        await expectUnchanged(c, before);

        // Exit: Aave withdraw to the Safe.
        const usdc0: bigint = await c.tokens.USDC.balanceOf(c.safe);
        const rc = await ownerExec(c, aaveWithdraw(c, w.tokens.USDC, USDC(5_000), c.safe));
        expect(await c.tokens.USDC.balanceOf(c.safe)).to.equal(usdc0 + USDC(5_000));
        const checked = rc.logs.filter((l) => l.address === c.g.addresses.guard).map((l) => c.g.guard.interface.parseLog(l)).find((e) => e?.name === "OwnerTransactionChecked");
        expect(checked?.args.outcomeChecked).to.equal(false);
        // De-risk: WETH -> USDC.
        const amountIn = parseEther("1");
        const out = await quote(c, w.tokens.WETH, w.tokens.USDC, amountIn);
        const weth0: bigint = await c.tokens.WETH.balanceOf(c.safe);
        await ownerExec(c, swapBatch(c, { tokenIn: w.tokens.WETH, tokenOut: w.tokens.USDC, amountIn, minOut: (out * 995n) / 1000n }));
        expect(await c.tokens.WETH.balanceOf(c.safe)).to.equal(weth0 - amountIn);
        expect(await c.tokens.USDC.balanceOf(c.safe)).to.equal(usdc0 + USDC(5_000) + out);
      });
    }
  });
});
