// Adversarial OWNER transactions, part 2: the timelock. Safe configuration changes (owners,
// threshold, modules, guard, fallback handler), loosening vs tightening policy changes, payees,
// pause/unpause, decision receipts, and the escape hatch: the Safe is never bricked.
import { expect } from "chai";
import hre from "hardhat";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { Contract, Signer, ZeroAddress, encodeBytes32String, parseUnits, keccak256, toUtf8Bytes } from "ethers";
import { guardedWorldFixture } from "../helpers/guarded";
import { advanceTime } from "../../scripts/world";
import { SELECTORS } from "../../scripts/guardrails/config";
import {
  Ctx,
  DAY,
  EFFECT,
  FALLBACK_SLOT,
  GUARD_SLOT,
  SENTINEL,
  approve,
  asSafe,
  changeId,
  ctxOf,
  expectUnchanged,
  freeze,
  freshToken,
  ownerExec,
  ownerTx,
  passDelay,
  policyCall,
  safeIface,
  schedule,
  setFeedAnswer,
  storageAddress,
  supplyBatch,
  swapBatch,
  transfer,
  usdValue,
  vaultIface,
} from "./guard.shared";

const USDC = (n: number | string) => parseUnits(String(n), 6);

interface SafeChange {
  name: string;
  data: (c: Ctx) => Promise<string>;
  /** Asserts the Safe's state after the change ran. */
  check: (c: Ctx) => Promise<unknown>;
}

let newOwner: string;

/** The eight Safe 1.4.1 configuration functions the guard only lets through when scheduled. */
const SAFE_CHANGES: SafeChange[] = [
  {
    name: "setGuard(0)",
    data: async () => safeIface.encodeFunctionData("setGuard", [ZeroAddress]),
    check: async (c) => expect(await storageAddress(c, GUARD_SLOT)).to.equal(ZeroAddress),
  },
  {
    name: "enableModule(outsider)",
    data: async (c) => safeIface.encodeFunctionData("enableModule", [c.outsiderAddr]),
    check: async (c) => expect(await c.safeC.isModuleEnabled(c.outsiderAddr)).to.equal(true),
  },
  {
    name: "disableModule(agent module)",
    data: async (c) => {
      const [mods]: [string[]] = await c.safeC.getModulesPaginated(SENTINEL, 10);
      const i = mods.indexOf(c.g.addresses.module);
      expect(i, "module enabled").to.be.gte(0);
      return safeIface.encodeFunctionData("disableModule", [i === 0 ? SENTINEL : mods[i - 1], c.g.addresses.module]);
    },
    check: async (c) => expect(await c.safeC.isModuleEnabled(c.g.addresses.module)).to.equal(false),
  },
  {
    name: "addOwnerWithThreshold(new, 2)",
    data: async () => safeIface.encodeFunctionData("addOwnerWithThreshold", [newOwner, 2]),
    check: async (c) => {
      expect(await c.safeC.isOwner(newOwner)).to.equal(true);
      expect(await c.safeC.getOwners()).to.have.length(4);
    },
  },
  {
    name: "removeOwner(owner3)",
    data: async (c) => {
      const owners: string[] = await c.safeC.getOwners();
      const i = owners.indexOf(c.g.world.accounts.owners[2]);
      return safeIface.encodeFunctionData("removeOwner", [i === 0 ? SENTINEL : owners[i - 1], owners[i], 2]);
    },
    check: async (c) => {
      expect(await c.safeC.isOwner(c.g.world.accounts.owners[2])).to.equal(false);
      expect(await c.safeC.getOwners()).to.have.length(2);
    },
  },
  {
    name: "swapOwner(owner3 -> new)",
    data: async (c) => {
      const owners: string[] = await c.safeC.getOwners();
      const i = owners.indexOf(c.g.world.accounts.owners[2]);
      return safeIface.encodeFunctionData("swapOwner", [i === 0 ? SENTINEL : owners[i - 1], owners[i], newOwner]);
    },
    check: async (c) => {
      expect(await c.safeC.isOwner(newOwner)).to.equal(true);
      expect(await c.safeC.isOwner(c.g.world.accounts.owners[2])).to.equal(false);
    },
  },
  {
    name: "changeThreshold(3)",
    data: async () => safeIface.encodeFunctionData("changeThreshold", [3]),
    check: async (c) => expect(await c.safeC.getThreshold()).to.equal(3n),
  },
  {
    name: "setFallbackHandler(outsider)",
    data: async (c) => safeIface.encodeFunctionData("setFallbackHandler", [c.outsiderAddr]),
    check: async (c) => expect(await storageAddress(c, FALLBACK_SLOT)).to.equal(c.outsiderAddr),
  },
];

/** Everything a Safe configuration change could alter. */
async function safeConfig(c: Ctx) {
  return {
    guard: await storageAddress(c, GUARD_SLOT),
    fallback: await storageAddress(c, FALLBACK_SLOT),
    owners: [...((await c.safeC.getOwners()) as string[])],
    threshold: (await c.safeC.getThreshold()) as bigint,
    modules: [...((await c.safeC.getModulesPaginated(SENTINEL, 10))[0] as string[])],
  };
}

function eventsOf(rc: { logs: readonly { address: string; topics: readonly string[]; data: string }[] }, c: Contract | { interface: Contract["interface"] }, address: string) {
  return rc.logs
    .filter((l) => l.address.toLowerCase() === address.toLowerCase())
    .map((l) => c.interface.parseLog(l as never))
    .filter((e) => e !== null);
}

describe("guard: timelock, configuration and escape hatch (real Safe, two owner signatures)", () => {
  let c: Ctx;
  beforeEach(async () => {
    c = await ctxOf(await loadFixture(guardedWorldFixture));
    newOwner = await (await hre.ethers.getSigners())[9].getAddress();
  });

  describe("Safe configuration changes", () => {
    it("refuses all eight config changes without a schedule (NotScheduled), state unchanged", async () => {
      const cfg = await safeConfig(c);
      const before = await freeze(c);
      for (const ch of SAFE_CHANGES) {
        const data = await ch.data(c);
        await expect(ownerTx(c, { to: c.safe, data }), ch.name)
          .to.be.revertedWithCustomError(c.g.policy, "NotScheduled").withArgs(changeId(c.safe, data));
      }
      expect(await safeConfig(c)).to.deep.equal(cfg);
      await expectUnchanged(c, before);
    });

    for (const ch of SAFE_CHANGES) {
      it(`${ch.name}: scheduled -> NotReady before the delay -> executes after it`, async () => {
        const data = await ch.data(c);
        const cfg = await safeConfig(c);
        const { id, readyAt } = await schedule(c, c.safe, data);
        expect(readyAt).to.equal(BigInt((await c.g.world.provider.getBlock("latest"))!.timestamp) + (await c.g.policy.delay()));

        const before = await freeze(c);
        await expect(ownerTx(c, { to: c.safe, data }))
          .to.be.revertedWithCustomError(c.g.policy, "NotReady").withArgs(id, readyAt);
        await advanceTime(c.g.world, DAY); // half the 2-day delay: still not ready
        await expect(ownerTx(c, { to: c.safe, data }))
          .to.be.revertedWithCustomError(c.g.policy, "NotReady").withArgs(id, readyAt);
        await expectUnchanged(c, before);
        expect(await safeConfig(c)).to.deep.equal(cfg);

        await passDelay(c);
        const rc = await ownerExec(c, { to: c.safe, data }, ch.name);
        const guardEvents = eventsOf(rc, c.g.guard, c.g.addresses.guard);
        expect(guardEvents.find((e) => e!.name === "SafeConfigChange")?.args.selector).to.equal(data.slice(0, 10));
        const checked = guardEvents.find((e) => e!.name === "OwnerTransactionChecked");
        expect(checked?.args.success).to.equal(true);
        expect(checked?.args.outcomeChecked).to.equal(false);
        expect(eventsOf(rc, c.g.policy, c.g.addresses.policy).find((e) => e!.name === "ChangeExecuted")?.args.id).to.equal(id);
        expect(await c.g.policy.readyAt(id)).to.equal(0n);
        await ch.check(c);
      });
    }

    it("a second execution of the same change needs a new schedule", async () => {
      const data = safeIface.encodeFunctionData("setFallbackHandler", [c.outsiderAddr]);
      const id = changeId(c.safe, data);
      await schedule(c, c.safe, data);
      await passDelay(c);
      await ownerExec(c, { to: c.safe, data });
      expect(await storageAddress(c, FALLBACK_SLOT)).to.equal(c.outsiderAddr);
      const before = await freeze(c);
      await expect(ownerTx(c, { to: c.safe, data })).to.be.revertedWithCustomError(c.g.policy, "NotScheduled").withArgs(id);
      await expectUnchanged(c, before);
      // Schedule again: the delay applies again.
      const again = await schedule(c, c.safe, data);
      await expect(ownerTx(c, { to: c.safe, data })).to.be.revertedWithCustomError(c.g.policy, "NotReady").withArgs(id, again.readyAt);
      await passDelay(c);
      await ownerExec(c, { to: c.safe, data });
    });

    it("a guardian (or any single owner) cancels a scheduled change; strangers cannot", async () => {
      const data = safeIface.encodeFunctionData("setGuard", [ZeroAddress]);
      const { id } = await schedule(c, c.safe, data);
      await expect(c.g.policy.connect(c.outsider).cancel(id)).to.be.revertedWithCustomError(c.g.policy, "NotGuardian").withArgs(c.outsiderAddr);
      await expect(c.g.policy.connect(c.g.guardian).cancel(id)).to.emit(c.g.policy, "ChangeCancelled").withArgs(id, c.guardianAddr);
      expect(await c.g.policy.readyAt(id)).to.equal(0n);
      await passDelay(c);
      const before = await freeze(c);
      await expect(ownerTx(c, { to: c.safe, data })).to.be.revertedWithCustomError(c.g.policy, "NotScheduled").withArgs(id);
      expect(await storageAddress(c, GUARD_SLOT)).to.equal(c.g.addresses.guard);
      await expectUnchanged(c, before);

      // The one owner who did not sign the schedule can stop it too.
      const honest = c.g.world.signers.owners[2];
      await schedule(c, c.safe, data);
      await expect(c.g.policy.connect(honest).cancel(id)).to.emit(c.g.policy, "ChangeCancelled").withArgs(id, await honest.getAddress());
      await passDelay(c);
      await expect(ownerTx(c, { to: c.safe, data })).to.be.revertedWithCustomError(c.g.policy, "NotScheduled").withArgs(id);
    });

    it("a change not executed within GRACE_PERIOD after it became ready expires (ScheduleExpired)", async () => {
      const data = safeIface.encodeFunctionData("addOwnerWithThreshold", [newOwner, 2]);
      const { id } = await schedule(c, c.safe, data);
      const grace = Number(await c.g.policy.GRACE_PERIOD());
      await advanceTime(c.g.world, Number(await c.g.policy.delay()) + grace + 60);
      const before = await freeze(c);
      await expect(ownerTx(c, { to: c.safe, data })).to.be.revertedWithCustomError(c.g.policy, "ScheduleExpired").withArgs(id);
      expect(await c.safeC.isOwner(newOwner)).to.equal(false);
      await expectUnchanged(c, before);
    });

    it("refuses Safe self-calls that are not config changes, config changes by DELEGATECALL or with value, and config changes hidden in a batch", async () => {
      const setGuard0 = safeIface.encodeFunctionData("setGuard", [ZeroAddress]);
      await schedule(c, c.safe, setGuard0);
      await passDelay(c); // the change is scheduled AND ready: only the proper form may use it
      const before = await freeze(c);
      const approveHash = safeIface.encodeFunctionData("approveHash", [keccak256(toUtf8Bytes("x"))]);
      await expect(ownerTx(c, { to: c.safe, data: approveHash }))
        .to.be.revertedWithCustomError(c.g.guard, "SafeSelfCallNotAllowed").withArgs(approveHash.slice(0, 10));
      await expect(ownerTx(c, { to: c.safe, data: "0x" }))
        .to.be.revertedWithCustomError(c.g.guard, "SafeSelfCallNotAllowed").withArgs("0x00000000");
      await expect(ownerTx(c, { to: c.safe, data: setGuard0, operation: 1 }))
        .to.be.revertedWithCustomError(c.g.guard, "SafeSelfCallNotAllowed").withArgs(setGuard0.slice(0, 10));
      await expect(ownerTx(c, { to: c.safe, data: setGuard0, value: 1n }))
        .to.be.revertedWithCustomError(c.g.guard, "SafeSelfCallNotAllowed").withArgs(setGuard0.slice(0, 10));
      await expect(ownerTx(c, [approve(c.g.world.tokens.USDC, c.g.world.aave.pool, 1n), { to: c.safe, data: setGuard0 }]))
        .to.be.revertedWithCustomError(c.g.policy, "ProtectedTarget").withArgs(c.safe);
      expect(await storageAddress(c, GUARD_SLOT)).to.equal(c.g.addresses.guard);
      await expectUnchanged(c, before);
      // The schedule was not consumed by any of those: the proper call still works.
      await ownerExec(c, { to: c.safe, data: setGuard0 });
      expect(await storageAddress(c, GUARD_SLOT)).to.equal(ZeroAddress);
    });
  });

  describe("policy changes: loosening needs the timelock, tightening is immediate", () => {
    it("refuses unscheduled loosening changes (Safe tx fails; inner revert NotScheduled); configuration unchanged", async () => {
      const w = c.g.world;
      const junk = await freshToken(c, w.accounts.deployer, 1n);
      const caps = await c.g.policy.caps();
      const limits = await c.g.policy.limits();
      const cfgBefore = await c.g.lens.getConfig(c.g.addresses.policy);
      const registry = await c.g.policy.registry();
      const changes: [string, unknown[]][] = [
        ["setAsset", [junk, w.feeds.WETH, 3600, 1]],
        ["setRule", [w.uniswap.swapRouter, "0xdb3e2198", c.g.addresses.ruleUniswapV3]],
        ["setSpender", [c.outsiderAddr, true]],
        ["setCaps", [{ maxVolatileBps: caps.maxVolatileBps + 1000n, maxProtocolBps: caps.maxProtocolBps, maxPositionBps: caps.maxPositionBps }]],
        ["setCaps", [{ maxVolatileBps: caps.maxVolatileBps - 1000n, maxProtocolBps: caps.maxProtocolBps, maxPositionBps: caps.maxPositionBps + 1n }]],
        ["setPayee", [c.outsiderAddr, true]],
        ["setAgent", [c.outsiderAddr, true]],
        ["setGuardian", [c.outsiderAddr, true]],
        ["setLimits", [{ maxLossBps: limits.maxLossBps * 5n, autonomyLimitUsd: limits.autonomyLimitUsd, dailyBudgetUsd: limits.dailyBudgetUsd, minHealthFactor: limits.minHealthFactor }]],
        ["setLimits", [{ maxLossBps: limits.maxLossBps, autonomyLimitUsd: limits.autonomyLimitUsd, dailyBudgetUsd: limits.dailyBudgetUsd, minHealthFactor: limits.minHealthFactor - 1n }]],
        ["setDelay", [3600]],
        ["setPosition", [junk, { kind: 1, underlying: w.tokens.USDC, protocol: encodeBytes32String("rogue"), venue: c.outsiderAddr, market: ZeroAddress, twapDuration: 0, adapter: c.g.addresses.aaveATokenAdapter }]],
      ];
      const before = await freeze(c);
      for (const [fn, args] of changes) {
        const tx = policyCall(c, fn, args);
        // The policy reverts inside the Safe's call; Safe 1.4.1 (safeTxGas = 0) turns that into GS013.
        await expect(ownerTx(c, tx), fn).to.be.revertedWith("GS013");
        // The inner reason, for exactly that call from the Safe:
        await expect(asSafe(c, tx.data!), fn).to.be.revertedWithCustomError(c.g.policy, "NotScheduled")
          .withArgs(changeId(c.g.addresses.policy, tx.data!));
      }
      await expectUnchanged(c, before);
      expect(await c.g.lens.getConfig(c.g.addresses.policy)).to.deep.equal(cfgBefore);
      expect(await c.g.policy.registry()).to.equal(registry);
    });

    it("a scheduled loosening (raise the volatile cap) is NotReady before the delay and applies after it", async () => {
      const w = c.g.world;
      const raise = policyCall(c, "setCaps", [{ maxVolatileBps: 5000, maxProtocolBps: 6000, maxPositionBps: 5000 }]);
      const { id, readyAt } = await schedule(c, c.g.addresses.policy, raise.data!);
      await expect(ownerTx(c, raise)).to.be.revertedWith("GS013");
      await expect(asSafe(c, raise.data!)).to.be.revertedWithCustomError(c.g.policy, "NotReady").withArgs(id, readyAt);
      const buy = swapBatch(c, { tokenIn: w.tokens.USDC, tokenOut: w.tokens.WETH, amountIn: USDC(50_000), fee: w.uniswap.pools.WETH_USDC.fee });
      await expect(ownerTx(c, buy)).to.be.revertedWithCustomError(c.g.valuation, "VolatileCapExceeded");
      await passDelay(c);
      await expect(ownerExec(c, raise)).to.not.be.rejected;
      expect((await c.g.policy.caps()).maxVolatileBps).to.equal(5000n);
      // The buy the old cap refused now passes (~42% volatile).
      await ownerExec(c, buy);
      expect((await c.g.valuation.allocation()).volatileBps).to.be.within(4001n, 5000n);
    });

    it("tightening is immediate: lower caps, remove a spender, remove a position, remove a rule", async () => {
      const w = c.g.world;
      const alloc = await c.g.valuation.allocation();
      // Lower the volatile cap to 35% (the treasury is at ~30%).
      await expect(ownerExec(c, policyCall(c, "setCaps", [{ maxVolatileBps: 3500, maxProtocolBps: 6000, maxPositionBps: 5000 }])))
        .to.not.be.rejected;
      expect((await c.g.policy.caps()).maxVolatileBps).to.equal(3500n);
      const before = await freeze(c);
      const buy = swapBatch(c, { tokenIn: w.tokens.USDC, tokenOut: w.tokens.WETH, amountIn: USDC(25_000) });
      await expect(ownerTx(c, buy)).to.be.revertedWithCustomError(c.g.valuation, "VolatileCapExceeded")
        .withArgs(alloc.volatileBps, (x: bigint) => x > 3500n && x < 4000n, 3500);
      await expectUnchanged(c, before);

      await ownerExec(c, policyCall(c, "setSpender", [w.uniswap.swapRouter, false]));
      await expect(ownerTx(c, approve(w.tokens.WETH, w.uniswap.swapRouter, 1n)))
        .to.be.revertedWithCustomError(c.g.policy, "SpenderNotAllowed").withArgs(w.uniswap.swapRouter);

      const sDAI = w.erc4626.sDAI;
      await ownerExec(c, policyCall(c, "removePosition", [sDAI]));
      await expect(ownerTx(c, [approve(w.tokens.DAI, sDAI, 1000n), { to: sDAI, data: vaultIface.encodeFunctionData("deposit", [1000n, c.safe]) }]))
        .to.be.revertedWithCustomError(c.g.policy, "PositionNotRegistered").withArgs(sDAI);

      const scrv = w.erc4626.scrvUSD;
      await ownerExec(c, policyCall(c, "setRule", [scrv, SELECTORS.vaultDeposit, ZeroAddress]));
      const dep = vaultIface.encodeFunctionData("deposit", [1000n, c.safe]);
      await expect(ownerTx(c, [approve(w.tokens.USDC, scrv, 1000n), { to: scrv, data: dep }]))
        .to.be.revertedWithCustomError(c.g.policy, "TargetNotAllowed").withArgs(scrv, dep.slice(0, 10));
      await expectUnchanged(c, { ...before, nonce: before.nonce + 3n });
    });

    it("pause: any guardian at once; unpause: only the Safe", async () => {
      await expect(c.g.policy.connect(c.outsider).pause()).to.be.revertedWithCustomError(c.g.policy, "NotGuardian").withArgs(c.outsiderAddr);
      await expect(c.g.policy.connect(c.g.guardian).pause()).to.emit(c.g.policy, "Paused").withArgs(c.guardianAddr);
      expect(await c.g.policy.paused()).to.equal(true);
      await expect(c.g.policy.connect(c.g.guardian).unpause()).to.be.revertedWithCustomError(c.g.policy, "NotSafe").withArgs(c.guardianAddr);
      const owner = c.g.quorum[0];
      await expect(c.g.policy.connect(owner).unpause()).to.be.revertedWithCustomError(c.g.policy, "NotSafe").withArgs(await owner.getAddress());
      expect(await c.g.policy.paused()).to.equal(true);
      await expect(ownerExec(c, policyCall(c, "unpause", []))).to.not.be.rejected;
      expect(await c.g.policy.paused()).to.equal(false);
    });

    it("owners cannot call the policy's entry-point functions (NotEntryPoint)", async () => {
      const consume = policyCall(c, "consumeSafeChange", [safeIface.encodeFunctionData("setGuard", [ZeroAddress])]);
      await expect(ownerTx(c, consume)).to.be.revertedWith("GS013");
      await expect(asSafe(c, consume.data!)).to.be.revertedWithCustomError(c.g.policy, "NotEntryPoint").withArgs(c.safe);
      expect(await storageAddress(c, GUARD_SLOT)).to.equal(c.g.addresses.guard);
    });
  });

  describe("owner payments", () => {
    it("pays $50k USDC to the registered payee: ExternalOutflow, not a NAV loss (1% max)", async () => {
      const amount = USDC(50_000);
      const navBefore = await c.g.valuation.nav();
      const outflowUsd = await usdValue(c, c.g.world.tokens.USDC, amount);
      const [safeUsdc, payeeUsdc]: bigint[] = [await c.tokens.USDC.balanceOf(c.safe), await c.tokens.USDC.balanceOf(c.payeeAddr)];
      const tx = ownerTx(c, transfer(c.g.world.tokens.USDC, c.payeeAddr, amount));
      await expect(tx).to.emit(c.g.guard, "ExternalOutflow").withArgs(c.g.world.tokens.USDC, c.payeeAddr, amount);
      await expect(tx).to.emit(c.g.guard, "OwnerTransactionChecked")
        .withArgs((h: string) => h.length === 66, true, navBefore, navBefore - outflowUsd, outflowUsd, true);
      expect(await c.tokens.USDC.balanceOf(c.safe)).to.equal(safeUsdc - amount);
      expect(await c.tokens.USDC.balanceOf(c.payeeAddr)).to.equal(payeeUsdc + amount);
      // 12.5% of NAV left the Safe: far above maxLossBps, but it is a payment.
      expect(outflowUsd * 10_000n / navBefore).to.be.gt(await c.g.policy.limits().then((l) => l.maxLossBps));
    });

    it("refuses a payment to a non-payee, and to a payee scheduled but not past the timelock (PayeeNotAllowed); passes once setPayee executed", async () => {
      const w = c.g.world;
      const newPayee: Signer = (await hre.ethers.getSigners())[10];
      const newPayeeAddr = await newPayee.getAddress();
      const pay = (to: string) => transfer(w.tokens.USDC, to, USDC(5_000));
      const before = await freeze(c, [newPayeeAddr]);
      await expect(ownerTx(c, pay(c.outsiderAddr))).to.be.revertedWithCustomError(c.g.policy, "PayeeNotAllowed").withArgs(c.outsiderAddr);
      await expect(ownerTx(c, transfer(w.tokens.WETH, c.outsiderAddr, 1n))).to.be.revertedWithCustomError(c.g.policy, "PayeeNotAllowed").withArgs(c.outsiderAddr);

      const setPayee = policyCall(c, "setPayee", [newPayeeAddr, true]);
      const { id, readyAt } = await schedule(c, c.g.addresses.policy, setPayee.data!);
      const afterSchedule = await freeze(c, [newPayeeAddr]);
      expect(afterSchedule.others).to.deep.equal(before.others);
      await expect(ownerTx(c, pay(newPayeeAddr))).to.be.revertedWithCustomError(c.g.policy, "PayeeNotAllowed").withArgs(newPayeeAddr);
      // Executing the scheduled setPayee early fails (NotReady), so does the payment after it.
      await expect(ownerTx(c, [setPayee, pay(newPayeeAddr)])).to.be.revertedWithCustomError(c.g.policy, "PayeeNotAllowed").withArgs(newPayeeAddr);
      await expect(ownerTx(c, setPayee)).to.be.revertedWith("GS013");
      await expect(asSafe(c, setPayee.data!)).to.be.revertedWithCustomError(c.g.policy, "NotReady").withArgs(id, readyAt);
      await advanceTime(w, DAY);
      await expect(ownerTx(c, pay(newPayeeAddr))).to.be.revertedWithCustomError(c.g.policy, "PayeeNotAllowed").withArgs(newPayeeAddr);
      expect(await c.g.lens.getConfig(c.g.addresses.policy).then((v) => v.payees)).to.not.include(newPayeeAddr);
      await expectUnchanged(c, afterSchedule);

      await passDelay(c);
      await expect(ownerExec(c, setPayee)).to.not.be.rejected;
      await expect(ownerTx(c, pay(newPayeeAddr))).to.emit(c.g.guard, "ExternalOutflow").withArgs(w.tokens.USDC, newPayeeAddr, USDC(5_000));
      expect(await c.tokens.USDC.balanceOf(newPayeeAddr)).to.equal(USDC(5_000));
    });
  });

  it("decision receipt: an owner batch with policy.recordDecision(hash) emits DecisionRecorded(hash, safe)", async () => {
    const hash = keccak256(toUtf8Bytes("decision #42: park 10k USDC on Aave"));
    const tx = ownerTx(c, [policyCall(c, "recordDecision", [hash]), ...supplyBatch(c, c.g.world.tokens.USDC, USDC(10_000))]);
    await expect(tx).to.emit(c.g.policy, "DecisionRecorded").withArgs(hash, c.safe);
    await expect(tx).to.emit(c.g.guard, "OwnerTransactionChecked");
    // recordDecision is the Safe's only: a stranger cannot forge a receipt.
    await expect(c.g.policy.connect(c.outsider).recordDecision(hash)).to.be.revertedWithCustomError(c.g.policy, "NotSafe").withArgs(c.outsiderAddr);
  });

  it("the Safe is never bricked: with EVERY feed dead, owners schedule and then execute setGuard(0); afterwards anything goes", async () => {
    const w = c.g.world;
    for (const sym of ["USDC", "DAI", "WETH", "WBTC"] as const) await setFeedAnswer(c, sym, 0n);
    const assets = (await c.g.lens.getConfig(c.g.addresses.policy)).assets;
    await expect(c.g.valuation.nav()).to.be.revertedWithCustomError(c.g.valuation, "PriceUnavailable").withArgs(assets[0].token);
    // The guard is live: risk is refused, transfers out are refused.
    const before = await freeze(c);
    await expect(ownerTx(c, supplyBatch(c, w.tokens.USDC, USDC(1_000)))).to.be.revertedWithCustomError(c.g.policy, "DeriskOnly").withArgs(EFFECT.Risk);
    await expect(ownerTx(c, transfer(w.tokens.USDC, c.outsiderAddr, USDC(1_000)))).to.be.revertedWithCustomError(c.g.policy, "PayeeNotAllowed").withArgs(c.outsiderAddr);
    await expectUnchanged(c, before);

    const setGuard0 = safeIface.encodeFunctionData("setGuard", [ZeroAddress]);
    const { id, readyAt } = await schedule(c, c.safe, setGuard0);
    await expect(ownerTx(c, { to: c.safe, data: setGuard0 })).to.be.revertedWithCustomError(c.g.policy, "NotReady").withArgs(id, readyAt);
    await passDelay(c); // feeds are "refreshed" at 0: still dead
    await expect(c.g.valuation.nav()).to.be.revertedWithCustomError(c.g.valuation, "PriceUnavailable");
    await expect(ownerTx(c, { to: c.safe, data: setGuard0 })).to.emit(c.g.guard, "SafeConfigChange").withArgs(setGuard0.slice(0, 10), setGuard0);
    expect(await storageAddress(c, GUARD_SLOT)).to.equal(ZeroAddress);

    // Unguarded now: an arbitrary transaction goes through.
    const outsiderUsdc: bigint = await c.tokens.USDC.balanceOf(c.outsiderAddr);
    await ownerExec(c, transfer(w.tokens.USDC, c.outsiderAddr, USDC(1_000)));
    expect(await c.tokens.USDC.balanceOf(c.outsiderAddr)).to.equal(outsiderUsdc + USDC(1_000));
  });
});
