// The library's encoders produce the calldata the protocols' own ABIs decode to the same arguments,
// and the deployments schema accepts the committed files and names what is wrong in a bad one.
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { expect } from "chai";
import { Interface } from "ethers";
import { maxUint256, zeroAddress, type Address } from "viem";
import * as enc from "../../lib/chain/encode";
import { encodeMultiSend, multiSendCallOnlyTx } from "../../lib/chain/safe";
import { parseDeployment, readDeployment } from "../../lib/chain/deployments";

const art = (rel: string) => new Interface(JSON.parse(fs.readFileSync(path.join(__dirname, "..", "..", "node_modules", rel), "utf8")).abi);
const POOL = art("@aave/core-v3/artifacts/contracts/protocol/pool/Pool.sol/Pool.json");
const VAULT = art("@openzeppelin/contracts/build/contracts/ERC4626.json");
const ROUTER = art("@uniswap/v3-periphery/artifacts/contracts/SwapRouter.sol/SwapRouter.json");
const PENDLE = art("@pendle/core-v2/build/artifacts/contracts/interfaces/IPAllActionV3.sol/IPAllActionV3.json");

const A = "0x1111111111111111111111111111111111111111" as Address;
const B = "0x2222222222222222222222222222222222222222" as Address;
const SAFE = "0x3333333333333333333333333333333333333333" as Address;

describe("lib/chain encoders", () => {
  it("Aave supply/withdraw/borrow/repay decode with the Pool artifact", () => {
    const s = POOL.decodeFunctionData("supply", enc.aaveSupply(B, A, 5n, SAFE).data);
    expect([s[0], s[1], s[2], s[3]]).to.deep.equal([A, 5n, SAFE, 0n]);
    const w = POOL.decodeFunctionData("withdraw", enc.aaveWithdraw(B, A, maxUint256, SAFE).data);
    expect([w[0], w[1], w[2]]).to.deep.equal([A, maxUint256, SAFE]);
    const b = POOL.decodeFunctionData("borrow", enc.aaveBorrow(B, A, 7n, SAFE).data);
    expect([b[0], b[1], b[2], b[4]]).to.deep.equal([A, 7n, 2n, SAFE]);
    const r = POOL.decodeFunctionData("repay", enc.aaveRepay(B, A, 7n, SAFE).data);
    expect([r[0], r[1], r[2], r[3]]).to.deep.equal([A, 7n, 2n, SAFE]);
    expect(enc.aaveSupply(B, A, 5n, SAFE).to).to.equal(B);
  });

  it("ERC-4626 deposit/redeem/withdraw", () => {
    expect([...VAULT.decodeFunctionData("deposit", enc.vaultDeposit(B, 9n, SAFE).data)]).to.deep.equal([9n, SAFE]);
    expect([...VAULT.decodeFunctionData("redeem", enc.vaultRedeem(B, 9n, SAFE, SAFE).data)]).to.deep.equal([9n, SAFE, SAFE]);
    expect([...VAULT.decodeFunctionData("withdraw", enc.vaultWithdraw(B, 9n, SAFE, SAFE).data)]).to.deep.equal([9n, SAFE, SAFE]);
  });

  it("Uniswap exactInputSingle carries minOut, recipient and deadline", () => {
    const c = enc.uniswapExactInputSingle(B, { tokenIn: A, tokenOut: B, fee: 500, recipient: SAFE, deadline: 99n, amountIn: 10n, amountOutMinimum: 8n });
    const [p] = ROUTER.decodeFunctionData("exactInputSingle", c.data);
    expect([p.tokenIn, p.tokenOut, p.fee, p.recipient, p.deadline, p.amountIn, p.amountOutMinimum, p.sqrtPriceLimitX96]).to.deep.equal([A, B, 500n, SAFE, 99n, 10n, 8n, 0n]);
  });

  it("Pendle swaps carry no aggregator swap and no limit router (the policy refuses both)", () => {
    const buy = PENDLE.decodeFunctionData("swapExactTokenForPt", enc.pendleSwapExactTokenForPt(B, { receiver: SAFE, market: A, minPtOut: 3n, tokenIn: B, amountIn: 4n }).data);
    expect([buy[0], buy[1], buy[2], buy[4].tokenIn, buy[4].netTokenIn, buy[4].pendleSwap, buy[5].limitRouter]).to.deep.equal([SAFE, A, 3n, B, 4n, zeroAddress, zeroAddress]);
    const sell = PENDLE.decodeFunctionData("swapExactPtForToken", enc.pendleSwapExactPtForToken(B, { receiver: SAFE, market: A, exactPtIn: 5n, tokenOut: B, minTokenOut: 2n }).data);
    expect([sell[0], sell[1], sell[2], sell[3].tokenOut, sell[3].minTokenOut, sell[3].pendleSwap, sell[4].limitRouter]).to.deep.equal([SAFE, A, 5n, B, 2n, zeroAddress, zeroAddress]);
    const redeem = PENDLE.decodeFunctionData("redeemPyToToken", enc.pendleRedeemPyToToken(B, { receiver: SAFE, yt: A, netPyIn: 6n, tokenOut: B, minTokenOut: 1n }).data);
    expect([redeem[0], redeem[1], redeem[2], redeem[3].tokenOut]).to.deep.equal([SAFE, A, 6n, B]);
  });

  it("MultiSend packs operation|to|value|length|data and refuses DELEGATECALL entries and empty batches", () => {
    const c = enc.approve(A, B, 1n);
    const packed = encodeMultiSend([c]);
    expect(packed.slice(2, 4)).to.equal("00");
    expect(packed.slice(4, 44)).to.equal(A.slice(2).toLowerCase());
    expect(BigInt("0x" + packed.slice(108, 172))).to.equal(68n);
    expect(packed.slice(172)).to.equal(c.data.slice(2));
    expect(multiSendCallOnlyTx(B, [c]).operation).to.equal(1);
    expect(() => multiSendCallOnlyTx(B, [{ ...c, operation: 1 }])).to.throw(/CALL operations/);
    expect(() => encodeMultiSend([])).to.throw(/empty batch/);
  });
});

describe("lib/chain deployments schema", () => {
  const mainnet = path.join(__dirname, "..", "..", "deployments", "mainnet.json");

  it("accepts the committed mainnet file and keeps its extra keys", () => {
    const d = readDeployment(mainnet);
    expect(d.chainId).to.equal(1);
    expect(d.guardrails).to.equal(null);
    expect((d as Record<string, unknown>).sources).to.not.equal(undefined);
  });

  it("names the bad key path and the fix", () => {
    const json = JSON.parse(fs.readFileSync(mainnet, "utf8"));
    json.aave.pool = "0x1234";
    delete json.uniswap;
    expect(() => parseDeployment(json, "x.json")).to.throw(/x\.json: invalid deployments file \(.*aave\.pool: not a 20-byte hex address.*uniswap/);
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "dep-")), "bad.json");
    fs.writeFileSync(file, "{not json");
    expect(() => readDeployment(file)).to.throw(/cannot read a deployments JSON file/);
  });
});
