// What one call rule costs: every rule is an external staticcall from the policy, and reads the
// policy back through IPolicyView. These bounds keep a rule from turning into a storage-read storm
// (each figure is one fresh eth_call: cold addresses and slots, as in a real transaction). The
// figures are printed for the gas report; bench/gas.json holds the whole guard overhead.
import { expect } from "chai";
import { loadFixture } from "@nomicfoundation/hardhat-network-helpers";
import { guardedWorldFixture } from "../helpers/guarded";
import { measureRuleGas } from "../../scripts/bench/ruleGas";

describe("guardrails: call-rule gas", () => {
  it("each rule's check and the policy's check of approve + supply stay within their bounds", async () => {
    const g = await loadFixture(guardedWorldFixture);
    const w = g.world;
    const gas = await measureRuleGas(w.signers.deployer, {
      safe: w.treasury.safe,
      policy: g.policy,
      addresses: g.addresses,
      tokens: w.tokens,
      aavePool: w.aave.pool,
      scrvUSD: w.erc4626.scrvUSD,
      swapRouter: w.uniswap.swapRouter,
      wethUsdcFee: w.uniswap.pools.WETH_USDC.fee,
      pendle: { router: w.pendle.router, market: w.pendle.market },
      multiSendCallOnly: w.safe.multiSendCallOnly,
      cow: { settlement: w.cow.settlement, chainId: w.chainId },
    });
    expect(gas.rules).to.have.property("CowSwapRule.setPreSignature");
    console.log(`      rule gas: ${JSON.stringify(gas)}`);
    // A rule = one cold CALL (2.6k) + its decoding + a few IPolicyView reads (cold slot 2.1k each).
    for (const [name, used] of Object.entries(gas.rules)) {
      // Pendle also asks the market for its PT. CoW reads the settlement's domain separator, two price
      // feeds (cold: ≈ 12k each here), two asset configs and the loss limit, and hashes the order.
      const bound = name.startsWith("PendleRule") ? 35_000 : name.startsWith("CowSwapRule") ? 70_000 : 20_000;
      expect(used, name).to.be.gt(2_600).and.lte(bound);
    }
    expect(gas.policyCheckApproveSupplyBatch, "guard path: multiSend(approve, supply)").to.be.lte(60_000);
    expect(gas.policyCheckApprove + gas.policyCheckSupply, "module path: approve, supply").to.be.lte(60_000);
  });
});
