// The world's transaction wait on the local chain never hangs: a transaction the chain did not mine
// is mined with evm_mine after a while (a loaded anvil left one in its pool and the deploy hung for
// minutes), and one that cannot be mined (a nonce gap) fails naming it instead of waiting forever.
import { expect } from "chai";
import hre from "hardhat";
import { confirm } from "../../scripts/world/tx";

const FAST = { pollMs: 50, nudgeAfterMs: 300, giveUpMs: 2_000 };

describe("local world: confirm() on the local chain", () => {
  afterEach(async () => {
    await hre.network.provider.send("evm_setAutomine", [true]);
  });

  it("a transaction left in the pool (automine off) is mined after the nudge delay and its receipt returned", async () => {
    const [a, b] = await hre.ethers.getSigners();
    await hre.network.provider.send("evm_setAutomine", [false]);
    const before = await hre.ethers.provider.getBlockNumber();
    const receipt = await confirm("a transfer nobody mines", a.sendTransaction({ to: b.address, value: 1n }), FAST);
    expect(receipt.status).to.equal(1);
    expect(receipt.blockNumber).to.equal(before + 1);
  });

  it("a transaction that cannot be mined (a nonce gap) fails with its hash and nonce, not a hang", async () => {
    const [a, b] = await hre.ethers.getSigners();
    await hre.network.provider.send("evm_setAutomine", [false]);
    const nonce = (await a.getNonce("pending")) + 5;
    const sent = a.sendTransaction({ to: b.address, value: 1n, nonce });
    const err = await confirm("a transfer after a gap", sent, FAST).then(() => undefined, (e: Error) => e);
    const hash = (await sent).hash;
    expect(err, "confirm must fail").to.be.instanceOf(Error);
    expect(err!.message).to.include(`a transfer after a gap: no receipt for ${hash} (nonce ${nonce}`);
    expect(err!.message).to.match(/after 2 s on the local chain/);
    await hre.network.provider.send("hardhat_dropTransaction", [hash]);
  });
});
