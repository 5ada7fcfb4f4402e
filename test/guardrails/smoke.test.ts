import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { Contract, parseUnits, formatUnits } from "ethers";
import { guardedWorldFixture } from "../helpers/guarded";
import { executeSafeTx, ABI } from "../../scripts/world";
import { aaveSupply, approve } from "../../lib/chain/encode";
import type { Hex } from "viem";

describe("guardrails smoke", () => {
  it("values the treasury and lets owners supply to Aave", async () => {
    const g = await loadFixture(guardedWorldFixture);
    const nav = await g.valuation.nav();
    console.log("nav", formatUnits(nav, 18));
    const alloc = await g.valuation.allocation();
    console.log("volatile bps", alloc[0].toString());
    const usdc = g.world.tokens.USDC;
    const amount = parseUnits("10000", 6);
    const rc = await executeSafeTx({
      safe: g.world.treasury.safe, owners: g.quorum, infra: g.world.safe,
      tx: [
        approve(usdc as Hex, g.world.aave.pool as Hex, amount),
        aaveSupply(g.world.aave.pool as Hex, usdc as Hex, amount, g.world.treasury.safe as Hex),
      ],
    });
    console.log("gas", rc.gasUsed.toString());
    const aUsdc = new Contract(g.world.aave.aTokens.USDC, ABI.erc20(), g.world.provider);
    expect(await aUsdc.balanceOf(g.world.treasury.safe)).to.be.gte(amount - 1n);
  });
});
