// Policy v2 hardening (issue 8, section 4): each test first shows the attack that worked on the
// landed contracts, then asserts the fixed behaviour. Real Safe 1.4.1, two owner signatures.
import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { anyValue } from "@nomicfoundation/hardhat-chai-matchers/withArgs";
import {
  AbiCoder,
  Contract,
  Interface,
  MaxUint256,
  Signature,
  Signer,
  TransactionReceipt,
  ZeroAddress,
  concat,
  id,
  parseUnits,
} from "ethers";
import { guardedWorldFixture } from "../helpers/guarded";
import {
  ART,
  MetaTx,
  OPERATION,
  advanceTime,
  arbitragePool,
  createSafeAtFreeNonce,
  executeSafeTx,
} from "../../scripts/world";
import { deploy } from "../../scripts/world/tx";
import { AssetClass, usd18 } from "../../scripts/guardrails/config";
import {
  Ctx,
  FALLBACK_SLOT,
  GUARD_SLOT,
  SENTINEL,
  aaveSupply,
  aaveWithdraw,
  approve,
  asSafe,
  ctxOf,
  exactInputSingle,
  ownerExec,
  ownerTx,
  passDelay,
  policyCall,
  safeIface,
  schedule,
  storageAddress,
} from "./guard.shared";

const HOUR = 3600;
const USDC = (n: number) => parseUnits(String(n), 6);
const WETH = (n: number) => parseUnits(String(n), 18);

interface Call {
  to: string;
  value: bigint;
  data: string;
}
const asCall = (m: MetaTx): Call => ({ to: m.to, value: 0n, data: m.data ?? "0x" });

// Each decision hash goes through the module once (DecisionAlreadyExecuted): unnamed batches get their own.
let unnamed = 0;
function agentExec(c: Ctx, metas: MetaTx[], decision = `decision ${++unnamed}`) {
  return c.g.module.connect(c.g.agent).execute(metas.map(asCall), id(decision));
}
function agentExecuted(c: Ctx, rc: TransactionReceipt) {
  const found = rc.logs
    .filter((l) => l.address.toLowerCase() === c.g.addresses.module.toLowerCase())
    .map((l) => c.g.module.interface.parseLog(l))
    .filter((e) => e?.name === "AgentExecuted");
  expect(found, "one AgentExecuted").to.have.length(1);
  return found[0]!.args;
}
async function now(c: Ctx): Promise<number> {
  const b = (await c.g.world.rpc("eth_getBlockByNumber", ["latest", false])) as { timestamp: string };
  return Number(b.timestamp);
}
/** Advance to `second` seconds into unix hour `hour` (feeds re-posted). */
async function advanceTo(c: Ctx, hour: number, second: number): Promise<void> {
  const target = hour * HOUR + second;
  const t = await now(c);
  if (target <= t) throw new Error("advanceTo: in the past");
  // Absolute, not relative: after a fixture snapshot is restored, the node's clock also carries the
  // wall time spent since the snapshot, so "latest + delta" could land past the hour being tested.
  await c.g.world.rpc("evm_setNextBlockTimestamp", [target]);
  await advanceTime(c.g.world, 0);
}
/** Agent swap legs: approve + exactInputSingle on the WETH/USDC pool, zero minimum (a sandwich victim). */
const swapLeg = (c: Ctx, tokenIn: string, tokenOut: string, amountIn: bigint): MetaTx[] => [
  approve(tokenIn, c.g.world.uniswap.swapRouter, amountIn),
  exactInputSingle(c, { tokenIn, tokenOut, amountIn }),
];

describe("hardening (issue 8): attacks on the landed guardrails, then the fix", () => {
  let c: Ctx;
  beforeEach(async () => {
    c = await ctxOf(await loadFixture(guardedWorldFixture));
  });

  describe("1. one key cannot veto the quorum's recovery forever", () => {
    for (const who of ["the owner being removed", "a guardian"] as const) {
      it(`${who} vetoes each scheduled change once (VetoSpent after); the quorum's change runs within two delays`, async () => {
        const owner3 = c.g.world.signers.owners[2];
        const owner3Addr = await owner3.getAddress();
        const vetoer: Signer = who === "a guardian" ? c.g.guardian : owner3;
        const vetoerAddr = await vetoer.getAddress();
        const owners: string[] = await c.safeC.getOwners();
        const prev = owners.indexOf(owner3Addr) === 0 ? SENTINEL : owners[owners.indexOf(owner3Addr) - 1];
        const changes = [
          safeIface.encodeFunctionData("removeOwner", [prev, owner3Addr, 2]),
          safeIface.encodeFunctionData("setGuard", [ZeroAddress]),
        ];
        for (const data of changes) {
          const { id: changeId } = await schedule(c, c.safe, data);
          await expect(c.g.policy.connect(vetoer).cancel(changeId)).to.emit(c.g.policy, "ChangeCancelled").withArgs(changeId, vetoerAddr);
          // The attack on the landed policy: reschedule, cancel, forever. Now the key's veto is spent.
          await schedule(c, c.safe, data);
          await expect(c.g.policy.connect(vetoer).cancel(changeId)).to.be.revertedWithCustomError(c.g.policy, "VetoSpent").withArgs(changeId, vetoerAddr);
          expect(await c.g.policy.vetoed(changeId, vetoerAddr)).to.equal(true);
        }
        await passDelay(c);
        await ownerExec(c, { to: c.safe, data: changes[0] }, "removeOwner");
        expect(await c.safeC.isOwner(owner3Addr)).to.equal(false);
        await ownerExec(c, { to: c.safe, data: changes[1] }, "setGuard(0)");
        expect(await storageAddress(c, GUARD_SLOT)).to.equal(ZeroAddress);
      });
    }

    it("the quorum itself may still cancel any number of times (its cancels are not vetoes)", async () => {
      const data = safeIface.encodeFunctionData("setGuard", [ZeroAddress]);
      for (let i = 0; i < 2; i++) {
        const { id: changeId } = await schedule(c, c.safe, data);
        await ownerExec(c, policyCall(c, "cancel", [changeId]), "Safe cancels");
        expect(await c.g.policy.readyAt(changeId)).to.equal(0n);
      }
    });
  });

  describe("2. gross value moved and a rolling loss budget", () => {
    it("a round trip counts both legs: USDC->WETH->USDC of $20k meters ~$40k, not the net few dollars", async () => {
      const w = c.g.world;
      const wethOut = WETH(6.6); // a little less than $20k buys, so the second leg is covered
      const rc = (await (await agentExec(c, [
        ...swapLeg(c, w.tokens.USDC, w.tokens.WETH, USDC(20_000)),
        ...swapLeg(c, w.tokens.WETH, w.tokens.USDC, wethOut),
      ])).wait())!;
      const ev = agentExecuted(c, rc);
      expect(ev.sizeUsd, "gross: $20k USDC out + ~$19.8k WETH out").to.be.within(usd18(39_500), usd18(40_100));
      expect(await c.g.module.usedLast24h()).to.be.within(usd18(39_500), usd18(40_101));
    });

    it("a round trip through an asset without a usable price is refused mid-batch (PriceUnavailable), not metered as zero", async () => {
      const w = c.g.world;
      // The owners sell all the WBTC; then its feed dies: the Safe holds none, so the treasury is priced.
      const wbtc: bigint = await c.tokens.WBTC.balanceOf(c.safe);
      await ownerExec(c, [
        approve(w.tokens.WBTC, w.uniswap.swapRouter, wbtc),
        exactInputSingle(c, { tokenIn: w.tokens.WBTC, tokenOut: w.tokens.USDC, amountIn: wbtc, fee: w.uniswap.pools.WBTC_USDC.fee }),
      ]);
      await (await new Contract(w.feeds.WBTC, ART.tokens.MockV3Aggregator().abi, w.signers.deployer).updateAnswer(0)).wait();
      expect((await c.g.valuation.snapshot()).healthy).to.equal(true);
      // Buy exactly X WBTC and sell exactly X back: no WBTC left at the end, so only the mid-batch
      // valuation can see the unpriced leg (it would have counted the WBTC sale as $0).
      const usdcIn = USDC(20_000);
      const fee = w.uniswap.pools.WBTC_USDC.fee;
      const [x] = await c.quoter.quoteExactInputSingle.staticCall({ tokenIn: w.tokens.USDC, tokenOut: w.tokens.WBTC, amountIn: usdcIn, fee, sqrtPriceLimitX96: 0n });
      await expect(agentExec(c, [
        approve(w.tokens.USDC, w.uniswap.swapRouter, usdcIn),
        exactInputSingle(c, { tokenIn: w.tokens.USDC, tokenOut: w.tokens.WBTC, amountIn: usdcIn, fee }),
        approve(w.tokens.WBTC, w.uniswap.swapRouter, x),
        exactInputSingle(c, { tokenIn: w.tokens.WBTC, tokenOut: w.tokens.USDC, amountIn: x, fee }),
      ])).to.be.revertedWithCustomError(c.g.module, "PriceUnavailable").withArgs(ZeroAddress);
    });

    it("four $87.5k round trips in one agent batch (~$700k traded) are refused (AutonomyLimitExceeded)", async () => {
      const w = c.g.world;
      const legs: MetaTx[] = [];
      for (let i = 0; i < 4; i++) {
        legs.push(...swapLeg(c, w.tokens.USDC, w.tokens.WETH, USDC(87_500)));
        legs.push(...swapLeg(c, w.tokens.WETH, w.tokens.USDC, WETH(29)));
      }
      const usdc0: bigint = await c.tokens.USDC.balanceOf(c.safe);
      await expect(agentExec(c, legs)).to.be.revertedWithCustomError(c.g.module, "AutonomyLimitExceeded")
        .withArgs((x: bigint) => x > usd18(690_000), usd18(50_000));
      expect(await c.tokens.USDC.balanceOf(c.safe)).to.equal(usdc0);
      expect(await c.g.module.usedLast24h()).to.equal(0n);
    });

    it("a sandwiched agent losing ~0.7% per batch is stopped by the 24 h loss budget (2 x maxLossBps of NAV), then freed a day later", async () => {
      const w = c.g.world;
      // Batch 1: the sandwicher lifts WETH to $3,300 (feeds say $3,000); the agent buys $30k at zero minimum.
      await arbitragePool(w, "WETH_USDC", 3_300, { tolerance: 1e-3 });
      await (await agentExec(c, swapLeg(c, w.tokens.USDC, w.tokens.WETH, USDC(30_000)), "buy high")).wait();
      // Batch 2: it pushes WETH to $2,700; the agent sells 9 WETH.
      await arbitragePool(w, "WETH_USDC", 2_700, { tolerance: 1e-3 });
      await (await agentExec(c, swapLeg(c, w.tokens.WETH, w.tokens.USDC, WETH(9)), "sell low")).wait();
      const lost: bigint = await c.g.module.lossLast24h();
      expect(lost, "two ~0.7% losses recorded").to.be.within(usd18(5_000), usd18(6_000));
      // Batch 3: each batch alone is within the 1% loss limit, the day's total would not be.
      await arbitragePool(w, "WETH_USDC", 3_300, { tolerance: 1e-3 });
      const nav: bigint = await c.g.valuation.nav();
      await expect(agentExec(c, swapLeg(c, w.tokens.USDC, w.tokens.WETH, USDC(30_000)), "buy high again"))
        .to.be.revertedWithCustomError(c.g.module, "DailyLossBudgetExceeded")
        .withArgs(lost, anyValue, (nav * 200n) / 10_000n);
      await advanceTime(w, 25 * HOUR);
      expect(await c.g.module.lossLast24h()).to.equal(0n);
      await (await agentExec(c, swapLeg(c, w.tokens.USDC, w.tokens.WETH, USDC(30_000)), "a day later")).wait();
    });
  });

  describe("3. the rolling 24 h window is never shorter than 24 h", () => {
    it("a budget filled at hh:59 is still used 23 h 01 min later (hour +24); free from hour +25", async () => {
      const h = Math.floor((await now(c)) / HOUR) + 1;
      await advanceTo(c, h, 58 * 60);
      for (let i = 0; i < 3; i++) await (await agentExec(c, supplyLegs(c, 50_000), `fill ${i}`)).wait();
      expect(await c.g.module.usedLast24h()).to.equal(usd18(150_000));
      const filledAt = await now(c);
      await advanceTo(c, h + 24, 30);
      expect((await now(c)) - filledAt).to.be.lt(24 * HOUR);
      expect(await c.g.module.usedLast24h(), "less than 24 h later the spends still count").to.equal(usd18(150_000));
      await expect(agentExec(c, supplyLegs(c, 10_000))).to.be.revertedWithCustomError(c.g.module, "DailyBudgetExceeded");
      await advanceTo(c, h + 25, 0);
      expect((await now(c)) - filledAt).to.be.gte(24 * HOUR);
      expect(await c.g.module.usedLast24h()).to.equal(0n);
      await (await agentExec(c, supplyLegs(c, 10_000))).wait();
    });
  });

  describe("3b. the window's running totals", () => {
    it("usedLast24h and lossLast24h equal the sum of the spends of the last 25 hourly buckets, through gaps of 0-30 h", async () => {
      // Deterministic pseudo-random gaps and sizes (seeded LCG); the model is the plain sum over buckets.
      let x = 12345;
      const rnd = (n: number) => (x = (x * 1103515245 + 12345) % 2 ** 31) % n;
      const spends: { hour: number; usd: bigint }[] = [];
      for (let i = 0; i < 24; i++) {
        await advanceTime(c.g.world, rnd(4) === 0 ? rnd(30 * HOUR) : rnd(3 * HOUR));
        const nowHour = Math.floor((await now(c)) / HOUR);
        const expected = spends.filter((sp) => sp.hour + 25 > nowHour).reduce((a, sp) => a + sp.usd, 0n);
        expect(await c.g.module.usedLast24h(), `step ${i}, before`).to.equal(expected);
        if (expected + usd18(5_000) > usd18(150_000)) continue;
        const amount = 1_000 + rnd(4_000);
        const rc = (await (await agentExec(c, supplyLegs(c, amount), `spend ${i}`)).wait())!;
        const hour = Math.floor(Number((await c.g.world.provider.getBlock(rc.blockNumber))!.timestamp) / HOUR);
        spends.push({ hour, usd: usd18(amount) });
        const after = spends.filter((sp) => sp.hour + 25 > hour).reduce((a, sp) => a + sp.usd, 0n);
        expect(await c.g.module.usedLast24h(), `step ${i}, after`).to.equal(after);
        expect(agentExecuted(c, rc).usedLast24hUsd).to.equal(after);
        expect(await c.g.module.lossLast24h(), "supplies lose at most a rounding dollar each").to.be.lte(usd18(spends.filter((sp) => sp.hour + 25 > hour).length));
      }
      expect(spends.length, "enough spends to exercise the ring").to.be.gte(12);
    });
  });

  describe("5. exits into the Safe's own balance are never blocked by size", () => {
    it("the agent withdraws a $60k Aave position in full (above the $50k autonomy limit); reported, not budgeted", async () => {
      await ownerExec(c, [approve(c.g.world.tokens.USDC, c.g.world.aave.pool, USDC(60_000)), aaveSupply(c, c.g.world.tokens.USDC, USDC(60_000), c.safe)]);
      const usdc0: bigint = await c.tokens.USDC.balanceOf(c.safe);
      const rc = (await (await agentExec(c, [aaveWithdraw(c, c.g.world.tokens.USDC, MaxUint256, c.safe)], "full exit")).wait())!;
      const ev = agentExecuted(c, rc);
      expect(ev.sizeUsd).to.be.gte(usd18(60_000));
      expect(await c.tokens.USDC.balanceOf(c.safe)).to.be.gte(usdc0 + USDC(60_000));
      expect(await c.g.module.usedLast24h(), "an exit does not consume the budget").to.equal(0n);
    });
  });

  describe("6. feeds with more than 18 decimals", () => {
    it("are refused at registration (FeedDecimalsUnsupported), so the valuation can never revert on one", async () => {
      const d = c.g.world.signers.deployer;
      const token = await deploy(d, ART.tokens.TestERC20(), ["Twenty", "TWY", 18, await d.getAddress()]);
      const feed = await deploy(d, ART.tokens.MockV3Aggregator(), [20, 10n ** 20n]);
      const data = c.g.policy.interface.encodeFunctionData("setAsset", [token, feed, 3600, AssetClass.Stable]);
      await schedule(c, c.g.addresses.policy, data);
      await passDelay(c);
      await expect(asSafe(c, data)).to.be.revertedWithCustomError(c.g.policy, "FeedDecimalsUnsupported").withArgs(feed, 20);
    });
  });

  describe("7. another Safe that sets this guard is not bricked", () => {
    it("a second Safe attaches the guard and keeps transacting (the guard ignores Safes it does not protect)", async () => {
      const w = c.g.world;
      const owners = w.signers.owners.slice(0, 2);
      const { address: other } = await createSafeAtFreeNonce(w.signers.deployer, w.safe, await Promise.all(owners.map((o) => o.getAddress())), 2, 77n);
      await executeSafeTx({ safe: other, owners, tx: { to: other, data: safeIface.encodeFunctionData("setGuard", [c.g.addresses.guard]) } });
      const raw = await w.provider.getStorage(other, GUARD_SLOT);
      expect(BigInt(raw)).to.equal(BigInt(c.g.addresses.guard));
      // Before the fix every further transaction reverted NotSafe: the guard could not even be removed.
      await executeSafeTx({ safe: other, owners, tx: { to: other, data: safeIface.encodeFunctionData("changeThreshold", [1]) } });
      await executeSafeTx({ safe: other, owners: owners.slice(0, 1), tx: { to: other, data: safeIface.encodeFunctionData("setGuard", [ZeroAddress]) } });
      expect(await w.provider.getStorage(other, GUARD_SLOT)).to.equal("0x" + "0".repeat(64));
    });
  });

  describe("4. owner-signed ERC-1271 messages cannot move funds around the guard", () => {
    const MAGIC = "0x1626ba7e";
    const ERC1271 = new Interface(["function isValidSignature(bytes32 hash, bytes signature) view returns (bytes4)"]);
    /** The digest of a USDC permit (EIP-2612) to the outsider: what an attacker would have the owners sign. */
    const permitDigest = (c_: Ctx) => id(`permit USDC ${c_.safe} -> ${c_.outsiderAddr} max`);
    /** Owner signatures of a SafeMessage over `hash`, as the Safe web app produces for off-chain messages. */
    async function ownerMessageSigs(c_: Ctx, hash: string): Promise<string> {
      const signers = [...c_.g.quorum];
      const addrs = await Promise.all(signers.map((s) => s.getAddress()));
      const order = signers.map((s, i) => ({ s, a: BigInt(addrs[i]) })).sort((x, y) => (x.a < y.a ? -1 : 1));
      const sigs: string[] = [];
      for (const { s } of order) {
        sigs.push(Signature.from(await s.signTypedData(
          { chainId: c_.chainId, verifyingContract: c_.safe },
          { SafeMessage: [{ name: "message", type: "bytes" }] },
          { message: hash },
        )).serialized);
      }
      return concat(sigs);
    }
    const isValid = (c_: Ctx, hash: string, sig: string) =>
      new Contract(c_.safe, ERC1271, c_.g.world.provider).isValidSignature(hash, sig).catch(() => "reverted");

    it("the Safe's fallback handler is the guardrails' handler; owner signatures alone are not a valid ERC-1271 signature", async () => {
      const hash = permitDigest(c);
      // The landed setup (CompatibilityFallbackHandler) answered the magic value here.
      expect(await isValid(c, hash, await ownerMessageSigs(c, hash))).to.not.equal(MAGIC);
      expect(await isValid(c, hash, "0x")).to.not.equal(MAGIC);
      expect(await storageAddress(c, FALLBACK_SLOT)).to.equal(c.g.addresses.fallbackHandler);
    });

    it("a message the owners sign on-chain through a guarded, timelocked transaction (SignMessageLib) is valid", async () => {
      const hash = permitDigest(c);
      const signMsg = new Interface(["function signMessage(bytes _data)"]).encodeFunctionData("signMessage", [AbiCoder.defaultAbiCoder().encode(["bytes32"], [hash])]);
      const tx: MetaTx = { to: c.g.world.safe.signMessageLib, data: signMsg, operation: OPERATION.DELEGATECALL };
      await expect(ownerTx(c, tx)).to.be.revertedWithCustomError(c.g.policy, "NotScheduled");
      await schedule(c, c.safe, signMsg);
      await passDelay(c);
      await ownerExec(c, tx, "sign on-chain");
      expect(await isValid(c, hash, "0x")).to.equal(MAGIC);
      // Token callbacks and the other CompatibilityFallbackHandler functions still answer.
      const compat = new Contract(c.safe, ART.safe.CompatibilityFallbackHandler().abi, c.g.world.provider);
      expect(await compat.supportsInterface("0x4e2312e0")).to.equal(true); // ERC-1155 receiver
      expect((await compat.getModules()).map((a: string) => a.toLowerCase())).to.include(c.g.addresses.module.toLowerCase());
    });
  });
});

function supplyLegs(c: Ctx, usd: number): MetaTx[] {
  return [approve(c.g.world.tokens.USDC, c.g.world.aave.pool, USDC(usd)), aaveSupply(c, c.g.world.tokens.USDC, USDC(usd), c.safe)];
}
