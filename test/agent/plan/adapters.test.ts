// Approvals are exact, and reset to 0 first only for tokens that need it and only when non-zero.
import { expect } from "chai";
import { decodeFunctionData, type Address } from "viem";
import { erc20Abi } from "../../../lib/chain/abi";
import { exactApproval } from "../../../agent/src/plan/adapters/erc20";
import { lessBps } from "../../../agent/src/plan/types";

const T = "0x1111111111111111111111111111111111111111" as Address;
const S = "0x2222222222222222222222222222222222222222" as Address;
const amounts = (calls: { data: `0x${string}` }[]) => calls.map((c) => decodeFunctionData({ abi: erc20Abi, data: c.data }).args[1]);

describe("agent plan: adapters", () => {
  it("exact approval; USDT-style tokens get approve(0) first when an allowance is left", () => {
    expect(amounts(exactApproval(T, S, 5n, 0n, false))).to.deep.equal([5n]);
    expect(amounts(exactApproval(T, S, 5n, 7n, false))).to.deep.equal([5n]);
    expect(amounts(exactApproval(T, S, 5n, 7n, true))).to.deep.equal([0n, 5n]);
    expect(amounts(exactApproval(T, S, 5n, 0n, true))).to.deep.equal([5n]);
  });

  it("minOut is the amount less the slippage, rounded down", () => {
    expect(lessBps(10_000n, 100)).to.equal(9_900n);
    expect(lessBps(999n, 1)).to.equal(998n);
  });
});
