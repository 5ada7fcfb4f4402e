// The valuation reads the policy's configuration from a data contract the policy publishes on every
// change (one EXTCODECOPY instead of ~50 cold storage reads) and decodes it without abi.decode.
// These tests pin that the decoded configuration is exactly what the policy wrote, before and after
// changes, so the cheaper decoder can never drift from the encoding.
import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { AbiCoder, ParamType, dataSlice } from "ethers";
import { guardedWorldFixture, GuardedWorld } from "../helpers/guarded";
import { executeSafeTx } from "../../scripts/world";

/** abi.decode of the registry's code (after the leading STOP byte), done by ethers. */
async function registryDecodedByEthers(g: GuardedWorld) {
  const code = await g.world.provider.getCode(await g.policy.registry());
  expect(dataSlice(code, 0, 1)).to.equal("0x00"); // STOP: the data contract cannot be called
  const type = ParamType.from(g.valuation.interface.getFunction("config")!.outputs[0]);
  return AbiCoder.defaultAbiCoder().decode([type], dataSlice(code, 1))[0];
}

/** Deep plain form of an ethers Result (nested arrays of values; bigints as strings) for deep equality. */
const plain = (x: unknown): unknown =>
  Array.isArray(x) ? x.map(plain) : typeof x === "bigint" ? x.toString() : x;

describe("guardrails: the published registry", () => {
  it("decodes to exactly what the policy encoded, and matches getConfig()", async () => {
    const g = await loadFixture(guardedWorldFixture);
    const decoded = await g.valuation.config();
    expect(plain(decoded)).to.deep.equal(plain(await registryDecodedByEthers(g)));
    const cfg = await g.lens.getConfig(g.addresses.policy);
    expect(decoded.safe).to.equal(g.world.treasury.safe);
    expect(decoded.pendleOracle).to.equal(g.addresses.pendleOracle);
    expect(plain(decoded.assets)).to.deep.equal(plain(cfg.assets));
    expect(plain(decoded.positions)).to.deep.equal(plain(cfg.positions));
    expect(plain(decoded.caps)).to.deep.equal(plain(cfg.caps));
    expect(plain(decoded.limits)).to.deep.equal(plain(cfg.limits));
    expect(decoded.version).to.equal(cfg.configVersion);
    expect(decoded.assets.length).to.equal(4);
    expect(decoded.positions.length).to.equal(7);
    expect(decoded.protocols.length).to.equal(4); // aave-v3, two ERC-4626 vaults, pendle
  });

  it("is republished when what the valuation reads changes, and the valuation follows at once", async () => {
    const g = await loadFixture(guardedWorldFixture);
    const before = await g.policy.registry();
    const P = g.policy.interface;
    // Tightening is immediate: lower the volatile cap, remove a position.
    await executeSafeTx({
      safe: g.world.treasury.safe, owners: g.quorum, infra: g.world.safe,
      tx: [
        { to: g.addresses.policy, data: P.encodeFunctionData("setCaps", [{ maxVolatileBps: 3_500, maxProtocolBps: 6_000, maxPositionBps: 5_000 }]) },
        { to: g.addresses.policy, data: P.encodeFunctionData("removePosition", [g.world.aave.aTokens.WBTC]) },
      ],
    });
    const after = await g.policy.registry();
    expect(after).to.not.equal(before);
    const decoded = await g.valuation.config();
    expect(plain(decoded)).to.deep.equal(plain(await registryDecodedByEthers(g)));
    expect(decoded.caps.maxVolatileBps).to.equal(3_500n);
    expect(decoded.positions.map((p) => p.token)).to.not.include(g.world.aave.aTokens.WBTC);
    expect(decoded.positions.length).to.equal(6);
    expect(decoded.version).to.equal((await g.lens.getConfig(g.addresses.policy)).configVersion);
  });
});
