// Adversarial OWNER transactions, part 1: call rules. Each attack is a real Safe 1.4.1
// execTransaction signed by two owners with the TreasuryGuard attached; each asserts the exact
// revert and that nothing moved (Safe and attacker balances, Safe nonce).
import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { AbiCoder, Contract, Interface, MaxUint256, parseEther, parseUnits, solidityPacked } from "ethers";
import { guardedWorldFixture } from "../helpers/guarded";
import { ABI, ART, FAR_DEADLINE, OPERATION, encodeMultiSend } from "../../scripts/world";
import { deploy } from "../../scripts/world/tx";
import {
  Ctx,
  aaveSupply,
  aaveWithdraw,
  aavePoolIface,
  approve,
  changeId,
  ctxOf,
  erc20Iface,
  expectUnchanged,
  freeze,
  freshToken,
  fundSafeEth,
  ownerExec,
  ownerTx,
  policyCall,
  rawBatch,
  rawBatchData,
  routerIface,
  supplyBatch,
  swapBatch,
  transfer,
  vaultIface,
} from "./guard.shared";

const USDC = (n: number | string) => parseUnits(String(n), 6);

describe("guard: owner call rules (real Safe, two owner signatures)", () => {
  let c: Ctx;
  beforeEach(async () => {
    c = await ctxOf(await loadFixture(guardedWorldFixture));
  });

  describe("ERC-20 and ETH", () => {
    it("refuses an ERC-20 transfer to an outsider (PayeeNotAllowed)", async () => {
      const before = await freeze(c);
      await expect(ownerTx(c, transfer(c.g.world.tokens.USDC, c.outsiderAddr, USDC(10_000))))
        .to.be.revertedWithCustomError(c.g.policy, "PayeeNotAllowed").withArgs(c.outsiderAddr);
      await expectUnchanged(c, before);
    });

    it("refuses approve to a non-allowlisted spender (SpenderNotAllowed); no allowance granted", async () => {
      const before = await freeze(c);
      for (const sym of ["USDC", "WETH"] as const) {
        await expect(ownerTx(c, approve(c.g.world.tokens[sym], c.outsiderAddr, MaxUint256)))
          .to.be.revertedWithCustomError(c.g.policy, "SpenderNotAllowed").withArgs(c.outsiderAddr);
        expect(await c.tokens[sym].allowance(c.safe, c.outsiderAddr)).to.equal(0n);
      }
      // An aToken is a registered token too: same rule.
      const aUsdc = c.g.world.aave.aTokens.USDC;
      await expect(ownerTx(c, approve(aUsdc, c.outsiderAddr, MaxUint256)))
        .to.be.revertedWithCustomError(c.g.policy, "SpenderNotAllowed").withArgs(c.outsiderAddr);
      await expectUnchanged(c, before);
    });

    it("refuses approve and transfer of an unregistered token (TokenNotRegistered), even to an allowlisted spender", async () => {
      const junk = await freshToken(c, c.safe, parseEther("1000"));
      const before = await freeze(c, [], [junk]);
      await expect(ownerTx(c, approve(junk, c.g.world.aave.pool, MaxUint256)))
        .to.be.revertedWithCustomError(c.g.policy, "TokenNotRegistered").withArgs(junk);
      await expect(ownerTx(c, transfer(junk, c.payeeAddr, parseEther("1"))))
        .to.be.revertedWithCustomError(c.g.policy, "TokenNotRegistered").withArgs(junk);
      expect(await new Contract(junk, ABI.erc20(), c.g.world.provider).allowance(c.safe, c.g.world.aave.pool)).to.equal(0n);
      await expectUnchanged(c, before, [junk]);
    });

    it("refuses transferFrom on a registered token (TargetNotAllowed: no rule for the selector)", async () => {
      const before = await freeze(c);
      const data = erc20Iface.encodeFunctionData("transferFrom", [c.safe, c.outsiderAddr, USDC(1_000)]);
      await expect(ownerTx(c, { to: c.g.world.tokens.USDC, data }))
        .to.be.revertedWithCustomError(c.g.policy, "TargetNotAllowed").withArgs(c.g.world.tokens.USDC, data.slice(0, 10));
      await expectUnchanged(c, before);
    });

    it("refuses plain ETH to a non-payee (PayeeNotAllowed) and ETH with calldata (ValueNotAllowed); ETH to the payee passes", async () => {
      await fundSafeEth(c, parseEther("2"));
      const before = await freeze(c, [c.payeeAddr]);
      await expect(ownerTx(c, { to: c.outsiderAddr, value: parseEther("1") }))
        .to.be.revertedWithCustomError(c.g.policy, "PayeeNotAllowed").withArgs(c.outsiderAddr);
      const weth = c.g.world.tokens.WETH;
      const deposit = new Contract(weth, ABI.weth9()).interface.encodeFunctionData("deposit", []);
      await expect(ownerTx(c, { to: weth, value: parseEther("1"), data: deposit }))
        .to.be.revertedWithCustomError(c.g.policy, "ValueNotAllowed").withArgs(weth, parseEther("1"));
      // Inside a batch too.
      await expect(ownerTx(c, [approve(c.g.world.tokens.USDC, c.g.world.aave.pool, 1n), { to: c.outsiderAddr, value: parseEther("1") }]))
        .to.be.revertedWithCustomError(c.g.policy, "PayeeNotAllowed").withArgs(c.outsiderAddr);
      await expectUnchanged(c, before);

      // Control: the same ETH payment to the registered payee goes through.
      const payeeEth = await c.g.world.provider.getBalance(c.payeeAddr);
      await ownerExec(c, { to: c.payeeAddr, value: parseEther("1") });
      expect(await c.g.world.provider.getBalance(c.payeeAddr)).to.equal(payeeEth + parseEther("1"));
      expect(await c.g.world.provider.getBalance(c.safe)).to.equal(parseEther("1"));
    });
  });

  describe("Aave v3", () => {
    const supplied = USDC(20_000);
    beforeEach(async () => {
      await ownerExec(c, supplyBatch(c, c.g.world.tokens.USDC, supplied), "supply USDC");
    });

    it("refuses withdraw with `to` = outsider (ReceiverNotSafe)", async () => {
      const before = await freeze(c);
      await expect(ownerTx(c, aaveWithdraw(c, c.g.world.tokens.USDC, MaxUint256, c.outsiderAddr)))
        .to.be.revertedWithCustomError(c.g.policy, "ReceiverNotSafe").withArgs(c.outsiderAddr);
      await expect(ownerTx(c, aaveWithdraw(c, c.g.world.tokens.USDC, USDC(1), c.outsiderAddr)))
        .to.be.revertedWithCustomError(c.g.policy, "ReceiverNotSafe").withArgs(c.outsiderAddr);
      await expectUnchanged(c, before);
      // Control: withdrawing to the Safe passes.
      const usdcBefore: bigint = await c.tokens.USDC.balanceOf(c.safe);
      await ownerExec(c, aaveWithdraw(c, c.g.world.tokens.USDC, USDC(5_000), c.safe));
      expect(await c.tokens.USDC.balanceOf(c.safe)).to.equal(usdcBefore + USDC(5_000));
    });

    it("refuses supply with onBehalfOf = outsider (ReceiverNotSafe); the approve in the batch does not happen", async () => {
      const before = await freeze(c);
      await expect(ownerTx(c, supplyBatch(c, c.g.world.tokens.USDC, USDC(10_000), c.outsiderAddr)))
        .to.be.revertedWithCustomError(c.g.policy, "ReceiverNotSafe").withArgs(c.outsiderAddr);
      expect(await c.tokens.USDC.allowance(c.safe, c.g.world.aave.pool)).to.equal(0n);
      await expectUnchanged(c, before);
    });

    it("refuses supply of an unregistered token (TokenNotRegistered)", async () => {
      const junk = await freshToken(c, c.safe, parseEther("1000"));
      const before = await freeze(c, [], [junk]);
      await expect(ownerTx(c, aaveSupply(c, junk, parseEther("1000"), c.safe)))
        .to.be.revertedWithCustomError(c.g.policy, "TokenNotRegistered").withArgs(junk);
      await expectUnchanged(c, before, [junk]);
    });

    it("refuses Aave entry points without a rule: borrow (debt the NAV would not see) and legacy deposit()", async () => {
      const before = await freeze(c);
      const pool = c.g.world.aave.pool;
      const borrow = aavePoolIface.encodeFunctionData("borrow", [c.g.world.tokens.DAI, parseEther("1000"), 2, 0, c.safe]);
      await expect(ownerTx(c, { to: pool, data: borrow }))
        .to.be.revertedWithCustomError(c.g.policy, "TargetNotAllowed").withArgs(pool, borrow.slice(0, 10));
      const legacy = aavePoolIface.encodeFunctionData("deposit", [c.g.world.tokens.USDC, USDC(1), c.outsiderAddr, 0]);
      await expect(ownerTx(c, { to: pool, data: legacy }))
        .to.be.revertedWithCustomError(c.g.policy, "TargetNotAllowed").withArgs(pool, legacy.slice(0, 10));
      await expectUnchanged(c, before);
    });
  });

  describe("ERC-4626", () => {
    let vault: string;
    let shares: bigint;
    beforeEach(async () => {
      vault = c.g.world.erc4626.scrvUSD;
      await ownerExec(c, [
        approve(c.g.world.tokens.USDC, vault, USDC(20_000)),
        { to: vault, data: vaultIface.encodeFunctionData("deposit", [USDC(20_000), c.safe]) },
      ], "deposit scrvUSD");
      shares = await new Contract(vault, ABI.erc20(), c.g.world.provider).balanceOf(c.safe);
      expect(shares).to.be.gt(0n);
    });
    const call = (fn: string, args: unknown[]) => ({ to: vault, data: vaultIface.encodeFunctionData(fn, args) });

    it("refuses deposit and mint with receiver = outsider (ReceiverNotSafe)", async () => {
      const before = await freeze(c);
      await expect(ownerTx(c, [approve(c.g.world.tokens.USDC, vault, USDC(1_000)), call("deposit", [USDC(1_000), c.outsiderAddr])]))
        .to.be.revertedWithCustomError(c.g.policy, "ReceiverNotSafe").withArgs(c.outsiderAddr);
      await expect(ownerTx(c, [approve(c.g.world.tokens.USDC, vault, USDC(1_000)), call("mint", [shares / 20n, c.outsiderAddr])]))
        .to.be.revertedWithCustomError(c.g.policy, "ReceiverNotSafe").withArgs(c.outsiderAddr);
      expect(await c.tokens.USDC.allowance(c.safe, vault)).to.equal(0n);
      await expectUnchanged(c, before);
    });

    it("refuses withdraw and redeem with receiver = outsider, and with owner != Safe (ReceiverNotSafe)", async () => {
      const before = await freeze(c);
      for (const [fn, amount] of [["withdraw", USDC(1_000)], ["redeem", shares]] as const) {
        await expect(ownerTx(c, call(fn, [amount, c.outsiderAddr, c.safe])), `${fn} receiver`)
          .to.be.revertedWithCustomError(c.g.policy, "ReceiverNotSafe").withArgs(c.outsiderAddr);
        await expect(ownerTx(c, call(fn, [amount, c.safe, c.outsiderAddr])), `${fn} owner`)
          .to.be.revertedWithCustomError(c.g.policy, "ReceiverNotSafe").withArgs(c.outsiderAddr);
      }
      await expectUnchanged(c, before);
      // Control: redeeming to the Safe passes.
      await ownerExec(c, call("redeem", [shares, c.safe, c.safe]));
      expect(await new Contract(vault, ABI.erc20(), c.g.world.provider).balanceOf(c.safe)).to.equal(0n);
    });

    it("refuses an unregistered ERC-4626 vault: approve (SpenderNotAllowed) and deposit (TargetNotAllowed)", async () => {
      const w = c.g.world;
      const rogue = await deploy(w.signers.deployer, ART.vaults.AaveSavingsVault(), [w.tokens.USDC, w.aave.aTokens.USDC, "Rogue", "ROGUE"]);
      const before = await freeze(c, [], [rogue]);
      const dep = vaultIface.encodeFunctionData("deposit", [USDC(1_000), c.safe]);
      await expect(ownerTx(c, [approve(w.tokens.USDC, rogue, USDC(1_000)), { to: rogue, data: dep }]))
        .to.be.revertedWithCustomError(c.g.policy, "SpenderNotAllowed").withArgs(rogue);
      await expect(ownerTx(c, { to: rogue, data: dep }))
        .to.be.revertedWithCustomError(c.g.policy, "TargetNotAllowed").withArgs(rogue, dep.slice(0, 10));
      await expectUnchanged(c, before, [rogue]);
    });
  });

  describe("Uniswap v3", () => {
    it("refuses exactInputSingle with recipient = outsider (ReceiverNotSafe)", async () => {
      const before = await freeze(c);
      const w = c.g.world;
      await expect(ownerTx(c, swapBatch(c, { tokenIn: w.tokens.WETH, tokenOut: w.tokens.USDC, amountIn: parseEther("5"), recipient: c.outsiderAddr })))
        .to.be.revertedWithCustomError(c.g.policy, "ReceiverNotSafe").withArgs(c.outsiderAddr);
      expect(await c.tokens.WETH.allowance(c.safe, w.uniswap.swapRouter)).to.equal(0n);
      await expectUnchanged(c, before);
    });

    it("refuses exactInput whose path goes through an unregistered token, and a swap into one (TokenNotRegistered)", async () => {
      const w = c.g.world;
      const junk = await freshToken(c, w.accounts.deployer, parseEther("1"));
      const before = await freeze(c, [], [junk]);
      const fee = w.uniswap.pools.WETH_USDC.fee;
      const path = solidityPacked(["address", "uint24", "address", "uint24", "address"], [w.tokens.WETH, fee, junk, fee, w.tokens.USDC]);
      const data = routerIface.encodeFunctionData("exactInput", [{ path, recipient: c.safe, deadline: FAR_DEADLINE, amountIn: parseEther("1"), amountOutMinimum: 0n }]);
      await expect(ownerTx(c, [approve(w.tokens.WETH, w.uniswap.swapRouter, parseEther("1")), { to: w.uniswap.swapRouter, data }]))
        .to.be.revertedWithCustomError(c.g.policy, "TokenNotRegistered").withArgs(junk);
      await expect(ownerTx(c, swapBatch(c, { tokenIn: w.tokens.USDC, tokenOut: junk, amountIn: USDC(1_000) })))
        .to.be.revertedWithCustomError(c.g.policy, "TokenNotRegistered").withArgs(junk);
      await expectUnchanged(c, before, [junk]);
    });

    it("refuses exactOutputSingle (no rule: only exact-input swaps are allowed)", async () => {
      const w = c.g.world;
      const before = await freeze(c);
      const data = routerIface.encodeFunctionData("exactOutputSingle", [{
        tokenIn: w.tokens.USDC, tokenOut: w.tokens.WETH, fee: w.uniswap.pools.WETH_USDC.fee, recipient: c.safe,
        deadline: FAR_DEADLINE, amountOut: parseEther("1"), amountInMaximum: USDC(100_000), sqrtPriceLimitX96: 0n,
      }]);
      await expect(ownerTx(c, { to: w.uniswap.swapRouter, data }))
        .to.be.revertedWithCustomError(c.g.policy, "TargetNotAllowed").withArgs(w.uniswap.swapRouter, data.slice(0, 10));
      await expectUnchanged(c, before);
    });
  });

  describe("delegatecall and batches", () => {
    it("refuses delegatecall to MultiSend (non-call-only) and an arbitrary contract (DelegateCallNotAllowed), and an unscheduled SignMessageLib one (NotScheduled)", async () => {
      const w = c.g.world;
      const before = await freeze(c);
      const batch = rawBatchData([transfer(w.tokens.USDC, c.outsiderAddr, USDC(1_000))]);
      await expect(ownerTx(c, { to: w.safe.multiSend, data: batch, operation: OPERATION.DELEGATECALL }))
        .to.be.revertedWithCustomError(c.g.policy, "DelegateCallNotAllowed").withArgs(w.safe.multiSend);
      const signMessage = new Contract(w.safe.signMessageLib, ART.safe.SignMessageLib().abi).interface.encodeFunctionData("signMessage", ["0x1234"]);
      // On-chain message signing is timelocked like a Safe configuration change (see hardening.test.ts).
      await expect(ownerTx(c, { to: w.safe.signMessageLib, data: signMessage, operation: OPERATION.DELEGATECALL }))
        .to.be.revertedWithCustomError(c.g.policy, "NotScheduled").withArgs(changeId(c.safe, signMessage));
      const anyCall = erc20Iface.encodeFunctionData("transfer", [c.outsiderAddr, USDC(1_000)]);
      await expect(ownerTx(c, { to: w.tokens.USDC, data: anyCall, operation: OPERATION.DELEGATECALL }))
        .to.be.revertedWithCustomError(c.g.policy, "DelegateCallNotAllowed").withArgs(w.tokens.USDC);
      await expectUnchanged(c, before);
    });

    it("refuses a MultiSendCallOnly batch hiding a forbidden call among allowed ones; nothing of the allowed part runs", async () => {
      const w = c.g.world;
      const before = await freeze(c);
      await expect(ownerTx(c, [
        ...supplyBatch(c, w.tokens.USDC, USDC(10_000)),
        policyCall(c, "recordDecision", ["0x" + "ab".repeat(32)]),
        transfer(w.tokens.WETH, c.outsiderAddr, parseEther("1")),
        ...swapBatch(c, { tokenIn: w.tokens.WETH, tokenOut: w.tokens.USDC, amountIn: parseEther("1") }),
      ])).to.be.revertedWithCustomError(c.g.policy, "PayeeNotAllowed").withArgs(c.outsiderAddr);
      expect(await c.tokens.USDC.allowance(c.safe, w.aave.pool)).to.equal(0n);
      expect(await c.tokens.WETH.allowance(c.safe, w.uniswap.swapRouter)).to.equal(0n);
      await expectUnchanged(c, before);
    });

    it("refuses a nested MultiSendCallOnly call inside a batch (NestedBatch)", async () => {
      const w = c.g.world;
      const before = await freeze(c);
      const inner = rawBatchData([transfer(w.tokens.USDC, c.outsiderAddr, USDC(1_000))]);
      await expect(ownerTx(c, [approve(w.tokens.USDC, w.aave.pool, 1n), { to: w.safe.multiSendCallOnly, data: inner }]))
        .to.be.revertedWithCustomError(c.g.policy, "NestedBatch");
      await expectUnchanged(c, before);
    });

    it("refuses a batch entry with operation DELEGATECALL (DelegateCallNotAllowed)", async () => {
      const w = c.g.world;
      const before = await freeze(c);
      const signMessage = new Contract(w.safe.signMessageLib, ART.safe.SignMessageLib().abi).interface.encodeFunctionData("signMessage", ["0x1234"]);
      await expect(ownerTx(c, rawBatch(c, [
        approve(w.tokens.USDC, w.aave.pool, 1n),
        { to: w.safe.signMessageLib, data: signMessage, operation: OPERATION.DELEGATECALL },
      ]))).to.be.revertedWithCustomError(c.g.policy, "DelegateCallNotAllowed").withArgs(w.safe.signMessageLib);
      await expectUnchanged(c, before);
    });

    it("refuses malformed batches (trailing bytes, wrong selector) and a CALL of MultiSendCallOnly", async () => {
      const w = c.g.world;
      const before = await freeze(c);
      const good = rawBatchData([approve(w.tokens.USDC, w.aave.pool, 1n)]);
      // multiSend(bytes) with one stray byte appended to the packed transactions.
      const packed = encodeMultiSend([approve(w.tokens.USDC, w.aave.pool, 1n)]);
      const trailing = AbiCoder.defaultAbiCoder().encode(["bytes"], [packed + "00"]);
      await expect(ownerTx(c, { to: w.safe.multiSendCallOnly, data: good.slice(0, 10) + trailing.slice(2), operation: OPERATION.DELEGATECALL }))
        .to.be.revertedWithCustomError(c.g.policy, "MalformedCalldata");
      await expect(ownerTx(c, { to: w.safe.multiSendCallOnly, data: "0xdeadbeef" + good.slice(10), operation: OPERATION.DELEGATECALL }))
        .to.be.revertedWithCustomError(c.g.policy, "MalformedCalldata");
      await expect(ownerTx(c, { to: w.safe.multiSendCallOnly, data: good }))
        .to.be.revertedWithCustomError(c.g.policy, "TargetNotAllowed").withArgs(w.safe.multiSendCallOnly, good.slice(0, 10));
      await expectUnchanged(c, before);
    });

    it("refuses owner calls to the guard and the module, also from inside a batch (ProtectedTarget)", async () => {
      const before = await freeze(c);
      const exit = new Interface(["function emergencyExit()"]).encodeFunctionData("emergencyExit", []);
      await expect(ownerTx(c, { to: c.g.addresses.module, data: exit }))
        .to.be.revertedWithCustomError(c.g.policy, "ProtectedTarget").withArgs(c.g.addresses.module);
      await expect(ownerTx(c, [approve(c.g.world.tokens.USDC, c.g.world.aave.pool, 1n), { to: c.g.addresses.guard, data: "0x12345678" }]))
        .to.be.revertedWithCustomError(c.g.policy, "ProtectedTarget").withArgs(c.g.addresses.guard);
      await expectUnchanged(c, before);
    });
  });

  describe("gas-refund drain", () => {
    it("refuses non-zero gasPrice, gasToken or refundReceiver, signed by the owners (GasRefundNotAllowed)", async () => {
      await fundSafeEth(c, parseEther("5"));
      const w = c.g.world;
      const executor = await c.g.quorum[0].getAddress();
      const executorEth = await w.provider.getBalance(executor);
      const before = await freeze(c);
      const tx = approve(w.tokens.USDC, w.aave.pool, 1n);
      for (const overrides of [
        { gasPrice: 10n ** 12n, refundReceiver: c.outsiderAddr },
        { gasPrice: 1n },
        { gasToken: w.tokens.USDC, gasPrice: 1n, baseGas: 1_000_000n, refundReceiver: c.outsiderAddr },
        { gasToken: w.tokens.USDC },
        { refundReceiver: c.outsiderAddr },
      ]) {
        await expect(ownerTx(c, tx, overrides), JSON.stringify(overrides, (_, v) => (typeof v === "bigint" ? v.toString() : v)))
          .to.be.revertedWithCustomError(c.g.guard, "GasRefundNotAllowed");
      }
      // The Safe paid nothing, the refund receiver got nothing, the executor only paid its own gas.
      await expectUnchanged(c, before);
      expect(await w.provider.getBalance(executor)).to.be.lt(executorEth);
      expect(await w.provider.getBalance(c.safe)).to.equal(parseEther("5"));
    });
  });

  it("control: the same kind of owner batch with the Safe as receiver passes and is outcome-checked", async () => {
    const w = c.g.world;
    const rc = await ownerExec(c, supplyBatch(c, w.tokens.USDC, USDC(10_000)));
    const ev = rc.logs.filter((l) => l.address === c.g.addresses.guard).map((l) => c.g.guard.interface.parseLog(l)).find((e) => e?.name === "OwnerTransactionChecked");
    expect(ev?.args.outcomeChecked).to.equal(true);
    expect(ev?.args.success).to.equal(true);
    const aUsdc = new Contract(w.aave.aTokens.USDC, ABI.erc20(), w.provider);
    expect(await aUsdc.balanceOf(c.safe)).to.be.within(USDC(10_000) - 1n, USDC(10_000));
  });
});
