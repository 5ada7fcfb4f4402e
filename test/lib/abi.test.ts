// The library's ABIs are pinned: guardrail ABIs equal the published deployments/abi (regenerate with
// `npm run gen:abi`), and every hand-kept protocol function has the selector of the protocol's own
// npm build artifact (a typo in a struct field type would change it).
import fs from "node:fs";
import path from "node:path";
import { expect } from "chai";
import { toFunctionSelector, type Abi, type AbiFunction } from "viem";
import * as abis from "../../lib/chain/abi";
import { GENERATED_FILE, renderGuardrailAbis } from "../../scripts/abi/gen-lib-abi";

const nm = (rel: string) => JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "node_modules", rel), "utf8"));
const abiOf = (rel: string): Abi => {
  const j = nm(rel);
  return (Array.isArray(j) ? j : j.abi) as Abi;
};

const PINS: [keyof typeof abis, string[]][] = [
  ["erc20Abi", ["@openzeppelin/contracts/build/contracts/ERC20.json"]],
  ["aavePoolAbi", ["@aave/core-v3/artifacts/contracts/protocol/pool/Pool.sol/Pool.json"]],
  ["erc4626Abi", ["@openzeppelin/contracts/build/contracts/ERC4626.json"]],
  ["swapRouterAbi", ["@uniswap/v3-periphery/artifacts/contracts/SwapRouter.sol/SwapRouter.json"]],
  ["uniswapV3PoolAbi", ["@uniswap/v3-core/artifacts/contracts/UniswapV3Pool.sol/UniswapV3Pool.json"]],
  ["pendleRouterAbi", ["@pendle/core-v2/build/artifacts/contracts/interfaces/IPAllActionV3.sol/IPAllActionV3.json"]],
  ["pendleMarketAbi", ["@pendle/core-v2/build/artifacts/contracts/interfaces/IPMarket.sol/IPMarket.json"]],
  ["pendleOracleAbi", ["@pendle/core-v2/build/artifacts/contracts/interfaces/IPPYLpOracle.sol/IPPYLpOracle.json"]],
  ["aggregatorV3Abi", ["@chainlink/contracts/abi/v0.8/AggregatorV3Interface.json"]],
  ["safeAbi", ["@safe-global/safe-contracts/build/artifacts/contracts/Safe.sol/Safe.json"]],
  ["gpv2SettlementAbi", ["@cowprotocol/contracts/deployments/mainnet/GPv2Settlement.json"]],
  ["gpv2AuthenticationAbi", ["@cowprotocol/contracts/deployments/mainnet/GPv2AllowListAuthentication_Implementation.json"]],
  ["multiSendAbi", ["@safe-global/safe-contracts/build/artifacts/contracts/libraries/MultiSendCallOnly.sol/MultiSendCallOnly.json"]],
];

const fns = (abi: Abi) => abi.filter((x): x is AbiFunction => x.type === "function");

describe("lib/chain ABIs", () => {
  it("guardrail ABIs are the published deployments/abi (npm run gen:abi)", () => {
    expect(fs.readFileSync(GENERATED_FILE, "utf8")).to.equal(renderGuardrailAbis());
  });

  it("swapRouter02Abi has SwapRouter02's selectors (its package is not installed: the mainnet router's published selectors)", () => {
    const sels = fns(abis.swapRouter02Abi as Abi).map((f) => `${f.name}:${toFunctionSelector(f)}`);
    expect(sels).to.deep.equal(["exactInputSingle:0x04e45aaf", "exactInput:0xb858183f"]);
  });

  for (const [name, files] of PINS) {
    it(`${name}: every function matches the protocol artifact's selector and outputs`, () => {
      const ours = fns(abis[name] as Abi);
      expect(ours.length).to.be.greaterThan(0);
      const theirs = files.flatMap((f) => fns(abiOf(f)));
      for (const f of ours) {
        const sel = toFunctionSelector(f);
        const match = theirs.find((t) => toFunctionSelector(t) === sel);
        expect(match, `${name}.${f.name} (${sel}) not in ${files.join(", ")}`).to.not.equal(undefined);
        expect(f.outputs.map((o) => o.type), `${name}.${f.name} outputs`).to.deep.equal(match!.outputs.map((o) => o.type));
      }
    });
  }
});
