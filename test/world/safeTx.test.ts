import { expect } from "chai";
import { Contract } from "ethers";
import { loadFixture } from "@nomicfoundation/hardhat-toolbox/network-helpers";
import {
  ABI, MetaTx, World, buildSafeTx, encodeMultiSend, execSafeTx, executeSafeTx, multiSendCallOnlyTx, safeTxHash, signSafeTx,
} from "../../scripts/world";
import { erc20, worldFixture } from "../helpers/world";
import { ownerKit, signedBatch } from "../helpers/protocolKit";

describe("local world: Safe transaction helpers", () => {
  let world: World;
  let usdc: Contract;
  let dai: Contract;
  let transfers: MetaTx[];
  beforeEach(async () => {
    world = await loadFixture(worldFixture);
    usdc = erc20(world, world.tokens.USDC);
    dai = erc20(world, world.tokens.DAI);
    transfers = [
      { to: world.tokens.USDC, data: usdc.interface.encodeFunctionData("transfer", [world.accounts.outsider, 1_234_000_000n]) },
      { to: world.tokens.DAI, data: dai.interface.encodeFunctionData("transfer", [world.accounts.agent, 5n * 10n ** 18n]) },
    ];
  });

  it("safeTxHash matches Safe.getTransactionHash on chain", async () => {
    const [o1] = world.signers.owners;
    const tx = await buildSafeTx(world.treasury.safe, o1, multiSendCallOnlyTx(world.safe.multiSendCallOnly, transfers));
    const safe = new Contract(world.treasury.safe, ABI.safe(), world.provider);
    const onChain = await safe.getTransactionHash(
      tx.to, tx.value, tx.data, tx.operation, tx.safeTxGas, tx.baseGas, tx.gasPrice, tx.gasToken, tx.refundReceiver, tx.nonce,
    );
    expect(safeTxHash(world.treasury.safe, world.chainId, tx)).to.equal(onChain);
  });

  it("encodes MultiSendCallOnly batches byte-for-byte like protocol-kit", async () => {
    const { tx } = await signedBatch(world, transfers, [0]);
    const mine = multiSendCallOnlyTx(world.safe.multiSendCallOnly, transfers);
    expect(tx.data.to).to.equal(world.safe.multiSendCallOnly);
    expect(tx.data.operation).to.equal(1);
    expect(tx.data.data).to.equal(mine.data);
    expect(mine.operation).to.equal(1);
    // Packed layout of the first entry: operation(1) ++ to(20) ++ value(32) ++ length(32) ++ data.
    const packed = encodeMultiSend(transfers.slice(0, 1));
    expect(packed.length).to.equal(2 + 2 * (1 + 20 + 32 + 32 + 68));
    expect(packed.slice(2, 4)).to.equal("00");
    expect("0x" + packed.slice(4, 44)).to.equal(world.tokens.USDC.toLowerCase());
  });

  it("executes a batch with two owners' EIP-712 signatures (given in any order) and exact balance changes", async () => {
    const [o1, , o3] = world.signers.owners;
    const usdcBefore: bigint = await usdc.balanceOf(world.treasury.safe);
    const daiBefore: bigint = await dai.balanceOf(world.treasury.safe);
    const receipt = await executeSafeTx({ safe: world.treasury.safe, owners: [o3, o1], tx: transfers, infra: world.safe });
    expect(receipt.status).to.equal(1);
    expect(await usdc.balanceOf(world.treasury.safe)).to.equal(usdcBefore - 1_234_000_000n);
    expect(await usdc.balanceOf(world.accounts.outsider)).to.equal(1_234_000_000n);
    expect(await dai.balanceOf(world.treasury.safe)).to.equal(daiBefore - 5n * 10n ** 18n);
    expect(await dai.balanceOf(world.accounts.agent)).to.equal(5n * 10n ** 18n);
    expect(await new Contract(world.treasury.safe, ABI.safe(), world.provider).nonce()).to.equal(1n);
  });

  it("reverts GS020 when the threshold is not met (one signature), and nothing moves", async () => {
    const [o1] = world.signers.owners;
    const safeTx = await buildSafeTx(world.treasury.safe, o1, multiSendCallOnlyTx(world.safe.multiSendCallOnly, transfers));
    const oneSig = await signSafeTx(world.treasury.safe, world.chainId, safeTx, [o1]);
    const safe = new Contract(world.treasury.safe, ABI.safe(), world.provider);
    await expect(execSafeTx(world.treasury.safe, safeTx, oneSig, world.signers.outsider)).to.be.revertedWith("GS020");

    // The same through protocol-kit: an execTransaction encoded with a single owner signature.
    const { kit, tx } = await signedBatch(world, transfers, [0]);
    expect(tx.signatures.size).to.equal(1);
    const data = await kit.getEncodedTransaction(tx);
    await expect(world.signers.outsider.sendTransaction({ to: world.treasury.safe, data })).to.be.revertedWith("GS020");

    expect(await safe.nonce()).to.equal(0n);
    expect(await usdc.balanceOf(world.accounts.outsider)).to.equal(0n);
  });

  it("rejects unsorted signatures (GS026) and non-owner signatures", async () => {
    const [o1, o2] = world.signers.owners;
    const safeTx = await buildSafeTx(world.treasury.safe, o1, transfers[0]);
    const sorted = await signSafeTx(world.treasury.safe, world.chainId, safeTx, [o1, o2]);
    // Swap the two 65-byte signatures: Safe requires ascending owner order.
    const body = sorted.slice(2);
    const swapped = "0x" + body.slice(130) + body.slice(0, 130);
    await expect(execSafeTx(world.treasury.safe, safeTx, swapped, o1)).to.be.revertedWith("GS026");
    const withStranger = await signSafeTx(world.treasury.safe, world.chainId, safeTx, [o1, world.signers.outsider]);
    await expect(execSafeTx(world.treasury.safe, safeTx, withStranger, o1)).to.be.revertedWith("GS026");
    // The correctly ordered pair works.
    expect(sorted).to.have.length(2 + 2 * 130);
    await expect(execSafeTx(world.treasury.safe, safeTx, sorted, o1)).to.emit(
      new Contract(world.treasury.safe, ABI.safe(), world.provider),
      "ExecutionSuccess",
    );
  });

  it("refuses to put a DELEGATECALL into a MultiSendCallOnly batch", () => {
    expect(() => multiSendCallOnlyTx(world.safe.multiSendCallOnly, [{ ...transfers[0], operation: 1 }])).to.throw(/only contain CALL/);
    expect(() => encodeMultiSend([])).to.throw(/empty batch/);
  });

  it("protocol-kit sees the treasury through contractNetworks", async () => {
    const kit = await ownerKit(world, 2);
    expect(await kit.getAddress()).to.equal(world.treasury.safe);
    expect(await kit.getThreshold()).to.equal(2);
    expect(await kit.getOwners()).to.deep.equal(world.treasury.owners);
    expect(await kit.getContractVersion()).to.equal("1.4.1");
  });
});
