// The published ABIs (deployments/abi, written by every compile) decode our reverts by name, even
// when wrapped by the module, and the Safe's own GS codes; unknown data is reported, never guessed.
import { expect } from "chai";
import { encodeErrorResult, type Abi } from "viem";
import fs from "node:fs";
import path from "node:path";
import { decodeRevert, publishedErrorsAbi, revertDataOf, PUBLISHED_ABI_DIR } from "../../scripts/abi/revert";

const abiOf = (name: string) => JSON.parse(fs.readFileSync(path.join(PUBLISHED_ABI_DIR, `${name}.json`), "utf8")) as Abi;
const PAYEE = "0x23618e81E3f5cdF7f54C3d65f7FBc0aBf5B21E8f";

describe("published ABIs: revert decoding", () => {
  it("publishes every deployed guardrail contract with its custom errors", () => {
    const errors = publishedErrorsAbi().map((e) => e.name);
    for (const name of ["TreasuryPolicy", "TreasuryValuation", "TreasuryGuard", "AgentModule"]) {
      expect(fs.existsSync(path.join(PUBLISHED_ABI_DIR, `${name}.json`)), name).to.equal(true);
    }
    expect(errors).to.include.members(["PayeeNotAllowed", "NavLoss", "AutonomyLimitExceeded", "GasRefundNotAllowed"]);
  });

  it("names an error and its arguments, and decodes a wrapped reason recursively", () => {
    const payee = encodeErrorResult({ abi: abiOf("TreasuryPolicy"), errorName: "PayeeNotAllowed", args: [PAYEE] });
    expect(payee.slice(0, 10)).to.equal("0xbc2f3a3f");
    expect(decodeRevert(payee)).to.equal(`PayeeNotAllowed(to=${PAYEE})`);
    const wrapped = encodeErrorResult({ abi: abiOf("AgentModule"), errorName: "CallFailed", args: [2n, payee] });
    expect(decodeRevert(wrapped)).to.equal(`CallFailed(index=2, reason=PayeeNotAllowed(to=${PAYEE}))`);
    const loss = encodeErrorResult({ abi: abiOf("TreasuryValuation"), errorName: "NavLoss", args: [100n, 90n, 0n, 99n] });
    expect(decodeRevert(loss)).to.equal("NavLoss(navBefore=100, navAfter=90, outflowUsd=0, minNavAfter=99)");
  });

  it("explains Safe codes and refuses to guess the rest", () => {
    const gs = encodeErrorResult({ abi: [{ type: "error", name: "Error", inputs: [{ name: "message", type: "string" }] }], errorName: "Error", args: ["GS026"] });
    expect(decodeRevert(gs)).to.match(/^Error\("GS026"\): Safe: invalid owner signature/);
    expect(decodeRevert("0xdeadbeef")).to.equal("unknown error selector 0xdeadbeef (not one of ours, Error(string) or Panic(uint256))");
    expect(decodeRevert("0x")).to.match(/^empty revert/);
    expect(() => decodeRevert("not hex")).to.throw(/not hex revert data/);
  });

  it("finds the revert bytes nested in client errors", () => {
    const data = "0xbc2f3a3f00000000000000000000000023618e81e3f5cdf7f54c3d65f7fbc0abf5b21e8f";
    expect(revertDataOf({ message: "x", cause: { cause: { data } } })).to.equal(data);
    expect(revertDataOf({ info: { error: { data } } })).to.equal(data);
    expect(revertDataOf(new Error("no data"))).to.equal(undefined);
  });
});
